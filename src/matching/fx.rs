//! Bookings in another currency (`[fx]`): a ledger kept in the company's functional currency
//! (EUR, say) for card spend in another (USD), at the day's rate.
//!
//! When a pair's currencies differ and a rate is known, the provider amount is converted into the
//! ledger's currency at the latest rate on or before the provider's accounting day (no older than
//! `max_rate_age_days`: a weekend or holiday takes Friday's), and the ledger amount is compared
//! with it within `tolerance_relative`. Inside, the pair is `matched` and its detail gives the rate
//! and the FX difference (what accounting books as FX gain or loss); outside, it is an
//! `amount_mismatch`; with no rate, a `currency_mismatch` as without `[fx]`, and the detail says
//! no rate was found.
//!
//! Rates are read from a CSV file `date,base,quote,rate` (1 base = rate quote), the shape the ECB's
//! reference rates take: a pair is used either way round (USD→EUR from a EUR,USD rate as its
//! inverse). Conversion is in exact decimals, for the few rows whose currencies differ.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// The rates and the rule that uses them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fx {
    /// (base, quote) → (epoch day, rate), sorted by day.
    rates: HashMap<(String, String), Vec<(i32, Decimal)>>,
    /// The converted amount and the ledger's may differ by this share of the converted amount.
    pub tolerance_relative: Decimal,
    /// A rate older than this many days before the provider's day is not used.
    pub max_rate_age_days: u32,
    /// The rates file, for the detail and errors.
    pub source: String,
}

/// A conversion: the rate used (provider currency → ledger currency), the day it is of, and the
/// provider amount in the ledger's currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Converted {
    pub rate: Decimal,
    pub day: i32,
    pub amount: Decimal,
}

impl Fx {
    /// Reads `date,base,quote,rate` rows (a header row first). A bad row is an error naming the
    /// file, its line and the column.
    pub fn read(path: &Path, tolerance_relative: Decimal, max_rate_age_days: u32) -> Result<Fx> {
        let mut fx = Fx {
            tolerance_relative,
            max_rate_age_days,
            source: path.display().to_string(),
            ..Fx::default()
        };
        let bad = |line: usize, column: &str, message: String| Error::LedgerRow {
            file: path.to_path_buf(),
            row: line,
            column: column.to_string(),
            message,
        };
        let unreadable = |e: csv::Error| Error::LedgerFile {
            file: path.to_path_buf(),
            message: e.to_string(),
            cause: Some(Box::new(e)),
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_path(path)
            .map_err(unreadable)?;
        let header: Vec<String> = reader
            .headers()
            .map_err(unreadable)?
            .iter()
            .map(str::to_ascii_lowercase)
            .collect();
        if header != ["date", "base", "quote", "rate"] {
            return Err(Error::LedgerFile {
                file: path.to_path_buf(),
                message: format!(
                    "the header is `{}`; a rates file has the columns date,base,quote,rate (1 base = rate quote)",
                    header.join(",")
                ),
                cause: None,
            });
        }
        for record in reader.records() {
            let record = record.map_err(unreadable)?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            let f: Vec<&str> = record.iter().collect();
            if f.len() != 4 {
                return Err(bad(line, "(row)", format!("has {} fields, not 4", f.len())));
            }
            let day = NaiveDate::parse_from_str(f[0], "%Y-%m-%d")
                .map_err(|e| bad(line, "date", format!("`{}` is not YYYY-MM-DD ({e})", f[0])))?;
            let rate = crate::money::parse(f[3]).map_err(|m| bad(line, "rate", m))?;
            if rate <= Decimal::ZERO {
                return Err(bad(
                    line,
                    "rate",
                    format!("`{}` is not a positive rate", f[3]),
                ));
            }
            let (base, quote) = (
                crate::money::currency_code(f[1]),
                crate::money::currency_code(f[2]),
            );
            for (column, code) in [("base", &base), ("quote", &quote)] {
                if !crate::money::is_plausible_currency(code) {
                    return Err(bad(
                        line,
                        column,
                        format!("`{code}` is not a currency code"),
                    ));
                }
            }
            fx.rates
                .entry((base, quote))
                .or_default()
                .push((crate::period::epoch_days(day), rate));
        }
        for v in fx.rates.values_mut() {
            v.sort_by_key(|(d, _)| *d);
            // The last row of a day wins.
            v.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    earlier.1 = later.1;
                    true
                } else {
                    false
                }
            });
        }
        Ok(fx)
    }

    /// The latest rate `from` → `to` on or before `day`, no older than the maximum age: read
    /// directly, or as the inverse of `to` → `from`.
    pub fn rate(&self, from: &str, to: &str, day: i32) -> Option<(Decimal, i32)> {
        let latest = |base: &str, quote: &str| -> Option<(i32, Decimal)> {
            let v = self.rates.get(&(base.to_string(), quote.to_string()))?;
            let at = v.partition_point(|(d, _)| *d <= day);
            let (d, r) = *v.get(at.checked_sub(1)?)?;
            (day - d <= self.max_rate_age_days as i32).then_some((d, r))
        };
        let direct = latest(from, to).map(|(d, r)| (r, d));
        let inverse = latest(to, from).and_then(|(d, r)| Some((Decimal::ONE.checked_div(r)?, d)));
        match (direct, inverse) {
            (Some(a), Some(b)) => Some(if a.1 >= b.1 { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// `amount` in `from` converted into `to` at the rate of `day`.
    pub fn convert(&self, from: &str, to: &str, day: i32, amount: Decimal) -> Option<Converted> {
        let (rate, d) = self.rate(from, to, day)?;
        Some(Converted {
            rate,
            day: d,
            amount: amount.checked_mul(rate)?,
        })
    }

    /// Whether a ledger amount `booked` agrees with `converted` within the relative tolerance.
    pub fn agrees(&self, converted: Decimal, booked: Decimal) -> bool {
        (booked.abs() - converted).abs() <= self.tolerance_relative * converted.abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(rows: &str) -> Fx {
        // Removed when dropped: a directory per test run left in /tmp added up.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rates.csv");
        std::fs::write(&path, format!("date,base,quote,rate\n{rows}")).unwrap();
        Fx::read(&path, "0.005".parse().unwrap(), 7).unwrap()
    }

    fn day(d: &str) -> i32 {
        crate::period::epoch_days(d.parse().unwrap())
    }

    #[test]
    fn the_latest_rate_on_or_before_the_day_either_way_round_and_not_too_old() {
        let fx = fx("2026-03-06,EUR,USD,1.0800\n2026-03-09,EUR,USD,1.0900\n");
        // Saturday 7 March: Friday's rate.
        assert_eq!(
            fx.rate("EUR", "USD", day("2026-03-07")),
            Some(("1.0800".parse().unwrap(), day("2026-03-06")))
        );
        // The inverse for USD → EUR.
        let (r, _) = fx.rate("USD", "EUR", day("2026-03-09")).unwrap();
        assert_eq!(r.round_dp(6).to_string(), "0.917431");
        // Before the first rate, and more than seven days after the last: none.
        assert_eq!(fx.rate("EUR", "USD", day("2026-03-05")), None);
        assert_eq!(fx.rate("EUR", "USD", day("2026-03-17")), None);
        assert!(fx.rate("EUR", "USD", day("2026-03-16")).is_some());
        assert_eq!(fx.rate("EUR", "GBP", day("2026-03-09")), None);
    }
}
