//! The stages of one reconciliation, in the order [`super::reconcile_with`] runs them. Each is a
//! function from what the stages before produced to what it adds, so the order is the types'
//! and a stage can be read (and tested) alone.
//!
//! Why functions and not a list of boxed stages over one context of optional fields: every
//! stage's output is a later stage's input, and a context of `Option`s would turn "the engine
//! ran before the plan" from a compile-time fact into a run-time unwrap. The list that grows
//! is the outputs' ([`super::writers::WRITERS`]): that is where a new capability usually lands.

use std::path::Path;

use polars::prelude::DataFrame;

use super::inputs::read_results;
use super::{read_inputs, External, Inputs, Lists, ReconcileJob};
use crate::error::Result;
use crate::matching::{self, MatchOptions};
use crate::period::Period;
use crate::report::{self, summary, ResultRows};
use crate::store;

/// The inputs as read, with what reading them found.
pub struct Read {
    pub provider: DataFrame,
    pub ledger: DataFrame,
    pub read_stats: crate::normalize::ReadStats,
    pub ledger_stats: summary::LedgerStats,
}

/// Stage 1: the provider records and the ledger, and a note when the records do not span the
/// period. Without a store, an export, a results table or any file but the summary, only the
/// columns the engine and the summary need are read.
pub fn read(job: &ReconcileJob, with_store: bool) -> Result<Read> {
    let o = job.outputs;
    // An export and a results table need every column, as the reports do; so do the rules
    // (cards, descriptions) and `[fx]`, whose counts are made from the rows.
    let writes_rows = o.csv || o.xlsx || o.html || o.parquet;
    let summary_only =
        !(with_store || job.external != External::default() || needs_rows(job) || writes_rows);
    let Inputs {
        provider,
        mut read_stats,
        ledger,
        skipped_rows,
    } = read_inputs(&job.provider_data, &job.ledger, &job.settings, summary_only)?;
    let mib = |df: &DataFrame| crate::columns::held_bytes(df) >> 20;
    tracing::info!(
        provider_mib = mib(&provider),
        ledger_mib = mib(&ledger),
        "inputs read"
    );
    if let Some(note) = Coverage::of(&provider, &job.period)?.note() {
        tracing::warn!("{note}");
        read_stats.notes.push(note);
    }
    let ledger_stats = summary::LedgerStats {
        file: display_name(&job.ledger),
        entries: ledger.height(),
        skipped_rows,
    };
    Ok(Read {
        provider,
        ledger,
        read_stats,
        ledger_stats,
    })
}

/// The engine's options from the settings. A results table computed elsewhere is stages 1-5,
/// so groups and suggestions are off; a run that writes only the summary gathers only counts.
pub fn engine_options(job: &ReconcileJob, with_store: bool) -> Result<MatchOptions> {
    let s = &job.settings;
    let o = job.outputs;
    let mut opts = MatchOptions {
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
        summaries: s.matching.summaries.clone(),
        rules: s.matching.rules.clone(),
        fx: s
            .fx
            .as_ref()
            .map(|f| {
                crate::matching::fx::Fx::read(&f.rates, f.tolerance_relative, f.max_rate_age_days)
            })
            .transpose()?,
    };
    // The writers read the inputs' columns through the rows' positions (`ResultRows::over`).
    opts.gather = matching::Gather::Positions;
    if job.external.results.is_some() {
        opts.loose = matching::Loose::off();
    } else if !(with_store || needs_rows(job) || o.csv || o.xlsx || o.html) {
        opts.gather = matching::Gather::Summary;
    }
    Ok(opts)
}

/// Whether the summary needs the result rows even when no file but `summary.json` is written:
/// the rules' counts, `[fx]`'s differences and the summary journals' figures are made from
/// them (a summary-only run adds the rows up as they are classified and keeps none, and reads
/// only the columns that needs).
fn needs_rows(job: &ReconcileJob) -> bool {
    !job.settings.matching.rules.is_empty()
        || !job.settings.matching.summaries.is_empty()
        || job.settings.fx.is_some()
}

