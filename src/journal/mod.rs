//! Adjusting journal entries from the accepted items of a period (`cardrecon journal`): what
//! accounting books after the close (an unbooked provider fee, a write-off, FX rounding).
//!
//! - **Never guessed.** An accepted item is booked only by a `[[journal.rules]]` for its reason
//!   code (and, when the rule says, its provider, kind and currency); an item no rule covers is
//!   listed as unbooked, with why.
//! - **Booked once.** The first time an item is journalled its booking (accounts, amount, date,
//!   memo) is frozen in the store with the journal's id (`J-2026-03-001`); the same period's next
//!   `journal` repeats the frozen journals, byte for byte, and puts only items accepted since
//!   into a new one. A changed rule applies to what has not been booked yet.
//! - **Balanced, at minor units.** The items of one rule, currency, pair of accounts and date
//!   are one entry: a debit line per item at the currency's minor units (ISO 4217: JPY 0, BHD
//!   3), one credit line for their total, and, when the rounded lines do not add up to the
//!   rounded total, the difference on a line of its own (`rounding_account`). Every entry
//!   balances per currency.
//! - **Direction from the money.** What an item puts at stake is signed (money out of the cards
//!   negative, `results::exposure`): money out is booked debit the rule's `debit`, credit its
//!   `credit`; money in the other way round, and its memo says so.
//!
//! The lines are rendered by a minijinja template: the generic CSV or Xero's manual journal
//! import, both in `templates/journal/`, or a team's own file for its ERP.

mod render;

use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::period::Period;
use crate::store::item::Reason;
use crate::store::StoredItem;

pub use render::render;

/// `[journal]` resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSettings {
    pub date: EntryDate,
    pub rounding_account: String,
    pub template: Template,
    /// The Xero template's tax rate name (its `*TaxRate` column).
    pub tax_rate: String,
    pub rules: Vec<JournalRule>,
}

/// Which day an entry is dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryDate {
    /// The period's last day: the adjustment belongs to the month it corrects.
    PeriodEnd,
    /// The day (in the business timezone) the item was accepted.
    DecisionDay,
}

/// The layout `journal.csv` is rendered in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    Generic,
    /// Xero's manual journal import (help.xero.com, "Import manual journals").
    Xero,
    /// A minijinja template of the team's own.
    File(PathBuf),
}

/// One `[[journal.rules]]`: the accounts an accepted item of this reason (and, when given,
/// provider, kind and currency) is booked to. Accounts may name `{provider}`, `{kind}` and
/// `{currency}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRule {
    pub reason: Reason,
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub currency: Option<String>,
    pub debit: String,
    pub credit: String,
}

impl JournalRule {
    fn covers(&self, item: &StoredItem, reason: Reason) -> bool {
        let same = |want: &Option<String>, have: &Option<String>| {
            want.as_ref()
                .is_none_or(|w| have.as_deref() == Some(w.as_str()))
        };
        self.reason == reason
            && same(&self.provider, &item.provider)
            && same(&self.kind, &item.kind)
            && same(&self.currency, &item.currency)
    }

    fn account(template: &str, item: &StoredItem) -> String {
        template
            .replace("{provider}", item.provider.as_deref().unwrap_or(""))
            .replace("{kind}", item.kind.as_deref().unwrap_or(""))
            .replace("{currency}", item.currency.as_deref().unwrap_or(""))
    }
}

pub use crate::bookings::Booking;

/// An accepted item that is not booked, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbooked {
    pub item_id: String,
    pub reason: String,
    pub amount: Option<Decimal>,
    pub currency: String,
    pub why: String,
}

