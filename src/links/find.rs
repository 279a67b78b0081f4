//! The links check over the canonical tables, in passes over row positions:
//!
//! 1. the kind column, for the refunds and fees (the only rows read further), each naming an
//!    original: one *slot* per distinct `(provider, related_tx_id)`, found through a hash table
//!    of slot numbers (hashbrown's `HashTable`, as the engine keys its sides);
//! 2. the tx ids of every other record, looked up in that table: the originals;
//! 3. the ledger, then with a store earlier periods, only for the slots still empty;
//! 4. the findings: the period's refunds and fees whose slot is empty, and the slots whose
//!    refunds add up past the original (summed in `i128` units, strings made only for a
//!    finding).
//!
//! **Why slots and row numbers rather than maps of strings.** At 10⁷ records a month has
//! millions of refunds and fees; a first version keyed maps and sets by `(&str, &str)` and
//! built every original's strings, and took 6 s there. Rows are read in place from the Arrow
//! columns and only findings allocate.

use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use super::findings::Context;
use super::slots::{moved, Cols, Found, Named, Slots};
use super::{Ask, AskEarlier, Earlier, Finding, FindingKind, LinkStats, Links};
use crate::error::Result;
use crate::period::{epoch_days, Period};

/// The provider columns the check reads (beyond the engine's own, for a summary-only read).
pub const LINK_KEYS: [&str; 3] = ["related_tx_id", "original_amount", "original_currency"];

/// Checks every in-period refund and fee of `provider` against the original it names. With
/// `findings` false only the counts are made (`summary.json` alone): a month whose provider
/// sends no links at all has a finding for every refund, and their rows would be most of the
/// check's time.
pub fn check(
    provider: &DataFrame,
    ledger: &DataFrame,
    period: &Period,
    earlier: AskEarlier<'_>,
    findings: bool,
) -> Result<Links> {
    let c = Cols::of(provider)?;
    let (first, last) = (epoch_days(period.first), epoch_days(period.last));
    let (mut slots, named) = refunds_and_fees(&c, first, last);
    find_originals(&c, &mut slots);
    let mut stats = LinkStats {
        checked: true,
        ..LinkStats::default()
    };
    // The counts are of the originals the period's records name (a margin refund's original
    // only takes part in a sum).
    let mut of_period = vec![false; slots.slots.len()];
    for s in named.iter().filter(|n| n.in_period).filter_map(|n| n.slot) {
        of_period[s as usize] = true;
    }
    let count = |slots: &Slots<'_>, f: fn(Found) -> bool| {
        slots
            .slots
            .iter()
            .zip(&of_period)
            .filter(|(s, &p)| p && f(s.found))
            .count() as u64
    };
    stats.originals_in_provider_records = count(&slots, |f| matches!(f, Found::Row(_)));
    // The ledger, for what the provider records do not have.
    find_in_ledger(ledger, &mut slots)?;
    stats.originals_in_ledger = count(&slots, |f| matches!(f, Found::Ledger(_)));
    let (old, old_refunds) = match earlier {
        Some(ask) => {
            stats.earlier_periods_searched = true;
            find_earlier(&c, &mut slots, first, ask)?
        }
        None => (Earlier::default(), Vec::new()),
    };
    stats.originals_in_earlier_periods = count(&slots, |f| matches!(f, Found::Earlier(_)));
    tracing::debug!("links: ledger and earlier");
    let ctx = Context {
        c: &c,
        ledger,
        slots: &slots,
        old: &old,
        searched: stats.earlier_periods_searched,
    };
    let mut counts: BTreeMap<FindingKind, u64> = BTreeMap::new();
    let mut out: Vec<Finding> = Vec::new();
    orphans(
        &ctx,
        &named,
        &mut stats,
        &mut counts,
        findings.then_some(&mut out),
    );
    tracing::debug!("links: orphans, refunds by slot");
    refunds_above_their_original(
        &ctx,
        &named,
        &old_refunds,
        &mut stats,
        &mut counts,
        findings.then_some(&mut out),
    )?;
    out.sort_by(|a, b| (a.finding, &a.provider, &a.tx_id).cmp(&(b.finding, &b.provider, &b.tx_id)));
    stats.by_finding = FindingKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), counts.get(k).copied().unwrap_or(0)))
        .collect();
    stats.findings = counts.values().sum();
    Ok(Links {
        findings: out,
        stats,
    })
}

