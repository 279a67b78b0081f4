//! The links check over the canonical tables: one pass to find the period's refunds and fees and
//! the originals they name, one pass over the provider records for those originals, the ledger
//! and then earlier periods only for what is still missing.

use std::collections::{BTreeMap, BTreeSet};

use hashbrown::{HashMap, HashSet};
use polars::prelude::*;
use rust_decimal::Decimal;

use super::{AskEarlier, Earlier, Finding, FindingKind, FoundIn, LinkStats, Links, Original};
use crate::error::Result;
use crate::money;
use crate::period::{epoch_days, from_epoch_days, Period};

/// The provider columns the check reads (beyond the engine's own, for a summary-only read).
pub const LINK_KEYS: [&str; 3] = ["related_tx_id", "original_amount", "original_currency"];

/// A refund in the window that names an original (any day: a refund in the margin still
/// counts toward its original's sum).
struct Refund<'a> {
    tx_id: &'a str,
    units: i128,
    currency: &'a str,
    original_units: Option<i128>,
    original_currency: Option<&'a str>,
}

/// The provider table's columns the check reads.
pub(super) struct Cols<'a> {
    pub(super) provider: &'a StringChunked,
    pub(super) kind: &'a StringChunked,
    pub(super) tx_id: &'a StringChunked,
    pub(super) related: &'a StringChunked,
    pub(super) currency: &'a StringChunked,
    pub(super) original_currency: &'a StringChunked,
    pub(super) status: &'a StringChunked,
    pub(super) card: Option<&'a StringChunked>,
    pub(super) amount: &'a Int128Chunked,
    pub(super) original_amount: &'a Int128Chunked,
    pub(super) day: &'a Int32Chunked,
}

