//! The canonical model shared by every stage: record kinds, statuses, one provider record and
//! one ledger entry as Rust values. `normalize` and `ledger` turn vectors of these into the polars
//! tables `provider_records` and `ledger_entries` (column lists in [`crate::normalize`] and
//! [`crate::ledger`]).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What a record is. The sign of an amount comes from here: amounts are magnitudes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Consumption,
    Refund,
    Recharge,
    Fee,
    Withdrawal,
    CardClosure,
    OpenCard,
    BuyCoin,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Consumption,
        Kind::Refund,
        Kind::Recharge,
        Kind::Fee,
        Kind::Withdrawal,
        Kind::CardClosure,
        Kind::OpenCard,
        Kind::BuyCoin,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Consumption => "consumption",
            Kind::Refund => "refund",
            Kind::Recharge => "recharge",
            Kind::Fee => "fee",
            Kind::Withdrawal => "withdrawal",
            Kind::CardClosure => "card_closure",
            Kind::OpenCard => "open_card",
            Kind::BuyCoin => "buy_coin",
            Kind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        let t = text.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t))
    }
}

/// The canonical status vocabulary. Providers' own words are kept in `status_raw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Success,
    Pending,
    Failed,
    Reversed,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Success,
        Status::Pending,
        Status::Failed,
        Status::Reversed,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Pending => "pending",
            Status::Failed => "failed",
            Status::Reversed => "reversed",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        let t = text.trim();
        Status::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(t))
    }

    /// Whether the status no longer changes: success, failed, reversed.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Success | Status::Failed | Status::Reversed)
    }
}

/// One card as a provider's card list reports it (cardapp's `card_list`): its balance and
/// cumulative recharge (`limit`) in the account currency, and its status (5: closed). The
/// card roll-forward (`crate::cards`) checks it against the period's movements.
#[derive(Debug, Clone, PartialEq)]
pub struct CardSnapshot {
    pub provider: String,
    /// The provider's card id: the `card_ref` of the card's records.
    pub card_id: String,
    pub card_masked: Option<String>,
    pub status: Option<i64>,
    pub balance: Option<rust_decimal::Decimal>,
    pub limit: Option<rust_decimal::Decimal>,
    pub currency: String,
    /// What could not be read of it (an unreadable balance), shown on its row.
    pub problem: Option<String>,
}

/// One provider record in canonical form (a row of `provider_records`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRecord {
    /// Configured instance name (`keysecure`, `txv3`, …).
    pub provider: String,
    pub kind: Kind,
    pub tx_id: String,
    pub order_id: Option<String>,
    pub related_tx_id: Option<String>,
    pub card_ref: Option<String>,
    /// Masked card number: first 6 / last 4 at most.
    pub card_masked: Option<String>,
    /// Settled magnitude in `currency`.
    pub amount: Decimal,
    pub currency: String,
    pub original_amount: Option<Decimal>,
    pub original_currency: Option<String>,
    pub fee: Option<Decimal>,
    pub fee_currency: Option<String>,
    pub status: Status,
    pub status_raw: String,
    pub occurred_at: DateTime<Utc>,
    /// Merchant name or the provider's description, for people reading the report.
    pub description: Option<String>,
    /// `file:line` (or archived page + index) the record came from.
    pub source: String,
    /// Money fields sent as binary floats and read as the decimal they stand for
    /// (`fee `0.30000000000000004` read as 0.30`), for the data-quality notes. Not a column of
    /// the canonical table: the decimal is the value; the sent text stays in the wire file.
    pub rounded_floats: Vec<String>,
}

impl ProviderRecord {
    /// Whether two records say the same thing (everything but where they were read from).
    /// Identical repeats are paging artefacts and are dropped; different content under one
    /// `tx_id` is a `duplicate_at_provider`.
    pub fn same_content(&self, other: &ProviderRecord) -> bool {
        ProviderRecord {
            source: String::new(),
            ..self.clone()
        } == ProviderRecord {
            source: String::new(),
            ..other.clone()
        }
    }
}

/// One ledger entry in canonical form (a row of `ledger_entries`).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub entry_id: String,
    pub provider: Option<String>,
    /// The journal a general ledger booked the entry in (`settlement`): a summary line's mark
    /// for `[[matching.summaries]]` (their `ledger_kind`).
    pub journal: Option<String>,
    pub kind: Option<Kind>,
    pub tx_id: Option<String>,
    pub order_id: Option<String>,
    /// As booked; compared with the provider's magnitude by its absolute value.
    pub amount: Decimal,
    pub currency: String,
    pub fee: Option<Decimal>,
    pub status: Status,
    pub booked_at: DateTime<Utc>,
    /// The card's last four digits, where the ledger names the card (statement lines); never
    /// more of the number ([`last_four`]).
    pub card: Option<String>,
    /// The ledger's own words for the entry (a statement line's merchant, a memo).
    pub description: Option<String>,
    /// `file:row`.
    pub source: String,
}

/// The last four digits of a card number however it is written (`4485 3339 1682 6937`,
/// `448533******6937`, `**** 6937`, `6937`); `None` without four digits. A ledger keeps no more
/// of a card than this, and rules compare cards by it.
pub fn last_four(text: &str) -> Option<String> {
    last_four_digits(text).map(|d| d.iter().map(|&b| char::from(b)).collect())
}

/// [`last_four`] as the four ASCII digits, without allocating (the rules compare cards by it
/// once per record).
pub fn last_four_digits(text: &str) -> Option<[u8; 4]> {
    let mut last = [0u8; 4];
    let mut n = 0usize;
    for b in text.bytes().filter(u8::is_ascii_digit) {
        last.rotate_left(1);
        last[3] = b;
        n += 1;
    }
    (n >= 4).then_some(last)
}

/// Masks a card number to at most its first 6 and last 4 characters (`4485333916826937` →
/// `448533******6937`). Numbers the provider already masked are masked again the same way, so
/// no provider's masking style can show more. Short values keep only their last 4.
pub fn mask_card(number: &str) -> String {
    let chars: Vec<char> = number
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    if n <= 10 {
        let keep = (n / 2).min(4);
        let mut s: String = std::iter::repeat_n('*', n - keep).collect();
        s.extend(&chars[n - keep..]);
        return s;
    }
    let mut s: String = chars[..6].iter().collect();
    s.extend(std::iter::repeat_n('*', n - 10));
    s.extend(&chars[n - 4..]);
    s
}

/// Non-empty trimmed text, or `None` (providers send `""` for absent values).
pub fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_to_first_six_last_four() {
        assert_eq!(mask_card("4485333916826937"), "448533******6937");
        assert_eq!(mask_card("345432552191529"), "345432*****1529");
        assert_eq!(mask_card("296068******7277"), "296068******7277");
        assert_eq!(mask_card("4485 3339 1682 6937"), "448533******6937");
        assert_eq!(mask_card("12345"), "***45");
        assert_eq!(mask_card("1234567890"), "******7890");
        assert_eq!(mask_card("1234"), "**34");
        assert_eq!(mask_card(""), "");
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(&s.as_str().to_uppercase()), Some(s));
        }
        assert_eq!(Status::parse("settled"), None);
    }
}