/// Pass 1: the refunds and fees that moved money, and a slot per original they name.
fn refunds_and_fees<'a>(c: &Cols<'a>, first: i32, last: i32) -> (Slots<'a>, Vec<Named>) {
    // Refunds and fees are a minority of a month's records: room for a quarter of them.
    let mut slots = Slots::with_capacity(c.rows / 4);
    let mut named: Vec<Named> = Vec::new();
    for i in 0..c.rows {
        let kind = c.kind.get(i);
        let refund = kind == Some("refund");
        if !(refund || kind == Some("fee")) || !moved(c.status.get(i)) {
            continue;
        }
        let row = i as u32;
        let slot = c
            .related
            .get(i)
            .filter(|r| !r.is_empty())
            .map(|r| slots.insert(c.text(&c.provider, row), r));
        let in_period = c.day.get(i).is_some_and(|d| (first..=last).contains(&d));
        named.push(Named {
            row,
            slot,
            refund,
            in_period,
        });
    }
    tracing::debug!(
        named = named.len(),
        slots = slots.slots.len(),
        "links: pass 1"
    );
    (slots, named)
}

/// Pass 2: the originals among the other provider records (the first of each).
fn find_originals(c: &Cols<'_>, slots: &mut Slots<'_>) {
    if slots.slots.is_empty() {
        return;
    }
    // Most records are nobody's original: a bit per tx id hash rules them out before the
    // table is probed (its slots and their strings are the expensive reads).
    let bits = slots.slots.len().next_power_of_two().max(1 << 16) * 8;
    let mut seen = vec![0u64; bits / 64];
    let bit = |tx: &str| (xxhash_rust::xxh3::xxh3_64(tx.as_bytes()) as usize) & (bits - 1);
    for s in &slots.slots {
        let b = bit(s.tx_id);
        seen[b / 64] |= 1 << (b % 64);
    }
    for i in 0..c.rows {
        let Some(tx) = c.tx_id.get(i) else { continue };
        let b = bit(tx);
        if seen[b / 64] & (1 << (b % 64)) == 0 || matches!(c.kind.get(i), Some("refund" | "fee")) {
            continue;
        }
        let row = i as u32;
        if let Some(s) = slots.find(c.text(&c.provider, row), tx) {
            let slot = &mut slots.slots[s as usize];
            if slot.found == Found::Nowhere {
                slot.found = Found::Row(row);
            }
        }
    }
    tracing::debug!("links: pass 2");
}

