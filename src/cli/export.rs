//! `cardrecon export`: the canonical tables of a month as hive-partitioned Parquet, for Spark,
//! DuckDB or polars (`crate::export`), next to the statement `cardrecon sql` prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::MonthArgs;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory with one subdirectory per provider (DIR/<provider>/*.jsonl), or a
    /// provider_records .parquet table, as for `reconcile`.
    #[arg(long)]
    pub provider_data: PathBuf,
    #[command(flatten)]
    pub month: MonthArgs,
    /// Directory to write `provider_records/` and `ledger_entries/` under (each replaced whole).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: ExportArgs) -> Result<ExitCode> {
    let month = a.month.resolve()?;
    let ledger = month.required_ledger()?;
    let inputs = crate::pipeline::read_inputs(&a.provider_data, &ledger, &month.settings, false)?;
    let e = crate::export::write(&inputs.provider, &inputs.ledger, &a.out)?;
    println!(
        "{} provider records and {} ledger entries in {} files under {}",
        e.provider_rows,
        e.ledger_rows,
        e.files,
        e.dir.display()
    );
    println!("  provider_records/provider=…/accounting_day=…/part-0.parquet");
    println!("  ledger_entries/provider=…/accounting_day=…/part-0.parquet");
    Ok(ExitCode::SUCCESS)
}
