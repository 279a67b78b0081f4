//! Thresholds for unattended runs (cron): without any, a run that finds discrepancies exits 1
//! (something to explain); with thresholds, it exits 1 only when one is crossed, so a nightly
//! job pages someone for a month that is out of bounds, not for the usual few open items. The
//! check and its reasons go into `summary.json` and, in one line, to stderr.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::summary::{Summary, ThresholdCheck};
use crate::error::{Error, Result};
use crate::money;

/// The limits a run is held to. Empty: the default rule (any discrepancy).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// At most this many discrepancy rows.
    pub max_discrepancies: Option<u64>,
    /// At most this amount at stake in discrepancy rows, per currency.
    pub max_open_amount: OpenAmountLimit,
    /// At least this share of provider records matched, in percent.
    pub min_match_rate: Option<Decimal>,
}

/// `--max-open-amount`: one amount for every currency, and/or amounts for named currencies
/// (`1000` or `USD=1000,JPY=150000`); a named currency's limit wins over the general one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenAmountLimit {
    pub every_currency: Option<Decimal>,
    pub per_currency: BTreeMap<String, Decimal>,
}

impl OpenAmountLimit {
    fn is_empty(&self) -> bool {
        self.every_currency.is_none() && self.per_currency.is_empty()
    }

    fn for_currency(&self, currency: &str) -> Option<Decimal> {
        self.per_currency
            .get(currency)
            .copied()
            .or(self.every_currency)
    }

    /// Reads `1000`, `USD=1000` or `USD=1000,EUR=900,500` (amounts as exact decimals).
    pub fn parse(text: &str) -> Result<OpenAmountLimit> {
        let bad = |m: String| Error::input("--max-open-amount", m);
        let mut limit = OpenAmountLimit::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (currency, amount) = match part.split_once('=') {
                Some((c, a)) => (Some(money::currency_code(c)), a),
                None => (None, part),
            };
            let amount = money::parse(amount).map_err(|m| bad(format!("{m} (in `{part}`)")))?;
            if amount.is_sign_negative() {
                return Err(bad(format!("`{part}`: a limit cannot be negative")));
            }
            match currency {
                Some(c) if c.is_empty() => {
                    return Err(bad(format!("`{part}` names no currency before `=`")))
                }
                Some(c) => {
                    limit.per_currency.insert(c, amount);
                }
                None => limit.every_currency = Some(amount),
            }
        }
        if limit.is_empty() {
            return Err(bad(
                "is empty; expected AMOUNT or CUR=AMOUNT[,CUR=AMOUNT]".into()
            ));
        }
        Ok(limit)
    }
}

impl Thresholds {
    pub fn is_empty(&self) -> bool {
        self.max_discrepancies.is_none()
            && self.max_open_amount.is_empty()
            && self.min_match_rate.is_none()
    }

    /// The run's figures against the limits; `None` when there are no thresholds.
    pub fn check(&self, summary: &Summary) -> Option<ThresholdCheck> {
        if self.is_empty() {
            return None;
        }
        let mut crossed = Vec::new();
        if let Some(max) = self.max_discrepancies {
            if summary.discrepancies > max {
                crossed.push(format!(
                    "{} discrepancies, more than --max-discrepancies {max}",
                    summary.discrepancies
                ));
            }
        }
        let open = open_amounts(summary);
        for (currency, amount) in &open {
            if let Some(max) = self.max_open_amount.for_currency(currency) {
                if *amount > max {
                    crossed.push(format!(
                        "{currency} {} open in discrepancies, more than --max-open-amount {}",
                        money::format(*amount),
                        money::format(max)
                    ));
                }
            }
        }
        if let Some(min) = self.min_match_rate {
            if summary.matched_rate_by_count < min {
                crossed.push(format!(
                    "{}% of provider records matched, less than --min-match-rate {}",
                    money::format(summary.matched_rate_by_count),
                    money::format(min)
                ));
            }
        }
        Some(ThresholdCheck {
            max_discrepancies: self.max_discrepancies,
            max_open_amount: self
                .max_open_amount
                .every_currency
                .map(|a| ("*".to_string(), money::format(a)))
                .into_iter()
                .chain(
                    self.max_open_amount
                        .per_currency
                        .iter()
                        .map(|(c, a)| (c.clone(), money::format(*a))),
                )
                .collect(),
            min_match_rate: self.min_match_rate.map(money::format),
            open_amount: open
                .into_iter()
                .map(|(c, a)| (c, money::format(a)))
                .collect(),
            crossed,
        })
    }
}

/// The amount at stake in discrepancy rows, per currency.
pub fn open_amounts(summary: &Summary) -> BTreeMap<String, Decimal> {
    open_amounts_of(&summary.groups)
}

/// [`open_amounts`] of a summary's groups (a `summary.json` read back).
pub fn open_amounts_of(groups: &[super::summary::Group]) -> BTreeMap<String, Decimal> {
    let mut open: BTreeMap<String, Decimal> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.category.is_discrepancy()) {
        *open.entry(g.currency.clone()).or_default() += g.amount_at_stake();
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_amount_limits_read_every_form_and_refuse_the_rest() {
        let l = OpenAmountLimit::parse("usd=1000, EUR=900.50,500").unwrap();
        assert_eq!(
            l.for_currency("USD").map(money::format).as_deref(),
            Some("1000.00")
        );
        assert_eq!(
            l.for_currency("EUR").map(money::format).as_deref(),
            Some("900.50")
        );
        assert_eq!(
            l.for_currency("JPY").map(money::format).as_deref(),
            Some("500.00")
        );
        let only = OpenAmountLimit::parse("JPY=150000").unwrap();
        assert_eq!(only.for_currency("USD"), None);
        for bad in ["", "abc", "USD=", "=5", "-1", "USD=1e3"] {
            let e = OpenAmountLimit::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--max-open-amount"), "{bad}: {e}");
        }
    }
}
