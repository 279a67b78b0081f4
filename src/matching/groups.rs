//! Stage 6, groups: several records on one side that sum to one on the other.
//!
//! A card payment the provider captured in two parts that the ledger books once, or a payment
//! the ledger books in two parts. Pairing first would match one part with the whole as an
//! `amount_mismatch` and leave the rest `missing_in_ledger` (or make the second booking a
//! `duplicate_in_ledger`), so a group is decided **before** the pairwise match on its key:
//!
//! - on the tx id (the pass pairs the record with the group's primary; a group that sums
//!   replaces that pair before anything is classified): one provider record and the several
//!   ledger entries carrying its tx
//!   id (the ledger's duplicate group on that tx id);
//! - before the order id pass, among what the tx id pass left: several provider records sharing
//!   an order id against the only ledger entry carrying it, or one provider record (the only one
//!   with that order id) against the several ledger entries carrying it.
//!
//! Provider records group by order id only: a repeated provider tx id is a duplicate, never a
//! group. A group needs every member in the one record's currency and the several amounts'
//! sum within the tolerance of the one (the provider side's amount for a relative tolerance).
//! Anything else is left to today's rules, unchanged: a double booking of the same amount sums
//! to twice the record and stays a `duplicate_in_ledger`.

use hashbrown::HashTable;

use super::matches::{Group, Matches, On};
use super::pair::{compatible, Chains, Key};
use super::side::{Cols, Side};
use crate::tolerance::Units;

/// The sum of `rows`' amounts (magnitudes for the ledger), if all are in `currency`.
fn sum_in(c: &Cols<'_>, rows: &[u32], currency: &str, magnitude: bool) -> Option<i128> {
    let mut sum: i128 = 0;
    for &r in rows {
        let i = r as usize;
        if c.currency.get(i) != Some(currency) {
            return None;
        }
        let a = c.amount.get(i)?;
        sum = sum.checked_add(if magnitude { a.abs() } else { a })?;
    }
    Some(sum)
}

/// Records a group when the several sum to the one within tolerance.
fn try_group(
    p: &Cols<'_>,
    l: &Cols<'_>,
    p_rows: Vec<u32>,
    l_rows: Vec<u32>,
    on: On,
    tol: &Units<'_>,
    m: &mut Matches,
) -> bool {
    let Some(currency) = (if p_rows.len() == 1 {
        p.currency.get(p_rows[0] as usize)
    } else {
        l.currency.get(l_rows[0] as usize)
    }) else {
        return false;
    };
    let (Some(p_sum), Some(l_sum)) = (
        sum_in(p, &p_rows, currency, false),
        sum_in(l, &l_rows, currency, true),
    ) else {
        return false;
    };
    if !tol.allows(Some(currency), p_sum, p_sum - l_sum) {
        return false;
    }
    let g = m.groups.len() as u32;
    for &r in &p_rows {
        m.p_group[r as usize] = g;
    }
    for &r in &l_rows {
        m.l_group[r as usize] = g;
    }
    let sum = if p_rows.len() > 1 { p_sum } else { l_sum };
    m.groups.push(Group {
        on,
        p: p_rows,
        l: l_rows,
        sum,
    });
    true
}

/// On the tx id: one provider record against the ledger's duplicate group on its tx id. The
/// tx id pass pairs the record with the group's primary (its only ledger primary on that key);
/// when the whole group sums to the record, the pair becomes the group, before anything is
/// classified, so the result is as if the group had been decided first. Only the ledger's
/// groups of several entries (few) are looked at, each primary's partner read from the pairs:
/// probing every record cost 0.55 s at 10⁷ rows, a pass over every pair 0.08 s.
pub(super) fn on_tx_id(ps: &Side<'_>, ls: &Side<'_>, tol: &Units<'_>, m: &mut Matches) {
    let (p, l) = (&ps.c, &ls.c);
    // (the pass's half, record, group primary, group): in the order the tx id pass made the
    // pairs (each half by hash bit, records ascending), so groups are numbered as before.
    let mut paired: Vec<(u64, u32, u32, usize)> = Vec::new();
    for (g, members) in ls.multi.iter().enumerate() {
        if l.tx_id.get(members[0] as usize).is_none() {
            continue; // a group on the order id: the order id pass's
        }
        for &lr in members {
            let pr = m.l_partner[lr as usize];
            if ls.primary[lr as usize] && pr != u32::MAX {
                paired.push((ps.tx_hash[pr as usize] >> 63, pr, lr, g));
            }
        }
    }
    paired.sort_unstable();
    for (_, pr, lr, g) in paired {
        m.unpair(pr, lr);
        if !try_group(p, l, vec![pr], ls.multi[g].clone(), On::TxId, tol, m) {
            m.pair(pr, lr, super::matches::How::TxId);
        }
    }
}

