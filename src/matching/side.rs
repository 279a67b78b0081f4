//! One side of the match, read in place from its frame: the columns the engine compares (as
//! Arrow slices, no copy), each key's hash computed once, the rows in the window, and each
//! duplicate group's primary.

use hashbrown::{DefaultHashBuilder, HashTable};
use polars::prelude::*;
use polars_arrow::array::{Array, PrimitiveArray, Utf8ViewArray};
use polars_arrow::types::NativeType;
use std::hash::BuildHasher;

use crate::error::Result;
use crate::money;

/// A column read in place, without a copy: its Arrow chunks and the row each starts at.
pub(crate) struct Chunks<'a, A> {
    pub(super) arrays: Vec<&'a A>,
    pub(super) starts: Vec<usize>,
    pub(super) len: usize,
}

impl<'a, A: Array> Chunks<'a, A> {
    pub(crate) fn new(arrays: Vec<&'a A>) -> Chunks<'a, A> {
        let mut starts = Vec::with_capacity(arrays.len());
        let mut len = 0;
        for a in &arrays {
            starts.push(len);
            len += a.len();
        }
        Chunks {
            arrays,
            starts,
            len,
        }
    }

    /// The chunk holding row `i` and the row's position in it.
    #[inline(always)]
    pub(crate) fn locate(&self, i: usize) -> (&'a A, usize) {
        let c = if self.arrays.len() == 1 {
            0
        } else {
            self.starts.partition_point(|&s| s <= i) - 1
        };
        (self.arrays[c], i - self.starts[c])
    }
}

pub(crate) type Strs<'a> = Chunks<'a, Utf8ViewArray>;
pub(crate) type Nums<'a, T> = Chunks<'a, PrimitiveArray<T>>;

impl<'a> Strs<'a> {
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        let (a, j) = self.locate(i);
        if a.is_null(j) {
            None
        } else {
            Some(a.value(j))
        }
    }
}

impl<T: NativeType> Nums<'_, T> {
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<T> {
        let (a, j) = self.locate(i);
        if a.is_null(j) {
            None
        } else {
            Some(a.value(j))
        }
    }
}

/// One side's columns, read in place.
pub(super) struct Cols<'a> {
    pub(super) provider: Strs<'a>,
    pub(super) tx_id: Strs<'a>,
    pub(super) order_id: Strs<'a>,
    pub(super) amount: Nums<'a, i128>,
    pub(super) currency: Strs<'a>,
    pub(super) fee: Nums<'a, i128>,
    pub(super) status: Strs<'a>,
    /// Microseconds.
    pub(super) time: Nums<'a, i64>,
    pub(super) day: Nums<'a, i32>,
    /// Provider side: the kind (for the sign rule). Ledger side: the entry id.
    pub(super) extra: Strs<'a>,
    pub(super) kind: Strs<'a>,
    /// The card (provider side: the masked number; ledger side: its last four digits) and the
    /// description, for the configured rules (`ledger_rules`); `None` where the table has no
    /// such column (a summary-only read without rules).
    pub(super) card: Option<Strs<'a>>,
    pub(super) description: Option<Strs<'a>>,
    /// Ledger side: the journal an entry was booked in (a summary line's mark); `None` where
    /// the table has no such column.
    pub(super) journal: Option<Strs<'a>>,
}

pub(crate) fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<Strs<'a>> {
    Ok(Chunks::new(
        df.column(name)?.str()?.downcast_iter().collect(),
    ))
}
pub(crate) fn decs<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i128>> {
    let c = df.column(name)?.decimal()?;
    if c.scale() != money::SCALE as usize {
        return Err(PolarsError::ComputeError(
            format!(
                "column {name}: decimal scale {} is not {}",
                c.scale(),
                money::SCALE
            )
            .into(),
        )
        .into());
    }
    Ok(Chunks::new(c.physical().downcast_iter().collect()))
}
pub(super) fn times<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i64>> {
    let c = df.column(name)?.datetime()?;
    if c.time_unit() != TimeUnit::Microseconds {
        return Err(PolarsError::ComputeError(
            format!(
                "column {name}: instants in {}, not microseconds",
                c.time_unit()
            )
            .into(),
        )
        .into());
    }
    Ok(Chunks::new(c.physical().downcast_iter().collect()))
}
pub(crate) fn days<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i32>> {
    Ok(Chunks::new(
        df.column(name)?
            .date()?
            .physical()
            .downcast_iter()
            .collect(),
    ))
}

