//! `cardrecon explain --run DIR ID`: everything a run knows about one tx id, order id or ledger
//! entry id, without calling a provider: the result rows that carry it (category and why) and
//! the other rows of their match (a group's members), the provider records (and the raw wire
//! record from the archive), the ledger entries (file:row), how they were matched, and related
//! records (a consumption's refunds and fees, a refund's original).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub id: String,
    pub period: String,
    pub timezone: String,
    /// Rows of `results.csv` that carry the id, as column → value.
    pub results: Vec<Map<String, Value>>,
    pub provider_records: Vec<Map<String, Value>>,
    /// The wire records as the provider sent them (from the run's `raw/` archive).
    pub raw_records: Vec<Value>,
    pub ledger_entries: Vec<Map<String, Value>>,
    /// Refunds and fees of the records found, or the original a refund points to and the
    /// other refunds and fees that name it.
    pub related: Vec<Map<String, Value>>,
    /// Rows of `links.csv` about the id (as the record, the original it names, or one of the
    /// refunds listed), as column → value.
    pub links: Vec<Map<String, Value>>,
    /// The id as a card: its row of `cards.csv` (its roll-forward), as column → value.
    pub cards: Vec<Map<String, Value>>,
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    crate::parquet_input::read(path, |why| Error::Input {
        what: path.display().to_string(),
        message: format!("not a readable Parquet file: {why}"),
        cause: None,
    })
}

/// One row of a canonical table as JSON: decimals as plain text, instants in RFC 3339 in the
/// business timezone, days as dates.
fn row_json(df: &DataFrame, i: usize, zone: Tz) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    for c in df.columns() {
        let v = match c.dtype() {
            DataType::String => c.str()?.get(i).map(|s| Value::String(s.into())),
            DataType::Decimal(_, _) => c
                .decimal()?
                .physical()
                .get(i)
                .map(|u| Value::String(crate::money::format_units(u))),
            DataType::Datetime(_, _) => c
                .datetime()?
                .physical()
                .get(i)
                .and_then(DateTime::from_timestamp_micros)
                .map(|t| Value::String(crate::report::format_time(t, zone))),
            DataType::Date => c
                .date()?
                .physical()
                .get(i)
                .map(|d| Value::String(crate::period::from_epoch_days(d).to_string())),
            _ => None,
        };
        m.insert(c.name().to_string(), v.unwrap_or(Value::Null));
    }
    Ok(m)
}

fn matching_rows(
    df: &DataFrame,
    columns: &[&str],
    ids: &BTreeSet<String>,
    zone: Tz,
) -> Result<Vec<Map<String, Value>>> {
    let mut out = Vec::new();
    let cols: Vec<&StringChunked> = columns
        .iter()
        .filter_map(|c| df.column(c).ok())
        .filter_map(|c| c.str().ok())
        .collect();
    for i in 0..df.height() {
        if cols
            .iter()
            .any(|c| c.get(i).is_some_and(|v| ids.contains(v)))
        {
            out.push(row_json(df, i, zone)?);
        }
    }
    Ok(out)
}

/// The raw line a provider record came from: `source` is `instance/file.jsonl:line`, looked up
/// under the run's `raw/` (or another provider-data directory).
fn raw_line(dirs: &[PathBuf], source: &str) -> Option<Value> {
    let (file, line) = source.rsplit_once(':')?;
    let line: usize = line.parse().ok()?;
    dirs.iter().find_map(|d| {
        let text = std::fs::read_to_string(d.join(file)).ok()?;
        let l = text.lines().nth(line.checked_sub(1)?)?;
        let mut v: Value = serde_json::from_str(l).ok()?;
        // A provider-data file given to `reconcile` may hold full card numbers or cvv/pin.
        crate::providers::http::strip_secrets(&mut v);
        Some(v)
    })
}