/// Before the order id pass, on what the tx id pass left: `pp_left` (provider primaries) and
/// `l_left` (ledger entries, each with its duplicates when its primary is left), input order.
pub(super) fn on_order_id(
    ps: &Side<'_>,
    ls: &Side<'_>,
    pp_left: &[u32],
    l_left: &[u32],
    tol: &Units<'_>,
    m: &mut Matches,
) {
    let (p, l) = (&ps.c, &ls.c);
    let (pp_left, l_left) = could_group(ps, ls, pp_left, l_left);
    let (pp_left, l_left) = (&pp_left[..], &l_left[..]);
    let p_key = Key {
        values: &p.order_id,
        hashes: &ps.order_hash,
    };
    let p_chains = Chains::new(pp_left, p_key);
    let l_chains = Chains::new(
        l_left,
        Key {
            values: &l.order_id,
            hashes: &ls.order_hash,
        },
    );
    for &pr in pp_left {
        let i = pr as usize;
        let Some(order) = p.order_id.get(i) else {
            continue;
        };
        if !m.p_free(pr) {
            continue;
        }
        let h = ps.order_hash[i];
        let provider = p.provider.get(i);
        // This provider's records with the order id (the first of them decides for all), and
        // the free entries carrying it. Most order ids have one record and at most one entry:
        // counted first, so nothing is collected for them.
        let same_p = |r: &u32| p.provider.get(*r as usize) == provider;
        let free_l = |r: &u32| m.l_free(*r) && compatible(provider, l.provider.get(*r as usize));
        let first = p_chains.rows(order, h).find(same_p);
        if first != Some(pr) {
            continue;
        }
        let (np, nl) = (
            p_chains.rows(order, h).filter(same_p).take(2).count(),
            l_chains.rows(order, h).filter(free_l).take(2).count(),
        );
        if nl == 0 || (np < 2 && nl < 2) {
            continue;
        }
        let ps_same: Vec<u32> = p_chains.rows(order, h).filter(same_p).collect();
        if !ps_same.iter().all(|&r| m.p_free(r)) {
            continue;
        }
        let ls_same: Vec<u32> = l_chains.rows(order, h).filter(free_l).collect();
        match (ps_same.len(), ls_same.len()) {
            (1, n) if n > 1 => {
                try_group(p, l, ps_same, ls_same, On::OrderId, tol, m);
            }
            (n, 1) if n > 1 => {
                try_group(p, l, ps_same, ls_same, On::OrderId, tol, m);
            }
            _ => {}
        }
    }
}

/// The rows of `pp_left` and `l_left` (order kept) whose order id could make a group: its hash
/// is on at least one ledger entry and on two rows of either side. Counted on the hashes alone,
/// so this is a superset (equal keys hash alike; a collision or another provider's record only
/// keeps a few rows more), and every key's rows are kept whole, so grouping the kept rows gives
/// exactly what grouping all of them would. Most order ids are on one record and one entry:
/// this drops them after a pass over the hashes alone, where building the byte-compared chains
/// for all of them took the order-id groups 0.28 s at 10⁷ rows (now 0.14 s). Splitting the
/// count over two threads by a hash bit saved only 0.02 s more and was left out.
fn could_group(
    ps: &Side<'_>,
    ls: &Side<'_>,
    pp_left: &[u32],
    l_left: &[u32],
) -> (Vec<u32>, Vec<u32>) {
    // The hash of a row's order id; None for a missing one (hash 0, confirmed by the column).
    let hash = |side: &Side<'_>, r: u32| {
        let h = side.order_hash[r as usize];
        (h != 0 || side.c.order_id.get(r as usize).is_some()).then_some(h)
    };
    // (hash, provider rows, ledger rows), keyed by the hash itself.
    let mut counts: HashTable<(u64, u32, u32)> =
        HashTable::with_capacity(pp_left.len() + l_left.len());
    let mut count = |h: u64, ledger: bool| {
        let e = match counts.find_mut(h, |e| e.0 == h) {
            Some(e) => e,
            None => counts.insert_unique(h, (h, 0, 0), |e| e.0).into_mut(),
        };
        if ledger {
            e.2 = e.2.saturating_add(1);
        } else {
            e.1 = e.1.saturating_add(1);
        }
    };
    for &r in pp_left {
        if let Some(h) = hash(ps, r) {
            count(h, false);
        }
    }
    for &r in l_left {
        if let Some(h) = hash(ls, r) {
            count(h, true);
        }
    }
    let keep = |h: Option<u64>| {
        h.and_then(|h| counts.find(h, |e| e.0 == h))
            .is_some_and(|&(_, np, nl)| nl >= 1 && (np >= 2 || nl >= 2))
    };
    let p: Vec<u32> = pp_left
        .iter()
        .copied()
        .filter(|&r| keep(hash(ps, r)))
        .collect();
    let l: Vec<u32> = l_left
        .iter()
        .copied()
        .filter(|&r| keep(hash(ls, r)))
        .collect();
    (p, l)
}
