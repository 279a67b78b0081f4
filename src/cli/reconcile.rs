//! `cardrecon reconcile`: provider wire files (or a provider_records table) against a ledger
//! file, offline, into an output directory.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{exit_code, runtime, FilesArgs, ThresholdArgs};
use crate::error::Result;
use crate::pipeline::{self, ReconcileJob};
use crate::report::fetch::FetchEvidence;
use crate::report::summary;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub files: FilesArgs,
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// Exit 0 even when discrepancies are found (default: exit 1 so cron and CI can gate on it).
    #[arg(long)]
    pub exit_zero: bool,
    /// Outputs to write, comma-separated: csv, json, xlsx (Summary, Discrepancies, Daily),
    /// xlsx-lists (xlsx plus the Matched, Provider records and Ledger entries sheets), html,
    /// parquet; or all.
    #[arg(long, default_value = "all")]
    pub outputs: String,
    /// Reconcile against a store (sqlite:PATH or postgres://…; default: the config's [store]
    /// url, else none): earlier periods' open items take part, and the run is recorded.
    /// Without one, reconcile is a pure file-to-file command.
    #[arg(long)]
    pub store: Option<String>,
    /// With a store: run a period that `close-period` closed, reopening it (an event).
    #[arg(long)]
    pub reopen_period: bool,
    /// Also write the canonical tables as hive-partitioned Parquet under this directory, as
    /// `cardrecon export` does.
    #[arg(long)]
    pub export: Option<PathBuf>,
}

pub fn run(a: ReconcileArgs) -> Result<ExitCode> {
    run_with(a, None)
}

/// `reconcile`, with the classification taken from a results table computed elsewhere when
/// `results` is given (`report --results`).
pub fn run_with(a: ReconcileArgs, results: Option<PathBuf>) -> Result<ExitCode> {
    let external = pipeline::External {
        export: a.export.clone(),
        results,
    };
    let month = a.files.month.resolve(crate::config::Uses::OFFLINE)?;
    let ledger = month.required_ledger()?;
    let outputs = pipeline::Outputs::parse(&a.outputs)?;
    // Provider files fetched by cardrecon carry the fetch's evidence; shown while it still
    // describes them.
    let window = month
        .period
        .with_margin(month.settings.margin_days)
        .instants(month.settings.timezone);
    let (fetch_stats, fetch_evidence, fetched_until) =
        match pipeline::evidence::read(&a.files.provider_data, window)? {
            pipeline::evidence::Found::Absent => (Vec::new(), None, None),
            pipeline::evidence::Found::Valid(stats, words) => {
                (stats, Some(FetchEvidence::Shown(words)), None)
            }
            pipeline::evidence::Found::Stale(why) => {
                (Vec::new(), Some(FetchEvidence::Missing(why)), None)
            }
            pipeline::evidence::Found::OtherWindow { why, to } => {
                (Vec::new(), Some(FetchEvidence::Missing(why)), Some(to))
            }
        };
    let job = ReconcileJob {
        provider_data: a.files.provider_data,
        ledger,
        out: a.out.clone(),
        period: month.period,
        settings: month.settings,
        fetch_stats,
        fetch_evidence,
        fetched_until,
        run: None,
        outputs,
        thresholds: a.thresholds.resolve()?,
        external,
    };
    let store = match a.store {
        Some(url) => Some(crate::secret::Secret::new(url)),
        None => job.settings.store_url.clone(),
    };
    let outcome = match store {
        None => pipeline::reconcile(&job)?,
        Some(url) => {
            let sj = pipeline::stored::StoreJob {
                url,
                by: pipeline::stored::os_user(),
                reopen_period: a.reopen_period,
            };
            let run_id = format!(
                "reconcile-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
            );
            runtime()?.block_on(pipeline::stored::reconcile_stored(&job, &sj, &run_id))?
        }
    };
    out!("{}", summary::render_table(&outcome.summary));
    outln!("outputs in {}:", a.out.display());
    for f in &outcome.files {
        outln!("  {}", f.display());
    }
    if let Some(line) = summary::report_pointer(&outcome.files) {
        outln!("{line}");
    }
    Ok(exit_code(&outcome.summary, a.exit_zero))
}