pub fn explain(run: &Path, id: &str, provider_data: Option<&Path>) -> Result<Explanation> {
    let summary_path = run.join(crate::run_dir::SUMMARY_JSON);
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(&summary_path).map_err(|e| Error::io(&summary_path, e))?,
    )
    .map_err(|e| Error::input(summary_path.display().to_string(), e.to_string()).because(e))?;
    let timezone = summary["timezone"].as_str().unwrap_or("UTC").to_string();
    let zone = crate::period::parse_zone(&timezone)?;
    let id = id.trim().to_string();

    // Result rows carrying the id, with the other rows of their match (a group's members), and
    // every id they mention (to find both sides of each pair). One read: the rows of a match
    // are adjacent in `results.csv` (the engine orders a group's rows together), so each run
    // of rows sharing a match id is kept whole when any of them carries the id.
    let results_path = run.join(crate::run_dir::RESULTS_CSV);
    let csv_err =
        |e: csv::Error| Error::input(results_path.display().to_string(), e.to_string()).because(e);
    let (mut rdr, headers) = csv_with_headers(&results_path)?;
    let match_col = headers.iter().position(|h| h == "match_id");
    let mut hits: Vec<csv::StringRecord> = Vec::new();
    // The current run of rows with one match id, and whether one of them carries the id.
    let mut run_rows: Vec<csv::StringRecord> = Vec::new();
    let mut run_hit = false;
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let carries = [3usize, 4, 5]
            .iter()
            .any(|&c| rec.get(c) == Some(id.as_str()));
        let m = match_col.and_then(|c| rec.get(c)).unwrap_or("");
        let same_run = run_rows
            .first()
            .is_some_and(|r| match_col.and_then(|c| r.get(c)) == Some(m));
        if !same_run {
            if run_hit {
                hits.append(&mut run_rows);
            }
            run_rows.clear();
            run_hit = false;
        }
        if m.is_empty() {
            if carries {
                hits.push(rec);
            }
        } else {
            run_hit |= carries;
            run_rows.push(rec);
        }
    }
    if run_hit {
        hits.append(&mut run_rows);
    }
    let mut results = Vec::new();
    let mut ids: BTreeSet<String> = BTreeSet::from([id.clone()]);
    for rec in &hits {
        for &c in &[3usize, 4, 5] {
            if let Some(v) = rec.get(c).filter(|v| !v.is_empty()) {
                ids.insert(v.to_string());
            }
        }
        results.push(
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(|v| Value::String(v.to_string())))
                .collect(),
        );
    }

    let p = read_parquet(&run.join("normalized/provider_records.parquet"))?;
    let l = read_parquet(&run.join("normalized/ledger_entries.parquet"))?;
    let provider_records = matching_rows(&p, &["tx_id", "order_id"], &ids, zone)?;
    let ledger_entries = matching_rows(&l, &["entry_id", "tx_id", "order_id"], &ids, zone)?;
    let mut dirs = vec![run.join("raw")];
    if let Some(d) = provider_data {
        dirs.push(d.to_path_buf());
    }
    let raw_records = provider_records
        .iter()
        .filter_map(|r| r.get("source").and_then(|s| s.as_str()))
        .filter_map(|s| raw_line(&dirs, s))
        .collect();
    // Related: records pointing at these (refunds, fees) and what these point at (originals).
    let tx_ids: BTreeSet<String> = provider_records
        .iter()
        .filter_map(|r| r.get("tx_id").and_then(|v| v.as_str()).map(String::from))
        .collect();
    let originals: BTreeSet<String> = provider_records
        .iter()
        .filter_map(|r| {
            r.get("related_tx_id")
                .and_then(|v| v.as_str())
                .map(String::from)
        })
        .collect();
    let mut related = matching_rows(&p, &["related_tx_id"], &tx_ids, zone)?;
    related.extend(matching_rows(&p, &["tx_id"], &originals, zone)?);
    // The other refunds and fees naming the same original (a refund's siblings).
    related.extend(
        matching_rows(&p, &["related_tx_id"], &originals, zone)?
            .into_iter()
            .filter(|r| {
                r.get("tx_id")
                    .and_then(|v| v.as_str())
                    .is_none_or(|t| !tx_ids.contains(t))
            }),
    );
    let links = link_rows(&run.join(crate::run_dir::LINKS_CSV), &id)?;
    let cards = card_rows(&run.join(crate::run_dir::CARDS_CSV), &id)?;
    if results.is_empty()
        && provider_records.is_empty()
        && ledger_entries.is_empty()
        && cards.is_empty()
    {
        return Err(Error::input(
            id.clone(),
            format!(
                "no result, provider record or ledger entry in {} carries this id",
                run.display()
            ),
        ));
    }
    Ok(Explanation {
        id,
        period: summary["period"].as_str().unwrap_or_default().to_string(),
        timezone,
        results,
        provider_records,
        raw_records,
        ledger_entries,
        related,
        links,
        cards,
    })
}

