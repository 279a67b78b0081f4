//! The generator's side of the card roll-forward (`crate::cards`): the card list of the provider
//! that sends one (the first spec whose sample has a [`CardList`]) is
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
use crate::providers::sample::{CardList, SampleRecord};
use crate::providers::Spec;

/// The provider whose card list is generated: the first that sends one.
fn card_provider() -> Option<&'static Spec> {
    crate::providers::SPECS
        .iter()
        .copied()
        .find(|s| s.sample.card_list.is_some())
}
/// Cards in the list (the generator's twenty synthetic cards).
const CARDS: usize = 20;
/// Each card's balance before the month, at least (more when its month spends more).
fn opening() -> Decimal {
    Decimal::new(2005, 1)
}
/// The card seeded closed with a balance left.
const CLOSED_CARD: usize = CARDS - 1;

/// The month's net movement per card of the card-list provider.
#[derive(Debug, Default)]
pub(super) struct CardBalances {
    net: BTreeMap<usize, Decimal>,
}

impl CardBalances {
    /// After a record was written: a successful movement of the card-list provider in the
    /// period moves its card.
    pub(super) fn wrote(
        &mut self,
        provider: &str,
        r: &SampleRecord,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) {
        if card_provider().is_none_or(|p| p.name != provider)
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

    /// Writes the card list (`providers/<provider>/<stem>.jsonl`) and `card_labels.csv`, the
    /// balances starting from `previous` (the previous month's list) when given, with one card
    /// then seeded off by 1.00; returns the seeded findings by kind. Without a provider that
    /// sends a card list, `card_labels.csv` has its header only.
    pub(super) fn write(
        &self,
        out: &Path,
        previous: Option<&Path>,
    ) -> Result<BTreeMap<String, u64>> {
        let labels_path = out.join("card_labels.csv");
        let Some((spec, list)) = card_provider().and_then(|s| Some((s, s.sample.card_list?)))
        else {
            std::fs::write(&labels_path, LABELS_HEADER).map_err(|e| Error::io(&labels_path, e))?;
            return Ok(BTreeMap::new());
        };
        let CardList { stem, write } = list;
        let opening_of = match previous {
            Some(p) => read_previous(spec, p)?,
            None => BTreeMap::new(),
        };
        let mut labels: Vec<(&str, usize)> = Vec::new();
        let cards: Vec<(Decimal, i64)> = (0..CARDS)
            .map(|c| {
                let net = self.net.get(&c).copied().unwrap_or_default();
                // Without a previous list a card opens with enough for its month, so no
                // balance is listed below zero.
                let start = opening_of
                    .get(&c)
                    .copied()
                    .unwrap_or_else(|| opening() + (-net).max(Decimal::ZERO));
                let mut balance = start + net;
                if previous.is_some() && c == MISMATCH_CARD {
                    balance -= Decimal::ONE;
                    labels.push(("balance_mismatch", c));
                }
                if c == CLOSED_CARD {
                    // Closed, with a balance the closure did not pay out.
                    let left = if balance.is_zero() {
                        Decimal::ONE
                    } else {
                        balance
                    };
                    labels.push(("closed_card_not_zero", c));
                    (left, crate::cards::CLOSED)
                } else {
                    (balance, 2)
                }
            })
            .collect();
        let path = out
            .join("providers")
            .join(spec.name)
            .join(format!("{stem}.jsonl"));
        let lines = write(&cards).map_err(|e| Error::Output {
            path: path.clone(),
            message: e.to_string(),
            cause: Some(Box::new(e)),
        })?;
        std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| Error::io(&path, e))?;
        labels.sort();
        let path = labels_path;
        let mut text = String::from(LABELS_HEADER);
        let mut counts = BTreeMap::new();
        for (finding, c) in labels {
            text.push_str(&format!("{finding},{},card{c:04}\n", spec.name));
            *counts.entry(finding.to_string()).or_default() += 1;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        Ok(counts)
    }
}

/// The card seeded off by 1.00 when there is a previous list.
const MISMATCH_CARD: usize = 7;

const LABELS_HEADER: &str = "finding,provider,card_id\n";

/// The balances of a previous `generate`'s card list of `spec`, by card number.
fn read_previous(spec: &Spec, path: &Path) -> Result<BTreeMap<usize, Decimal>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let options = crate::providers::AdapterOptions::default();
    let mut out = BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |field: String, message: String| Error::ProviderRecord {
            file: path.to_path_buf(),
            line: i + 1,
            field,
            message,
        };
        let snapshot = spec.cards.ok_or_else(|| {
            bad(
                "(record)".into(),
                format!("{} sends no card list", spec.name),
            )
        })?;
        let card = snapshot(spec.name, line, &options)
            .map_err(|e| bad(e.field, e.message))?
            .ok_or_else(|| bad("card_id".into(), "not a card-list entry".into()))?;
        let n = card
            .card_id
            .strip_prefix("card")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                bad(
                    "card_id".into(),
                    format!("`{}` is not a generated card", card.card_id),
                )
            })?;
        out.insert(n, card.balance.unwrap_or_default());
    }
    Ok(out)
}
