//! The canonical `ledger_entries` table from converted entries.

use chrono_tz::Tz;
use polars::prelude::*;

use crate::columns::{instant_col, money_col, opt_str_col, str_col};
use crate::error::Result;
use crate::model::{Kind, LedgerEntry};

/// The `ledger_entries` table, accounting days in `zone`.
pub fn ledger_frame(entries: &[LedgerEntry], zone: Tz) -> Result<DataFrame> {
    let e = entries;
    let columns = vec![
        str_col("entry_id", e.iter().map(|x| x.entry_id.as_str())),
        opt_str_col("provider", e.iter().map(|x| x.provider.as_deref())),
        opt_str_col("journal", e.iter().map(|x| x.journal.as_deref())),
        opt_str_col("kind", e.iter().map(|x| x.kind.map(Kind::as_str))),
        opt_str_col("tx_id", e.iter().map(|x| x.tx_id.as_deref())),
        opt_str_col("order_id", e.iter().map(|x| x.order_id.as_deref())),
        opt_str_col("card", e.iter().map(|x| x.card.as_deref())),
        opt_str_col("description", e.iter().map(|x| x.description.as_deref())),
        money_col("amount", e.iter().map(|x| Some(x.amount))),
        str_col("currency", e.iter().map(|x| x.currency.as_str())),
        money_col("fee", e.iter().map(|x| x.fee)),
        str_col("status", e.iter().map(|x| x.status.as_str())),
        instant_col("booked_at", e.iter().map(|x| x.booked_at)),
        crate::columns::accounting_days_col("accounting_day", e.iter().map(|x| x.booked_at), zone),
        str_col("source", e.iter().map(|x| x.source.as_str())),
    ];
    Ok(DataFrame::new(e.len(), columns)?)
}
