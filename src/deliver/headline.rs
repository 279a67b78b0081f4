//! The message's headline: what a controller reads before opening anything. Period, the
//! discrepancies by category, the match rate, the open items and their amount per currency,
//! and any threshold crossed, from the run's `summary.json` (so any finished run can be
//! delivered again, by this or a later version).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::money;
use crate::report::summary::Group;

/// The parts of `summary.json` a headline needs.
#[derive(Debug, Clone, Deserialize)]
struct SummaryView {
    period: String,
    timezone: String,
    results: u64,
    discrepancies: u64,
    by_category: BTreeMap<String, u64>,
    #[serde(deserialize_with = "money::deserialize_text")]
    matched_rate_by_count: Decimal,
    groups: Vec<Group>,
    #[serde(default)]
    close: Option<CloseView>,
    #[serde(default)]
    thresholds: Option<ThresholdView>,
}

#[derive(Debug, Clone, Deserialize)]
struct CloseView {
    roll_forward: Vec<RollView>,
}

#[derive(Debug, Clone, Deserialize)]
struct RollView {
    currency: String,
    open_at_end: TallyView,
}

#[derive(Debug, Clone, Deserialize)]
struct TallyView {
    count: u64,
    #[serde(deserialize_with = "money::deserialize_text")]
    amount: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
struct ThresholdView {
    crossed: Vec<String>,
}

/// Open items: the store's (carried across periods) when the run had one, else the amount at
/// stake in this run's discrepancy rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Open {
    /// `true`: the store's open items at the end of the period.
    pub from_store: bool,
    /// Items (the store's) or discrepancy rows.
    pub count: u64,
    pub amount_by_currency: BTreeMap<String, Decimal>,
}

/// A finished run as its message tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub period: String,
    pub timezone: String,
    /// The run directory's name (the run id).
    pub run_id: String,
    pub results: u64,
    pub discrepancies: u64,
    /// Discrepancy categories with at least one row, by name.
    pub by_category: Vec<(String, u64)>,
    pub match_rate: Decimal,
    pub open: Open,
    pub thresholds_crossed: Option<Vec<String>>,
}

impl Headline {
    /// Reads `run_dir/summary.json`.
    pub fn read(run_dir: &Path) -> Result<Headline> {
        let path = run_dir.join(crate::run_dir::SUMMARY_JSON);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let view: SummaryView = serde_json::from_str(&text).map_err(|e| {
            Error::input(
                path.display().to_string(),
                format!("not a cardrecon summary: {e}"),
            )
        })?;
        let run_id = run_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Headline::from_view(view, run_id))
    }

    fn from_view(v: SummaryView, run_id: String) -> Headline {
        let by_category = v
            .by_category
            .into_iter()
            .filter(|(name, n)| {
                *n > 0 && crate::matching::Category::parse(name).is_some_and(|c| c.is_discrepancy())
            })
            .collect();
        let open = match v.close {
            Some(close) => {
                let mut amount_by_currency: BTreeMap<String, Decimal> = BTreeMap::new();
                let mut count = 0;
                for line in close.roll_forward {
                    count += line.open_at_end.count;
                    *amount_by_currency.entry(line.currency).or_default() +=
                        line.open_at_end.amount;
                }
                Open {
                    from_store: true,
                    count,
                    amount_by_currency,
                }
            }
            None => Open {
                from_store: false,
                count: v.discrepancies,
                amount_by_currency: crate::report::thresholds::open_amounts_of(&v.groups),
            },
        };
        Headline {
            period: v.period,
            timezone: v.timezone,
            run_id,
            results: v.results,
            discrepancies: v.discrepancies,
            by_category,
            match_rate: v.matched_rate_by_count,
            open,
            thresholds_crossed: v.thresholds.map(|t| t.crossed),
        }
    }

    /// `cardrecon 2026-03: 1,947 discrepancies, 89.75% matched` (a crossed threshold first).
    pub fn subject(&self) -> String {
        let flag = match &self.thresholds_crossed {
            Some(c) if !c.is_empty() => "[threshold crossed] ",
            _ => "",
        };
        format!(
            "{flag}cardrecon {}: {} discrepanc{}, {}% matched",
            self.period,
            count(self.discrepancies),
            if self.discrepancies == 1 { "y" } else { "ies" },
            self.match_rate
        )
    }

    /// The plain-text body's headline (the caller adds what is attached).
    pub fn body(&self) -> String {
        let mut b = String::new();
        let _ = writeln!(
            b,
            "Reconciliation of {} ({}), run {}.",
            self.period, self.timezone, self.run_id
        );
        let _ = writeln!(b);
        let _ = writeln!(
            b,
            "{} result rows, {} discrepancies, {}% of provider records matched.",
            count(self.results),
            count(self.discrepancies),
            self.match_rate
        );
        if let Some(crossed) = &self.thresholds_crossed {
            let _ = writeln!(b);
            if crossed.is_empty() {
                let _ = writeln!(b, "Thresholds: none crossed.");
            } else {
                let _ = writeln!(b, "Thresholds crossed:");
                for c in crossed {
                    let _ = writeln!(b, "  - {c}");
                }
            }
        }
        if !self.by_category.is_empty() {
            let _ = writeln!(b);
            let _ = writeln!(b, "Discrepancies by category:");
            let width = self
                .by_category
                .iter()
                .map(|(c, _)| c.len())
                .max()
                .unwrap_or(0);
            for (c, n) in &self.by_category {
                let _ = writeln!(b, "  {c:<width$}  {:>9}", count(*n));
            }
        }
        let _ = writeln!(b);
        if self.open.from_store {
            let _ = writeln!(
                b,
                "Open items at the end of the period (the store's, carried across months): {}",
                count(self.open.count)
            );
        } else {
            let _ = writeln!(
                b,
                "Amount at stake in this run's {} discrepancy rows (no store):",
                count(self.open.count)
            );
        }
        let mut fine = false;
        for (currency, amount) in &self.open.amount_by_currency {
            let (shown, finer) = money::display(*amount, currency);
            fine |= finer;
            let mark = if finer { " *" } else { "" };
            let _ = writeln!(b, "  {currency}  {shown:>18}{mark}");
        }
        if fine {
            let _ = writeln!(
                b,
                "  * more decimals than the currency's minor units, shown in full"
            );
        }
        b
    }
}

