//! The stages wired together for `reconcile`: wire files and a ledger file in, the output
//! files of the design's output contract out. Every stage can also be called alone.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::matching::{self, MatchOptions};
use crate::period::Period;
use crate::report::{self, summary};

/// What `reconcile` was asked to do.
#[derive(Debug, Clone)]
pub struct ReconcileJob {
    pub provider_data: PathBuf,
    pub ledger: PathBuf,
    pub out: PathBuf,
    pub period: Period,
    pub settings: Settings,
}

/// What a finished reconciliation produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub summary: summary::Summary,
    pub files: Vec<PathBuf>,
}

pub fn reconcile(job: &ReconcileJob) -> Result<Outcome> {
    let s = &job.settings;
    let zone = s.timezone;
    tracing::info!(dir = %job.provider_data.display(), "reading provider records");
    let (records, read_stats) = crate::normalize::read_provider_dir(&job.provider_data, s)?;
    tracing::info!(file = %job.ledger.display(), "reading ledger");
    let ledger = crate::ledger::load(&job.ledger, s)?;

    let mut provider_df = crate::normalize::provider_frame(&records, zone)?;
    drop(records);
    let mut ledger_df = crate::ledger::ledger_frame(&ledger.entries, zone)?;
    let ledger_stats = summary::LedgerStats {
        file: display_name(&job.ledger),
        entries: ledger.entries.len(),
        skipped_rows: ledger.skipped.clone(),
    };
    drop(ledger);

    let opts = MatchOptions {
        period: job.period,
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance,
        fee_tolerance: s.fee_tolerance,
        signed_ledger: s.ledger.amount_sign.as_deref() == Some("signed"),
    };
    tracing::info!("matching");
    let results = matching::reconcile(&provider_df, &ledger_df, &opts)?;

    let out = &job.out;
    let normalized = out.join("normalized");
    std::fs::create_dir_all(&normalized).map_err(|e| Error::io(&normalized, e))?;
    let p_path = normalized.join("provider_records.parquet");
    let l_path = normalized.join("ledger_entries.parquet");
    crate::normalize::write_parquet(&mut provider_df, &p_path)?;
    crate::normalize::write_parquet(&mut ledger_df, &l_path)?;

    let rows = report::ResultRows::new(&results)?;
    let results_csv = out.join("results.csv");
    let disc_csv = out.join("discrepancies.csv");
    report::csv::write_results(&rows, zone, &results_csv, &disc_csv)?;
    let facts = summary::RunFacts {
        period: job.period.label(),
        timezone: zone.name().to_string(),
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance,
    };
    let summary = summary::build(&rows, &facts, read_stats, ledger_stats);
    let summary_json = out.join("summary.json");
    summary::write_json(&summary, &summary_json)?;
    Ok(Outcome { summary, files: vec![results_csv, disc_csv, summary_json, p_path, l_path] })
}

fn display_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| p.display().to_string())
}