/// The bookings of `items` (accepted ones not journalled yet) in journal `journal_id`, and the
/// accepted items no rule books.
pub fn book(
    items: &[StoredItem],
    settings: &JournalSettings,
    period: &Period,
    zone: Tz,
    journal_id: &str,
) -> (Vec<Booking>, Vec<Unbooked>) {
    let mut booked = Vec::new();
    let mut unbooked = Vec::new();
    for item in items {
        let reason_text = item.reason.clone().unwrap_or_default();
        let currency = item.currency.clone().unwrap_or_default();
        let at_stake = item.exposure.at_stake;
        let not = |why: String| Unbooked {
            item_id: item.item_id.clone(),
            reason: reason_text.clone(),
            amount: at_stake,
            currency: currency.clone(),
            why,
        };
        let Some(reason) = Reason::parse(&reason_text) else {
            unbooked.push(not("accepted without a known reason code".into()));
            continue;
        };
        let Some(rule) = settings.rules.iter().find(|r| r.covers(item, reason)) else {
            unbooked.push(not(format!(
                "no [[journal.rules]] for reason {reason_text}{}",
                item.provider
                    .as_ref()
                    .map(|p| format!(" ({p}, {})", item.kind.as_deref().unwrap_or("-")))
                    .unwrap_or_default()
            )));
            continue;
        };
        let amount = match at_stake {
            Some(a) if !a.is_zero() => a,
            _ => {
                unbooked.push(not("nothing at stake to book".into()));
                continue;
            }
        };
        if round(amount.abs(), &currency).is_zero() {
            unbooked.push(not(format!(
                "less than the currency's smallest unit ({} {currency})",
                crate::money::format(amount)
            )));
            continue;
        }
        let date = match settings.date {
            EntryDate::PeriodEnd => period.last,
            EntryDate::DecisionDay => item
                .decided_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&zone).date_naive())
                .unwrap_or(period.last),
        };
        let (debit, credit) = (
            JournalRule::account(&rule.debit, item),
            JournalRule::account(&rule.credit, item),
        );
        // Money out (negative at stake) as the rule says; money in the other way round.
        let money_in = amount.is_sign_positive();
        let (debit, credit) = if money_in {
            (credit, debit)
        } else {
            (debit, credit)
        };
        let mut memo = format!("item {}: {reason_text}", item.item_id);
        if let Some(n) = item.note.as_deref().filter(|n| !n.trim().is_empty()) {
            memo.push_str(&format!("; {n}"));
        }
        if let Some(by) = &item.decided_by {
            memo.push_str(&format!("; accepted by {by}"));
        }
        if money_in {
            memo.push_str("; money in: the rule's accounts reversed");
        }
        booked.push(Booking {
            item_id: item.item_id.clone(),
            journal_id: journal_id.to_string(),
            date,
            debit,
            credit,
            rounding_account: settings.rounding_account.clone(),
            amount,
            currency,
            memo,
        });
    }
    (booked, unbooked)
}

