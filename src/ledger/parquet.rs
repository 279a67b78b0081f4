//! The typed path for Parquet ledgers: the `ledger_entries` table built column by column from
//! the file's own types, without turning each cell into a [`super::Cell`] and back.
//!
//! It accepts exactly what the row-by-row loader accepts and gives the same table (a unit test
//! compares the two on the same files). It gives up (`None`) on a column type it does not handle
//! or on any value the row loader would refuse or read differently; the file then goes through
//! the row loader, which produces the error naming row and column (or skips the row under
//! `skip_bad_rows`). So it needs no error messages of its own.
//!
//! | canonical column | types taken here |
//! |---|---|
//! | entry_id, provider, kind, tx_id, order_id, currency, status | String |
//! | amount, fee | Decimal, integers, Float (as the row loader reads it), String |
//! | booked_at | Datetime with a zone (an instant), Datetime without one or Date (wall-clock in the ledger's timezone), String |

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use super::{instant_from_text, micros, naive_instant, plausible, value_word};
use crate::columns::{
    accounting_days_col, instant_col, numbered_col, opt_str_col, str_col, units_col,
};
use crate::config::Settings;
use crate::model::{Kind, Status};
use crate::money::{self, MAX_INTEGER_DIGITS, SCALE};
use crate::period::from_epoch_days;

/// The table, or `None` when the row loader must decide (see the module docs).
/// `file_name`: the `source` column's prefix; `None` leaves the column out.
pub(super) fn typed_frame(
    df: &DataFrame,
    index: &BTreeMap<&'static str, usize>,
    settings: &Settings,
    file_name: Option<&str>,
    zone: Tz,
) -> Option<DataFrame> {
    let n = df.height();
    let values = &settings.ledger.values;
    let column = |canonical: &str| {
        index
            .get(canonical)
            .map(|&i| df.columns()[i].as_materialized_series())
    };
    let text = |canonical: &'static str| texts(column(canonical), canonical, values, n);

    // A text column whose every value is already what the table holds is taken as it is; only
    // one with a value read differently (trimmed, mapped, canonicalised) is built again.
    let as_is = |canonical: &'static str, read: &[Option<&str>]| -> Option<Column> {
        let original = column(canonical)?.str().ok()?;
        let same = original.len() == read.len()
            && original.iter().zip(read).all(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => std::ptr::eq(a, *b) || a == *b,
                (None, None) => true,
                _ => false,
            });
        same.then(|| original.clone().with_name(canonical.into()).into_column())
    };
    let opt_text = |canonical: &'static str, read: Vec<Option<&str>>| {
        as_is(canonical, &read).unwrap_or_else(|| opt_str_col(canonical, read.into_iter()))
    };
    let req_text = |canonical: &'static str, read: Vec<&str>| {
        let as_opt: Vec<Option<&str>> = read.iter().copied().map(Some).collect();
        as_is(canonical, &as_opt).unwrap_or_else(|| str_col(canonical, read.into_iter()))
    };
    // The columns are independent: the identifying texts on one thread, the rest (money,
    // times, days) on another. At 10⁷ entries each half is about a second, and the provider
    // side, read beside the ledger, is done by then: two cores for two halves.
    let ids = || -> Option<Vec<Column>> {
        let entry_id = required(text("entry_id")?)?;
        let provider = text("provider")?;
        let journal = text("journal")?;
        let kind = text("kind")?
            .into_iter()
            .map(|k| match k {
                None => Some(None),
                Some(k) => Kind::parse(k).map(|k| Some(k.as_str())),
            })
            .collect::<Option<Vec<_>>>()?;
        let tx_id = text("tx_id")?;
        let order_id = text("order_id")?;
        let card: Vec<Option<String>> = text("card")?
            .into_iter()
            .map(|c| c.and_then(crate::model::last_four))
            .collect();
        let description = text("description")?;
        Some(vec![
            req_text("entry_id", entry_id),
            opt_text("provider", provider),
            opt_text("journal", journal),
            opt_text("kind", kind),
            opt_text("tx_id", tx_id),
            opt_text("order_id", order_id),
            opt_str_col("card", card.iter().map(|c| c.as_deref())),
            opt_text("description", description),
        ])
    };
    let rest = || -> Option<Vec<Column>> {
        let currency = required(text("currency")?)?;
        let status = required(text("status")?)?
            .into_iter()
            .map(|s| Status::parse(s).map(Status::as_str))
            .collect::<Option<Vec<_>>>()?;
        // Required: every value present (checked without copying a million-value column twice).
        let amount = money_units(column("amount")?, n)?;
        if amount.iter().any(Option::is_none) {
            return None;
        }
        let fee = match column("fee") {
            Some(s) => money_units(s, n)?,
            None => vec![None; n],
        };
        let booked_at = instants(
            column("booked_at")?,
            settings.ledger_timezone(),
            settings.ledger.booked_at_format.as_deref(),
        )?;
        let currency: Vec<std::borrow::Cow<'_, str>> =
            currency.into_iter().map(money::currency_code_cow).collect();
        Some(vec![
            units_col("amount", &amount),
            req_text("currency", currency.iter().map(|c| c.as_ref()).collect()),
            units_col("fee", &fee),
            req_text("status", status),
            instant_col("booked_at", booked_at.iter().copied()),
            accounting_days_col("accounting_day", booked_at.iter().copied(), zone),
        ])
    };
    let (ids, rest) = std::thread::scope(|scope| {
        let ids = scope.spawn(ids);
        let rest = rest();
        (
            ids.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            rest,
        )
    });
    let mut columns = ids?;
    columns.extend(rest?);
    if let Some(name) = file_name {
        columns.push(numbered_col("source", name, 2, n));
    }
    DataFrame::new(n, columns).ok()
}

