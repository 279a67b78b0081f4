//! The generator's side of the card roll-forward (`crate::cards`): cardapp's card list is
//! written last, each card's balance its opening balance plus the month's successful movements
//! on it (by kind, as the roll-forward signs them), and one card seeded closed (status 5) with a
//! balance left, labelled in `card_labels.csv`.
//!
//! A single month has no previous list, so its balances are not rolled forward (that needs a
//! store and two runs); they are written consistent with the records all the same, so a second
//! month generated after it is the only thing missing for a `balance_mismatch`-free roll-forward.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{Kind, Status};
use crate::providers::sample::SampleRecord;

/// The provider whose card list is generated.
const PROVIDER: &str = "cardapp";
/// Cards in the list (the generator's twenty synthetic cards).
const CARDS: usize = 20;
/// Each card's balance before the month.
fn opening() -> Decimal {
    Decimal::new(2005, 1)
}
/// The card seeded closed with a balance left.
const CLOSED_CARD: usize = CARDS - 1;

/// The month's net movement per cardapp card.
#[derive(Debug, Default)]
pub(super) struct CardBalances {
    net: BTreeMap<usize, Decimal>,
}

impl CardBalances {
    /// After a record was written: a successful cardapp movement of the period moves its card.
    pub(super) fn wrote(
        &mut self,
        provider: &str,
        r: &SampleRecord,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) {
        if provider != PROVIDER
            || r.status != Status::Success
            || r.at < period.0
            || r.at >= period.1
        {
            return;
        }
        let signed = match r.kind {
            Kind::Recharge | Kind::Refund => r.amount,
            Kind::Consumption | Kind::Fee | Kind::Withdrawal | Kind::CardClosure => -r.amount,
            _ => Decimal::ZERO,
        };
        *self.net.entry(r.card).or_default() += signed;
    }

    /// Writes `providers/cardapp/cards.jsonl` and `card_labels.csv`; returns the seeded
    /// findings by kind.
    pub(super) fn write(&self, out: &Path) -> Result<BTreeMap<String, u64>> {
        let cards: Vec<(Decimal, i64)> = (0..CARDS)
            .map(|c| {
                let balance = opening() + self.net.get(&c).copied().unwrap_or_default();
                if c == CLOSED_CARD {
                    // Closed, with a balance the closure did not pay out.
                    let left = if balance.is_zero() {
                        Decimal::ONE
                    } else {
                        balance
                    };
                    (left, crate::cards::CLOSED)
                } else {
                    (balance, 2)
                }
            })
            .collect();
        let path = out.join("providers").join(PROVIDER).join("cards.jsonl");
        let lines =
            crate::providers::cardapp::sample_cards_with(&cards).map_err(|e| Error::Output {
                path: path.clone(),
                message: e.to_string(),
            })?;
        std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| Error::io(&path, e))?;
        let labels = out.join("card_labels.csv");
        let text = format!(
            "finding,provider,card_id\nclosed_card_not_zero,{PROVIDER},card{CLOSED_CARD:04}\n"
        );
        std::fs::write(&labels, text).map_err(|e| Error::io(&labels, e))?;
        Ok(BTreeMap::from([("closed_card_not_zero".to_string(), 1)]))
    }
}
