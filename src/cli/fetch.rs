//! `cardrecon fetch`: every configured provider into an archive directory, without
//! reconciling (`reconcile --provider-data DIR` reads it later).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{runtime, PeriodArgs};
use crate::error::{Error, Result};
use crate::pipeline;

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub month: PeriodArgs,
    /// Directory for the archive (DIR/<provider>/pages/*.json and DIR/<provider>/*.jsonl); a
    /// directory with pages from an interrupted fetch is resumed.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: FetchArgs) -> Result<ExitCode> {
    a.month.settings.required_config("fetch")?;
    let (settings, period) = a.month.resolve(crate::config::Uses::FETCH)?;
    pipeline::run::require_connections(&settings)?;
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let started = std::time::Instant::now();
    let stats = runtime()?.block_on(pipeline::run::fetch_all(
        &settings, &a.out, &period, true, None,
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    let records: u64 = stats.iter().map(|s| s.records).sum();
    for s in &stats {
        // How the provider's completeness was established, in a few words.
        let checked = if s.completeness_checks > 0 {
            format!(
                "{} of {} windows equal the API's totals",
                s.completeness_checks, s.windows
            )
        } else {
            format!(
                "{} windows, no totals sent: read until unchanged",
                s.windows
            )
        };
        outln!(
            "{:<10} {:>9} records {:>7} requests {:>5} retries  {checked}, {} passes",
            s.provider,
            s.records,
            s.requests,
            s.retries,
            s.passes
        );
    }
    outln!(
        "fetched {records} records in {seconds:.2} s into {} (evidence: {})",
        a.out.display(),
        a.out.join(pipeline::evidence::FILE).display()
    );
    outln!(
        "reconcile with: cardrecon reconcile --provider-data {} --ledger LEDGER --out DIR",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