/// The rows of a run's `links.csv` about `id`: as the record, the original it names, or one of
/// the refunds listed. A run made before the links check has no file: no rows.
fn link_rows(path: &Path, id: &str) -> Result<Vec<Map<String, Value>>> {
    rows_where(path, |col, rec| {
        let is = |name: &str| col(name).and_then(|c| rec.get(c)) == Some(id);
        let listed = col("refunds")
            .and_then(|c| rec.get(c))
            .is_some_and(|r| r.split(['(', ';', ' ', ')']).any(|part| part == id));
        is("tx_id") || is("related_tx_id") || listed
    })
}

/// The row of a run's `cards.csv` for card `id` (none for a run without the file).
fn card_rows(path: &Path, id: &str) -> Result<Vec<Map<String, Value>>> {
    rows_where(path, |col, rec| {
        col("card_id").and_then(|c| rec.get(c)) == Some(id)
    })
}

/// The rows of a run's CSV file that `keep` accepts (given a column's position by name), as
/// column → value; none when the file is not there.
fn rows_where(
    path: &Path,
    keep: impl Fn(&dyn Fn(&str) -> Option<usize>, &csv::StringRecord) -> bool,
) -> Result<Vec<Map<String, Value>>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let csv_err =
        |e: csv::Error| Error::input(path.display().to_string(), e.to_string()).because(e);
    let (mut rdr, headers) = csv_with_headers(path)?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        if keep(&col, &rec) {
            out.push(
                headers
                    .iter()
                    .cloned()
                    .zip(rec.iter().map(|v| Value::String(v.to_string())))
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// A run's CSV file opened, with its header row.
fn csv_with_headers(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let csv_err =
        |e: csv::Error| Error::input(path.display().to_string(), e.to_string()).because(e);
    let mut rdr = csv::Reader::from_path(path).map_err(csv_err)?;
    let headers = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(String::from)
        .collect();
    Ok((rdr, headers))
}

fn get<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(|v| v.as_str()).unwrap_or("")
}

/// The explanation for a person.
pub fn render(e: &Explanation) -> String {
    let mut out = format!("{} in {} ({})\n", e.id, e.period, e.timezone);
    for r in &e.results {
        render_result(&mut out, r);
    }
    for c in &e.cards {
        render_card(&mut out, c);
    }
    if e.results.is_empty() && !e.cards.is_empty() {
        return out;
    }
    if e.results.is_empty() {
        out.push_str("\n  not in the period's results (outside the period and its margin, or only in the margin)\n");
    }
    render_records(&mut out, e);
    for l in &e.links {
        let label = crate::links::FindingKind::parse(get(l, "finding"))
            .map(crate::report::layout::finding_label)
            .unwrap_or(get(l, "finding"));
        out.push_str(&format!("\n  links: {label}: {}\n", get(l, "detail")));
    }
    if !e.related.is_empty() {
        out.push_str("\n  related:\n");
        for r in &e.related {
            let names = get(r, "related_tx_id");
            let names = if names.is_empty() {
                String::new()
            } else {
                format!(" (names {names})")
            };
            out.push_str(&format!(
                "    {} {}{names} {} {} {} at {}\n",
                get(r, "kind"),
                get(r, "tx_id"),
                get(r, "amount"),
                get(r, "currency"),
                get(r, "status"),
                get(r, "occurred_at")
            ));
        }
    }
    out
}

/// One result row: its category and detail, each side, and how the two were put together.
fn render_result(out: &mut String, r: &Map<String, Value>) {
    let cat = get(r, "category");
    let label = crate::matching::Category::parse(cat)
        .map(crate::report::layout::category_label)
        .unwrap_or(cat);
    out.push_str(&format!("\n  {label}"));
    let detail = get(r, "detail");
    if !detail.is_empty() {
        out.push_str(&format!(": {detail}"));
    }
    out.push('\n');
    let summary = matches!(
        cat,
        "summary_matched" | "summary_mismatch" | "summary_missing"
    );
    if summary {
        out.push_str(&format!(
            "    records   {} {} {} {}: {} (day {})\n",
            get(r, "provider"),
            get(r, "kind"),
            get(r, "provider_amount"),
            get(r, "currency"),
            if cat == "summary_missing" {
                "their sum"
            } else {
                "their figure, as the line's row compares it"
            },
            get(r, "provider_day")
        ));
    } else if !get(r, "provider_amount").is_empty() {
        out.push_str(&format!(
            "    provider  {} {} {} {} {}, {} on {} (day {})\n",
            get(r, "provider"),
            get(r, "kind"),
            get(r, "tx_id"),
            get(r, "provider_amount"),
            get(r, "currency"),
            get(r, "provider_status"),
            get(r, "provider_time"),
            get(r, "provider_day")
        ));
    }
    if !get(r, "ledger_entry_id").is_empty() {
        out.push_str(&format!(
            "    ledger    entry {} {} {}, {} booked {} (day {})\n",
            get(r, "ledger_entry_id"),
            get(r, "ledger_amount"),
            get(r, "ledger_currency"),
            get(r, "ledger_status"),
            get(r, "ledger_time"),
            get(r, "ledger_day")
        ));
    }
    let paired = !get(r, "provider_amount").is_empty() && !get(r, "ledger_entry_id").is_empty();
    let how = if summary && cat == "summary_missing" {
        "a group of records a summary journal covers, with no line in the ledger: one row for the group, its records not listed one by one"
    } else if summary {
        "a summary journal's line, compared with the sum of the records it covers (their rows follow, with the line's match id)"
    } else if cat == "summarized" {
        "covered by a summary journal's line (its row is listed with this one): not matched one by one"
    } else if detail.starts_with("suggested by rule") || detail.contains("; suggested by rule") {
        "suggested by a configured rule (named in the detail), not matched: each is the other's only candidate under it; a person confirms or rejects the pair"
    } else if cat == "suggested_match" {
        "suggested, not matched: each is the other's only loose candidate (same provider, currency and card, amounts within tolerance, times within the suggestion window); nothing links them by key, so a person confirms or rejects the pair"
    } else if detail.contains("matched by rule") {
        "matched by a configured rule (named in the detail): nothing links them by key, but each is the other's only candidate under it"
    } else if detail.contains("matched on order_id") {
        "matched on the order id"
    } else if paired {
        "matched on the provider tx id"
    } else {
        "no partner on the other side"
    };
    out.push_str(&format!("    how: {how}\n"));
}

/// One card of the roll-forward: its listed balance, the sum that expects it, the finding.
fn render_card(out: &mut String, c: &Map<String, Value>) {
    out.push_str(&format!(
        "\n  card {} {} (status {}): listed balance {}\n",
        get(c, "card_id"),
        get(c, "card"),
        get(c, "status"),
        get(c, "balance"),
    ));
    if !get(c, "previous_period").is_empty() {
        out.push_str(&format!(
            "    {} at the end of {} + recharges {} + refunds {} - consumption {} - fees {} - withdrawals {} - closures {} = {} expected; difference {}\n",
            get(c, "previous_balance"),
            get(c, "previous_period"),
            get(c, "recharges"),
            get(c, "refunds"),
            get(c, "consumption"),
            get(c, "fees"),
            get(c, "withdrawals"),
            get(c, "closures"),
            get(c, "expected_balance"),
            get(c, "difference"),
        ));
    }
    let finding = get(c, "finding");
    out.push_str(&format!(
        "    {}{}\n",
        if finding.is_empty() {
            String::new()
        } else {
            format!("{finding}: ")
        },
        get(c, "detail")
    ));
}

/// The records and entries behind the id, and each record as its provider sent it.
fn render_records(out: &mut String, e: &Explanation) {
    if !e.provider_records.is_empty() {
        out.push_str("\n  provider records:\n");
        for r in &e.provider_records {
            out.push_str(&format!(
                "    {} {} {} {} {} {} (status {}) at {}  [{}]\n",
                get(r, "provider"),
                get(r, "kind"),
                get(r, "tx_id"),
                get(r, "amount"),
                get(r, "currency"),
                get(r, "status"),
                get(r, "status_raw"),
                get(r, "occurred_at"),
                get(r, "source")
            ));
        }
    }
    for raw in &e.raw_records {
        out.push_str(&format!("    as sent: {raw}\n"));
    }
    if !e.ledger_entries.is_empty() {
        out.push_str("\n  ledger entries:\n");
        for r in &e.ledger_entries {
            out.push_str(&format!(
                "    {} {} {} {} {} booked {}  [{}]\n",
                get(r, "entry_id"),
                get(r, "tx_id"),
                get(r, "amount"),
                get(r, "currency"),
                get(r, "status"),
                get(r, "booked_at"),
                get(r, "source")
            ));
        }
    }
}
