//! The stages wired together for `reconcile`: wire files and a ledger file in, the output
//! files of the design's output contract out. Every stage can also be called alone.
//!
//! - [`stored`]: the same against a store (earlier periods' items, the commit);
//! - [`run`]: `run`'s whole job, fetch first;
//! - [`evidence`]: the fetch's evidence kept with its archive, shown when reconciling from it.

use std::path::{Path, PathBuf};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::matching::{self, MatchOptions};
use crate::period::Period;
use crate::providers::http::FetchStats;
use crate::report::{self, summary};
use crate::store;

pub mod evidence;
mod inputs;
pub mod run;
pub mod stored;

use inputs::read_results;
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
pub fn reconcile_with(
    job: &ReconcileJob,
    stored: Option<&store::run::StoreRun<'_>>,
) -> Result<Outcome> {
    let s = &job.settings;
    let zone = s.timezone;
    let o = job.outputs;
    // An export and a results table need every column, as the reports do.
    let summary_only = stored.is_none()
        && job.external == External::default()
        && !(o.csv || o.xlsx || o.html || o.parquet);
    let Inputs {
        provider: provider_df,
        mut read_stats,
        ledger: ledger_df,
        skipped_rows,
    } = read_inputs(&job.provider_data, &job.ledger, s, summary_only)?;
    tracing::info!("inputs read");
    let coverage = Coverage::of(&provider_df, &job.period)?;
    if let Some(note) = coverage.note() {
        tracing::warn!("{note}");
        read_stats.notes.push(note);
    }
    let mut files = Vec::new();
    let ledger_stats = summary::LedgerStats {
        file: display_name(&job.ledger),
        entries: ledger_df.height(),
        skipped_rows,
    };

    let opts = MatchOptions {
        period: job.period,
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance.clone(),
        fee_tolerance: s.fee_tolerance.clone(),
        signed_ledger: s.signed_ledger(),
        carried: (Vec::new(), Vec::new()),
        gather: Default::default(),
        loose: matching::Loose {
            groups: s.matching.groups,
            suggest_window_days: s.matching.suggest_window_days,
        },
        decided: Default::default(),
    };
    let mut opts = opts;
    // With a store, earlier periods' open items join the inputs (not the normalized outputs).
    let (provider_all, ledger_all) = match stored {
        Some(st) => {
            let (p, l, from) =
                store::run::with_carried(&provider_df, &ledger_df, st.snapshot, &job.period)?;
            opts.carried = from;
            opts.decided = store::run::decided(&p, &l, st.snapshot)?;
            (Some(p), Some(l))
        }
        None => (None, None),
    };
    if job.external.results.is_some() {
        // The statement is stages 1-5.
        opts.loose = matching::Loose::off();
    } else if stored.is_none() && !(o.csv || o.xlsx || o.html) {
        opts.gather = matching::Gather::Summary;
    }
    debug_assert!(!summary_only || opts.gather == matching::Gather::Summary);
    let p_in = provider_all.as_ref().unwrap_or(&provider_df);
    let l_in = ledger_all.as_ref().unwrap_or(&ledger_df);
    // The tables as the engine sees them, earlier periods' open items included (marked
    // `carried`), so a statement run elsewhere sees what the engine would.
    if let Some(dir) = &job.external.export {
        let e = crate::export::write(p_in, l_in, (&opts.carried.0, &opts.carried.1), dir)?;
        tracing::info!(files = e.files, dir = %dir.display(), "tables exported");
        files.push(dir.clone());
    }
    tracing::info!("matching");
    // The links check reads the inputs only: it runs beside the engine, on a thread of its own
    // (at 10^7 records it is a second or so that the engine's single-threaded stretches leave
    // room for).
    let check_links = || {
        if !s.matching.links {
            return Ok(crate::links::Links::default());
        }
        let ask = stored.map(|st| move |keys: &[(String, String)]| st.earlier_links(keys));
        let links = crate::links::check(
            &provider_df,
            &ledger_df,
            &job.period,
            ask.as_ref()
                .map(|f| f as &dyn Fn(&[(String, String)]) -> Result<crate::links::Earlier>),
            o.csv || o.xlsx || o.html,
        );
        tracing::info!("links checked");
        links
    };
    let (results, links) = std::thread::scope(|scope| {
        let links = scope.spawn(check_links);
        let results = match &job.external.results {
            None => matching::reconcile(p_in, l_in, &opts),
            Some(file) => {
                read_results(file).and_then(|r| matching::from_results(p_in, l_in, &opts, &r, file))
            }
        };
        let links = links
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (results, links)
    });
    let mut results = results?;
    let links = links?;
    // One chunk per column: the report writers read the rows by index.
    results.rechunk_mut_par();
    let plan = match stored {
        Some(st) => {
            let plan = store::run::apply_store(&mut results, p_in, l_in, st)?;
            tracing::info!(changed = plan.changed.len(), "store plan made");
            Some(plan)
        }
        None => None,
    };
    tracing::info!(
        rows = results.height(),
        findings = links.stats.findings,
        "classified; writing outputs"
    );
    // Card balances: this run's card lists against the previous period's and the records.
    let previous = match stored.map(|st| &st.snapshot.cards_before) {
        None => crate::cards::Previous::NoStore,
        Some(None) => crate::cards::Previous::First,
        Some(Some((period, cards))) => crate::cards::Previous::List { period, cards },
    };
    let (card_lists, not_closing) = closing_card_lists(job, &read_stats.cards);
    let mut cards = crate::cards::check(&card_lists, previous, &provider_df, &job.period)?;
    if let Some(why) = not_closing {
        cards.stats.note = why;
    }
    let link_records = match stored {
        Some(_) => crate::links::records_to_keep(&provider_df, &job.period)?,
        None => Vec::new(),
    };

    let out = &job.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    // The Parquet tables and the CSV files are independent: written on two threads.
    let write_parquet = || -> Result<Vec<PathBuf>> {
        if !o.parquet {
            return Ok(Vec::new());
        }
        let normalized = out.join(crate::run_dir::NORMALIZED_DIR);
        std::fs::create_dir_all(&normalized).map_err(|e| Error::io(&normalized, e))?;
        let p_path = normalized.join(crate::run_dir::PROVIDER_RECORDS_PARQUET);
        let l_path = normalized.join(crate::run_dir::LEDGER_ENTRIES_PARQUET);
        crate::normalize::write_parquet(&mut provider_df.clone(), &p_path)?;
        crate::normalize::write_parquet(&mut ledger_df.clone(), &l_path)?;
        Ok(vec![p_path, l_path])
    };
    let rows = report::ResultRows::new(&results)?;
    let write_csv = || -> Result<Vec<PathBuf>> {
        if !o.csv {
            return Ok(Vec::new());
        }
        let results_csv = out.join(crate::run_dir::RESULTS_CSV);
        let disc_csv = out.join(crate::run_dir::DISCREPANCIES_CSV);
        report::csv::write_results(&rows, zone, &results_csv, &disc_csv)?;
        Ok(vec![results_csv, disc_csv])
    };
    let (parquet_files, csv_files) = std::thread::scope(|scope| {
        let parquet = scope.spawn(write_parquet);
        let csv = write_csv();
        let parquet = parquet
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (parquet, csv)
    });
    files.extend(parquet_files?);
    files.extend(csv_files?);
    if o.csv {
        let links_csv = out.join(crate::run_dir::LINKS_CSV);
        report::links::write_csv(&links.findings, &links_csv)?;
        files.push(links_csv);
        let cards_csv = out.join(crate::run_dir::CARDS_CSV);
        report::cards::write_csv(&cards.rows, &cards_csv)?;
        files.push(cards_csv);
    }
    let facts = summary::RunFacts {
        period: job.period.label(),
        timezone: zone.name().to_string(),
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance.absolute,
        tolerance: s.amount_tolerance.describe(),
    };
    let mut summary = summary::build(
        &rows,
        &facts,
        read_stats,
        ledger_stats,
        job.fetch_stats.clone(),
    );
    summary.links = links.stats.clone();
    summary.cards = cards.stats.clone();
    if !job.fetch_stats.is_empty() {
        summary.fetched_by_day = report::fetch::fetched_by_day(&provider_df)?;
    }
    if let Some(evidence) = &job.fetch_evidence {
        summary.fetch_evidence = evidence.clone();
    }
    if let (Some(plan), Some(st)) = (&plan, stored) {
        summary.close = Some(store::run::close_view(plan, st));
    }
    summary.thresholds = job.thresholds.check(&summary);
    tracing::info!("summary built");
    if o.json {
        let summary_json = out.join(crate::run_dir::SUMMARY_JSON);
        summary::write_json(&summary, &summary_json)?;
        files.push(summary_json);
    }
    let input_rows = provider_df.height() + ledger_df.height();
    let lists = o.xlsx_lists.include(input_rows);
    let info = report::xlsx::RunInfo {
        lists_left_out: (o.xlsx && !lists && o.xlsx_lists == Lists::Auto).then_some(input_rows),
        ledger_source: display_name(&job.ledger),
        providers: summary
            .provider_read
            .records_by_provider
            .keys()
            .cloned()
            .collect(),
        run_id: job.run.as_ref().map(|r| r.0.clone()),
        run_time: job.run.as_ref().map(|r| r.1.clone()),
    };
    // The daily table and the discrepancies' review order feed only the workbook and the page.
    let (daily, review_order) = if o.xlsx || o.html {
        (
            report::daily::daily(&rows),
            report::exposure::review_order(&rows, crate::matching::Category::is_discrepancy),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    if o.xlsx {
        let xlsx = out.join(crate::run_dir::REPORT_XLSX);
        tracing::info!("writing the workbook");
        let input = report::xlsx::Input {
            rows: &rows,
            daily: &daily,
            provider: &provider_df,
            ledger: &ledger_df,
            summary: &summary,
            zone,
            info: info.clone(),
            links: &links.findings,
            cards: &cards.rows,
            lists,
            paper: s.paper().excel_code(),
            discrepancy_order: &review_order,
        };
        report::xlsx::write(&xlsx, &input)?;
        files.push(xlsx);
    }
    if o.html {
        let html = out.join(crate::run_dir::REPORT_HTML);
        report::html::write(
            &html,
            &summary,
            &rows,
            &review_order,
            &daily,
            &links.findings,
            &cards.rows,
            &info,
        )?;
        files.push(html);
    }
    Ok(Outcome {
        summary,
        files,
        plan,
        link_records,
        cards: card_lists,
    })
}

/// The card lists that may close the period, and why there are none when the inputs have one
/// that may not. A card list is a period's closing list only if it was fetched with the
/// period's window: April reconciled from March's archive must not roll March's list forward
/// as April's, nor keep it in the store as April's.
fn closing_card_lists(
    job: &ReconcileJob,
    lists: &[crate::model::CardSnapshot],
) -> (Vec<crate::model::CardSnapshot>, Option<String>) {
    match job.fetched_until {
        None => (lists.to_vec(), None),
        Some(_) if lists.is_empty() => (Vec::new(), None),
        Some(until) => (
            Vec::new(),
            Some(format!(
                "the card list in the inputs was fetched with another period's window (ending {}): it is not {}'s closing list, so no card balances were checked",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                job.period.label()
            )),
        ),
    }
}

/// The accounting days the provider records span (margins included), against the period.
#[derive(Debug, Clone, Copy)]
struct Coverage {
    first: Option<chrono::NaiveDate>,
    last: Option<chrono::NaiveDate>,
    period: crate::period::Period,
}

impl Coverage {
    fn of(
        provider: &polars::prelude::DataFrame,
        period: &crate::period::Period,
    ) -> Result<Coverage> {
        let days = provider
            .column("accounting_day")?
            .cast(&polars::prelude::DataType::Int32)?;
        let days = days.i32()?;
        use polars::prelude::ChunkAgg;
        Ok(Coverage {
            first: days.min().map(crate::period::from_epoch_days),
            last: days.max().map(crate::period::from_epoch_days),
            period: *period,
        })
    }

    /// What the terminal and the reports must say when the records do not span the period:
    /// which days they cover. A month reconciled from another month's data is not a month.
    fn note(&self) -> Option<String> {
        let (p, label) = (self.period, self.period.label());
        match (self.first, self.last) {
            (None, _) | (_, None) => Some(format!(
                "WARNING: the provider data has no records at all, so nothing of {label} ({} to {}) was reconciled on the provider side",
                p.first, p.last
            )),
            (Some(first), Some(last)) if last < p.first || first > p.last => Some(format!(
                "WARNING: the provider data covers {first} to {last}, none of {label} ({} to {}): it is another period's data",
                p.first, p.last
            )),
            (Some(first), Some(last)) if first > p.first || last < p.last => Some(format!(
                "WARNING: the provider data covers {first} to {last}, not the whole of {label} ({} to {}): records of the days it lacks cannot be reconciled",
                p.first, p.last
            )),
            _ => None,
        }
    }
}

fn display_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_says_which_days_the_provider_data_covers_when_not_the_period() {
        let day = |d: &str| Some(d.parse::<chrono::NaiveDate>().unwrap());
        let period = crate::period::Period::parse("2026-04").unwrap();
        let note = |first, last| {
            Coverage {
                first,
                last,
                period,
            }
            .note()
        };
        // March's data (with its margin) for April.
        assert_eq!(
            note(day("2026-02-26"), day("2026-04-03")).unwrap(),
            "WARNING: the provider data covers 2026-02-26 to 2026-04-03, not the whole of 2026-04 (2026-04-01 to 2026-04-30): records of the days it lacks cannot be reconciled"
        );
        assert!(note(day("2026-01-01"), day("2026-01-31"))
            .unwrap()
            .contains("none of 2026-04"));
        assert!(note(None, None).unwrap().contains("no records at all"));
        // April's own data with its margins says nothing.
        assert_eq!(note(day("2026-03-29"), day("2026-05-03")), None);
    }

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
