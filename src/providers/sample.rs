//! What the synthetic-month generator (`crate::generate`) needs of a provider: its habits
//! (which kinds it sends, how its ids look, which amounts it always sends in the account
//! currency, the precision of its times) and how one record is written in its wire shape, through
//! its own wire structs and the inverse of its adapter's tables. Each provider's spec carries
//! one [`Sample`], so the generator iterates the specs like everything else and a fifth provider
//! brings its own.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::model::{Kind, Status};

/// A provider's habits, as the generator imitates them.
pub struct Sample {
    /// The kinds a synthetic record is drawn from (a kind listed twice is drawn twice as often).
    pub kinds: &'static [Kind],
    /// Kinds the provider always sends in the account currency (USD); other amounts are drawn.
    pub account_currency_only: fn(Kind) -> bool,
    /// One amount in this many uses all eight decimal places (txv3's documents show them).
    pub eight_places_one_in: Option<u32>,
    /// Whether times carry milliseconds (else whole seconds).
    pub millis: bool,
    /// Whether its records carry the company's order id.
    pub order_ids: bool,
    /// The provider's id for the generator's `n`-th record of a kind.
    pub tx_id: fn(u64, Kind) -> String,
    /// The company's order id on the record with this id, where the provider carries one.
    pub order_id: fn(u64, Kind, &str) -> Option<String>,
    /// The zone its wall-clock times are written in.
    pub wire_zone: Tz,
    /// The files its records go to (`<provider>/<stem>.jsonl`, the stems its fetch writes too), and which one
    /// a record goes to.
    pub files: &'static [&'static str],
    pub file_of: fn(&SampleRecord) -> usize,
    /// One record as the provider sends it: one JSON line.
    pub wire: fn(&SampleRecord, Tz) -> serde_json::Result<String>,
    /// Its card list, for a provider that sends one: lines that are no money movements, written
    /// once per month after the records (the generator's card roll-forward, `generate/cards.rs`).
    pub card_list: Option<CardList>,
    /// Whether its records carry the card's number (masked by the adapter): a ledger booked
    /// from card statements can then name the card by its last four digits
    /// (`generate --ledger-style statement`).
    pub card_numbers: bool,
}

/// How a provider's card list is written: its file stem, and one line per synthetic card `i`
/// with the given balance and status code (the provider's own codes, as `crate::cards` reads
/// them: 2 active, 5 closed).
#[derive(Clone, Copy)]
pub struct CardList {
    pub stem: &'static str,
    pub write: WriteCards,
}

/// Writes a card list: one line per `(balance, status)`.
pub type WriteCards = fn(&[(Decimal, i64)]) -> serde_json::Result<Vec<String>>;

/// One synthetic money movement, before it is written in its provider's wire shape.
#[derive(Debug, Clone)]
pub struct SampleRecord {
    pub kind: Kind,
    pub tx_id: String,
    pub order_id: Option<String>,
    pub amount: Decimal,
    pub currency: String,
    pub fee: Option<Decimal>,
    pub status: Status,
    pub at: DateTime<Utc>,
    /// One of twenty synthetic cards.
    pub card: usize,
    /// A refund's or fee's original (its tx id), sent in the provider's link field.
    pub related: Option<String>,
    pub merchant: &'static str,
}

impl SampleRecord {
    /// The card's full number (the adapters and the archive mask it).
    pub fn pan(&self) -> String {
        pan(self.card)
    }
}

/// The full number of synthetic card `card` (a Visa test range).
pub fn pan(card: usize) -> String {
    format!("448533{:06}{:04}", 391682 + card * 7, 6937 + card)
}

/// An optional text field of a wire struct, present.
pub fn text(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// An optional id field of a wire struct, present.
pub fn id(s: String) -> Option<super::WireText> {
    Some(super::WireText(s))
}

/// An amount with exactly eight places (`12.50000000`), as txv3 sends every amount.
pub fn eight_places(d: Decimal) -> String {
    let mut d = d;
    d.rescale(8);
    d.to_string()
}