/// `1,947`.
fn count(n: u64) -> String {
    money::display(Decimal::from(n), "JPY").0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(close: &str, thresholds: &str) -> String {
        format!(
            r#"{{"tool": "cardrecon 0.1.0", "period": "2026-03", "timezone": "Europe/London",
            "results": 20014, "discrepancies": 3,
            "by_category": {{"amount_mismatch": 2, "matched": 20000, "missing_in_ledger": 1,
                            "failed_not_booked": 11, "timing_difference": 0}},
            "matched_rate_by_count": "89.75",
            "groups": [
              {{"provider": "txv3", "kind": "consumption", "category": "amount_mismatch",
               "currency": "USD", "count": 2, "provider_amount": "1200.50", "ledger_amount": "1190.00"}},
              {{"provider": "txv3", "kind": "consumption", "category": "missing_in_ledger",
               "currency": "JPY", "count": 1, "provider_amount": "15000", "ledger_amount": "0"}},
              {{"provider": "txv3", "kind": "consumption", "category": "failed_not_booked",
               "currency": "USD", "count": 11, "provider_amount": "99.00", "ledger_amount": "0"}}
            ]{close}{thresholds}}}"#
        )
    }

    fn read(text: &str) -> Headline {
        let view: SummaryView = serde_json::from_str(text).unwrap();
        Headline::from_view(view, "20261124T091002Z".into())
    }

    #[test]
    fn without_a_store_the_open_amount_is_the_discrepancy_rows_at_stake() {
        let h = read(&summary("", ""));
        assert_eq!(
            h.by_category,
            vec![
                ("amount_mismatch".to_string(), 2),
                ("missing_in_ledger".to_string(), 1)
            ]
        );
        assert!(!h.open.from_store);
        assert_eq!(h.open.amount_by_currency["USD"], Decimal::new(120050, 2));
        assert_eq!(h.open.amount_by_currency["JPY"], Decimal::from(15000));
        assert_eq!(
            h.subject(),
            "cardrecon 2026-03: 3 discrepancies, 89.75% matched"
        );
        let body = h.body();
        assert!(
            body.contains(
                "20,014 result rows, 3 discrepancies, 89.75% of provider records matched."
            ),
            "{body}"
        );
        assert!(body.contains("  amount_mismatch            2\n"), "{body}");
        assert!(body.contains("  missing_in_ledger          1\n"), "{body}");
        assert!(body.contains("  JPY              15,000\n"), "{body}");
        assert!(body.contains("  USD            1,200.50\n"), "{body}");
        assert!(!body.contains("failed_not_booked"), "{body}");
        assert!(
            !body.contains('*'),
            "no amount finer than its currency's units: {body}"
        );
        let fine = read(&summary("", "").replace("\"1200.50\"", "\"1200.505\""));
        assert!(
            fine.body().contains("  USD           1,200.505 *\n"),
            "{}",
            fine.body()
        );
        assert!(fine
            .body()
            .contains("  * more decimals than the currency's minor units"));
    }

    #[test]
    fn with_a_store_the_open_items_are_the_stores_and_a_crossed_threshold_leads() {
        let close = r#", "close": {"store": "sqlite:x.db", "roll_forward": [
            {"provider": "txv3", "currency": "EUR", "open_at_end": {"count": 4, "amount": "10.10"}},
            {"provider": "cardapp", "currency": "EUR", "open_at_end": {"count": 1, "amount": "0.05"}}]}"#;
        let thresholds =
            r#", "thresholds": {"crossed": ["3 discrepancies, above the maximum of 2"]}"#;
        let h = read(&summary(close, thresholds));
        assert_eq!(h.open.count, 5);
        assert_eq!(h.open.amount_by_currency["EUR"], Decimal::new(1015, 2));
        assert!(h
            .subject()
            .starts_with("[threshold crossed] cardrecon 2026-03"));
        assert!(h
            .body()
            .contains("  - 3 discrepancies, above the maximum of 2\n"));
        assert!(h
            .body()
            .contains("(the store's, carried across months): 5\n"));
    }

    #[test]
    fn an_amount_that_is_not_exact_text_is_an_error_not_zero() {
        let bad = summary("", "").replace("\"1200.50\"", "1200.5");
        assert!(serde_json::from_str::<SummaryView>(&bad).is_err());
    }
}