/// Every value present, or `None`.
fn required<T>(values: Vec<Option<T>>) -> Option<Vec<T>> {
    values.into_iter().collect()
}

/// A text column as the row loader reads it ([`value_word`]). A column the file lacks is all
/// missing; one that is not String is left to the row loader.
fn texts<'a>(
    series: Option<&'a Series>,
    canonical: &str,
    values: &'a BTreeMap<String, BTreeMap<String, String>>,
    n: usize,
) -> Option<Vec<Option<&'a str>>> {
    let Some(series) = series else {
        return Some(vec![None; n]);
    };
    let map = values.get(canonical);
    let ca = series.str().ok()?;
    Some(ca.iter().map(|v| value_word(map, v?)).collect())
}

/// Money as units of 10⁻⁸, as [`money::parse`] would read each value; `None` (give up) for a
/// value it would refuse: more than 8 places, more than 20 integer digits, not a number.
fn money_units(series: &Series, n: usize) -> Option<Vec<Option<i128>>> {
    let limit = 10i128.pow(MAX_INTEGER_DIGITS as u32 + SCALE);
    let in_range = |u: i128| (u.unsigned_abs() < limit.unsigned_abs()).then_some(u);
    // money::parse applies the same limits to text itself.
    let parsed = |t: &str| money::parse(t).ok().map(money::to_units);
    let mut out = Vec::with_capacity(n);
    match series.dtype() {
        DataType::Decimal(_, _) => {
            let ca = series.decimal().ok()?;
            let scale = u32::try_from(ca.scale()).ok()?;
            for v in ca.physical().iter() {
                out.push(match v {
                    None => None,
                    Some(v) => Some(rescale(v, scale).and_then(in_range)?),
                });
            }
        }
        dt if dt.is_integer() => {
            let ca = series.strict_cast(&DataType::Int64).ok()?;
            for v in ca.i64().ok()?.iter() {
                out.push(v.map(|v| i128::from(v) * 10i128.pow(SCALE)));
            }
        }
        DataType::Float32 | DataType::Float64 => {
            let ca = series.cast(&DataType::Float64).ok()?;
            for v in ca.f64().ok()?.iter() {
                out.push(match v {
                    None => None,
                    // The row loader's reading of a float cell: its shortest round-trip text.
                    Some(v) if v.is_finite() => Some(parsed(&format!("{v}"))?),
                    Some(_) => return None,
                });
            }
        }
        DataType::String => {
            for v in series.str().ok()?.iter() {
                out.push(match v.map(str::trim) {
                    None | Some("") => None,
                    Some(t) => Some(parsed(t)?),
                });
            }
        }
        _ => return None,
    }
    Some(out)
}

