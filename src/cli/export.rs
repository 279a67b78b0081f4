//! `cardrecon export`: the canonical tables of a month as hive-partitioned Parquet, for Spark,
//! DuckDB or polars (`crate::export`), next to the statement `cardrecon sql` prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{runtime, FilesArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub files: FilesArgs,
    /// Directory to write `provider_records/` and `ledger_entries/` under (each replaced whole).
    #[arg(long)]
    pub out: PathBuf,
    /// Include a store's earlier open items (sqlite:PATH or postgres://…; default: the config's
    /// [store] url, else none), marked `carried`, as a reconciliation against it would: then
    /// `report --results` with the same store. The store is only read.
    #[arg(long)]
    pub store: Option<String>,
}

pub fn run(a: ExportArgs) -> Result<ExitCode> {
    let month = a.files.month.resolve(crate::config::Uses::OFFLINE)?;
    let ledger = month.required_ledger()?;
    let inputs =
        crate::pipeline::read_inputs(&a.files.provider_data, &ledger, &month.settings, false)?;
    let store = match a.store {
        Some(url) => Some(crate::secret::Secret::new(url)),
        None => month.settings.store_url.clone(),
    };
    let e = match store {
        None => crate::export::write(&inputs.provider, &inputs.ledger, (&[], &[]), &a.out)?,
        Some(url) => {
            let (p, l, (cp, cl)) = runtime()?.block_on(crate::pipeline::stored::carried_inputs(
                &url,
                &month.period,
                &inputs.provider,
                &inputs.ledger,
            ))?;
            outln!(
                "{} records of earlier periods' open items carried in from the store",
                cp.len() + cl.len()
            );
            crate::export::write(&p, &l, (&cp, &cl), &a.out)?
        }
    };
    outln!(
        "{} provider records and {} ledger entries in {} files under {}",
        e.provider_rows,
        e.ledger_rows,
        e.files,
        e.dir.display()
    );
    outln!("  provider_records/provider=…/accounting_day=…/part-0.parquet");
    outln!("  ledger_entries/provider=…/accounting_day=…/part-0.parquet");
    Ok(ExitCode::SUCCESS)
}