/// Earlier periods' open items stacked under the inputs (with a store), for the engine only:
/// the normalized outputs stay this period's.
pub struct Carried {
    provider: Option<DataFrame>,
    ledger: Option<DataFrame>,
}

impl Carried {
    /// The tables the engine reads: the inputs, with the carried items when there are any.
    pub fn inputs<'a>(&'a self, read: &'a Read) -> (&'a DataFrame, &'a DataFrame) {
        (
            self.provider.as_ref().unwrap_or(&read.provider),
            self.ledger.as_ref().unwrap_or(&read.ledger),
        )
    }
}

/// Stage 2: with a store, earlier periods' open items join the inputs (marked in
/// `opts.carried`) and the people's decisions on them are taken into `opts.decided`.
pub fn carry(
    read: &Read,
    stored: Option<&store::run::StoreRun<'_>>,
    period: &Period,
    opts: &mut MatchOptions,
) -> Result<Carried> {
    let Some(st) = stored else {
        return Ok(Carried {
            provider: None,
            ledger: None,
        });
    };
    let (p, l, from) = store::run::with_carried(&read.provider, &read.ledger, st.snapshot, period)?;
    opts.carried = from;
    opts.decided = store::run::decided(&p, &l, st.snapshot)?;
    Ok(Carried {
        provider: Some(p),
        ledger: Some(l),
    })
}

/// Stage 3: the tables as the engine sees them (carried items included, marked), written for a
/// statement run elsewhere, when asked (`--export`).
pub fn export(
    job: &ReconcileJob,
    (p_in, l_in): (&DataFrame, &DataFrame),
    opts: &MatchOptions,
) -> Result<Vec<std::path::PathBuf>> {
    let Some(dir) = &job.external.export else {
        return Ok(Vec::new());
    };
    let e = crate::export::write(p_in, l_in, (&opts.carried.0, &opts.carried.1), dir)?;
    tracing::info!(files = e.files, dir = %dir.display(), "tables exported");
    Ok(vec![dir.clone()])
}

