//! Tolerances: how far apart two amounts (or fees) may be and still count as equal.
//!
//! `|provider − ledger| ≤ absolute + relative × |provider|`, the rule of numpy's `isclose` and
//! datacompy, where `absolute` is the currency's own figure when `[tolerance.currency]` names one
//! (JPY amounts rounded to whole yen: `JPY = "1"`) and the general one otherwise. Everything is
//! exact: the comparison is made in integers of 10⁻¹⁶, never in floating point. The *effective*
//! tolerance of a row (what the rule allowed for that amount, rounded down to 10⁻⁸) goes into the
//! result (`amount_tolerance`, `fee_tolerance`) and the reports name it in the row's detail.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::money;

/// One tolerance rule (amounts or fees).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tolerance {
    /// Allowed difference in any currency without its own figure.
    pub absolute: Decimal,
    /// Allowed difference as a fraction of the provider's amount (0.001 = 0.1%).
    pub relative: Decimal,
    /// Allowed difference per currency (upper-case ISO code), replacing `absolute`.
    pub currency: BTreeMap<String, Decimal>,
}

impl Tolerance {
    /// A tolerance of `absolute` in every currency.
    pub fn absolute(absolute: Decimal) -> Tolerance {
        Tolerance {
            absolute,
            ..Tolerance::default()
        }
    }

    /// Whether the rule is only an absolute figure for every currency (what the oracle engine
    /// understands).
    pub fn is_plain(&self) -> bool {
        self.relative.is_zero() && self.currency.is_empty()
    }

    /// Whether any difference at all is allowed.
    pub fn is_zero(&self) -> bool {
        self.absolute.is_zero()
            && self.relative.is_zero()
            && self.currency.values().all(|v| v.is_zero())
    }

    /// The rule in units, for comparing amounts held as integers of 10⁻⁸.
    pub fn units(&self) -> Units<'_> {
        Units {
            absolute: money::to_units(self.absolute),
            relative: money::to_units(self.relative),
            currency: self
                .currency
                .iter()
                .map(|(c, v)| (c.as_str(), money::to_units(*v)))
                .collect(),
            zero: self.is_zero(),
        }
    }

    /// The rule in words, for the run's facts: `0.01; JPY 1; plus 0.1% of the provider amount`.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.absolute.normalize().to_string()];
        for (c, v) in &self.currency {
            parts.push(format!("{c} {}", v.normalize()));
        }
        if !self.relative.is_zero() {
            let percent = (self.relative * Decimal::ONE_HUNDRED).normalize();
            parts.push(format!("plus {percent}% of the provider amount"));
        }
        parts.join("; ")
    }
}

/// A [`Tolerance`] in integer units: the engine's form.
#[derive(Debug, Clone)]
pub struct Units<'a> {
    absolute: i128,
    relative: i128,
    currency: Vec<(&'a str, i128)>,
    /// [`Tolerance::is_zero`].
    zero: bool,
}

/// 10⁸: one unit of money in the engine's integers.
const ONE: i128 = 100_000_000;

impl Units<'_> {
    /// Whether `difference` (units) is within the tolerance for `provider` (units) in
    /// `currency`: `|d| × 10⁸ ≤ absolute × 10⁸ + relative × |provider|`, exactly.
    #[inline]
    pub fn allows(&self, currency: Option<&str>, provider: i128, difference: i128) -> bool {
        let absolute = self.absolute_in(currency);
        if self.relative == 0 {
            return difference.abs() <= absolute;
        }
        let allowed = absolute
            .saturating_mul(ONE)
            .saturating_add(self.relative.saturating_mul(provider.saturating_abs()));
        difference.saturating_abs().saturating_mul(ONE) <= allowed
    }
}

impl Units<'_> {
    #[inline]
    fn absolute_in(&self, currency: Option<&str>) -> i128 {
        currency
            .and_then(|c| self.currency.iter().find(|(k, _)| *k == c))
            .map_or(self.absolute, |&(_, v)| v)
    }

    /// The largest difference (units, rounded up) the rule could allow for `provider`: a bound
    /// for searching sorted amounts, each hit then checked with [`Units::allows`].
    pub fn reach(&self, currency: Option<&str>, provider: i128) -> i128 {
        let absolute = self.absolute_in(currency);
        if self.relative == 0 {
            return absolute;
        }
        absolute.saturating_add(self.relative.saturating_mul(provider.saturating_abs()) / ONE + 1)
    }

    /// The tolerance the rule gives `provider` in `currency`, in units (rounded down to 10⁻⁸).
    pub fn effective(&self, currency: Option<&str>, provider: i128) -> i128 {
        self.absolute_in(currency)
            .saturating_add(self.relative.saturating_mul(provider.saturating_abs()) / ONE)
    }

    /// Whether any difference at all is allowed.
    pub fn is_zero(&self) -> bool {
        self.zero
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn units(s: &str) -> i128 {
        money::to_units(d(s))
    }

    #[test]
    fn absolute_currency_and_relative_rules() {
        let t = Tolerance {
            absolute: d("0.01"),
            relative: d("0.001"),
            currency: [("JPY".to_string(), d("1"))].into(),
        };
        let u = t.units();
        // (currency, provider, difference, allowed?)
        let table = [
            (Some("USD"), "100", "0.11", true), // 0.01 + 0.1
            (Some("USD"), "100", "0.11000001", false),
            (Some("USD"), "0", "0.01", true),
            (Some("USD"), "0", "0.02", false),
            (Some("JPY"), "1000", "2", true), // 1 + 1
            (Some("JPY"), "1000", "2.01", false),
            (None, "100", "0.11", true),
            (Some("USD"), "-100", "-0.11", true), // magnitudes
        ];
        for (c, p, diff, ok) in table {
            assert_eq!(u.allows(c, units(p), units(diff)), ok, "{c:?} {p} {diff}");
        }
        assert_eq!(u.effective(Some("USD"), units("100")), units("0.11"));
        assert_eq!(u.effective(Some("JPY"), units("1000")), units("2"));
        assert_eq!(
            t.describe(),
            "0.01; JPY 1; plus 0.1% of the provider amount"
        );
    }

    #[test]
    fn a_plain_tolerance_compares_units_directly() {
        let t = Tolerance::absolute(d("0.05"));
        assert!(t.is_plain() && !t.is_zero());
        let u = t.units();
        assert!(u.allows(Some("EUR"), units("10"), units("0.05")));
        assert!(!u.allows(Some("EUR"), units("10"), units("0.05000001")));
        assert!(Tolerance::default().is_zero());
        // Huge amounts saturate rather than overflow.
        let whole = Tolerance {
            relative: d("1"),
            ..Tolerance::default()
        };
        let r = whole.units();
        assert!(r.allows(Some("USD"), i128::MAX, i128::MAX / 2));
    }
}
