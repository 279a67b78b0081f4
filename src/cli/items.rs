//! `cardrecon items`: the store's items, by period and state, as a table, CSV or JSON. The
//! CSV columns are fixed (scripts rely on them: new ones are only ever appended); text that
//! looks like a formula is prefixed with `'` as in every CSV cardrecon writes.
//!
//! **Ages.** An open item's age is counted to the end of the period it is listed for
//! (`--period`), or to today without one; an item that left `open` keeps the age it had then
//! ([`StoredItem::age_on`]). `age_to` says which day that was, so the same item shows the same
//! age here and on the Open items sheet of the period's report.
//!
//! **Exposure.** `amount` is the item's gross amount (what the roll-forward counts);
//! `at_stake` is signed (money out negative) and, for an amount or fee mismatch, only the
//! difference, so totals per currency do not overstate what is at stake.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::args::{runtime, StoreArgs};
use crate::error::{Error, Result};
use crate::store::decide::ItemFilter;
use crate::store::item::{at_stake_by_currency, ItemState};
use crate::store::StoredItem;

#[derive(Debug, Args)]
pub struct ItemsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this period's items (YYYY-MM).
    #[arg(long)]
    pub period: Option<String>,
    /// Which items: open (default), accepted, cleared, resolved or all.
    #[arg(long, default_value = "open")]
    pub status: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub use crate::store::item_table::{values, COLUMNS, NUMERIC};

/// Columns that JSON gives as numbers (amounts stay decimal text, as everywhere).
const NUMBERS: [&str; 1] = ["age_days"];

pub fn run(a: ItemsArgs) -> Result<ExitCode> {
    let state = match a.status.as_str() {
        "all" => None,
        s => Some(ItemState::parse(s).ok_or_else(|| {
            Error::input(
                "--status",
                format!("`{s}` is not one of open, accepted, cleared, resolved, all"),
            )
        })?),
    };
    let period = a
        .period
        .as_deref()
        .map(crate::period::Period::parse)
        .transpose()?;
    let items = runtime()?.block_on(async {
        let store = a.store.open().await?;
        store
            .items(&ItemFilter {
                period: a.period.clone(),
                state,
            })
            .await
    })?;
    // Ages to the end of the period listed, or to today.
    let age_to = period.map_or_else(|| chrono::Utc::now().date_naive(), |p| p.last);
    let rows: Vec<Vec<String>> = items.iter().map(|i| values(i, age_to)).collect();
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Csv => write_csv(&mut out, &rows)?,
        Format::Json => write_json(&mut out, &rows)?,
        Format::Table => {
            let ages = format!(
                "{} item{} ({}); ages to {}{}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                a.status,
                age_to,
                if period.is_some() {
                    " (the period's end)"
                } else {
                    " (today)"
                }
            );
            write_table(&mut out, &rows, &items, &ages)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The items as CSV: text guarded against formulas, numbers as they are.
fn write_csv(out: &mut impl std::io::Write, rows: &[Vec<String>]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::io("stdout", e),
        other => Error::input("stdout", format!("{other:?}")),
    };
    w.write_record(COLUMNS).map_err(io)?;
    for r in rows {
        // Text from providers and ledgers is guarded against formulas; the numbers are
        // cardrecon's own and stay numbers (a negative amount is not a formula).
        w.write_record(r.iter().zip(COLUMNS).map(|(v, c)| {
            if NUMERIC.contains(&c) {
                v.clone()
            } else {
                crate::report::csv::guard_text(v).into_owned()
            }
        }))
        .map_err(io)?;
    }
    w.flush().map_err(|e| Error::io("stdout", e))?;
    Ok(())
}

/// The items as a JSON list of objects, counts as numbers.
fn write_json(out: &mut impl std::io::Write, rows: &[Vec<String>]) -> Result<()> {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| {
            COLUMNS
                .iter()
                .zip(r)
                .map(|(k, v)| {
                    let value = match v.parse::<i64>() {
                        Ok(n) if NUMBERS.contains(k) => serde_json::Value::from(n),
                        _ if NUMBERS.contains(k) && v.is_empty() => serde_json::Value::Null,
                        _ => serde_json::Value::String(v.clone()),
                    };
                    (k.to_string(), value)
                })
                .collect()
        })
        .collect();
    let text = serde_json::to_string_pretty(&list)
        .map_err(|e| Error::input("stdout", e.to_string()).because(e))?;
    writeln!(out, "{text}").map_err(|e| Error::io("stdout", e))?;
    Ok(())
}

/// The items as a table for the terminal, the line saying how many and to when ages run, and
/// what is at stake per currency.
fn write_table(
    out: &mut impl std::io::Write,
    rows: &[Vec<String>],
    items: &[StoredItem],
    ages: &str,
) -> Result<()> {
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let shown: Vec<usize> = [
        "item_id",
        "period",
        "category",
        "provider",
        "tx_id",
        "ledger_entry_id",
        "provider_amount",
        "ledger_amount",
        "amount_difference",
        "at_stake",
        "currency",
        "status",
        "age_days",
    ]
    .map(col)
    .to_vec();
    // Numbers right-aligned, as a reader compares them.
    let right = |c: usize| NUMERIC.contains(&COLUMNS[c]);
    let mut widths: Vec<usize> = shown.iter().map(|&c| COLUMNS[c].len()).collect();
    for r in rows {
        for (w, &c) in widths.iter_mut().zip(&shown) {
            *w = (*w).max(r[c].chars().count().min(40));
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .zip(&shown)
            .map(|((v, w), &c)| {
                let v: String = v.chars().take(40).collect();
                if right(c) {
                    format!("{v:>w$}", w = *w)
                } else {
                    format!("{v:<w$}", w = *w)
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let io = |e| Error::io("stdout", e);
    writeln!(out, "{}", line(shown.iter().map(|&c| COLUMNS[c]).collect())).map_err(io)?;
    for r in rows {
        writeln!(
            out,
            "{}",
            line(shown.iter().map(|&c| r[c].as_str()).collect())
        )
        .map_err(io)?;
    }
    writeln!(out, "{ages}").map_err(io)?;
    for line in at_stake_lines(items) {
        writeln!(out, "{line}").map_err(io)?;
    }
    Ok(())
}

/// Per currency, the count of items and the total at stake: the lines under a list of items.
pub fn at_stake_lines(items: &[StoredItem]) -> Vec<String> {
    at_stake_by_currency(items)
        .into_iter()
        .map(|(currency, (n, total))| {
            format!(
                "  at stake {}: {} over {n} item{}",
                if currency.is_empty() {
                    "(no currency)"
                } else {
                    &currency
                },
                crate::money::display(total, &currency).0,
                if n == 1 { "" } else { "s" }
            )
        })
        .collect()
}
