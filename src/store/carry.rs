//! Carried records: the provider record or ledger entry an open item stands for, kept in the
//! store so a later period can match against it even when it lies outside that period's fetch
//! window or ledger export.
//!
//! A record is kept as a JSON object of the canonical table's columns with lossless values:
//! decimal text for money (never a float), microseconds for instants, epoch days for accounting
//! days. It is rebuilt against the live table's schema, so a stored value that no longer fits
//! is an error naming the item and the column, never a default.

use polars::prelude::*;
use serde_json::{Map, Value};

use crate::columns::{opt_str_col, units_col};
use crate::error::{Error, Result};
use crate::money;

/// Row `row` of `df` as a JSON object (column name → value).
pub fn row_json(df: &DataFrame, row: usize) -> Result<String> {
    let mut out = Map::new();
    for c in df.columns() {
        let v = c.get(row)?;
        let value = match v {
            AnyValue::Null => Value::Null,
            AnyValue::String(s) => Value::String(s.to_string()),
            AnyValue::StringOwned(s) => Value::String(s.to_string()),
            AnyValue::Boolean(b) => Value::Bool(b),
            AnyValue::Decimal(units, _, scale) => Value::String(
                rust_decimal::Decimal::try_from_i128_with_scale(units, scale as u32)
                    .map_err(|e| Error::input(c.name().as_str(), e.to_string()).because(e))?
                    .to_string(),
            ),
            AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => {
                Value::from(match unit {
                    TimeUnit::Nanoseconds => t / 1000,
                    TimeUnit::Microseconds => t,
                    TimeUnit::Milliseconds => t * 1000,
                })
            }
            AnyValue::Date(d) => Value::from(d),
            AnyValue::Int64(n) => Value::from(n),
            AnyValue::Int32(n) => Value::from(n),
            AnyValue::UInt32(n) => Value::from(n),
            other => {
                return Err(Error::input(
                    c.name().as_str(),
                    format!("cannot keep a value of type {} in the store", other.dtype()),
                ))
            }
        };
        out.insert(c.name().to_string(), value);
    }
    Ok(Value::Object(out).to_string())
}

/// Rebuilds stored records (`(item id, JSON)`) as a frame with exactly `schema`'s columns, so it
/// can be stacked under the live table.
pub fn frame(records: &[(&str, &str)], schema: &Schema) -> Result<DataFrame> {
    let parsed: Vec<(&str, Map<String, Value>)> = records
        .iter()
        .map(|(id, text)| match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok((*id, m)),
            _ => Err(bad(id, "record", "is not a JSON object")),
        })
        .collect::<Result<_>>()?;
    let mut columns = Vec::with_capacity(schema.len());
    for (name, dtype) in schema.iter() {
        let values: Vec<(&str, Option<&Value>)> = parsed
            .iter()
            .map(|(id, m)| (*id, m.get(name.as_str()).filter(|v| !v.is_null())))
            .collect();
        let column = match dtype {
            DataType::String => {
                let texts = values
                    .iter()
                    .map(|(id, v)| match v {
                        None => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s.as_str())),
                        Some(_) => Err(bad(id, name, "is not text")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                opt_str_col(name, texts.into_iter())
            }
            DataType::Decimal(p, s) if *p == money::PRECISION && *s == money::SCALE as usize => {
                let units = values
                    .iter()
                    .map(|(id, v)| match v {
                        None => Ok(None),
                        Some(Value::String(t)) => money::parse(t)
                            .map(|d| Some(money::to_units(d)))
                            .map_err(|e| bad(id, name, &e.to_string())),
                        Some(_) => Err(bad(id, name, "is not decimal text")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                units_col(name, &units)
            }
            DataType::Datetime(unit, zone) => {
                let micros = ints(&values, name)?;
                let scaled: Vec<Option<i64>> = micros
                    .into_iter()
                    .map(|m| {
                        m.map(|m| match unit {
                            TimeUnit::Nanoseconds => m * 1000,
                            TimeUnit::Microseconds => m,
                            TimeUnit::Milliseconds => m / 1000,
                        })
                    })
                    .collect();
                Int64Chunked::from_slice_options(name.clone(), &scaled)
                    .into_datetime(*unit, zone.clone())
                    .into_column()
            }
            DataType::Date => {
                let days = ints(&values, name)?
                    .into_iter()
                    .map(|d| d.map(|d| d as i32))
                    .collect::<Vec<_>>();
                Int32Chunked::from_slice_options(name.clone(), &days)
                    .into_date()
                    .into_column()
            }
            DataType::Boolean => {
                let flags = values
                    .iter()
                    .map(|(id, v)| match v {
                        None => Ok(None),
                        Some(Value::Bool(b)) => Ok(Some(*b)),
                        Some(_) => Err(bad(id, name, "is not true or false")),
                    })
                    .collect::<Result<Vec<_>>>()?;
                BooleanChunked::from_slice_options(name.clone(), &flags).into_column()
            }
            other => {
                return Err(Error::input(
                    name.as_str(),
                    format!("a carried record cannot fill a column of type {other}"),
                ))
            }
        };
        columns.push(column);
    }
    Ok(DataFrame::new(records.len(), columns)?)
}

fn ints(values: &[(&str, Option<&Value>)], name: &str) -> Result<Vec<Option<i64>>> {
    values
        .iter()
        .map(|(id, v)| match v {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(id, name, "is not a whole number")),
            Some(_) => Err(bad(id, name, "is not a number")),
        })
        .collect()
}

fn bad(item: &str, column: &str, message: &str) -> Error {
    Error::input(
        format!("store item {item}, carried record, column `{column}`"),
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_record_comes_back_with_the_same_values_and_types() {
        let rec = crate::model::ProviderRecord {
            provider: "keysecure".into(),
            kind: crate::model::Kind::Consumption,
            tx_id: "T1".into(),
            order_id: None,
            related_tx_id: None,
            card_ref: Some("c1".into()),
            card_masked: Some("4111********1111".into()),
            amount: rust_decimal::Decimal::new(123456789, 8),
            currency: "USD".into(),
            original_amount: None,
            original_currency: None,
            fee: Some(rust_decimal::Decimal::new(5, 1)),
            fee_currency: None,
            status: crate::model::Status::Success,
            status_raw: "1".into(),
            occurred_at: chrono::Utc
                .with_ymd_and_hms(2026, 10, 31, 23, 30, 0)
                .unwrap(),
            description: Some("=cmd".into()),
            source: "consume.jsonl:1".into(),
            rounded_floats: Vec::new(),
        };
        let zone: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let df = crate::normalize::provider_frame(&[rec], zone).unwrap();
        let text = row_json(&df, 0).unwrap();
        assert!(text.contains("\"amount\":\"1.23456789\""), "{text}");
        let back = frame(&[("i-1", text.as_str())], df.schema()).unwrap();
        assert!(back.equals_missing(&df));
        let mut stacked = df.clone();
        stacked.vstack_mut(&back).unwrap();
        assert_eq!(stacked.height(), 2);
    }

    #[test]
    fn a_stored_value_that_no_longer_fits_names_the_item_and_column() {
        let df = DataFrame::new(1, vec![units_col("amount", &[Some(1)])]).unwrap();
        let err = frame(&[("i-9", r#"{"amount":"12x"}"#)], df.schema()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("i-9") && text.contains("`amount`"), "{text}");
    }
}
