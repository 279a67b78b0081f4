//! The stages wired together for `reconcile`: wire files and a ledger file in, the output
//! files of the design's output contract out. Every stage can also be called alone.
//!
//! - [`stored`]: the same against a store (earlier periods' items, the commit);
//! - [`run`]: `run`'s whole job, fetch first;
//! - [`evidence`]: the fetch's evidence kept with its archive, shown when reconciling from it.

use std::path::PathBuf;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::providers::http::FetchStats;
use crate::report::{self, summary};
use crate::store;

pub mod evidence;
mod inputs;
pub mod run;
mod stages;
pub mod stored;
pub mod writers;

pub use inputs::{read_inputs, Inputs};

/// What `reconcile` was asked to do.
#[derive(Debug, Clone)]
pub struct ReconcileJob {
    pub provider_data: PathBuf,
    pub ledger: PathBuf,
    pub out: PathBuf,
    pub period: Period,
    pub settings: Settings,
    /// Statistics of the fetch that produced `provider_data`, when there was one.
    pub fetch_stats: Vec<FetchStats>,
    /// `summary.json`'s `fetch_evidence` when it is not the default (a run's own fetch, or
    /// none): evidence read from the archive ([`evidence`]), or why it is not shown.
    pub fetch_evidence: Option<report::fetch::FetchEvidence>,
    /// Where the window the provider data was fetched for ended, when that window is not this
    /// reconciliation's (an archive of another period): its card list is no closing list of
    /// this period.
    pub fetched_until: Option<chrono::DateTime<chrono::Utc>>,
    /// The run's id and start time, for the report's facts (`run`); `None` keeps `reconcile`'s
    /// outputs free of the wall clock.
    pub run: Option<(String, String)>,
    /// Which output files to write.
    pub outputs: Outputs,
    /// Limits for unattended runs; checked into `summary.json` (empty: none).
    pub thresholds: report::thresholds::Thresholds,
    /// Past one machine: the tables exported, or the results computed elsewhere.
    pub external: External,
}

/// The parts of a reconciliation that can happen elsewhere (Spark, DuckDB: see [`crate::sql`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct External {
    /// Also write the canonical tables, hive-partitioned, under this directory
    /// ([`crate::export`]).
    pub export: Option<PathBuf>,
    /// Take the classification from this results table (Parquet, `crate::sql`'s columns)
    /// instead of the engine: stages 1-5, so the run's groups and suggestions are off.
    pub results: Option<PathBuf>,
}

/// Which output files a reconciliation writes. `run` writes them all; `reconcile --outputs`
/// can leave some out (a quick re-check, or a very large month without the full-list sheets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outputs {
    /// `results.csv` and `discrepancies.csv`.
    pub csv: bool,
    /// `summary.json`.
    pub json: bool,
    /// `report.xlsx`.
    pub xlsx: bool,
    /// The Matched, Provider records and Ledger entries sheets of `report.xlsx`.
    pub xlsx_lists: Lists,
    /// `report.html`.
    pub html: bool,
    /// `normalized/*.parquet`.
    pub parquet: bool,
}

/// Whether the workbook holds the full lists (Matched, Provider records, Ledger entries).
///
/// **Why not always.** At 1,000,000 records a month the lists are about 45 million cells: most
/// of the run's time and a file no spreadsheet opens comfortably, while `results.csv` and the
/// Parquet tables already hold every row. So by default they are written for months up to
/// [`LIST_ROWS`] input rows and left out above, saying so on the Summary sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lists {
    #[default]
    Never,
    /// Up to [`LIST_ROWS`] provider records and ledger entries together (`--outputs all`).
    Auto,
    /// Always (`--outputs xlsx-lists`).
    Always,
}

/// The largest month (provider records plus ledger entries) whose workbook gets the full lists
/// by default.
pub const LIST_ROWS: usize = 200_000;

impl Lists {
    /// Whether a month of `rows` input rows gets the lists.
    pub fn include(self, rows: usize) -> bool {
        match self {
            Lists::Never => false,
            Lists::Auto => rows <= LIST_ROWS,
            Lists::Always => true,
        }
    }
}