impl<'a> Cols<'a> {
    pub(super) fn of(df: &'a DataFrame) -> Result<Cols<'a>> {
        let s = |n: &str| -> Result<&'a StringChunked> { Ok(df.column(n)?.str()?) };
        let d = |n: &str| -> Result<&'a Int128Chunked> { Ok(df.column(n)?.decimal()?.physical()) };
        Ok(Cols {
            provider: s("provider")?,
            kind: s("kind")?,
            tx_id: s("tx_id")?,
            related: s("related_tx_id")?,
            currency: s("currency")?,
            original_currency: s("original_currency")?,
            status: s("status")?,
            card: df.column("card_masked").ok().and_then(|c| c.str().ok()),
            amount: d("amount")?,
            original_amount: d("original_amount")?,
            day: df.column("accounting_day")?.date()?.physical(),
        })
    }
}

pub(super) fn moved(status: Option<&str>) -> bool {
    matches!(status, Some("success" | "pending"))
}

/// Checks every in-period refund and fee of `provider` against the original it names.
pub fn check(
    provider: &DataFrame,
    ledger: &DataFrame,
    period: &Period,
    earlier: AskEarlier<'_>,
) -> Result<Links> {
    let c = Cols::of(provider)?;
    let (first, last) = (epoch_days(period.first), epoch_days(period.last));
    // Pass 1: the period's refunds and fees (rows), and the window's refunds by original.
    let mut checked: Vec<usize> = Vec::new();
    let mut refunds: HashMap<(&str, &str), Vec<Refund<'_>>> = HashMap::new();
    let n = provider.height();
    for i in 0..n {
        let kind = c.kind.get(i);
        let is_refund = kind == Some("refund");
        if !(is_refund || kind == Some("fee")) || !moved(c.status.get(i)) {
            continue;
        }
        let related = c.related.get(i).filter(|r| !r.is_empty());
        let provider_name = c.provider.get(i).unwrap_or("");
        if let (true, Some(r)) = (is_refund, related) {
            refunds.entry((provider_name, r)).or_default().push(Refund {
                tx_id: c.tx_id.get(i).unwrap_or(""),
                units: c.amount.get(i).unwrap_or(0),
                currency: c.currency.get(i).unwrap_or(""),
                original_units: c.original_amount.get(i),
                original_currency: c.original_currency.get(i),
            });
        }
        if c.day.get(i).is_some_and(|d| (first..=last).contains(&d)) {
            checked.push(i);
        }
    }
    // The originals the period's records name.
    let mut wanted: HashMap<(&str, &str), Option<Original>> = HashMap::new();
    for &i in &checked {
        if let Some(r) = c.related.get(i).filter(|r| !r.is_empty()) {
            wanted.insert((c.provider.get(i).unwrap_or(""), r), None);
        }
    }
    // Pass 2: the originals among the provider records (a refund or a fee is never one).
    if !wanted.is_empty() {
        let ids: HashSet<&str> = wanted.keys().map(|k| k.1).collect();
        for i in 0..n {
            let Some(tx) = c.tx_id.get(i) else { continue };
            if !ids.contains(tx) || matches!(c.kind.get(i), Some("refund" | "fee")) {
                continue;
            }
            let key = (c.provider.get(i).unwrap_or(""), tx);
            if let Some(slot @ None) = wanted.get_mut(&key) {
                *slot = Some(Original {
                    kind: c.kind.get(i).unwrap_or("").to_string(),
                    amount: money::from_units(c.amount.get(i).unwrap_or(0)),
                    currency: c.currency.get(i).unwrap_or("").to_string(),
                    found_in: FoundIn::Provider,
                    day: c.day.get(i).map(from_epoch_days),
                    card: c.card.and_then(|k| k.get(i)).map(str::to_string),
                });
            }
        }
    }
    let mut stats = LinkStats {
        originals_in_provider_records: wanted.values().filter(|o| o.is_some()).count() as u64,
        ..LinkStats::default()
    };
    // The ledger, for what the provider records do not have.
    find_in_ledger(ledger, &mut wanted)?;
    stats.originals_in_ledger = wanted
        .values()
        .filter(|o| {
            matches!(
                o,
                Some(Original {
                    found_in: FoundIn::Ledger(_),
                    ..
                })
            )
        })
        .count() as u64;
    // Earlier periods: the originals still missing, and earlier refunds of every original a
    // period refund names.
    let mut earlier_refunds: HashMap<(String, String), Vec<super::EarlierRecord>> = HashMap::new();
    if let Some(ask) = earlier {
        stats.earlier_periods_searched = true;
        let keys: BTreeSet<(String, String)> = wanted
            .iter()
            .filter(|(k, o)| o.is_none() || refunds.contains_key(*k))
            .map(|(k, _)| (k.0.to_string(), k.1.to_string()))
            .collect();
        if !keys.is_empty() {
            let keys: Vec<(String, String)> = keys.into_iter().collect();
            let Earlier {
                originals,
                refunds: old,
            } = ask(&keys)?;
            // The first (earliest) of each original.
            let mut found: HashMap<(String, String), super::EarlierRecord> = HashMap::new();
            for o in originals {
                found
                    .entry((o.provider.clone(), o.tx_id.clone()))
                    .or_insert(o);
            }
            for (k, slot) in wanted.iter_mut().filter(|(_, o)| o.is_none()) {
                if let Some(o) = found.remove(&(k.0.to_string(), k.1.to_string())) {
                    stats.originals_in_earlier_periods += 1;
                    *slot = Some(Original {
                        kind: o.kind,
                        amount: o.amount,
                        currency: o.currency,
                        found_in: FoundIn::Earlier(o.period),
                        day: None,
                        card: None,
                    });
                }
            }
            for r in old {
                if let Some(rel) = r.related_tx_id.clone() {
                    earlier_refunds
                        .entry((r.provider.clone(), rel))
                        .or_default()
                        .push(r);
                }
            }
        }
    }
    let mut findings = Vec::new();
    for &i in &checked {
        let is_refund = c.kind.get(i) == Some("refund");
        if is_refund {
            stats.refunds_checked += 1;
        } else {
            stats.fees_checked += 1;
        }
        let provider_name = c.provider.get(i).unwrap_or("");
        let related = c.related.get(i).filter(|r| !r.is_empty());
        let found = related
            .and_then(|r| wanted.get(&(provider_name, r)))
            .and_then(Option::as_ref);
        if found.is_some() {
            continue;
        }
        let what = if is_refund { "refund" } else { "fee" };
        let detail = match related {
            None => format!("the {what} names no original"),
            Some(r) if stats.earlier_periods_searched => format!(
                "the {what} names {r}, which is not among the window's provider records, in the ledger, nor in the store's earlier periods"
            ),
            Some(r) => format!(
                "the {what} names {r}, which is neither among the window's provider records nor in the ledger (no store: earlier periods not searched)"
            ),
        };
        findings.push(Finding {
            finding: if is_refund {
                FindingKind::OrphanRefund
            } else {
                FindingKind::OrphanFee
            },
            provider: provider_name.to_string(),
            kind: what.to_string(),
            tx_id: c.tx_id.get(i).unwrap_or("").to_string(),
            related_tx_id: related.map(str::to_string),
            amount: money::from_units(c.amount.get(i).unwrap_or(0)),
            currency: c.currency.get(i).unwrap_or("").to_string(),
            day: c.day.get(i).map(from_epoch_days),
            card: c.card.and_then(|k| k.get(i)).map(str::to_string),
            original: None,
            refunds: Vec::new(),
            refunded: None,
            detail,
        });
    }
    // Refunds above their original: every original a period refund names.
    let named: BTreeSet<(&str, &str)> = checked
        .iter()
        .filter(|&&i| c.kind.get(i) == Some("refund"))
        .filter_map(|&i| {
            let r = c.related.get(i).filter(|r| !r.is_empty())?;
            Some((c.provider.get(i).unwrap_or(""), r))
        })
        .collect();
    for key in named {
        let Some(Some(original)) = wanted.get(&key) else {
            continue;
        };
        let window = refunds.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let old = earlier_refunds
            .get(&(key.0.to_string(), key.1.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let Some(f) = exceeds(key, original, window, old, &mut stats) {
            findings.push(f);
        }
    }
    findings.sort_by(|a, b| {
        (a.finding, &a.provider, &a.tx_id).cmp(&(b.finding, &b.provider, &b.tx_id))
    });
    stats.by_finding = FindingKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), 0))
        .collect::<BTreeMap<_, _>>();
    for f in &findings {
        *stats
            .by_finding
            .entry(f.finding.as_str().to_string())
            .or_default() += 1;
    }
    stats.findings = findings.len() as u64;
    Ok(Links { findings, stats })
}

