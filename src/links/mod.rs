//! Links between a provider's own records (design stage 7): every refund and fee of the period
//! against the original it names.
//!
//! Matching proves the provider and the ledger agree item by item; it cannot see that a refund
//! names a consumption nobody has, or that three partial refunds add up to more than was paid.
//! An auditor asks both, so each refund and fee whose accounting day is in the period, with
//! status `success` or `pending` (money that moved or will), is checked:
//!
//! | finding | when |
//! |---|---|
//! | `orphan_refund`, `orphan_fee` | the original it names (`related_tx_id`) is in none of: the provider records of the window, the ledger (an entry with that tx id, of that provider or of none), and with a store, an earlier period's records; or it names none |
//! | `refund_exceeds_original` | the refunds naming one original (the window's and, with a store, earlier periods') add up to more than the original's amount, in the original's currency |
//!
//! **Where the link comes from**: keysecure's `consume_relate_no`, txv3's refund and fee ids
//! (`consume_tx_id`), cardapp's `relate_trade_id`, usertrans's `relate_trans_id` (the designed
//! shapes); the adapters put it in `related_tx_id`.
//!
//! **Why refunds in another currency are left out of the sum**: a refund settled in another
//! currency than the original counts in the original's currency only through its
//! `original_amount` when that is in the original's currency; otherwise it cannot be compared
//! without an exchange rate, which cardrecon does not guess. Such refunds are counted
//! (`refunds_not_comparable`) and named in the finding's detail, never silently added.
//!
//! Findings are their own table (`links.csv`, the Links sheet, the page's section, counts in
//! `summary.json`), not result rows: a refund is matched against its ledger entry like any
//! record, and its link is a second, independent question. They count as discrepancies for the
//! exit code.
//!
//! This module knows nothing of the store: what earlier periods hold arrives through
//! [`Earlier`], asked for only for the originals the window and the ledger did not have.

mod find;
mod findings;
mod keep;
mod slots;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

pub use find::{check, LINK_KEYS};
pub use keep::records_to_keep;

/// What a link finding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    OrphanRefund,
    OrphanFee,
    RefundExceedsOriginal,
}

impl FindingKind {
    pub const ALL: [FindingKind; 3] = [
        FindingKind::OrphanRefund,
        FindingKind::OrphanFee,
        FindingKind::RefundExceedsOriginal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::OrphanRefund => "orphan_refund",
            FindingKind::OrphanFee => "orphan_fee",
            FindingKind::RefundExceedsOriginal => "refund_exceeds_original",
        }
    }

    pub fn parse(text: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Where an original was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundIn {
    /// Among the provider records of this run's window.
    Provider,
    /// Only in the ledger, as this entry.
    Ledger(String),
    /// In an earlier period's records, kept by the store.
    Earlier(String),
}

impl FoundIn {
    pub fn describe(&self) -> String {
        match self {
            FoundIn::Provider => "provider records".to_string(),
            FoundIn::Ledger(entry) => format!("ledger entry {entry}"),
            FoundIn::Earlier(period) => format!("store, period {period}"),
        }
    }
}

/// The original a refund or fee names, as found.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    pub kind: String,
    pub amount: Decimal,
    pub currency: String,
    pub found_in: FoundIn,
    /// Its accounting day and masked card, when it is among the provider records.
    pub day: Option<NaiveDate>,
    pub card: Option<String>,
}

/// One finding, with the records involved.
///
/// For an orphan, the record is the refund or fee and `related_tx_id` the original it names.
/// For `refund_exceeds_original`, the record is the original and `refunds` the refunds that
/// name it (with the period of those kept by the store).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub finding: FindingKind,
    pub provider: String,
    pub kind: String,
    pub tx_id: String,
    pub related_tx_id: Option<String>,
    pub amount: Decimal,
    pub currency: String,
    pub day: Option<NaiveDate>,
    pub card: Option<String>,
    pub original: Option<Original>,
    pub refunds: Vec<String>,
    /// The refunds' sum in the original's currency (`refund_exceeds_original`).
    pub refunded: Option<Decimal>,
    pub detail: String,
}

/// The counts of the links check, for `summary.json`.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct LinkStats {
    /// Whether the check ran (`[matching] links`, on by default).
    pub checked: bool,
    /// In-period refunds and fees checked (success or pending).
    pub refunds_checked: u64,
    pub fees_checked: u64,
    /// Where their originals were found.
    pub originals_in_provider_records: u64,
    pub originals_in_ledger: u64,
    pub originals_in_earlier_periods: u64,
    /// Refunds in another currency than their original, left out of its sum.
    pub refunds_not_comparable: u64,
    /// Whether earlier periods were searched (a run with a store).
    pub earlier_periods_searched: bool,
    /// Findings by kind (every kind listed, zeros included).
    pub by_finding: BTreeMap<String, u64>,
    pub findings: u64,
}

/// The links check's result: findings in a fixed order (finding, provider, tx id) and counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    pub findings: Vec<Finding>,
    pub stats: LinkStats,
}

/// A record of an earlier period that the store keeps for this check: an original, or a refund
/// naming one.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierRecord {
    pub period: String,
    pub provider: String,
    pub kind: String,
    pub tx_id: String,
    pub related_tx_id: Option<String>,
    pub amount: Decimal,
    pub currency: String,
}

/// What earlier periods hold for the originals asked for: the originals themselves and the
/// refunds that name them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Earlier {
    pub originals: Vec<EarlierRecord>,
    pub refunds: Vec<EarlierRecord>,
}

/// Asks earlier periods (the store) for these `(provider, tx_id)` originals.
pub type Ask<'a> = &'a dyn Fn(&[(String, String)]) -> crate::error::Result<Earlier>;

/// [`Ask`], or `None` without a store.
pub type AskEarlier<'a> = Option<Ask<'a>>;
