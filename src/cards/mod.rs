//! Card balances rolled forward (design stage 7): the provider's card list against its own
//! records.
//!
//! cardapp's card list reports each card's `balance` and status. A run keeps the list (the
//! store's `card_snapshots`, and the run's `raw/` archive); the next period's run checks, per
//! card:
//!
//! ```text
//! previous balance + recharges + refunds − consumption − fees − withdrawals − closure payout
//!   = this list's balance
//! ```
//!
//! with the movements taken from the provider's own records of the period (status `success`,
//! signs by kind). A trade's `amount` is what hit the card (cardapp's designed trade shape), the
//! `fee` it carries included, so only `fee` records count as fees. A card absent from the
//! previous list starts at zero (opened in the period).
//!
//! | finding | when |
//! |---|---|
//! | `balance_mismatch` | the list's balance differs from the rolled-forward one |
//! | `closed_card_not_zero` | a closed card (status 5) whose balance is not zero, checked on every run |
//!
//! The first run of a store only records the list and says so; a run without a store checks
//! only the closed cards. Findings are their own table (`cards.csv`, the Cards sheet, the page),
//! not result rows, and count for the exit code.
//!
//! **Why the period's records and not the list's times.** A month-end run fetches the card list
//! after the period ends, and the list says nothing of when its balance was true. Rolling the
//! period's records forward from the previous period's list assumes each list is the balance at
//! its period's end: run the close promptly, and a difference that a late movement explains
//! shows the movement in its detail.

mod roll;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

pub use roll::check;

/// Status 5 in cardapp's card list: closed (`已销卡`).
pub const CLOSED: i64 = 5;

/// cardapp's card status in words (its `card_list.status`: 1 未激活, 2 已激活, 3 已冻结, 4 销卡中,
/// 5 已销卡, 6 已挂失, 7 已补卡), with the code, as the Cards sheet shows it.
pub fn status_words(status: i64) -> String {
    let words = match status {
        1 => "not activated",
        2 => "active",
        3 => "frozen",
        4 => "closing",
        CLOSED => "closed",
        6 => "reported lost",
        7 => "replaced",
        _ => "unknown status",
    };
    format!("{words} ({status})")
}

/// What a card finding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CardFinding {
    BalanceMismatch,
    ClosedNotZero,
}

impl CardFinding {
    pub const ALL: [CardFinding; 2] = [CardFinding::BalanceMismatch, CardFinding::ClosedNotZero];

    pub fn as_str(self) -> &'static str {
        match self {
            CardFinding::BalanceMismatch => "balance_mismatch",
            CardFinding::ClosedNotZero => "closed_card_not_zero",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CardFinding::BalanceMismatch => "Balance mismatch",
            CardFinding::ClosedNotZero => "Closed card not at zero",
        }
    }
}

/// A card's movements in the period, by kind (magnitudes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Movements {
    pub recharges: Decimal,
    pub refunds: Decimal,
    pub consumption: Decimal,
    pub fees: Decimal,
    pub withdrawals: Decimal,
    pub closures: Decimal,
}

impl Movements {
    /// What they change a balance by.
    pub fn net(&self) -> Decimal {
        self.recharges + self.refunds
            - self.consumption
            - self.fees
            - self.withdrawals
            - self.closures
    }
}

/// One card of this run's list: its roll-forward where there is a previous list, and its
/// finding.
#[derive(Debug, Clone, PartialEq)]
pub struct CardRow {
    pub provider: String,
    pub card_id: String,
    pub card_masked: Option<String>,
    pub status: Option<i64>,
    pub currency: String,
    /// The previous list's period and the card's balance in it (zero for a card it lacks).
    pub previous: Option<(String, Decimal)>,
    pub movements: Movements,
    pub expected: Option<Decimal>,
    pub balance: Option<Decimal>,
    pub difference: Option<Decimal>,
    pub finding: Option<CardFinding>,
    pub detail: String,
}

/// The counts of the card check, for `summary.json`.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct CardStats {
    /// Cards in this run's card lists (none: the inputs have no card list).
    pub cards: u64,
    /// The period of the previous list the balances were rolled forward from.
    pub previous_period: Option<String>,
    pub rolled_forward: u64,
    /// What was checked, in words (no card list; no store; the store's first list; rolled
    /// forward from a period).
    pub note: String,
    /// Findings by kind (every kind listed, zeros included).
    pub by_finding: BTreeMap<String, u64>,
    pub findings: u64,
}

/// The card check's result: a row per card of the list (in provider, card order) and counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cards {
    pub rows: Vec<CardRow>,
    pub stats: CardStats,
}

/// The previous card list, as far as there is one.
#[derive(Debug, Clone, Copy)]
pub enum Previous<'a> {
    /// No store: nothing to roll forward from.
    NoStore,
    /// A store without an earlier list: this run's is the first.
    First,
    /// The latest earlier period's list.
    List {
        period: &'a str,
        cards: &'a [crate::model::CardSnapshot],
    },
}
