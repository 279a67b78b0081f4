//! Stage 6, groups: several records on one side that sum to one on the other.
//!
//! A card payment the provider captured in two parts that the ledger books once, or a payment
//! the ledger books in two parts. Pairing first would match one part with the whole as an
//! `amount_mismatch` and leave the rest `missing_in_ledger` (or make the second booking a
//! `duplicate_in_ledger`), so a group is decided **before** the pairwise match on its key:
//!
//! - before the tx id pass: one provider record and the several ledger entries carrying its tx
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

/// Before the tx id pass: one provider primary against its tx id's ledger duplicate group.
/// `pp` are the provider primaries in the window, in input order.
pub(super) fn on_tx_id(ps: &Side<'_>, ls: &Side<'_>, pp: &[u32], tol: &Units<'_>, m: &mut Matches) {
    let (p, l) = (&ps.c, &ls.c);
    // The ledger's groups of several entries on one tx id (few), indexed by that tx id.
    let candidates: Vec<&Vec<u32>> = ls
        .multi
        .iter()
        .filter(|g| l.tx_id.get(g[0] as usize).is_some())
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut index: HashTable<u32> = HashTable::with_capacity(candidates.len());
    for (i, g) in candidates.iter().enumerate() {
        let h = ls.tx_hash[g[0] as usize];
        index.insert_unique(h, i as u32, |&j| {
            ls.tx_hash[candidates[j as usize][0] as usize]
        });
    }
    for &pr in pp {
        let i = pr as usize;
        let Some(tx) = p.tx_id.get(i) else { continue };
        let provider = p.provider.get(i);
        // Every ledger group on this tx id whose entries all allow this provider.
        let found: Vec<u32> = index
            .iter_hash(ps.tx_hash[i])
            .copied()
            .filter(|&j| {
                let g = candidates[j as usize];
                l.tx_id.get(g[0] as usize) == Some(tx)
                    && g.iter()
                        .all(|&r| compatible(provider, l.provider.get(r as usize)))
            })
            .collect();
        let [j] = found[..] else { continue };
        let members = candidates[j as usize];
        if !m.p_free(pr) || !members.iter().all(|&r| m.l_free(r)) {
            continue;
        }
        try_group(p, l, vec![pr], members.clone(), On::TxId, tol, m);
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
        // This provider's records with the order id (the first of them decides for all).
        let ps_same: Vec<u32> = p_chains
            .rows(order, h)
            .filter(|&r| p.provider.get(r as usize) == provider)
            .collect();
        if ps_same.first() != Some(&pr) || !ps_same.iter().all(|&r| m.p_free(r)) {
            continue;
        }
        let ls_same: Vec<u32> = l_chains
            .rows(order, h)
            .filter(|&r| m.l_free(r) && compatible(provider, l.provider.get(r as usize)))
            .collect();
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
