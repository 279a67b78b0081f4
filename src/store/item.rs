//! Items: what a person follows up. Every discrepancy row of a run is an item with a stable id,
//! a state and the evidence it was judged on.
//!
//! **Why the id is a hash of keys.** A re-run must find the same item again (to keep a decision,
//! or to see that a difference went away), so the id cannot come from row numbers or from the
//! run. It is derived from the provider, the category *family* and the keys: a pair whose
//! difference changes kind (amount mismatch, then status mismatch after a correction) is still
//! the same pair and keeps its id; its evidence records what changed.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::matching::Category;
use crate::results::ResultRow;

/// Where an item stands. `reopened` is an event, not a state: it returns an item to `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemState {
    /// A person must look at it.
    Open,
    /// Its counterpart arrived in a later period (`cleared_in`).
    Cleared,
    /// A re-run of its own period no longer shows it (the ledger or the provider was corrected).
    Resolved,
    /// A person explained it (reason code, note, who, when).
    Accepted,
}

impl ItemState {
    pub const ALL: [ItemState; 4] = [
        ItemState::Open,
        ItemState::Cleared,
        ItemState::Resolved,
        ItemState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Cleared => "cleared",
            ItemState::Resolved => "resolved",
            ItemState::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<ItemState> {
        ItemState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Why a person accepted an item (`accept --reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Timing,
    FeeUnbooked,
    FxRounding,
    WriteOff,
    ProviderError,
    /// A suggested match a person confirmed: later runs of the period pair the two.
    MatchedManually,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Timing,
        Reason::FeeUnbooked,
        Reason::FxRounding,
        Reason::WriteOff,
        Reason::ProviderError,
        Reason::MatchedManually,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Timing => "timing",
            Reason::FeeUnbooked => "fee_unbooked",
            Reason::FxRounding => "fx_rounding",
            Reason::WriteOff => "write_off",
            Reason::ProviderError => "provider_error",
            Reason::MatchedManually => "matched_manually",
            Reason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Categories that describe the same thing for the item id: one side alone, a pair that
/// differs, or a repeat on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    ProviderOnly,
    LedgerOnly,
    Pair,
    ProviderRepeat,
    LedgerRepeat,
    /// A summary journal's line that differs from its records' sum.
    SummaryLine,
    /// A group of records a summary covers, with no line.
    SummaryGroup,
}

impl Family {
    /// The family of a discrepancy category; `None` for the categories that are not items.
    pub fn of(c: Category) -> Option<Family> {
        match c {
            Category::MissingInLedger => Some(Family::ProviderOnly),
            Category::MissingAtProvider => Some(Family::LedgerOnly),
            Category::StatusMismatch
            | Category::CurrencyMismatch
            | Category::AmountMismatch
            | Category::FeeMismatch
            | Category::TimingDifference
            | Category::SuggestedMatch => Some(Family::Pair),
            Category::DuplicateAtProvider => Some(Family::ProviderRepeat),
            Category::DuplicateInLedger => Some(Family::LedgerRepeat),
            Category::SummaryMismatch => Some(Family::SummaryLine),
            Category::SummaryMissing => Some(Family::SummaryGroup),
            Category::Matched
            | Category::FailedNotBooked
            | Category::PendingNotBooked
            | Category::ClearedPrior
            | Category::SummaryMatched
            | Category::Summarized => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Family::ProviderOnly => "provider-only",
            Family::LedgerOnly => "ledger-only",
            Family::Pair => "pair",
            Family::ProviderRepeat => "provider-repeat",
            Family::LedgerRepeat => "ledger-repeat",
            Family::SummaryLine => "summary-line",
            Family::SummaryGroup => "summary-group",
        }
    }
}

/// The item id of a discrepancy row (`None` for a row that is not one): `i-` and 16 hex digits
/// of a SHA-256 over the provider, the family and the keys that family is identified by. A
/// repeat is also identified by its time and amount, since it shares its keys with the record
/// it repeats. `ordinal` tells apart rows whose keys are all equal (0 for the first).
pub fn item_id(row: &ResultRow, ordinal: usize) -> Option<String> {
    let family = Family::of(row.category)?;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.timestamp_micros().to_string())
            .unwrap_or_default()
    };
    let amount = |a: Option<Decimal>| a.map(|a| a.normalize().to_string()).unwrap_or_default();
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut parts: Vec<String> = vec![o(&row.provider), family.word().to_string()];
    match family {
        Family::ProviderOnly => parts.extend([o(&row.tx_id)]),
        Family::LedgerOnly => parts.extend([o(&row.ledger_entry_id)]),
        Family::Pair => parts.extend([o(&row.tx_id), o(&row.ledger_entry_id)]),
        Family::ProviderRepeat => parts.extend([
            o(&row.tx_id),
            time(row.provider_time),
            amount(row.provider_amount),
        ]),
        Family::LedgerRepeat => parts.extend([
            o(&row.ledger_entry_id),
            o(&row.tx_id),
            o(&row.order_id),
            time(row.ledger_time),
            amount(row.ledger_amount),
        ]),
        Family::SummaryLine => parts.extend([o(&row.ledger_entry_id)]),
        // The group's key: its day, currency and kind (none for a day's net).
        Family::SummaryGroup => parts.extend([
            row.provider_day.map(|d| d.to_string()).unwrap_or_default(),
            o(&row.currency),
            o(&row.kind),
        ]),
    }
    if ordinal > 0 {
        parts.push(format!("#{ordinal}"));
    }
    Some(format!("i-{}", short_hash(&parts.join("\u{1f}"))))
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The facts a decision was made on: both sides' amounts, currencies, statuses and days. An
/// accepted item whose evidence changes in a re-run is reopened, with the fields that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence(Vec<(&'static str, String)>);

impl Evidence {
    pub fn of(row: &ResultRow) -> Evidence {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let amount = |a: Option<Decimal>| a.map(|a| a.normalize().to_string()).unwrap_or_default();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        Evidence(vec![
            ("category", row.category.as_str().to_string()),
            ("provider amount", amount(row.provider_amount)),
            ("provider currency", o(&row.currency)),
            ("provider status", o(&row.provider_status)),
            ("provider day", day(row.provider_day)),
            ("ledger amount", amount(row.ledger_amount)),
            ("ledger currency", o(&row.ledger_currency)),
            ("ledger status", o(&row.ledger_status)),
            ("ledger day", day(row.ledger_day)),
        ])
    }

    /// The stored form: `field=value` joined by `; ` (readable in the database, too).
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// What changed from the stored evidence `before`, in words (empty: nothing).
    pub fn changes_from(&self, before: &str) -> Vec<String> {
        let old: std::collections::BTreeMap<&str, &str> = before
            .split("; ")
            .filter_map(|kv| kv.split_once('='))
            .collect();
        self.0
            .iter()
            .filter_map(|(k, v)| {
                let was = old.get(k).copied().unwrap_or("");
                (was != v).then(|| {
                    let show = |s: &str| {
                        if s.is_empty() {
                            "none".to_string()
                        } else {
                            s.to_string()
                        }
                    };
                    format!("{k} {} → {}", show(was), show(v))
                })
            })
            .collect()
    }
}

/// Per currency: how many items and the sum of what they put at stake (an item with no
/// figure at stake counts, adding nothing). The footer of `items` and `close-period`.
pub fn at_stake_by_currency<'a>(
    items: impl IntoIterator<Item = &'a super::StoredItem>,
) -> std::collections::BTreeMap<String, (u64, Decimal)> {
    let mut totals = std::collections::BTreeMap::new();
    for i in items {
        let e: &mut (u64, Decimal) = totals
            .entry(i.currency.clone().unwrap_or_default())
            .or_default();
        e.0 += 1;
        e.1 += i.exposure.at_stake.unwrap_or_default();
    }
    totals
}

/// How old an item is at `on`, in days since its accounting day, and the bucket finance reads
/// ages in.
pub fn age(day: Option<chrono::NaiveDate>, on: chrono::NaiveDate) -> (Option<i64>, &'static str) {
    match day {
        None => (None, "unknown"),
        Some(d) => {
            let days = (on - d).num_days().max(0);
            let bucket = match days {
                0..=1 => "0-1 days",
                2..=7 => "2-7 days",
                8..=30 => "8-30 days",
                _ => "over 30 days",
            };
            (Some(days), bucket)
        }
    }
}

impl super::StoredItem {
    /// The day the item left `open`, if it did: the last day of the period whose run cleared it,
    /// the day a person decided it (accepted, or a suggestion rejected), or the last day of its
    /// own period for one a re-run resolved. Its age stops there.
    pub fn closed_on(&self) -> Option<chrono::NaiveDate> {
        let period_end = |label: &str| crate::period::Period::parse(label).ok().map(|p| p.last);
        match self.state {
            ItemState::Open => None,
            ItemState::Cleared => self
                .cleared_in
                .as_deref()
                .and_then(period_end)
                .or_else(|| period_end(&self.period)),
            ItemState::Accepted | ItemState::Resolved => self
                .decided_at
                .as_deref()
                .and_then(|at| at.get(..10))
                .and_then(|d| d.parse().ok())
                .or_else(|| period_end(&self.period)),
        }
    }

    /// The item's age and bucket counted to `on` (the end of the period it is reported in, or
    /// today), or to the day it left `open` when that was earlier: one rule for `items`, the
    /// Open items sheet and the page.
    pub fn age_on(&self, on: chrono::NaiveDate) -> (Option<i64>, &'static str) {
        let to = self.closed_on().map_or(on, |c| c.min(on));
        age(self.item_day, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: Category) -> ResultRow {
        ResultRow {
            category,
            provider: Some("keysecure".into()),
            kind: Some("consumption".into()),
            tx_id: Some("T1".into()),
            order_id: None,
            ledger_entry_id: Some("L1".into()),
            provider_amount: Some(Decimal::new(1000, 2)),
            ledger_amount: Some(Decimal::new(-1200, 2)),
            amount_difference: None,
            currency: Some("USD".into()),
            ledger_currency: Some("USD".into()),
            provider_status: Some("success".into()),
            ledger_status: Some("success".into()),
            provider_time: None,
            ledger_time: None,
            provider_day: chrono::NaiveDate::from_ymd_opt(2026, 10, 31),
            ledger_day: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            card: None,
            detail: String::new(),
            provider_fee: None,
            ledger_fee: None,
            description: None,
            provider_source: None,
            ledger_source: None,
            diffs: Default::default(),
            match_id: None,
            match_size: None,
        }
    }

    #[test]
    fn a_pair_keeps_its_id_when_its_difference_changes_kind() {
        let a = item_id(&row(Category::AmountMismatch), 0).unwrap();
        let b = item_id(&row(Category::TimingDifference), 0).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("i-"));
        // One side alone is another item, and so is a second row with the same keys.
        assert_ne!(item_id(&row(Category::MissingInLedger), 0).unwrap(), a);
        assert_ne!(item_id(&row(Category::AmountMismatch), 1).unwrap(), a);
        assert_eq!(item_id(&row(Category::Matched), 0), None);
        assert_eq!(item_id(&row(Category::ClearedPrior), 0), None);
    }

    #[test]
    fn evidence_says_which_fields_changed() {
        let before = Evidence::of(&row(Category::AmountMismatch)).text();
        let mut r = row(Category::AmountMismatch);
        r.ledger_amount = Some(Decimal::new(-1150, 2));
        let now = Evidence::of(&r);
        assert_eq!(now.changes_from(&before), vec!["ledger amount -12 → -11.5"]);
        assert!(Evidence::of(&row(Category::AmountMismatch))
            .changes_from(&before)
            .is_empty());
    }

    #[test]
    fn an_item_that_left_open_keeps_the_age_it_had_then() {
        let on = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let mut item = crate::store::StoredItem {
            item_day: chrono::NaiveDate::from_ymd_opt(2026, 3, 7),
            ..crate::store::StoredItem::sample("i-1", "2026-03")
        };
        // Open: counted to the day asked (the period's end, or today).
        assert_eq!(item.age_on(on).0, Some(238));
        // Accepted on 20 March: 13 days, whenever it is listed.
        item.state = ItemState::Accepted;
        item.decided_at = Some("2026-03-20T09:00:00Z".into());
        assert_eq!(item.age_on(on).0, Some(13));
        // Listed for a day before it was accepted, it is counted to that day.
        let mid = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(item.age_on(mid).0, Some(3));
        // Cleared by April's run: counted to April's end.
        item.state = ItemState::Cleared;
        item.cleared_in = Some("2026-04".into());
        assert_eq!(item.age_on(on).0, Some(54));
        // Resolved by a re-run of March, no decision: March's end.
        item.state = ItemState::Resolved;
        item.decided_at = None;
        assert_eq!(item.age_on(on).0, Some(24));
    }

    #[test]
    fn ages_fall_into_the_buckets_finance_uses() {
        let on = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let d = |n: i64| Some(on - chrono::Duration::days(n));
        assert_eq!(age(d(0), on), (Some(0), "0-1 days"));
        assert_eq!(age(d(1), on), (Some(1), "0-1 days"));
        assert_eq!(age(d(2), on), (Some(2), "2-7 days"));
        assert_eq!(age(d(8), on), (Some(8), "8-30 days"));
        assert_eq!(age(d(30), on), (Some(30), "8-30 days"));
        assert_eq!(age(d(31), on), (Some(31), "over 30 days"));
        assert_eq!(age(None, on), (None, "unknown"));
    }
}
