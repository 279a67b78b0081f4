//! A Parquet ledger read row by row into cells, for the row loader (the typed column-by-column
//! path is [`super::parquet`]).

use std::path::Path;

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::{column_names, file_err, guarded, Cell, RawTable};
use crate::error::Result;

pub fn read_parquet(path: &Path) -> Result<RawTable> {
    guarded(path, "Parquet", || {
        parquet_cells(path, read_parquet_frame(path)?)
    })
}

/// The Parquet file as polars reads it, header-checked ([`crate::parquet_input`]).
pub(super) fn read_parquet_frame(path: &Path) -> Result<DataFrame> {
    crate::parquet_input::read(path, |why| {
        file_err(path, format!("cannot be read as Parquet: {why}"))
    })
}

pub(super) fn parquet_cells(path: &Path, mut df: DataFrame) -> Result<RawTable> {
    // One chunk per column, so reading row i does not search the row groups' chunks.
    df.rechunk_mut_par();
    let headers = column_names(&df);
    let series: Vec<Series> = df
        .columns()
        .iter()
        .map(|c| c.as_materialized_series().clone())
        .collect();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut cells = Vec::with_capacity(series.len());
        for s in &series {
            let v = s
                .get(i)
                .map_err(|e| file_err(path, format!("row {}: {e}", i + 2)).because(e))?;
            cells.push(any_to_cell(v));
        }
        rows.push((i + 2, cells));
    }
    Ok(RawTable { headers, rows })
}

/// The exact text of a decimal stored as an integer and a scale (Parquet decimals may exceed
/// what `rust_decimal` holds; the text goes to [`crate::money::parse`], which judges the range).
pub(crate) fn decimal_text(v: i128, scale: usize) -> String {
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    format!("{sign}{int}.{frac}")
}

fn any_to_cell(v: AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::Empty,
        AnyValue::String(s) => Cell::Text(s.to_string()),
        AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
        AnyValue::Boolean(b) => Cell::Text(b.to_string()),
        AnyValue::Int8(x) => Cell::Int(x.into()),
        AnyValue::Int16(x) => Cell::Int(x.into()),
        AnyValue::Int32(x) => Cell::Int(x.into()),
        AnyValue::Int64(x) => Cell::Int(x),
        AnyValue::UInt8(x) => Cell::Int(x.into()),
        AnyValue::UInt16(x) => Cell::Int(x.into()),
        AnyValue::UInt32(x) => Cell::Int(x.into()),
        AnyValue::UInt64(x) => i64::try_from(x)
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::Text(x.to_string())),
        AnyValue::Float32(x) => Cell::Float(x.into()),
        AnyValue::Float64(x) => Cell::Float(x),
        AnyValue::Decimal(v, _p, s) => Cell::Decimal(decimal_text(v, s)),
        AnyValue::Date(d) => {
            Cell::Naive(crate::period::from_epoch_days(d).and_time(chrono::NaiveTime::MIN))
        }
        AnyValue::Datetime(v, unit, tz) => {
            match DateTime::<Utc>::from_timestamp_micros(micros(v, unit)) {
                Some(t) if tz.is_some() => Cell::Instant(t),
                Some(t) => Cell::Naive(t.naive_utc()),
                None => Cell::Text(v.to_string()),
            }
        }
        AnyValue::DatetimeOwned(v, unit, tz) => {
            any_to_cell(AnyValue::Datetime(v, unit, tz.as_deref()))
        }
        other => Cell::Text(other.to_string()),
    }
}

/// A Parquet timestamp in microseconds (nanoseconds truncated, milliseconds saturating).
pub(crate) fn micros(v: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => v / 1000,
        TimeUnit::Microseconds => v,
        TimeUnit::Milliseconds => v.saturating_mul(1000),
    }
}
