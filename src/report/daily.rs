//! The daily table: per accounting day and currency, both sides' counts and amounts. The
//! workbook's Daily sheet charts every currency (one chart each); the page's chart shows the
//! currency with the most provider money ([`chart_currency`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ResultRows;

/// One accounting day in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyRow {
    pub day: NaiveDate,
    pub currency: String,
    pub provider_records: u64,
    pub provider_amount: Decimal,
    pub ledger_entries: u64,
    /// Magnitudes (a signed ledger's debits count as positive).
    pub ledger_amount: Decimal,
}

impl DailyRow {
    pub fn difference(&self) -> Decimal {
        self.provider_amount - self.ledger_amount
    }
}

/// The table, in currency then day order. Built only when the workbook or the page is written.
pub fn daily(rows: &ResultRows<'_>) -> Vec<DailyRow> {
    let mut m: BTreeMap<(&str, NaiveDate), (u64, Decimal, u64, Decimal)> = BTreeMap::new();
    for i in 0..rows.len() {
        let (provider_amount, ledger_amount) = rows.amounts(i);
        let ((provider_day, currency), (ledger_day, ledger_currency)) = rows.days_currencies(i);
        if let (Some(day), Some(a)) = (provider_day, provider_amount) {
            let e = m.entry((currency.unwrap_or_default(), day)).or_default();
            e.0 += 1;
            e.1 += a;
        }
        if let (Some(day), Some(a)) = (ledger_day, ledger_amount) {
            let e = m
                .entry((ledger_currency.unwrap_or_default(), day))
                .or_default();
            e.2 += 1;
            e.3 += a.abs();
        }
    }
    m.into_iter()
        .map(|((cur, day), (pn, pa, ln, la))| DailyRow {
            day,
            currency: cur.to_string(),
            provider_records: pn,
            provider_amount: pa,
            ledger_entries: ln,
            ledger_amount: la,
        })
        .collect()
}

/// The currency a chart shows: the one with the most provider amount (amounts in different
/// currencies do not share an axis). On a tie, the later code.
pub fn chart_currency(daily: &[DailyRow]) -> Option<&str> {
    let mut per_cur: BTreeMap<&str, Decimal> = BTreeMap::new();
    for d in daily {
        *per_cur.entry(d.currency.as_str()).or_default() += d.provider_amount;
    }
    per_cur
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(c, _)| c)
}