/// Pass 3, with a store: originals still missing, and earlier refunds of originals from before
/// the period (in the margin, the ledger or not found), asked of the store in one question. An
/// original of this period has no refund in an earlier one. Returns the store's answer and,
/// per slot, its earlier refunds.
fn find_earlier(
    c: &Cols<'_>,
    slots: &mut Slots<'_>,
    first: i32,
    ask: Ask<'_>,
) -> Result<(Earlier, Vec<Vec<usize>>)> {
    let before = |f: Found| match f {
        Found::Row(r) => c.day.get(r as usize).is_none_or(|d| d < first),
        _ => true,
    };
    let keys: Vec<(String, String)> = slots
        .slots
        .iter()
        .filter(|s| before(s.found))
        .map(|s| (s.provider.to_string(), s.tx_id.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if keys.is_empty() {
        return Ok((Earlier::default(), Vec::new()));
    }
    let old = ask(&keys)?;
    for (k, o) in old.originals.iter().enumerate() {
        if let Some(s) = slots.find(&o.provider, &o.tx_id) {
            let slot = &mut slots.slots[s as usize];
            if slot.found == Found::Nowhere {
                slot.found = Found::Earlier(k);
            }
        }
    }
    let mut old_refunds = vec![Vec::new(); slots.slots.len()];
    for (k, r) in old.refunds.iter().enumerate() {
        let Some(rel) = r.related_tx_id.as_deref() else {
            continue;
        };
        if let Some(s) = slots.find(&r.provider, rel) {
            old_refunds[s as usize].push(k);
        }
    }
    Ok((old, old_refunds))
}

/// Pass 4a, orphans: the period's refunds and fees whose original is nowhere.
///
/// A provider duplicate (two records under one id) is one refund or fee, already a
/// `duplicate_at_provider` row: it is an orphan only when none of its records is linked, and
/// then once. (A provider's detail may describe one record of an id, so a fetched repeat has
/// no link of its own.)
fn orphans(
    ctx: &Context<'_, '_>,
    named: &[Named],
    stats: &mut LinkStats,
    counts: &mut BTreeMap<FindingKind, u64>,
    mut out: Option<&mut Vec<Finding>>,
) {
    let (c, slots) = (ctx.c, ctx.slots);
    let linked = |n: &Named| {
        n.slot
            .is_some_and(|s| slots.slots[s as usize].found != Found::Nowhere)
    };
    let mut orphans: Vec<&Named> = Vec::new();
    for n in named.iter().filter(|n| n.in_period) {
        if n.refund {
            stats.refunds_checked += 1;
        } else {
            stats.fees_checked += 1;
        }
        if !linked(n) {
            orphans.push(n);
        }
    }
    if orphans.is_empty() {
        return;
    }
    let key = |n: &Named| (c.text(&c.provider, n.row), c.text(&c.tx_id, n.row));
    let mut of_orphans: hashbrown::HashMap<(&str, &str), bool> =
        orphans.iter().map(|n| (key(n), false)).collect();
    for n in named.iter().filter(|n| linked(n)) {
        if let Some(seen_linked) = of_orphans.get_mut(&key(n)) {
            *seen_linked = true;
        }
    }
    let mut reported: hashbrown::HashSet<(&str, &str)> = hashbrown::HashSet::new();
    for n in orphans {
        let k = key(n);
        if of_orphans.get(&k).copied().unwrap_or(false) || !reported.insert(k) {
            continue;
        }
        let finding = if n.refund {
            FindingKind::OrphanRefund
        } else {
            FindingKind::OrphanFee
        };
        *counts.entry(finding).or_default() += 1;
        if let Some(out) = out.as_deref_mut() {
            out.push(ctx.orphan(n, finding));
        }
    }
}

/// Pass 4b, refunds above their original: the window's refunds by slot, for every slot a
/// period refund names, summed with the earlier periods' refunds of it.
fn refunds_above_their_original(
    ctx: &Context<'_, '_>,
    named: &[Named],
    old_refunds: &[Vec<usize>],
    stats: &mut LinkStats,
    counts: &mut BTreeMap<FindingKind, u64>,
    mut out: Option<&mut Vec<Finding>>,
) -> Result<()> {
    let mut by_slot: Vec<(u32, u32, bool)> = named
        .iter()
        .filter(|n| n.refund)
        .filter_map(|n| n.slot.map(|s| (s, n.row, n.in_period)))
        .collect();
    by_slot.sort_unstable();
    for group in by_slot.chunk_by(|a, b| a.0 == b.0) {
        let s = group[0].0 as usize;
        if !group.iter().any(|g| g.2) || ctx.slots.slots[s].found == Found::Nowhere {
            continue;
        }
        let earlier_rows = old_refunds.get(s).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(sum) = ctx.refunded(s, group, earlier_rows, stats)? {
            *counts
                .entry(FindingKind::RefundExceedsOriginal)
                .or_default() += 1;
            if let Some(out) = out.as_deref_mut() {
                out.push(ctx.exceeds(s, group, earlier_rows, sum)?);
            }
        }
    }
    Ok(())
}

/// The ledger entries carrying a missing original's tx id (of its provider, or of none).
fn find_in_ledger(ledger: &DataFrame, slots: &mut Slots<'_>) -> Result<()> {
    let missing: hashbrown::HashSet<&str> = slots
        .slots
        .iter()
        .filter(|s| s.found == Found::Nowhere)
        .map(|s| s.tx_id)
        .collect();
    if missing.is_empty() || ledger.height() == 0 {
        return Ok(());
    }
    // An entry with no provider may be any provider's original.
    let providers: BTreeSet<&str> = slots.slots.iter().map(|s| s.provider).collect();
    let tx = ledger.column("tx_id")?.str()?;
    let provider = ledger.column("provider")?.str()?;
    for (i, t) in tx.iter().enumerate() {
        let Some(t) = t.filter(|t| missing.contains(t)) else {
            continue;
        };
        let candidates: Vec<u32> = match provider.get(i) {
            Some(p) => slots.find(p, t).into_iter().collect(),
            None => providers.iter().filter_map(|p| slots.find(p, t)).collect(),
        };
        for s in candidates {
            let slot = &mut slots.slots[s as usize];
            if slot.found == Found::Nowhere {
                slot.found = Found::Ledger(i as u32);
            }
        }
    }
    Ok(())
}
