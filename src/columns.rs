//! Building polars columns from Rust values: text, optional text, exact money (`Decimal(38, 8)`
//! from decimals or from units of 10⁻⁸), UTC instants, accounting days in a named zone, and
//! numbered sources. The provider side (`normalize`), the ledger, the engine and the store all
//! build their frames with these, so each kind of column has one type everywhere.

use crate::error::Result;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;

pub(crate) fn str_col<'a>(name: &str, values: impl Iterator<Item = &'a str>) -> Column {
    Column::new(name.into(), values.collect::<Vec<&str>>())
}

pub(crate) fn opt_str_col<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<&str>>>())
}

pub(crate) fn money_col(name: &str, values: impl Iterator<Item = Option<Decimal>>) -> Column {
    let units: Vec<Option<i128>> = values.map(|v| v.map(crate::money::to_units)).collect();
    units_col(name, &units)
}

/// A `Decimal(38, 8)` column from amounts already in units of 10⁻⁸.
pub(crate) fn units_col(name: &str, units: &[Option<i128>]) -> Column {
    units_of(Int128Chunked::from_slice_options(name.into(), units))
}

/// A money column of units (10⁻⁸) already built.
pub(crate) fn units_of(units: Int128Chunked) -> Column {
    units
        .into_decimal_unchecked(crate::money::PRECISION, crate::money::SCALE as usize)
        .into_column()
}

pub(crate) fn instant_col(name: &str, values: impl Iterator<Item = DateTime<Utc>>) -> Column {
    let micros: Vec<i64> = values.map(|t| t.timestamp_micros()).collect();
    Int64Chunked::from_vec(name.into(), micros)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// `prefix:first`, `prefix:first+1`, … for `n` rows (a ledger's `source`), written through one
/// buffer instead of a `String` per row.
pub(crate) fn numbered_col(name: &str, prefix: &str, first: usize, n: usize) -> Column {
    use std::fmt::Write;
    let mut b = StringChunkedBuilder::new(name.into(), n);
    let mut text = String::with_capacity(prefix.len() + 12);
    for i in 0..n {
        text.clear();
        let _ = write!(text, "{prefix}:{}", first + i);
        b.append_value(&text);
    }
    b.finish().into_column()
}

/// The accounting days of `instants` in `zone` ([`crate::period::DayCutter`]).
pub(crate) fn accounting_days_col(
    name: &str,
    instants: impl Iterator<Item = DateTime<Utc>>,
    zone: Tz,
) -> Column {
    let mut cut = crate::period::DayCutter::new(zone);
    let days: Vec<i32> = instants.map(|t| cut.day(t)).collect();
    Int32Chunked::from_vec(name.into(), days)
        .into_date()
        .into_column()
}

/// About how many bytes a table holds. polars' `estimated_size` counts a text column as its
/// text's length, not as what it holds: a 16-byte view per row (short text inside it) and the
/// buffers of the longer text. Those are counted here instead.
pub fn held_bytes(df: &DataFrame) -> usize {
    df.columns().iter().map(column_bytes).sum()
}

/// About how many bytes a column holds (see [`held_bytes`]).
pub fn column_bytes(c: &Column) -> usize {
    match c.str() {
        Ok(text) => text
            .downcast_iter()
            .map(|a| a.len() * 16 + a.total_buffer_len() + a.len().div_ceil(8))
            .sum(),
        Err(_) => c.as_materialized_series().estimated_size(),
    }
}

/// Rows of a table built at a time while an input is read (the wire files, a CSV ledger).
///
/// Why in chunks: holding every record of a 10^7-row input as a struct beside the table built
/// from them was the largest thing in memory while reading. Only the chunk in hand is held as
/// structs; [`stack`] then makes one table of the chunks.
pub const TABLE_CHUNK_ROWS: usize = 65_536;

/// `empty` (the table's columns, no rows) with `chunks` stacked under it in order, each column
/// then made one buffer, one column at a time, so only one column is held twice while it is
/// copied (the engine reads the input columns by position from one buffer each).
pub fn stack(empty: DataFrame, chunks: impl IntoIterator<Item = DataFrame>) -> Result<DataFrame> {
    let mut df = empty;
    for chunk in chunks {
        df.vstack_mut_owned(chunk)?;
    }
    df.rechunk_mut();
    Ok(df)
}