impl<'a> Cols<'a> {
    pub(super) fn provider_side(df: &'a DataFrame) -> Result<Cols<'a>> {
        Cols::of(df, "occurred_at", "kind", "card_masked")
    }
    pub(super) fn ledger_side(df: &'a DataFrame) -> Result<Cols<'a>> {
        Cols::of(df, "booked_at", "entry_id", "card")
    }

    /// The canonical columns both sides share, with the side's own time, `extra` and card
    /// columns.
    fn of(df: &'a DataFrame, time: &str, extra: &str, card: &str) -> Result<Cols<'a>> {
        Ok(Cols {
            provider: strs(df, "provider")?,
            tx_id: strs(df, "tx_id")?,
            order_id: strs(df, "order_id")?,
            amount: decs(df, "amount")?,
            currency: strs(df, "currency")?,
            fee: decs(df, "fee")?,
            status: strs(df, "status")?,
            time: times(df, time)?,
            day: days(df, "accounting_day")?,
            extra: strs(df, extra)?,
            kind: strs(df, "kind")?,
            card: strs(df, card).ok(),
            description: strs(df, "description").ok(),
            journal: strs(df, "journal").ok(),
        })
    }
}

/// The rows of a side in the window (or carried), in input order.
pub(super) fn window(c: &Cols<'_>, first: i32, last: i32, carried: &[u32]) -> Vec<u32> {
    let mut keep: Vec<bool> = (0..c.day.len)
        .map(|i| c.day.get(i).is_some_and(|d| d >= first && d <= last))
        .collect();
    for &r in carried {
        if let Some(k) = keep.get_mut(r as usize) {
            *k = true;
        }
    }
    (0..keep.len() as u32)
        .filter(|&r| keep[r as usize])
        .collect()
}

/// One hash per row for a key column (0 where the key is missing), computed once per side and
/// used for grouping and for pairing. Both sides use the same hasher, so equal keys hash alike
/// across sides; every hit is confirmed by comparing the bytes.
pub(super) fn hashes(keys: &Strs<'_>, state: &DefaultHashBuilder) -> Vec<u64> {
    let mut out = Vec::with_capacity(keys.len);
    for a in &keys.arrays {
        out.extend(a.iter().map(|k| k.map_or(0, |k| state.hash_one(k))));
    }
    out
}

/// Small integer ranks for a column of few distinct values (providers): equal text, equal
/// rank; `u32::MAX` for a missing value.
pub(super) fn ranks<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<u32> {
    let mut interner = Interner::default();
    values.map(|v| interner.id(v)).collect()
}

pub(super) fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Each duplicate group's primary (the earliest `time`, then the first row), and the members of
/// every group of more than one row. `hash` and `same` give a row's group (rows with missing
/// keys form one group, as in the oracle's window).
pub(super) struct Primaries {
    pub(super) primary: Vec<bool>,
    /// Groups of two rows or more, each in input order (for stage 6's groups).
    pub(super) multi: Vec<Vec<u32>>,
}

pub(super) fn primaries(
    rows: &[u32],
    time: &Nums<'_, i64>,
    len: usize,
    hash: impl Fn(u32) -> u64,
    same: impl Fn(u32, u32) -> bool,
) -> Primaries {
    // Group ids in the table; per group its primary so far, its hash and its size.
    let mut table: HashTable<u32> = HashTable::with_capacity(rows.len());
    let mut groups: Vec<(u32, u64, u32)> = Vec::with_capacity(rows.len());
    let mut gid = Vec::with_capacity(rows.len());
    for &r in rows {
        let h = hash(r);
        match table.find(h, |&g| same(groups[g as usize].0, r)) {
            Some(&g) => {
                let b = &mut groups[g as usize];
                if earlier(time.get(r as usize), time.get(b.0 as usize)) {
                    b.0 = r;
                }
                b.2 += 1;
                gid.push(g);
            }
            None => {
                let g = groups.len() as u32;
                groups.push((r, h, 1));
                table.insert_unique(h, g, |&g| groups[g as usize].1);
                gid.push(g);
            }
        }
    }
    let mut primary = vec![false; len];
    for &(r, _, _) in &groups {
        primary[r as usize] = true;
    }
    // Members of the groups with more than one row (few): numbered in order of appearance.
    let mut slot = vec![u32::MAX; groups.len()];
    let mut multi: Vec<Vec<u32>> = Vec::new();
    for (&r, &g) in rows.iter().zip(&gid) {
        if groups[g as usize].2 > 1 {
            let s = &mut slot[g as usize];
            if *s == u32::MAX {
                *s = multi.len() as u32;
                multi.push(Vec::new());
            }
            multi[*s as usize].push(r);
        }
    }
    Primaries { primary, multi }
}

/// Whether time `a` makes a row the primary over the current one with `b` (rows come in input
/// order, so an equal time keeps the earlier row). A missing time never wins over a present one
/// (polars' `min` skips nulls); between two missing times the first row stays.
pub(super) fn earlier(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

/// One side read, hashed, windowed and grouped.
pub(super) struct Side<'a> {
    pub(super) c: Cols<'a>,
    pub(super) tx_hash: Vec<u64>,
    pub(super) order_hash: Vec<u64>,
    pub(super) window: Vec<u32>,
    pub(super) primary: Vec<bool>,
    /// Duplicate groups of two rows or more (see [`Primaries`]).
    pub(super) multi: Vec<Vec<u32>>,
}

impl<'a> Side<'a> {
    pub(super) fn provider(
        df: &'a DataFrame,
        state: &DefaultHashBuilder,
        w: (i32, i32),
        carried: &[u32],
    ) -> Result<Side<'a>> {
        let c = Cols::provider_side(df)?;
        let tx_hash = hashes(&c.tx_id, state);
        let order_hash = hashes(&c.order_id, state);
        let rank = ranks((0..c.provider.len).map(|i| c.provider.get(i)));
        let window = window(&c, w.0, w.1, carried);
        let Primaries { primary, multi } = primaries(
            &window,
            &c.time,
            df.height(),
            |r| mix(u64::from(rank[r as usize]), tx_hash[r as usize]),
            |a, b| {
                let (a, b) = (a as usize, b as usize);
                rank[a] == rank[b] && c.tx_id.get(a) == c.tx_id.get(b)
            },
        );
        Ok(Side {
            c,
            tx_hash,
            order_hash,
            window,
            primary,
            multi,
        })
    }

    pub(super) fn ledger(
        df: &'a DataFrame,
        state: &DefaultHashBuilder,
        w: (i32, i32),
        carried: &[u32],
    ) -> Result<Side<'a>> {
        let c = Cols::ledger_side(df)?;
        let tx_hash = hashes(&c.tx_id, state);
        let order_hash = hashes(&c.order_id, state);
        // A missing provider groups with "" (the oracle's fill_null("")).
        let rank = ranks((0..c.provider.len).map(|i| Some(c.provider.get(i).unwrap_or(""))));
        // The group key: tx id, else order id, else entry id, tagged by which.
        let key = |i: usize| -> (u8, Option<&str>) {
            match (c.tx_id.get(i), c.order_id.get(i), c.extra.get(i)) {
                (Some(t), _, _) => (0, Some(t)),
                (None, Some(o), _) => (1, Some(o)),
                (None, None, e) => (2, e),
            }
        };
        let window = window(&c, w.0, w.1, carried);
        let Primaries { primary, multi } = primaries(
            &window,
            &c.time,
            df.height(),
            |r| {
                let i = r as usize;
                let h = match key(i) {
                    (0, _) => tx_hash[i],
                    (1, _) => order_hash[i],
                    (_, e) => e.map_or(0, |e| state.hash_one(e)),
                };
                mix(mix(u64::from(rank[i]), u64::from(key(i).0)), h)
            },
            |a, b| {
                let (a, b) = (a as usize, b as usize);
                rank[a] == rank[b] && key(a) == key(b)
            },
        );
        Ok(Side {
            c,
            tx_hash,
            order_hash,
            window,
            primary,
            multi,
        })
    }
}

/// Few distinct strings (providers, kinds, currencies) as small integers, with the last value
/// remembered: the values come in long runs, so most rows are found without hashing.
#[derive(Default)]
pub(super) struct Interner<'a> {
    pub(super) names: Vec<&'a str>,
    pub(super) index: PlHashMap<&'a str, u32>,
    pub(super) last: Option<(&'a str, u32)>,
}

impl<'a> Interner<'a> {
    pub(super) fn id(&mut self, v: Option<&'a str>) -> u32 {
        let Some(v) = v else { return u32::MAX };
        if let Some((t, i)) = self.last {
            if t == v {
                return i;
            }
        }
        let next = self.names.len() as u32;
        let i = *self.index.entry(v).or_insert(next);
        if i == next {
            self.names.push(v);
        }
        self.last = Some((v, i));
        i
    }
    pub(super) fn name(&self, i: u32) -> Option<&'a str> {
        self.names.get(i as usize).copied()
    }
}