/// An amount at `currency`'s minor units (2 where the code is not an ISO 4217 one), half away
/// from zero.
pub fn round(amount: Decimal, currency: &str) -> Decimal {
    let units = crate::money::minor_units(currency).unwrap_or(2);
    amount.round_dp_with_strategy(units, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount as the journal writes it: exactly the currency's minor units (`1500` JPY,
/// `12.345` BHD, `2.50` USD).
pub fn show(amount: Decimal, currency: &str) -> String {
    let mut a = round(amount, currency);
    a.rescale(crate::money::minor_units(currency).unwrap_or(2));
    a.to_string()
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    pub journal_id: String,
    pub entry_id: String,
    pub date: NaiveDate,
    pub account: String,
    pub debit: Option<Decimal>,
    pub credit: Option<Decimal>,
    pub currency: String,
    pub memo: String,
}

/// The journal's lines from its bookings: one entry per journal, date, currency and pair of
/// accounts, in that order; a debit line per item, the credit line, and the rounding line when
/// the rounded item lines do not add up to the rounded total.
pub fn lines(bookings: &[Booking]) -> Vec<Line> {
    type Key<'a> = (&'a str, NaiveDate, &'a str, &'a str, &'a str, &'a str);
    let mut entries: std::collections::BTreeMap<Key<'_>, Vec<&Booking>> = Default::default();
    for b in bookings {
        entries
            .entry((
                b.journal_id.as_str(),
                b.date,
                b.currency.as_str(),
                b.debit.as_str(),
                b.credit.as_str(),
                b.rounding_account.as_str(),
            ))
            .or_default()
            .push(b);
    }
    let mut out = Vec::new();
    let mut n = 0usize;
    let mut journal = "";
    for ((journal_id, date, currency, debit, credit, rounding), mut items) in entries {
        if journal_id != journal {
            journal = journal_id;
            n = 0;
        }
        n += 1;
        let entry_id = format!("{journal_id}-{n:03}");
        items.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        let line =
            |account: &str, debit: Option<Decimal>, credit: Option<Decimal>, memo: String| Line {
                journal_id: journal_id.to_string(),
                entry_id: entry_id.clone(),
                date,
                account: account.to_string(),
                debit,
                credit,
                currency: currency.to_string(),
                memo,
            };
        let mut lines_sum = Decimal::ZERO;
        let mut exact = Decimal::ZERO;
        for b in &items {
            let a = round(b.amount.abs(), currency);
            lines_sum += a;
            exact += b.amount.abs();
            out.push(line(debit, Some(a), None, b.memo.clone()));
        }
        let total = round(exact, currency);
        out.push(line(
            credit,
            None,
            Some(total),
            format!(
                "{} accepted item{} ({})",
                items.len(),
                if items.len() == 1 { "" } else { "s" },
                if total == exact {
                    show(exact, currency)
                } else {
                    crate::money::format(exact)
                }
            ),
        ));
        let diff = total - lines_sum;
        if !diff.is_zero() {
            let memo =
                "rounding: the items' lines at minor units against their rounded total".to_string();
            if diff.is_sign_positive() {
                out.push(line(rounding, Some(diff), None, memo));
            } else {
                out.push(line(rounding, None, Some(-diff), memo));
            }
        }
    }
    out
}

/// Per currency, the debits and credits of `lines` (equal when every entry balances).
pub fn totals(lines: &[Line]) -> std::collections::BTreeMap<String, (Decimal, Decimal)> {
    let mut t: std::collections::BTreeMap<String, (Decimal, Decimal)> = Default::default();
    for l in lines {
        let e = t.entry(l.currency.clone()).or_default();
        e.0 += l.debit.unwrap_or_default();
        e.1 += l.credit.unwrap_or_default();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(item: &str, amount: &str, currency: &str) -> Booking {
        Booking {
            item_id: item.into(),
            journal_id: "J-2026-03-001".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            debit: "6810 Card fees".into(),
            credit: "1190 Provider clearing usertrans".into(),
            rounding_account: "6999 Rounding".into(),
            amount: amount.parse().unwrap(),
            currency: currency.into(),
            memo: format!("item {item}"),
        }
    }

    #[test]
    fn lines_are_at_minor_units_and_the_rounding_difference_has_its_own_line() {
        let l = lines(&[
            booking("i-1", "-0.005", "USD"),
            booking("i-2", "-0.005", "USD"),
            booking("i-3", "-100.4", "JPY"),
            booking("i-4", "-1.2345", "BHD"),
        ]);
        let show: Vec<(String, String, Option<String>, Option<String>)> = l
            .iter()
            .map(|x| {
                (
                    x.entry_id.clone(),
                    x.account.clone(),
                    x.debit.map(|d| d.to_string()),
                    x.credit.map(|d| d.to_string()),
                )
            })
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            show,
            vec![
                (
                    "J-2026-03-001-001".into(),
                    "6810 Card fees".into(),
                    s("1.235"),
                    None
                ),
                (
                    "J-2026-03-001-001".into(),
                    "1190 Provider clearing usertrans".into(),
                    None,
                    s("1.235")
                ),
                (
                    "J-2026-03-001-002".into(),
                    "6810 Card fees".into(),
                    s("100"),
                    None
                ),
                (
                    "J-2026-03-001-002".into(),
                    "1190 Provider clearing usertrans".into(),
                    None,
                    s("100")
                ),
                // Two half cents each round up to a cent; together they are one cent.
                (
                    "J-2026-03-001-003".into(),
                    "6810 Card fees".into(),
                    s("0.01"),
                    None
                ),
                (
                    "J-2026-03-001-003".into(),
                    "6810 Card fees".into(),
                    s("0.01"),
                    None
                ),
                (
                    "J-2026-03-001-003".into(),
                    "1190 Provider clearing usertrans".into(),
                    None,
                    s("0.01")
                ),
                (
                    "J-2026-03-001-003".into(),
                    "6999 Rounding".into(),
                    None,
                    s("0.01")
                ),
            ]
        );
        for (currency, (d, c)) in totals(&l) {
            assert_eq!(d, c, "{currency} balances");
        }
    }
}
