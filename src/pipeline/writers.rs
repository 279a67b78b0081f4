//! The output files of a reconciliation, as a list of writers over one finished run.
//!
//! Every output reads the same [`Written`]: the classified rows, the inputs, the links and
//! card findings, the summary and what the workbook and page share. A writer says which
//! [`Outputs`] switch asks for it and writes its files; [`WRITERS`] is the list, in the order
//! the files are reported. So a new output format is one function and one line here, and
//! nothing else in the pipeline changes.
//!
//! Why the Parquet tables and the workbook are written apart ([`Writer::own_thread`]): each is
//! independent of everything else and, after the result files, the longest write (the workbook
//! zips its sheets on one thread: 2.7 s at 10^6 records), so each goes on a thread of its own
//! while the others are written one after another. Written in turn, the workbook waited for
//! the result files while a core idled (BENCHMARKS.md, issue 31).

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use super::Outputs;
use crate::error::{Error, Result};
use crate::report::{self, summary::Summary, ResultRows};
use crate::run_dir;

/// What every output is written from.
pub struct Written<'a> {
    pub out: &'a Path,
    pub zone: chrono_tz::Tz,
    pub paper: u8,
    pub rows: &'a ResultRows<'a>,
    /// The normalized inputs (this period's, without earlier periods' items).
    pub provider: &'a DataFrame,
    pub ledger: &'a DataFrame,
    pub links: &'a [crate::links::Finding],
    pub cards: &'a [crate::cards::CardRow],
    pub summary: &'a Summary,
    pub info: &'a report::xlsx::RunInfo,
    /// Whether the workbook holds the full lists.
    pub lists: bool,
    /// The daily table and the discrepancies' review order (for the workbook and the page;
    /// empty when neither is written).
    pub daily: &'a [report::daily::DailyRow],
    pub review_order: &'a [usize],
}

/// One output: whether the run asked for it, and how its files are written.
pub struct Writer {
    pub name: &'static str,
    pub wanted: fn(&Outputs) -> bool,
    pub write: fn(&Written<'_>) -> Result<Vec<PathBuf>>,
    /// Written on a thread of its own, beside the others.
    pub own_thread: bool,
}

/// Every output, in the order its files are listed.
pub const WRITERS: [Writer; 6] = [
    Writer {
        name: "normalized tables",
        wanted: |o| o.parquet,
        write: parquet,
        own_thread: true,
    },
    Writer {
        name: "results and discrepancies",
        wanted: |o| o.csv,
        write: results_csv,
        own_thread: false,
    },
    Writer {
        name: "links and cards",
        wanted: |o| o.csv,
        write: findings_csv,
        own_thread: false,
    },
    Writer {
        name: "summary",
        wanted: |o| o.json,
        write: summary_json,
        own_thread: false,
    },
    Writer {
        name: "workbook",
        wanted: |o| o.xlsx,
        write: workbook,
        own_thread: true,
    },
    Writer {
        name: "page",
        wanted: |o| o.html,
        write: page,
        own_thread: false,
    },
];

/// Writes every wanted output into `w.out`; the files in [`WRITERS`]' order.
pub fn write_all(w: &Written<'_>, outputs: &Outputs) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(w.out).map_err(|e| Error::io(w.out, e))?;
    let wanted: Vec<&Writer> = WRITERS.iter().filter(|x| (x.wanted)(outputs)).collect();
    let written: Vec<Result<Vec<PathBuf>>> = std::thread::scope(|scope| {
        // Those of their own thread start first; the others are written meanwhile, one after
        // another; then the threads are joined. The results keep the list's order.
        let apart: Vec<_> = wanted
            .iter()
            .map(|x| x.own_thread.then(|| scope.spawn(|| write_logged(x, w))))
            .collect();
        let mut here: Vec<Option<Result<Vec<PathBuf>>>> = wanted
            .iter()
            .map(|x| (!x.own_thread).then(|| write_logged(x, w)))
            .collect();
        apart
            .into_iter()
            .zip(&mut here)
            .map(|(thread, done)| match thread {
                Some(t) => t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => done.take().unwrap_or_else(|| Ok(Vec::new())),
            })
            .collect()
    });
    let mut files = Vec::new();
    for f in written {
        files.extend(f?);
    }
    Ok(files)
}

/// One output written, the log saying when it starts and ends (`-v`; `bench/month_io.sh`
/// reads the stages' times from it).
fn write_logged(x: &Writer, w: &Written<'_>) -> Result<Vec<PathBuf>> {
    tracing::info!(output = x.name, own_thread = x.own_thread, "writing");
    let done = (x.write)(w);
    tracing::info!(output = x.name, "written");
    done
}

fn parquet(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let normalized = w.out.join(run_dir::NORMALIZED_DIR);
    std::fs::create_dir_all(&normalized).map_err(|e| Error::io(&normalized, e))?;
    let p_path = normalized.join(run_dir::PROVIDER_RECORDS_PARQUET);
    let l_path = normalized.join(run_dir::LEDGER_ENTRIES_PARQUET);
    crate::normalize::write_parquet(&mut w.provider.clone(), &p_path)?;
    crate::normalize::write_parquet(&mut w.ledger.clone(), &l_path)?;
    Ok(vec![p_path, l_path])
}

fn results_csv(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let results = w.out.join(run_dir::RESULTS_CSV);
    let discrepancies = w.out.join(run_dir::DISCREPANCIES_CSV);
    report::csv::write_results(w.rows, w.zone, &results, &discrepancies)?;
    Ok(vec![results, discrepancies])
}

fn findings_csv(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let links = w.out.join(run_dir::LINKS_CSV);
    report::links::write_csv(w.links, &links)?;
    let cards = w.out.join(run_dir::CARDS_CSV);
    report::cards::write_csv(w.cards, &cards)?;
    Ok(vec![links, cards])
}

fn summary_json(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let path = w.out.join(run_dir::SUMMARY_JSON);
    report::summary::write_json(w.summary, &path)?;
    Ok(vec![path])
}

fn workbook(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let path = w.out.join(run_dir::REPORT_XLSX);
    let input = report::xlsx::Input {
        rows: w.rows,
        daily: w.daily,
        provider: w.provider,
        ledger: w.ledger,
        summary: w.summary,
        zone: w.zone,
        info: w.info.clone(),
        links: w.links,
        cards: w.cards,
        lists: w.lists,
        paper: w.paper,
        discrepancy_order: w.review_order,
    };
    report::xlsx::write(&path, &input)?;
    Ok(vec![path])
}

fn page(w: &Written<'_>) -> Result<Vec<PathBuf>> {
    let path = w.out.join(run_dir::REPORT_HTML);
    report::html::write(
        &path,
        w.summary,
        w.rows,
        w.review_order,
        w.daily,
        w.links,
        w.cards,
        w.info,
    )?;
    Ok(vec![path])
}
