//! The roll-forward itself: one pass over the provider records of the listed cards' providers,
//! adding each card's movements of the period by kind, then a row per listed card.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rust_decimal::Decimal;

use super::{CardFinding, CardRow, CardStats, Cards, Movements, Previous, CLOSED};
use crate::error::Result;
use crate::matching::{days, decs, strs};
use crate::model::CardSnapshot;
use crate::money;
use crate::period::{epoch_days, Period};

/// A card list's balances by (provider, card id).
type Balances<'c> = BTreeMap<(&'c str, &'c str), Option<Decimal>>;

/// Checks this run's card lists (`cards`) against the previous one and the period's records.
pub fn check(
    cards: &[CardSnapshot],
    previous: Previous<'_>,
    provider: &DataFrame,
    period: &Period,
) -> Result<Cards> {
    let mut stats = CardStats {
        cards: cards.len() as u64,
        by_finding: CardFinding::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), 0))
            .collect(),
        ..CardStats::default()
    };
    if cards.is_empty() {
        stats.note = "the inputs have no card list (read from files or fetched): no card balances were checked".into();
        return Ok(Cards {
            rows: Vec::new(),
            stats,
        });
    }
    let movements = movements(cards, provider, period)?;
    let earlier: Option<(&str, Balances<'_>)> = match previous {
        Previous::List { period, cards } => Some((
            period,
            cards
                .iter()
                .map(|c| ((c.provider.as_str(), c.card_id.as_str()), c.balance))
                .collect(),
        )),
        _ => None,
    };
    stats.note = match (&previous, &earlier) {
        (Previous::NoStore, _) => "no store, so no earlier card list: only closed cards were checked (a closed card must be at zero)".into(),
        (Previous::First, _) => "the store's first card list: recorded, nothing to roll forward from yet; closed cards checked".into(),
        (_, Some((p, _))) => format!("balances rolled forward from the card list of {p} with the period's records; closed cards checked"),
        _ => String::new(),
    };
    stats.previous_period = earlier.as_ref().map(|(p, _)| p.to_string());
    let mut rows: Vec<CardRow> = Vec::with_capacity(cards.len());
    for card in cards {
        let key = (card.provider.as_str(), card.card_id.as_str());
        let m = movements
            .get(key.0)
            .and_then(|by_card| by_card.get(key.1))
            .cloned()
            .unwrap_or_default();
        let previous = earlier.as_ref().map(|(p, list)| {
            (
                p.to_string(),
                list.get(&key).copied().flatten().unwrap_or(Decimal::ZERO),
            )
        });
        let new_card = earlier
            .as_ref()
            .is_some_and(|(_, list)| !list.contains_key(&key));
        let expected = previous.as_ref().map(|(_, b)| *b + m.net());
        let difference = match (card.balance, expected) {
            (Some(b), Some(e)) => Some(b - e),
            _ => None,
        };
        if expected.is_some() {
            stats.rolled_forward += 1;
        }
        let closed_not_zero =
            card.status == Some(CLOSED) && card.balance.is_some_and(|b| !b.is_zero());
        let cur = card.currency.as_str();
        let show = |d: Decimal| format!("{} {cur}", money::format(d));
        let (finding, detail) = if closed_not_zero {
            (
                Some(CardFinding::ClosedNotZero),
                format!(
                    "closed (status 5) with a balance of {}; a closed card must be at zero (its closure pays the balance out)",
                    show(card.balance.unwrap_or_default())
                ),
            )
        } else if let (Some(d), Some(e)) = (difference.filter(|d| !d.is_zero()), expected) {
            (
                Some(CardFinding::BalanceMismatch),
                format!(
                    "the list says {}, the previous list and the period's records give {} ({} {} {}): {} {}",
                    show(card.balance.unwrap_or_default()),
                    show(e),
                    show(previous.as_ref().map(|p| p.1).unwrap_or_default()),
                    if m.net().is_sign_negative() { "−" } else { "+" },
                    show(m.net().abs()),
                    if d.is_sign_negative() { "short by" } else { "over by" },
                    show(d.abs()),
                ),
            )
        } else if card.balance.is_none() {
            (
                None,
                match &card.problem {
                    Some(p) => format!("the list's balance could not be read ({p})"),
                    None => "the list gives no balance".into(),
                },
            )
        } else if expected.is_some() {
            (
                None,
                if new_card {
                    "new since the previous list: the period's records give its balance".into()
                } else {
                    "the balance follows from the previous list and the period's records".into()
                },
            )
        } else {
            (None, String::new())
        };
        if let Some(f) = finding {
            *stats.by_finding.entry(f.as_str().to_string()).or_default() += 1;
            stats.findings += 1;
        }
        rows.push(CardRow {
            provider: card.provider.clone(),
            card_id: card.card_id.clone(),
            card_masked: card.card_masked.clone(),
            status: card.status,
            currency: card.currency.clone(),
            previous,
            movements: m,
            expected,
            balance: card.balance,
            difference,
            finding,
            detail,
        });
    }
    rows.sort_by(|a, b| (&a.provider, &a.card_id).cmp(&(&b.provider, &b.card_id)));
    Ok(Cards { rows, stats })
}

/// Each listed card's movements of the period (successful records of its provider carrying its
/// id as `card_ref`), by kind.
fn movements<'c>(
    cards: &'c [CardSnapshot],
    provider: &DataFrame,
    period: &Period,
) -> Result<BTreeMap<&'c str, BTreeMap<&'c str, Movements>>> {
    let mut out: BTreeMap<&str, BTreeMap<&str, Movements>> = BTreeMap::new();
    for c in cards {
        out.entry(c.provider.as_str())
            .or_default()
            .insert(c.card_id.as_str(), Movements::default());
    }
    if provider.height() == 0 || provider.column("card_ref").is_err() {
        return Ok(out);
    }
    let p = strs(provider, "provider")?;
    let card = strs(provider, "card_ref")?;
    let kind = strs(provider, "kind")?;
    let status = strs(provider, "status")?;
    let amount = decs(provider, "amount")?;
    let day = days(provider, "accounting_day")?;
    let (first, last) = (epoch_days(period.first), epoch_days(period.last));
    for i in 0..provider.height() {
        let (Some(pv), Some(cr)) = (p.get(i), card.get(i)) else {
            continue;
        };
        if status.get(i) != Some("success")
            || !day.get(i).is_some_and(|d| (first..=last).contains(&d))
        {
            continue;
        }
        let Some(m) = out.get_mut(pv).and_then(|by_card| by_card.get_mut(cr)) else {
            continue;
        };
        let a = money::from_units(amount.get(i).unwrap_or(0));
        match kind.get(i) {
            Some("recharge") => m.recharges += a,
            Some("refund") => m.refunds += a,
            Some("consumption") => m.consumption += a,
            Some("fee") => m.fees += a,
            Some("withdrawal") => m.withdrawals += a,
            Some("card_closure") => m.closures += a,
            _ => {}
        }
    }
    Ok(out)
}