impl Outputs {
    pub const ALL: Outputs = Outputs {
        csv: true,
        json: true,
        xlsx: true,
        xlsx_lists: Lists::Auto,
        html: true,
        parquet: true,
    };
    pub const NAMES: [&'static str; 6] = ["csv", "json", "xlsx", "xlsx-lists", "html", "parquet"];

    /// A comma-separated list of [`Outputs::NAMES`] (`xlsx-lists` implies `xlsx`).
    pub fn parse(text: &str) -> Result<Outputs> {
        let mut o = Outputs::default();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "csv" => o.csv = true,
                "json" => o.json = true,
                "xlsx" => o.xlsx = true,
                "xlsx-lists" => {
                    o.xlsx = true;
                    o.xlsx_lists = Lists::Always
                }
                "html" => o.html = true,
                "parquet" => o.parquet = true,
                "all" => {
                    // `xlsx-lists` given before `all` still holds.
                    let lists = if o.xlsx_lists == Lists::Always {
                        Lists::Always
                    } else {
                        Lists::Auto
                    };
                    o = Outputs {
                        xlsx_lists: lists,
                        ..Outputs::ALL
                    }
                }
                other => {
                    return Err(Error::input(
                        "--outputs",
                        format!(
                        "unknown output `{other}`; expected a comma-separated list of {} or all",
                        Outputs::NAMES.join(", ")
                    ),
                    ))
                }
            }
        }
        Ok(o)
    }
}

/// What a finished reconciliation produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub summary: summary::Summary,
    pub files: Vec<PathBuf>,
    /// With a store: what to commit to it.
    pub plan: Option<store::plan::Plan>,
    /// With a store: the period's originals and refunds it keeps for later links checks.
    pub link_records: Vec<crate::links::EarlierRecord>,
    /// The card lists read, which a store keeps for the next period's roll-forward.
    pub cards: Vec<crate::model::CardSnapshot>,
}

/// Reconciles without a store: a pure file-to-file command.
pub fn reconcile(job: &ReconcileJob) -> Result<Outcome> {
    reconcile_with(job, None)
}

/// Reconciles, with earlier periods' open items taking part when `stored` is given; the
/// outcome's plan is what the caller commits to the store.
///
/// The run is its stages in order ([`stages`]), each taking what it needs of the ones before:
/// read the inputs, carry earlier periods' items in, export the tables, classify (the links
/// check beside the engine), plan the store's changes, check the cards, summarize, then every
/// wanted output ([`writers::WRITERS`]). The store is not visited here: what the run needs of
/// it came with `stored` (read before), and the plan is committed after, by the caller.
pub fn reconcile_with(
    job: &ReconcileJob,
    stored: Option<&store::run::StoreRun<'_>>,
) -> Result<Outcome> {
    let read = stages::read(job, stored.is_some())?;
    let mut opts = stages::engine_options(job, stored.is_some())?;
    let carried = stages::carry(&read, stored, &job.period, &mut opts)?;
    let (p_in, l_in) = carried.inputs(&read);
    let mut files = stages::export(job, (p_in, l_in), &opts)?;
    let (mut results, links) = stages::classify(job, stored, &read, (p_in, l_in), &opts)?;
    let plan = stages::plan(&mut results, (p_in, l_in), stored)?;
    let (cards, card_lists) = stages::cards(job, stored, &read)?;
    let link_records = match stored {
        Some(_) => crate::links::records_to_keep(&read.provider, &job.period)?,
        None => Vec::new(),
    };
    let rows = report::ResultRows::over(&results, p_in, l_in)?;
    let summary = stages::summarize(job, stored, &read, &rows, &links, &cards, plan.as_ref())?;
    let shown = stages::Shown::of(job, &read, &rows, &summary)?;
    files.extend(writers::write_all(
        &writers::Written {
            out: &job.out,
            zone: job.settings.timezone,
            paper: job.settings.paper().excel_code(),
            rows: &rows,
            provider: &read.provider,
            ledger: &read.ledger,
            links: &links.findings,
            cards: &cards.rows,
            summary: &summary,
            info: &shown.info,
            lists: shown.lists,
            daily: &shown.daily,
            review_order: &shown.review_order,
        },
        &job.outputs,
    )?);
    Ok(Outcome {
        summary,
        files,
        plan,
        link_records,
        cards: card_lists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_lists_are_written_by_default_only_for_months_that_fit() {
        assert_eq!(Outputs::parse("all").unwrap().xlsx_lists, Lists::Auto);
        assert_eq!(
            Outputs::parse("all,xlsx-lists").unwrap().xlsx_lists,
            Lists::Always
        );
        assert_eq!(
            Outputs::parse("xlsx-lists,all").unwrap().xlsx_lists,
            Lists::Always
        );
        assert_eq!(Outputs::parse("xlsx,csv").unwrap().xlsx_lists, Lists::Never);
        assert!(Lists::Auto.include(LIST_ROWS));
        assert!(!Lists::Auto.include(LIST_ROWS + 1));
        assert!(Lists::Always.include(10_000_000));
        assert!(!Lists::Never.include(1));
    }
}