/// Stage 4: every record and entry classified (by the engine, or from a results table computed
/// elsewhere), and the links check beside it. The links check reads the inputs only, so it runs
/// on a thread of its own (at 10^7 records it is a second or so that the engine's
/// single-threaded stretches leave room for); earlier periods' originals it asks the store for.
pub fn classify(
    job: &ReconcileJob,
    stored: Option<&store::run::StoreRun<'_>>,
    read: &Read,
    (p_in, l_in): (&DataFrame, &DataFrame),
    opts: &MatchOptions,
) -> Result<(DataFrame, crate::links::Links)> {
    tracing::info!("matching");
    let o = job.outputs;
    let check_links = || {
        if !job.settings.matching.links {
            return Ok(crate::links::Links::default());
        }
        let ask = stored.map(|st| move |keys: &[(String, String)]| st.earlier_links(keys));
        let links = crate::links::check(
            &read.provider,
            &read.ledger,
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
            None => matching::reconcile(p_in, l_in, opts),
            Some(file) => {
                read_results(file).and_then(|r| matching::from_results(p_in, l_in, opts, &r, file))
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
    tracing::info!(
        rows = results.height(),
        findings = links.stats.findings,
        mib = crate::columns::held_bytes(&results) >> 20,
        "classified"
    );
    if tracing::enabled!(tracing::Level::DEBUG) {
        let mut sizes: Vec<(usize, &str)> = (results.columns().iter())
            .map(|c| (crate::columns::column_bytes(c) >> 20, c.name().as_str()))
            .collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let largest: Vec<String> = sizes
            .iter()
            .take(8)
            .map(|(m, n)| format!("{n} {m}"))
            .collect();
        tracing::debug!(largest = largest.join(", "), "result columns, MiB");
    }
    Ok((results, links))
}

/// Stage 5: with a store, what the run changes in it (the rows get their items' ids and ages).
pub fn plan(
    results: &mut DataFrame,
    (p_in, l_in): (&DataFrame, &DataFrame),
    stored: Option<&store::run::StoreRun<'_>>,
) -> Result<Option<store::plan::Plan>> {
    let Some(st) = stored else {
        return Ok(None);
    };
    let plan = store::run::apply_store(results, p_in, l_in, st)?;
    tracing::info!(changed = plan.changed.len(), "store plan made");
    Ok(Some(plan))
}

/// Stage 6: this run's card lists against the previous period's (from the store) and the
/// records; the lists that may close the period, which the store keeps.
pub fn cards(
    job: &ReconcileJob,
    stored: Option<&store::run::StoreRun<'_>>,
    read: &Read,
) -> Result<(crate::cards::Cards, Vec<crate::model::CardSnapshot>)> {
    let previous = match stored.map(|st| &st.snapshot.cards_before) {
        None => crate::cards::Previous::NoStore,
        Some(None) => crate::cards::Previous::First,
        Some(Some((period, cards))) => crate::cards::Previous::List { period, cards },
    };
    let (card_lists, not_closing) = closing_card_lists(job, &read.read_stats.cards);
    let mut cards = crate::cards::check(&card_lists, previous, &read.provider, &job.period)?;
    if let Some(why) = not_closing {
        cards.stats.note = why;
    }
    Ok((cards, card_lists))
}

/// Stage 7: the summary every output and the terminal read, thresholds checked.
pub fn summarize(
    job: &ReconcileJob,
    stored: Option<&store::run::StoreRun<'_>>,
    read: &Read,
    rows: &ResultRows<'_>,
    links: &crate::links::Links,
    cards: &crate::cards::Cards,
    plan: Option<&store::plan::Plan>,
) -> Result<summary::Summary> {
    let s = &job.settings;
    let facts = summary::RunFacts {
        period: job.period.label(),
        timezone: s.timezone.name().to_string(),
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance.absolute,
        tolerance: s.amount_tolerance.describe(),
    };
    let mut summary = summary::build(
        rows,
        &facts,
        read.read_stats.clone(),
        read.ledger_stats.clone(),
        job.fetch_stats.clone(),
    );
    summary.links = links.stats.clone();
    summary.cards = cards.stats.clone();
    if !job.fetch_stats.is_empty() {
        summary.fetched_by_day = report::fetch::fetched_by_day(&read.provider)?;
    }
    if let Some(evidence) = &job.fetch_evidence {
        summary.fetch_evidence = evidence.clone();
    }
    if let (Some(plan), Some(st)) = (plan, stored) {
        summary.close = Some(store::run::close_view(plan, st));
    }
    summary.with_summaries(summary::summary_counts(
        rows,
        s.matching.summaries.iter().map(|x| x.name.as_str()),
    ));
    summary.rules = summary::rule_counts(rows, s.matching.rules.iter().map(|r| r.name.as_str()));
    summary.fx = summary::fx_lines(rows);
    summary.thresholds = job.thresholds.check(&summary);
    tracing::info!("summary built");
    Ok(summary)
}

/// What the workbook and the page share: the run's facts, whether the full lists fit, the
/// daily table and the discrepancies' review order (computed only when one of them is written).
pub struct Shown {
    pub info: report::xlsx::RunInfo,
    pub lists: bool,
    pub daily: Vec<report::daily::DailyRow>,
    pub review_order: Vec<usize>,
}

impl Shown {
    pub fn of(
        job: &ReconcileJob,
        read: &Read,
        rows: &ResultRows<'_>,
        summary: &summary::Summary,
    ) -> Result<Shown> {
        let o = job.outputs;
        let input_rows = read.provider.height() + read.ledger.height();
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
        let (daily, review_order) = if o.xlsx || o.html {
            let daily = report::daily::daily(rows);
            let order =
                report::exposure::review_order(rows, crate::matching::Category::is_discrepancy)?;
            tracing::info!("daily table and review order");
            (daily, order)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Shown {
            info,
            lists,
            daily,
            review_order,
        })
    }
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
}
