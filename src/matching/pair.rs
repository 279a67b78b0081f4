//! Pairing on one key (stage 2): the oracle's tie rule over hash indexes.

use hashbrown::HashTable;

use super::side::{Side, Strs};

/// One side's key column with its hashes.
#[derive(Clone, Copy)]
pub(super) struct Key<'s, 'a> {
    pub(super) values: &'s Strs<'a>,
    pub(super) hashes: &'s [u64],
}

/// The rows of each key value among a set of rows, ascending: a hash index whose entries hold
/// the (first, last) positions in `rows` of a chain through `next`. Positions, not row numbers,
/// so the chains take memory for the rows indexed, not for the whole side.
pub(super) struct Chains<'r, 's, 'a> {
    rows: &'r [u32],
    heads: HashTable<(u32, u32)>,
    next: Vec<u32>,
    key: Key<'s, 'a>,
}

impl<'r, 's, 'a> Chains<'r, 's, 'a> {
    pub(super) fn new(rows: &'r [u32], key: Key<'s, 'a>) -> Chains<'r, 's, 'a> {
        let mut heads: HashTable<(u32, u32)> = HashTable::with_capacity(rows.len());
        let mut next: Vec<u32> = vec![u32::MAX; rows.len()];
        let row = |pos: u32| rows[pos as usize] as usize;
        for (pos, &r) in rows.iter().enumerate() {
            let Some(k) = key.values.get(r as usize) else {
                continue;
            };
            let pos = pos as u32;
            let h = key.hashes[r as usize];
            match heads.find_mut(h, |&(f, _)| key.values.get(row(f)) == Some(k)) {
                Some(e) => {
                    next[e.1 as usize] = pos;
                    e.1 = pos;
                }
                None => {
                    heads.insert_unique(h, (pos, pos), |&(f, _)| key.hashes[row(f)]);
                }
            }
        }
        Chains {
            rows,
            heads,
            next,
            key,
        }
    }

    /// The rows whose key is `value` (with hash `hash`), ascending.
    pub(super) fn rows(&self, value: &str, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let first = self
            .heads
            .find(hash, |&(f, _)| {
                self.key.values.get(self.rows[f as usize] as usize) == Some(value)
            })
            .map_or(u32::MAX, |&(f, _)| f);
        std::iter::successors((first != u32::MAX).then_some(first), |&pos| {
            let n = self.next[pos as usize];
            (n != u32::MAX).then_some(n)
        })
        .map(|pos| self.rows[pos as usize])
    }
}

/// Whether a ledger entry's provider allows a record of `p`: the same, or none given.
pub(super) fn compatible(p: Option<&str>, l: Option<&str>) -> bool {
    l.is_none() || l == p
}

/// Pairs unmatched primaries on one key, with the oracle's tie rule; a ledger entry with no
/// provider may pair with any provider's record.
pub(super) fn pair_on(
    p_rows: &[u32],
    l_rows: &[u32],
    p_provider: &Strs<'_>,
    l_provider: &Strs<'_>,
    p_key: Key<'_, '_>,
    l_key: Key<'_, '_>,
) -> Vec<(u32, u32)> {
    let len = l_key.values.len;
    let chains = Chains::new(l_rows, l_key);
    // Candidates come out in (provider row, ledger row) order: p_rows and each chain ascend.
    let mut l_seen = vec![false; len];
    let mut kept: Vec<(u32, u32)> = Vec::new();
    for &pr in p_rows {
        let Some(k) = p_key.values.get(pr as usize) else {
            continue;
        };
        for lr in chains.rows(k, p_key.hashes[pr as usize]) {
            let lp = l_provider.get(lr as usize);
            if compatible(p_provider.get(pr as usize), lp) && !l_seen[lr as usize] {
                l_seen[lr as usize] = true;
                kept.push((pr, lr));
            }
        }
    }
    let mut p_seen = vec![false; p_key.values.len];
    kept.retain(|&(pr, _)| !std::mem::replace(&mut p_seen[pr as usize], true));
    kept
}

/// A side's tx id (or, with `order`, order id) column and its hashes.
pub(super) fn key_of<'s, 'a>(side: &'s Side<'a>, order: bool) -> (&'s Strs<'a>, &'s [u64]) {
    if order {
        (&side.c.order_id, &side.order_hash)
    } else {
        (&side.c.tx_id, &side.tx_hash)
    }
}