/// The ledger entries carrying a wanted original's tx id (of its provider, or of none).
fn find_in_ledger<'a>(
    ledger: &DataFrame,
    wanted: &mut HashMap<(&'a str, &'a str), Option<Original>>,
) -> Result<()> {
    let missing: HashMap<&'a str, Vec<&'a str>> =
        wanted
            .iter()
            .filter(|(_, o)| o.is_none())
            .fold(HashMap::new(), |mut m, (k, _)| {
                m.entry(k.1).or_insert_with(Vec::new).push(k.0);
                m
            });
    if missing.is_empty() || ledger.height() == 0 {
        return Ok(());
    }
    let tx = ledger.column("tx_id")?.str()?;
    let provider = ledger.column("provider")?.str()?;
    let entry = ledger.column("entry_id")?.str()?;
    let currency = ledger.column("currency")?.str()?;
    let kind = ledger.column("kind").ok().and_then(|k| k.str().ok());
    let amount = ledger.column("amount")?.decimal()?.physical();
    for i in 0..ledger.height() {
        let Some(t) = tx.get(i) else { continue };
        // The wanted id itself (borrowed from the provider table), for the key.
        let Some((&wanted_tx, providers)) = missing.get_key_value(t) else {
            continue;
        };
        for p in providers {
            if provider.get(i).is_some_and(|lp| lp != *p) {
                continue;
            }
            if let Some(slot @ None) = wanted.get_mut(&(*p, wanted_tx)) {
                *slot = Some(Original {
                    kind: kind.and_then(|k| k.get(i)).unwrap_or("").to_string(),
                    amount: money::from_units(amount.get(i).unwrap_or(0)).abs(),
                    currency: currency.get(i).unwrap_or("").to_string(),
                    found_in: FoundIn::Ledger(entry.get(i).unwrap_or("").to_string()),
                    day: None,
                    card: None,
                });
            }
        }
    }
    Ok(())
}

/// A `refund_exceeds_original` finding when the refunds naming `key` (the window's, and the
/// store's earlier ones not also in the window) add up to more than the original.
fn exceeds(
    key: (&str, &str),
    original: &Original,
    window: &[Refund<'_>],
    old: &[super::EarlierRecord],
    stats: &mut LinkStats,
) -> Option<Finding> {
    let cur = original.currency.as_str();
    let mut total = Decimal::ZERO;
    let mut ids: Vec<String> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let in_original = |units: i128, currency: &str, o_units: Option<i128>, o_cur: Option<&str>| {
        if currency == cur {
            Some(money::from_units(units))
        } else if o_cur == Some(cur) {
            o_units.map(money::from_units)
        } else {
            None
        }
    };
    for r in window {
        if !seen.insert(r.tx_id) {
            continue;
        }
        match in_original(r.units, r.currency, r.original_units, r.original_currency) {
            Some(a) => {
                total += a;
                ids.push(r.tx_id.to_string());
            }
            None => left_out.push(format!("{} ({})", r.tx_id, r.currency)),
        }
    }
    for r in old {
        if !seen.insert(r.tx_id.as_str()) {
            continue;
        }
        if r.currency == cur {
            total += r.amount;
            ids.push(format!("{} ({})", r.tx_id, r.period));
        } else {
            left_out.push(format!("{} ({}, {})", r.tx_id, r.currency, r.period));
        }
    }
    stats.refunds_not_comparable += left_out.len() as u64;
    if total <= original.amount {
        return None;
    }
    let mut detail = format!(
        "{} refund{} ({}) total {} {cur} against the original's {} {cur}: {} above",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        ids.join(", "),
        money::format(total),
        money::format(original.amount),
        money::format(total - original.amount),
    );
    if !left_out.is_empty() {
        detail.push_str(&format!(
            "; not added, in another currency: {}",
            left_out.join(", ")
        ));
    }
    Some(Finding {
        finding: FindingKind::RefundExceedsOriginal,
        provider: key.0.to_string(),
        kind: if original.kind.is_empty() {
            "consumption".into()
        } else {
            original.kind.clone()
        },
        tx_id: key.1.to_string(),
        related_tx_id: None,
        amount: original.amount,
        currency: original.currency.clone(),
        day: original.day,
        card: original.card.clone(),
        original: Some(original.clone()),
        refunds: ids,
        refunded: Some(total),
        detail,
    })
}
