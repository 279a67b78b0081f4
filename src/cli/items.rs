//! `cardrecon items`: the store's items, by period and state, as a table, CSV or JSON. The
//! CSV columns are fixed (scripts rely on them); text that looks like a formula is prefixed
//! with `'` as in every CSV cardrecon writes.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::args::{runtime, StoreArgs};
use crate::error::{Error, Result};
use crate::store::decide::ItemFilter;
use crate::store::item::{age, ItemState};
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

/// The `items` CSV columns, in order.
pub const COLUMNS: [&str; 19] = [
    "item_id",
    "period",
    "category",
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "ledger_entry_id",
    "amount",
    "currency",
    "status",
    "first_run",
    "last_run",
    "cleared_in",
    "age_days",
    "reason",
    "note",
    "by",
    "at",
];

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
    if let Some(p) = &a.period {
        crate::period::Period::parse(p)?;
    }
    let items = runtime()?.block_on(async {
        let store = a.store.open().await?;
        store
            .items(&ItemFilter {
                period: a.period.clone(),
                state,
            })
            .await
    })?;
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<Vec<String>> = items.iter().map(|i| values(i, today)).collect();
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let io = |e: csv::Error| match e.into_kind() {
                csv::ErrorKind::Io(e) => Error::io("stdout", e),
                other => Error::input("stdout", format!("{other:?}")),
            };
            w.write_record(COLUMNS).map_err(io)?;
            for r in &rows {
                w.write_record(
                    r.iter()
                        .map(|v| crate::report::csv::guard_text(v).into_owned()),
                )
                .map_err(io)?;
            }
            w.flush().map_err(|e| Error::io("stdout", e))?;
        }
        Format::Json => {
            let list: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| {
                    COLUMNS
                        .iter()
                        .zip(r)
                        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                        .collect()
                })
                .collect();
            let text = serde_json::to_string_pretty(&list)
                .map_err(|e| Error::input("stdout", e.to_string()))?;
            use std::io::Write;
            writeln!(out, "{text}").map_err(|e| Error::io("stdout", e))?;
        }
        Format::Table => {
            use std::io::Write;
            let shown = [0usize, 1, 2, 3, 5, 7, 8, 9, 10, 14];
            let mut widths: Vec<usize> = shown.iter().map(|&c| COLUMNS[c].len()).collect();
            for r in &rows {
                for (w, &c) in widths.iter_mut().zip(&shown) {
                    *w = (*w).max(r[c].chars().count().min(40));
                }
            }
            let line = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{:<w$}", v.chars().take(40).collect::<String>(), w = *w))
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            let io = |e| Error::io("stdout", e);
            writeln!(out, "{}", line(shown.iter().map(|&c| COLUMNS[c]).collect())).map_err(io)?;
            for r in &rows {
                writeln!(
                    out,
                    "{}",
                    line(shown.iter().map(|&c| r[c].as_str()).collect())
                )
                .map_err(io)?;
            }
            writeln!(
                out,
                "{} item{} ({})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                a.status
            )
            .map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn values(i: &StoredItem, today: chrono::NaiveDate) -> Vec<String> {
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let (days, _) = age(i.item_day, today);
    vec![
        i.item_id.clone(),
        i.period.clone(),
        i.category.as_str().to_string(),
        o(&i.provider),
        o(&i.kind),
        o(&i.tx_id),
        o(&i.order_id),
        o(&i.ledger_entry_id),
        i.amount.map(crate::money::format).unwrap_or_default(),
        o(&i.currency),
        i.state.as_str().to_string(),
        i.first_run.clone(),
        i.last_run.clone(),
        o(&i.cleared_in),
        days.map(|d| d.to_string()).unwrap_or_default(),
        o(&i.reason),
        o(&i.note),
        o(&i.decided_by),
        o(&i.decided_at),
    ]
}