/// A decimal of `scale` places as units of 10⁻⁸, if exact.
fn rescale(v: i128, scale: u32) -> Option<i128> {
    if scale <= SCALE {
        v.checked_mul(10i128.checked_pow(SCALE - scale)?)
    } else {
        let div = 10i128.checked_pow(scale - SCALE)?;
        (v % div == 0).then(|| v / div)
    }
}

/// `booked_at` as instants, as the row loader reads each value, every one present and plausible.
fn instants(series: &Series, zone: Tz, format: Option<&str>) -> Option<Vec<DateTime<Utc>>> {
    let n = series.len();
    let mut out = Vec::with_capacity(n);
    match series.dtype() {
        DataType::Datetime(unit, tz) => {
            let ca = series.datetime().ok()?;
            for v in ca.physical().iter() {
                let t = DateTime::<Utc>::from_timestamp_micros(micros(v?, *unit))?;
                out.push(match tz {
                    Some(_) => Some(t).filter(|t| plausible(*t))?,
                    None => naive_instant(t.naive_utc(), zone)?,
                });
            }
        }
        DataType::Date => {
            for d in series.date().ok()?.physical().iter() {
                let midnight = from_epoch_days(d?).and_time(chrono::NaiveTime::MIN);
                out.push(naive_instant(midnight, zone)?);
            }
        }
        DataType::String => {
            for v in series.str().ok()?.iter() {
                let t = instant_from_text(v?.trim(), zone, format)?;
                out.push(Some(t).filter(|t| plausible(*t))?);
            }
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;
    use std::path::Path;

    fn settings(toml_text: &str) -> Settings {
        let f: ConfigFile = toml::from_str(toml_text).unwrap();
        Settings::resolve(&f, "test.toml").unwrap()
    }

    fn strs(name: &str, v: &[Option<&str>]) -> Column {
        Column::new(name.into(), v)
    }

    fn decimals(name: &str, v: &[Option<i128>], scale: usize) -> Column {
        Int128Chunked::from_slice_options(name.into(), v)
            .into_decimal_unchecked(38, scale)
            .into_column()
    }

    fn datetimes(name: &str, v: &[i64], unit: TimeUnit, tz: Option<TimeZone>) -> Column {
        Int64Chunked::from_vec(name.into(), v.to_vec())
            .into_datetime(unit, tz)
            .into_column()
    }

    fn write(dir: &Path, name: &str, columns: Vec<Column>) -> std::path::PathBuf {
        let mut df = DataFrame::new_infer_height(columns).unwrap();
        let path = dir.join(name);
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        path
    }

    /// The typed table, and the row loader's table for the same file.
    fn both(path: &Path, s: &Settings) -> (Option<DataFrame>, crate::Result<DataFrame>) {
        let zone = s.timezone;
        let df = super::super::parquet_rows::read_parquet_frame(path).unwrap();
        let headers: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let index = super::super::column_index(path, &headers, s).unwrap();
        let typed = typed_frame(&df, &index, s, Some(&super::super::file_name(path)), zone);
        let rows = super::super::parquet_cells(path, df)
            .and_then(|t| super::super::convert(path, t, s))
            .and_then(|l| super::super::ledger_frame(&l.entries, zone));
        (typed, rows)
    }

    fn same(path: &Path, s: &Settings) -> DataFrame {
        let (typed, rows) = both(path, s);
        let typed = typed.expect("the typed path takes this file");
        let rows = rows.unwrap();
        // (Printing a frame with a zoned datetime needs polars' `timezones` feature: compare
        // column by column and show the first differing value instead.)
        for (a, b) in typed.columns().iter().zip(rows.columns()) {
            assert_eq!(a.name(), b.name());
            for i in 0..a.len() {
                let (x, y) = (a.get(i).unwrap(), b.get(i).unwrap());
                assert!(
                    x.eq_missing(&y, true),
                    "column {} row {i}: typed {x:?}, rows {y:?}",
                    a.name()
                );
            }
            assert_eq!(a.dtype(), b.dtype(), "column {}", a.name());
        }
        assert!(typed.equals_missing(&rows));
        typed
    }

    #[test]
    fn canonical_types_give_the_row_loaders_table() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings("timezone = \"Europe/London\"");
        let t0 = 1_774_744_200_000_000; // 2026-03-29 00:30:00 UTC, the night the clocks go forward
        let path = write(
            dir.path(),
            "l.parquet",
            vec![
                strs("entry_id", &[Some(" E1 "), Some("E2"), Some("E3")]),
                strs("provider", &[Some("keysecure"), None, Some("  ")]),
                strs("kind", &[Some("Consumption"), None, Some("REFUND")]),
                strs("tx_id", &[Some("t1"), Some(""), None]),
                strs("order_id", &[None, Some("o2"), Some("o3")]),
                decimals(
                    "amount",
                    &[
                        Some(-1_250_000_000),
                        Some(1),
                        Some(12_345_678_901_234_567_890_000_000),
                    ],
                    8,
                ),
                strs("currency", &[Some("usd"), Some(" EUR"), Some("USD")]),
                decimals("fee", &[None, Some(50_000_000), Some(0)], 8),
                strs(
                    "status",
                    &[Some("SUCCESS"), Some("pending"), Some("failed")],
                ),
                datetimes(
                    "booked_at",
                    &[t0, t0 + 3_600_000_000, t0 + 90_000_000_000],
                    TimeUnit::Microseconds,
                    Some(TimeZone::UTC),
                ),
            ],
        );
        let df = same(&path, &s);
        assert_eq!(df.height(), 3);
        let amount = df.column("amount").unwrap().get(2).unwrap().to_string();
        assert_eq!(amount, "123456789012345678.90000000");
        assert_eq!(
            df.column("currency").unwrap().str().unwrap().get(1),
            Some("EUR")
        );
        assert_eq!(
            df.column("kind").unwrap().str().unwrap().get(2),
            Some("refund")
        );
        assert_eq!(df.column("tx_id").unwrap().str().unwrap().get(1), None);
        assert_eq!(
            df.column("source").unwrap().str().unwrap().get(2),
            Some("l.parquet:4")
        );
    }

    #[test]
    fn company_export_types_give_the_row_loaders_table() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(
            "timezone = \"Europe/London\"\n[ledger]\ntimezone = \"America/New_York\"\n\
             [ledger.columns]\nentry_id = \"Ref\"\namount = \"Amt\"\nbooked_at = \"Posted\"\n\
             [ledger.values.status]\nSettled = \"success\"\n",
        );
        // Wall-clock times in New York: the skipped hour of 2026-03-08 and the repeated one of
        // 2026-11-01 (ms since the epoch, read as naive).
        let gap = 1_772_937_000_000; // 2026-03-08 02:30:00 naive
        let repeat = 1_793_496_600_000; // 2026-11-01 01:30:00 naive
        let path = write(
            dir.path(),
            "l.parquet",
            vec![
                strs("Ref", &[Some("A"), Some("B"), Some("C")]),
                strs("tx_id", &[Some("t1"), Some("t2"), Some("t3")]),
                Column::new("Amt".into(), &[12.5f64, 0.1, -3.0]),
                Column::new("fee".into(), &[Some(2i64), None, Some(0)]),
                strs("currency", &[Some("USD"), Some("USD"), Some("USD")]),
                strs(
                    "status",
                    &[Some("Settled"), Some("success"), Some("reversed")],
                ),
                datetimes(
                    "Posted",
                    &[gap, repeat, repeat + 86_400_000],
                    TimeUnit::Milliseconds,
                    None,
                ),
            ],
        );
        let df = same(&path, &s);
        let fee = df.column("fee").unwrap().get(0).unwrap().to_string();
        assert_eq!(fee, "2.00000000");
        assert_eq!(
            df.column("status").unwrap().str().unwrap().get(0),
            Some("success")
        );

        let texts = write(
            dir.path(),
            "t.parquet",
            vec![
                strs("entry_id", &[Some("A"), Some("B")]),
                strs("order_id", &[Some("o1"), Some("o2")]),
                strs("amount", &[Some(" 12.30 "), Some("-0.00000001")]),
                decimals("fee", &[Some(1_500), None], 10),
                strs("currency", &[Some("USD"), Some("EUR")]),
                strs("status", &[Some("success"), Some("success")]),
                strs(
                    "booked_at",
                    &[
                        Some("2026-03-29 01:30:00"),
                        Some("2026-03-01T10:00:00+01:00"),
                    ],
                ),
            ],
        );
        same(&texts, &settings("timezone = \"Europe/London\""));
    }

    #[test]
    fn values_the_row_loader_refuses_are_left_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings("timezone = \"Europe/London\"");
        let base = |amount: Column, status: &str, tx: Column, when: i64| {
            vec![
                strs("entry_id", &[Some("A")]),
                tx,
                amount,
                strs("currency", &[Some("USD")]),
                strs("status", &[Some(status)]),
                datetimes(
                    "booked_at",
                    &[when],
                    TimeUnit::Microseconds,
                    Some(TimeZone::UTC),
                ),
            ]
        };
        let ok_tx = || strs("tx_id", &[Some("t1")]);
        let ok_amount = || decimals("amount", &[Some(100)], 2);
        let cases = [
            (
                "text amount",
                base(strs("amount", &[Some("twelve")]), "success", ok_tx(), 0),
                "amount",
            ),
            (
                "nine places",
                base(decimals("amount", &[Some(123)], 9), "success", ok_tx(), 0),
                "amount",
            ),
            (
                "21 digits",
                base(
                    decimals("amount", &[Some(10i128.pow(20))], 0),
                    "success",
                    ok_tx(),
                    0,
                ),
                "amount",
            ),
            (
                "unknown status",
                base(ok_amount(), "settled", ok_tx(), 0),
                "status",
            ),
            (
                "numeric tx id",
                base(
                    ok_amount(),
                    "success",
                    Column::new("tx_id".into(), &[7.5f64]),
                    0,
                ),
                "tx_id",
            ),
            (
                "year 1800",
                base(ok_amount(), "success", ok_tx(), -5_364_662_400_000_000),
                "booked_at",
            ),
        ];
        for (name, columns, field) in cases {
            let path = write(dir.path(), "l.parquet", columns);
            let (typed, rows) = both(&path, &s);
            assert!(typed.is_none(), "{name}: typed path should give up");
            let e = rows.expect_err(name);
            assert!(
                matches!(&e, crate::Error::LedgerRow { row: 2, column, .. } if column == field),
                "{name}: {e}"
            );
        }
        // A numeric tx id is not an error for the row loader (it reads 7.5 as an id it refuses,
        // but a whole number as text); only the typed path's type support differs.
        let path = write(
            dir.path(),
            "l.parquet",
            base(
                ok_amount(),
                "success",
                Column::new("tx_id".into(), &[7i64]),
                0,
            ),
        );
        let (typed, rows) = both(&path, &s);
        assert!(typed.is_none());
        assert_eq!(
            rows.unwrap().column("tx_id").unwrap().str().unwrap().get(0),
            Some("7")
        );
    }
}
