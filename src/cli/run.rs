//! `cardrecon run`: fetch every configured provider, reconcile against the ledger, and write a
//! run directory with its manifest.

use std::path::Path;
use std::process::ExitCode;

use std::path::PathBuf;

use clap::Args;

use super::args::{exit_code, runtime, MonthArgs, ThresholdArgs};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::report::summary;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub month: MonthArgs,
    /// Resume or name a particular run (default: resume the newest unfinished run of the period,
    /// else start a new one).
    #[arg(long)]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// Exit 0 even when discrepancies are found.
    #[arg(long)]
    pub exit_zero: bool,
    /// Run a period that `close-period` closed, reopening it (recorded in the store's log).
    #[arg(long)]
    pub reopen_period: bool,
    /// Ask the providers for every record's detail again instead of using the store's fetch
    /// cache (details of records in a final status, kept from earlier runs).
    #[arg(long)]
    pub refresh: bool,
    /// Also write the canonical tables as hive-partitioned Parquet under this directory, as
    /// `cardrecon export` does (for `cardrecon sql` on Spark or DuckDB).
    #[arg(long)]
    pub export: Option<PathBuf>,
}

pub fn run(a: RunArgs) -> Result<ExitCode> {
    let config = a.month.settings().required_config("run")?.to_path_buf();
    let month = a.month.resolve(crate::config::Uses::ALL)?;
    let ledger = month.ledger.clone().ok_or_else(|| {
        Error::config(
            config.display().to_string(),
            "ledger.path",
            "is required for `run` (or pass --ledger FILE)",
        )
    })?;
    let mut settings = month.settings;
    settings.relative_to(a.month.settings().config_dir());
    let delivery = settings.delivery.clone();
    let job = pipeline::run::RunJob {
        settings,
        config_path: Some(config),
        period: month.period,
        ledger,
        run_id: a.run_id.clone(),
        progress: true,
        thresholds: a.thresholds.resolve()?,
        reopen_period: a.reopen_period,
        refresh: a.refresh,
        export: a.export.clone(),
    };
    let done = runtime()?.block_on(pipeline::run::run(&job))?;
    if done.resumed {
        outln!("resumed the unfinished run in {}", done.run_dir.display());
    }
    out!("{}", summary::render_table(&done.outcome.summary));
    outln!("run directory: {}", done.run_dir.display());
    if let Some(line) = summary::report_pointer(&done.outcome.files) {
        outln!("{line}");
    }
    let code = exit_code(&done.outcome.summary, a.exit_zero);
    if delivery.is_empty() {
        return Ok(code);
    }
    // Last, after everything is written and committed: a failed delivery leaves the run whole.
    let retry = format!(
        "\n  the run is complete in {}; `cardrecon deliver --config {} --run {}` tries again",
        done.run_dir.display(),
        a.month
            .settings()
            .config
            .as_deref()
            .unwrap_or(Path::new("cardrecon.toml"))
            .display(),
        done.run_dir.display()
    );
    if super::deliver::send(&done.run_dir, &delivery, &retry)? {
        Ok(code)
    } else {
        Ok(ExitCode::from(super::deliver::DELIVERY_FAILED))
    }
}
