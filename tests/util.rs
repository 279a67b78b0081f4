//! Helpers shared by the integration tests: building canonical records, running the engine,
//! running the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use cardrecon::matching::{self, MatchOptions};
use cardrecon::model::{Kind, LedgerEntry, ProviderRecord, Status};
use cardrecon::period::{local_to_utc, Period};
use cardrecon::report::{ResultRow, ResultRows};

pub fn dec(s: &str) -> Decimal {
    cardrecon::money::parse(s).unwrap()
}

/// A wall-clock time in a zone: `at(zone, "2026-03-31 23:59:59.999")`.
pub fn at(zone: Tz, text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    local_to_utc(naive, zone)
}

pub fn utc(text: &str) -> DateTime<Utc> {
    at(chrono_tz::UTC, text)
}

pub fn rec(provider: &str, tx_id: &str, amount: &str, when: DateTime<Utc>) -> ProviderRecord {
    ProviderRecord {
        provider: provider.into(),
        kind: Kind::Consumption,
        tx_id: tx_id.into(),
        order_id: None,
        related_tx_id: None,
        card_ref: None,
        card_masked: Some("448533******6937".into()),
        amount: dec(amount),
        currency: "USD".into(),
        original_amount: None,
        original_currency: None,
        fee: None,
        fee_currency: None,
        status: Status::Success,
        status_raw: "Success".into(),
        occurred_at: when,
        description: None,
        source: format!("{provider}/t.jsonl:{tx_id}"),
        rounded_floats: Vec::new(),
    }
}

pub fn entry(
    id: &str,
    provider: &str,
    tx_id: &str,
    amount: &str,
    when: DateTime<Utc>,
) -> LedgerEntry {
    LedgerEntry {
        entry_id: id.into(),
        provider: Some(provider.into()),
        journal: None,
        kind: Some(Kind::Consumption),
        tx_id: if tx_id.is_empty() {
            None
        } else {
            Some(tx_id.into())
        },
        order_id: None,
        amount: dec(amount),
        currency: "USD".into(),
        fee: None,
        status: Status::Success,
        booked_at: when,
        card: None,
        description: None,
        source: format!("ledger.csv:{id}"),
    }
}

pub fn options(period: &str) -> MatchOptions {
    MatchOptions {
        period: Period::parse(period).unwrap(),
        margin_days: 3,
        amount_tolerance: Default::default(),
        fee_tolerance: Default::default(),
        signed_ledger: false,
        carried: (Vec::new(), Vec::new()),
        gather: Default::default(),
        loose: Default::default(),
        decided: Default::default(),
        summaries: Vec::new(),
        rules: Vec::new(),
        fx: None,
    }
}

/// The engine's result frame for Rust values (for what reads [`ResultRows`] itself, such as the
/// summary's counts).
pub fn engine_frame(
    records: &[ProviderRecord],
    entries: &[LedgerEntry],
    zone: Tz,
    opts: &MatchOptions,
) -> polars::prelude::DataFrame {
    let p = cardrecon::normalize::provider_frame(records, zone).unwrap();
    let l = cardrecon::ledger::ledger_frame(entries, zone).unwrap();
    matching::reconcile(&p, &l, opts).unwrap()
}

/// Runs the engine on Rust values and returns every result row.
pub fn run_engine(
    records: &[ProviderRecord],
    entries: &[LedgerEntry],
    zone: Tz,
    opts: &MatchOptions,
) -> Vec<ResultRow> {
    let df = engine_frame(records, entries, zone, opts);
    let rows = ResultRows::new(&df).unwrap();
    (0..rows.len()).map(|i| rows.row(i)).collect()
}

/// The row of `tx` and `entry` (either empty for an unmatched item).
pub fn row<'r>(rows: &'r [ResultRow], tx: &str, entry: &str) -> &'r ResultRow {
    rows.iter()
        .find(|r| {
            r.tx_id.as_deref().unwrap_or("") == tx
                && r.ledger_entry_id.as_deref().unwrap_or("") == entry
        })
        .unwrap_or_else(|| panic!("no row {tx}/{entry}"))
}

/// `(category, tx_id, entry_id)` of each row, sorted, for exact comparisons.
pub fn triples(rows: &[ResultRow]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.category.as_str().to_string(),
                r.tx_id.clone().unwrap_or_default(),
                r.ledger_entry_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

pub fn t(c: &str, tx: &str, e: &str) -> (String, String, String) {
    (c.into(), tx.into(), e.into())
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cardrecon-test-")
        .tempdir()
        .unwrap()
}

/// The built `cardrecon` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrecon"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `cardrecon generate` of `records` records into `out`, with `extra` arguments after those.
pub fn run_generate(out: &Path, records: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "generate",
        "--out",
        out.to_str().unwrap(),
        "--records",
        records,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `cardrecon reconcile` of the provider data (a wire-file directory or a provider_records table)
/// against `ledger` for `period` in `zone`, into `out`, with `extra` arguments after those.
pub fn run_reconcile(
    providers: &Path,
    ledger: &Path,
    period: &str,
    zone: &str,
    out: &Path,
    extra: &[&str],
) -> Run {
    let mut args = vec![
        "reconcile",
        "--provider-data",
        providers.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
        "--period",
        period,
        "--timezone",
        zone,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// [`run_reconcile`] of a month `cardrecon generate` wrote into `data` (its `providers/` and
/// `ledger.csv`): March 2026, in London's time.
pub fn reconcile_month(data: &Path, out: &Path, extra: &[&str]) -> Run {
    run_reconcile(
        &data.join("providers"),
        &data.join("ledger.csv"),
        "2026-03",
        "Europe/London",
        out,
        extra,
    )
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Reads a CSV into rows of fields (header excluded).
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().from_path(path).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Asserts two text files are equal, showing only the lines that differ.
pub fn assert_same_file(a: &Path, b: &Path) {
    let ta = std::fs::read_to_string(a).unwrap();
    let tb = std::fs::read_to_string(b).unwrap();
    if ta != tb {
        let la: std::collections::BTreeSet<&str> = ta.lines().collect();
        let lb: std::collections::BTreeSet<&str> = tb.lines().collect();
        let only_a: Vec<&&str> = la.difference(&lb).take(8).collect();
        let only_b: Vec<&&str> = lb.difference(&la).take(8).collect();
        panic!(
            "{} and {} differ\nonly in the first:\n{only_a:#?}\nonly in the second:\n{only_b:#?}",
            a.display(),
            b.display()
        );
    }
}

/// Every file under `dir`, at any depth (none when `dir` does not exist yet).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The id of the first item `items` lists for the store at `url`.
pub fn first_item_id(url: &str) -> String {
    let items = run(&["items", "--store", url, "--format", "csv"]);
    assert_eq!(items.code, 0, "{}", items.stderr);
    items
        .stdout
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .unwrap_or_else(|| panic!("no item: {}", items.stdout))
        .to_string()
}
