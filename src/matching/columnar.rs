//! The engine: stages 1-5 of [`super`] as plain columnar Rust over the input frames' Arrow
//! buffers, with exactly the oracle's answers ([`super::oracle`], a polars lazy plan).
//!
//! **Why not a polars plan.** The plan hashed the string keys again in every window and join,
//! ran two `.over()` windows per side, concatenated a key per ledger row, and sorted a ~35-column
//! frame by six keys. Here each key column is read once into a slice of `Option<&str>`, each
//! side is grouped and indexed in one pass with a hash map over borrowed bytes (a hit is
//! confirmed by comparing them, as any map over `&str` does), and the result is a compact list
//! of row pairs with a category and flags; the output columns are gathered once, by row index,
//! from the inputs.
//!
//! Tie rules, as the oracle's:
//! - a group's primary is its earliest item, then the first in input order;
//! - pairing on a key keeps, over the candidate pairs in (provider row, ledger row) order,
//!   first the first pair of each ledger row, then the first remaining pair of each provider
//!   row;
//! - rows are ordered by provider, time, id (tx id, else the ledger's tx id, else its order
//!   id), ledger entry id, provider row, ledger row, each with missing values last.

use std::cmp::Ordering;

use hashbrown::{DefaultHashBuilder, HashTable};
use polars::prelude::*;
use polars_arrow::array::{Array, PrimitiveArray, Utf8ViewArray};
use polars_arrow::types::NativeType;
use std::hash::BuildHasher;

use super::{Category, Gather, MatchOptions, DEBIT_KINDS, L_COLS, P_COLS};
use crate::error::Result;
use crate::money;
use crate::period::epoch_days;

/// A column read in place, without a copy: its Arrow chunks and the row each starts at.
struct Chunks<'a, A> {
    arrays: Vec<&'a A>,
    starts: Vec<usize>,
    len: usize,
}

impl<'a, A: Array> Chunks<'a, A> {
    fn new(arrays: Vec<&'a A>) -> Chunks<'a, A> {
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
    fn locate(&self, i: usize) -> (&'a A, usize) {
        let c = if self.arrays.len() == 1 {
            0
        } else {
            self.starts.partition_point(|&s| s <= i) - 1
        };
        (self.arrays[c], i - self.starts[c])
    }
}

type Strs<'a> = Chunks<'a, Utf8ViewArray>;
type Nums<'a, T> = Chunks<'a, PrimitiveArray<T>>;

impl<'a> Strs<'a> {
    fn get(&self, i: usize) -> Option<&'a str> {
        let (a, j) = self.locate(i);
        if a.is_null(j) {
            None
        } else {
            Some(a.value(j))
        }
    }
}

impl<T: NativeType> Nums<'_, T> {
    fn get(&self, i: usize) -> Option<T> {
        let (a, j) = self.locate(i);
        if a.is_null(j) {
            None
        } else {
            Some(a.value(j))
        }
    }
}

/// One side's columns, read in place.
struct Cols<'a> {
    provider: Strs<'a>,
    tx_id: Strs<'a>,
    order_id: Strs<'a>,
    amount: Nums<'a, i128>,
    currency: Strs<'a>,
    fee: Nums<'a, i128>,
    status: Strs<'a>,
    /// Microseconds.
    time: Nums<'a, i64>,
    day: Nums<'a, i32>,
    /// Provider side: the kind (for the sign rule). Ledger side: the entry id.
    extra: Strs<'a>,
    kind: Strs<'a>,
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<Strs<'a>> {
    Ok(Chunks::new(
        df.column(name)?.str()?.downcast_iter().collect(),
    ))
}
fn decs<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i128>> {
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
fn times<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i64>> {
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
fn days<'a>(df: &'a DataFrame, name: &str) -> Result<Nums<'a, i32>> {
    Ok(Chunks::new(
        df.column(name)?
            .date()?
            .physical()
            .downcast_iter()
            .collect(),
    ))
}

impl<'a> Cols<'a> {
    fn provider_side(df: &'a DataFrame) -> Result<Cols<'a>> {
        Ok(Cols {
            provider: strs(df, "provider")?,
            tx_id: strs(df, "tx_id")?,
            order_id: strs(df, "order_id")?,
            amount: decs(df, "amount")?,
            currency: strs(df, "currency")?,
            fee: decs(df, "fee")?,
            status: strs(df, "status")?,
            time: times(df, "occurred_at")?,
            day: days(df, "accounting_day")?,
            extra: strs(df, "kind")?,
            kind: strs(df, "kind")?,
        })
    }
    fn ledger_side(df: &'a DataFrame) -> Result<Cols<'a>> {
        Ok(Cols {
            provider: strs(df, "provider")?,
            tx_id: strs(df, "tx_id")?,
            order_id: strs(df, "order_id")?,
            amount: decs(df, "amount")?,
            currency: strs(df, "currency")?,
            fee: decs(df, "fee")?,
            status: strs(df, "status")?,
            time: times(df, "booked_at")?,
            day: days(df, "accounting_day")?,
            extra: strs(df, "entry_id")?,
            kind: strs(df, "kind")?,
        })
    }
}

/// The rows of a side in the window (or carried), in input order.
fn window(c: &Cols<'_>, first: i32, last: i32, carried: &[u32]) -> Vec<u32> {
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
fn hashes(keys: &Strs<'_>, state: &DefaultHashBuilder) -> Vec<u64> {
    let mut out = Vec::with_capacity(keys.len);
    for a in &keys.arrays {
        out.extend(a.iter().map(|k| k.map_or(0, |k| state.hash_one(k))));
    }
    out
}

/// Small integer ranks for a column of few distinct values (providers): equal text, equal
/// rank; `u32::MAX` for a missing value.
fn ranks<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<u32> {
    let mut interner = Interner::default();
    values.map(|v| interner.id(v)).collect()
}

fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Marks each group's primary: the earliest `time`, then the first row. `hash` and `same` give
/// a row's group (rows with missing keys form one group, as in the oracle's window).
fn primaries(
    rows: &[u32],
    time: &Nums<'_, i64>,
    len: usize,
    hash: impl Fn(u32) -> u64,
    same: impl Fn(u32, u32) -> bool,
) -> Vec<bool> {
    let mut best: HashTable<(u32, u64)> = HashTable::with_capacity(rows.len());
    for &r in rows {
        let h = hash(r);
        match best.find_mut(h, |&(b, _)| same(b, r)) {
            Some(b) => {
                if earlier(time.get(r as usize), time.get(b.0 as usize)) {
                    b.0 = r;
                }
            }
            None => {
                best.insert_unique(h, (r, h), |&(_, h)| h);
            }
        }
    }
    let mut primary = vec![false; len];
    for &(r, _) in best.iter() {
        primary[r as usize] = true;
    }
    primary
}

/// Whether time `a` makes a row the primary over the current one with `b` (rows come in input
/// order, so an equal time keeps the earlier row). A missing time never wins over a present one
/// (polars' `min` skips nulls); between two missing times the first row stays.
fn earlier(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

/// One side's key column with its hashes.
struct Key<'s, 'a> {
    values: &'s Strs<'a>,
    hashes: &'s [u64],
}

/// Pairs unmatched primaries on one key, with the oracle's tie rule; a ledger entry with no
/// provider may pair with any provider's record.
fn pair_on(
    p_rows: &[u32],
    l_rows: &[u32],
    p_provider: &Strs<'_>,
    l_provider: &Strs<'_>,
    p_key: Key<'_, '_>,
    l_key: Key<'_, '_>,
) -> Vec<(u32, u32)> {
    // The ledger rows of each key value, ascending: (first, last) in the table, the rest
    // chained through `next`.
    let mut heads: HashTable<(u32, u32)> = HashTable::with_capacity(l_rows.len());
    let mut next: Vec<u32> = vec![u32::MAX; l_key.values.len];
    for &r in l_rows {
        let Some(k) = l_key.values.get(r as usize) else {
            continue;
        };
        let h = l_key.hashes[r as usize];
        match heads.find_mut(h, |&(f, _)| l_key.values.get(f as usize) == Some(k)) {
            Some(e) => {
                next[e.1 as usize] = r;
                e.1 = r;
            }
            None => {
                heads.insert_unique(h, (r, r), |&(f, _)| l_key.hashes[f as usize]);
            }
        }
    }
    // Candidates come out in (provider row, ledger row) order: p_rows and each chain ascend.
    let mut l_seen = vec![false; l_key.values.len];
    let mut kept: Vec<(u32, u32)> = Vec::new();
    for &pr in p_rows {
        let Some(k) = p_key.values.get(pr as usize) else {
            continue;
        };
        let Some(&(first, _)) = heads.find(p_key.hashes[pr as usize], |&(f, _)| {
            l_key.values.get(f as usize) == Some(k)
        }) else {
            continue;
        };
        let mut lr = first;
        while lr != u32::MAX {
            let lp = l_provider.get(lr as usize);
            if (lp.is_none() || lp == p_provider.get(pr as usize)) && !l_seen[lr as usize] {
                l_seen[lr as usize] = true;
                kept.push((pr, lr));
            }
            lr = next[lr as usize];
        }
    }
    let mut p_seen = vec![false; p_key.values.len];
    kept.retain(|&(pr, _)| !std::mem::replace(&mut p_seen[pr as usize], true));
    kept
}

/// A side's tx id (or, with `order`, order id) column and its hashes.
fn key_of<'s, 'a>(side: &'s Side<'a>, order: bool) -> (&'s Strs<'a>, &'s [u64]) {
    if order {
        (&side.c.order_id, &side.order_hash)
    } else {
        (&side.c.tx_id, &side.tx_hash)
    }
}

/// One side read, hashed, windowed and grouped.
struct Side<'a> {
    c: Cols<'a>,
    tx_hash: Vec<u64>,
    order_hash: Vec<u64>,
    window: Vec<u32>,
    primary: Vec<bool>,
}

impl<'a> Side<'a> {
    fn provider(
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
        let primary = primaries(
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
        })
    }

    fn ledger(
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
        let primary = primaries(
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
        })
    }
}

/// One result row before it is gathered: positions on each side, how it was matched, its
/// flags and category.
struct Row {
    p: Option<u32>,
    l: Option<u32>,
    key: Option<&'static str>,
    flags: [bool; 6],
    p_primary: Option<bool>,
    l_primary: Option<bool>,
    category: Category,
}

/// Reconciles `provider` against `ledger`: the same result frame as the oracle (see
/// [`super::reconcile`]).
pub fn reconcile(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
) -> Result<DataFrame> {
    let window_days = opts.period.with_margin(opts.margin_days);
    let (wf, wl) = (epoch_days(window_days.first), epoch_days(window_days.last));
    let (pf, pl) = (epoch_days(opts.period.first), epoch_days(opts.period.last));
    // Stage 1, each side on its own thread: read, hash, window, primaries.
    let state = DefaultHashBuilder::default();
    let (ps, ls) = std::thread::scope(|scope| {
        let ledger_side = scope.spawn(|| Side::ledger(ledger, &state, (wf, wl), &opts.carried.1));
        let provider_side = Side::provider(provider, &state, (wf, wl), &opts.carried.0);
        let ledger_side = ledger_side
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (provider_side, ledger_side)
    });
    let (ps, ls) = (ps?, ls?);
    let (p, l) = (&ps.c, &ls.c);
    let (p_primary, l_primary) = (&ps.primary, &ls.primary);
    let (p_win, l_win) = (&ps.window, &ls.window);
    tracing::debug!("engine: read, windows and primaries");

    // Stage 2: tx id, then order id, among primaries.
    let pp: Vec<u32> = p_win
        .iter()
        .copied()
        .filter(|&r| p_primary[r as usize])
        .collect();
    let lp: Vec<u32> = l_win
        .iter()
        .copied()
        .filter(|&r| l_primary[r as usize])
        .collect();
    // Equal keys hash alike, so the rows split by one bit of the key's hash into two halves
    // that pair independently (the tie rule works within one key value), one per thread.
    let pair = |pr: &[u32], lr: &[u32], order: bool| {
        let (pv, ph) = key_of(&ps, order);
        let (lv, lh) = key_of(&ls, order);
        let half = |rows: &[u32], h: &[u64], bit: u64| -> Vec<u32> {
            rows.iter()
                .copied()
                .filter(|&r| (h[r as usize] >> 63) == bit)
                .collect()
        };
        let run = |bit: u64| {
            pair_on(
                &half(pr, ph, bit),
                &half(lr, lh, bit),
                &p.provider,
                &l.provider,
                Key {
                    values: pv,
                    hashes: ph,
                },
                Key {
                    values: lv,
                    hashes: lh,
                },
            )
        };
        std::thread::scope(|scope| {
            let other = scope.spawn(|| run(1));
            let mut kept = run(0);
            kept.extend(
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
            kept
        })
    };
    let by_tx = pair(&pp, &lp, false);
    let mut p_partner: Vec<Option<(u32, &'static str)>> = vec![None; provider.height()];
    let mut l_paired = vec![false; ledger.height()];
    for &(pr, lr) in &by_tx {
        p_partner[pr as usize] = Some((lr, "tx_id"));
        l_paired[lr as usize] = true;
    }
    let pp_left: Vec<u32> = pp
        .iter()
        .copied()
        .filter(|&r| p_partner[r as usize].is_none())
        .collect();
    let lp_left: Vec<u32> = lp
        .iter()
        .copied()
        .filter(|&r| !l_paired[r as usize])
        .collect();
    for (pr, lr) in pair(&pp_left, &lp_left, true) {
        p_partner[pr as usize] = Some((lr, "order_id"));
        l_paired[lr as usize] = true;
    }

    // Stages 3-5: one row per provider item in the window (with its partner), one per ledger
    // item left, kept when either side is in the period.
    let in_period = |d: Option<i32>| d.is_some_and(|d| d >= pf && d <= pl);
    let provider_rows = |win: &[u32], out: &mut dyn FnMut(Row)| {
        for &pr in win {
            let i = pr as usize;
            let partner = p_partner[i];
            let lr = partner.map(|(lr, _)| lr);
            let p_in = in_period(p.day.get(i));
            let l_in = lr.is_some_and(|lr| in_period(l.day.get(lr as usize)));
            if p_in || l_in {
                out(classify(
                    p,
                    l,
                    Some(pr),
                    lr,
                    partner.map(|x| x.1),
                    p_in,
                    l_in,
                    p_primary,
                    l_primary,
                    opts,
                ));
            }
        }
    };
    let ledger_rows = |win: &[u32], out: &mut dyn FnMut(Row)| {
        for &lr in win {
            if !l_paired[lr as usize] && in_period(l.day.get(lr as usize)) {
                out(classify(
                    p,
                    l,
                    None,
                    Some(lr),
                    None,
                    false,
                    true,
                    p_primary,
                    l_primary,
                    opts,
                ));
            }
        }
    };
    // Two threads: the provider items' first half on one, the rest and the ledger's on the
    // other. (Order does not matter here: the rows are ordered afterwards when it does.)
    let (first, second) = p_win.split_at(p_win.len() / 2);
    if opts.gather == Gather::Summary {
        // Added up as they are classified: the rows themselves are never kept.
        let parts = std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                let mut sums = Sums::default();
                provider_rows(first, &mut |r| sums.add(p, l, &r));
                sums
            });
            let mut sums = Sums::default();
            provider_rows(second, &mut |r| sums.add(p, l, &r));
            ledger_rows(l_win, &mut |r| sums.add(p, l, &r));
            let other = other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            [other, sums]
        });
        tracing::debug!("engine: classified and added up");
        return summary_frame(&parts);
    }
    let rows: Vec<Row> = std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            let mut v = Vec::with_capacity(first.len());
            provider_rows(first, &mut |r| v.push(r));
            v
        });
        let mut rest = Vec::with_capacity(second.len());
        provider_rows(second, &mut |r| rest.push(r));
        ledger_rows(l_win, &mut |r| rest.push(r));
        let mut rows = other
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        rows.extend(rest);
        rows
    });
    tracing::debug!(rows = rows.len(), "engine: classified");
    // The order: provider (a rank: few distinct values), time, id, entry id, rows.
    let mut names: Vec<&str> = Vec::new();
    for c in [&p.provider, &l.provider] {
        for i in 0..c.len {
            if let Some(v) = c.get(i) {
                // Few distinct values, in long runs: skip the repeats cheaply.
                if names.last() != Some(&v) {
                    names.push(v);
                }
            }
        }
    }
    names.sort_unstable();
    names.dedup();
    let rank = |s: Option<&str>| s.and_then(|s| names.binary_search(&s).ok());
    struct SortKey<'a> {
        provider: Option<usize>,
        time: Option<i64>,
        id: Option<&'a str>,
        entry: Option<&'a str>,
        p: Option<u32>,
        l: Option<u32>,
    }
    let keys: Vec<SortKey<'_>> = rows
        .iter()
        .map(|r| {
            let pi = r.p.map(|x| x as usize);
            let li = r.l.map(|x| x as usize);
            SortKey {
                provider: rank(
                    pi.and_then(|i| p.provider.get(i))
                        .or_else(|| li.and_then(|i| l.provider.get(i))),
                ),
                time: pi
                    .and_then(|i| p.time.get(i))
                    .or_else(|| li.and_then(|i| l.time.get(i))),
                id: pi
                    .and_then(|i| p.tx_id.get(i))
                    .or_else(|| li.and_then(|i| l.tx_id.get(i)))
                    .or_else(|| li.and_then(|i| l.order_id.get(i))),
                entry: li.and_then(|i| l.extra.get(i)),
                p: r.p,
                l: r.l,
            }
        })
        .collect();
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&keys[a as usize], &keys[b as usize]);
        nulls_last(x.provider, y.provider)
            .then_with(|| nulls_last(x.time, y.time))
            .then_with(|| nulls_last(x.id, y.id))
            .then_with(|| nulls_last(x.entry, y.entry))
            .then_with(|| nulls_last(x.p, y.p))
            .then_with(|| nulls_last(x.l, y.l))
    });
    let rows: Vec<&Row> = order.iter().map(|&i| &rows[i as usize]).collect();
    tracing::debug!("engine: ordered");
    let out = frame(provider, ledger, &rows);
    tracing::debug!("engine: columns gathered");
    out
}

fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[allow(clippy::too_many_arguments)]
fn classify(
    p: &Cols<'_>,
    l: &Cols<'_>,
    pr: Option<u32>,
    lr: Option<u32>,
    key: Option<&'static str>,
    p_in: bool,
    l_in: bool,
    p_primary: &[bool],
    l_primary: &[bool],
    opts: &MatchOptions,
) -> Row {
    let pi = pr.map(|x| x as usize);
    let li = lr.map(|x| x as usize);
    let (mut flags, paired) = ([false; 6], pi.is_some() && li.is_some());
    if let (Some(i), Some(j)) = (pi, li) {
        let tol = money::to_units(opts.amount_tolerance);
        let fee_tol = money::to_units(opts.fee_tolerance);
        let differs =
            |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if a != b);
        flags[0] = differs(p.status.get(i), l.status.get(j));
        flags[1] = differs(p.currency.get(i), l.currency.get(j));
        flags[2] = matches!((p.amount.get(i), l.amount.get(j)), (Some(a), Some(b)) if (a - b.abs()).abs() > tol);
        if opts.signed_ledger {
            let debit = p.extra.get(i).is_some_and(|k| DEBIT_KINDS.contains(&k));
            flags[3] = matches!(l.amount.get(j), Some(a) if a != 0 && (a < 0) != debit);
        }
        flags[4] = match l.fee.get(j) {
            Some(lf) => (p.fee.get(i).unwrap_or(0) - lf).abs() > fee_tol,
            None => false,
        };
        flags[5] = p_in != l_in;
    }
    let p_prim = pi.map(|i| p_primary[i]);
    let l_prim = li.map(|j| l_primary[j]);
    let status = pi.and_then(|i| p.status.get(i));
    let category = if p_prim == Some(false) {
        Category::DuplicateAtProvider
    } else if l_prim == Some(false) {
        Category::DuplicateInLedger
    } else if flags[0] {
        Category::StatusMismatch
    } else if flags[1] {
        Category::CurrencyMismatch
    } else if flags[2] || flags[3] {
        Category::AmountMismatch
    } else if flags[4] {
        Category::FeeMismatch
    } else if flags[5] {
        Category::TimingDifference
    } else if paired {
        Category::Matched
    } else if pi.is_some() && matches!(status, Some("failed") | Some("reversed")) {
        Category::FailedNotBooked
    } else if pi.is_some() && status == Some("pending") {
        Category::PendingNotBooked
    } else if pi.is_some() {
        Category::MissingInLedger
    } else {
        Category::MissingAtProvider
    };
    Row {
        p: pr,
        l: lr,
        key,
        flags,
        p_primary: p_prim,
        l_primary: l_prim,
        category,
    }
}

/// Few distinct strings (providers, kinds, currencies) as small integers, with the last value
/// remembered: the values come in long runs, so most rows are found without hashing.
#[derive(Default)]
struct Interner<'a> {
    names: Vec<&'a str>,
    index: PlHashMap<&'a str, u32>,
    last: Option<(&'a str, u32)>,
}

impl<'a> Interner<'a> {
    fn id(&mut self, v: Option<&'a str>) -> u32 {
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
    fn name(&self, i: u32) -> Option<&'a str> {
        self.names.get(i as usize).copied()
    }
}

/// The summary's groups as one thread adds rows up: (category, provider, kind, currency,
/// provider record present, ledger entry present) on interned integers → (count, the provider
/// amounts' sum, the ledger amounts' magnitudes' sum), exact in units of 10⁻⁸. Provider, kind and
/// currency are the provider record's when there is one, else the ledger entry's.
#[derive(Default)]
struct Sums<'a> {
    providers: Interner<'a>,
    kinds: Interner<'a>,
    currencies: Interner<'a>,
    groups: PlHashMap<(Category, u32, u32, u32, bool, bool), (u64, i128, i128)>,
}

impl<'a> Sums<'a> {
    fn add(&mut self, p: &Cols<'a>, l: &Cols<'a>, r: &Row) {
        let (pi, li) = (r.p.map(|x| x as usize), r.l.map(|x| x as usize));
        let side = pi.map(|i| (p, i)).or_else(|| li.map(|j| (l, j)));
        let (provider, kind, currency) = match side {
            Some((c, i)) => (
                self.providers.id(c.provider.get(i)),
                self.kinds.id(c.kind.get(i)),
                self.currencies.id(c.currency.get(i)),
            ),
            None => (u32::MAX, u32::MAX, u32::MAX),
        };
        let key = (
            r.category,
            provider,
            kind,
            currency,
            pi.is_some(),
            li.is_some(),
        );
        let g = self.groups.entry(key).or_insert((0, 0, 0));
        g.0 += 1;
        g.1 += pi.and_then(|i| p.amount.get(i)).unwrap_or(0);
        g.2 += li.and_then(|j| l.amount.get(j)).map_or(0, |a| a.abs());
    }
}

/// The result for `summary.json` alone ([`Gather::Summary`]): the threads' sums merged on the
/// text of their keys, one row per group with its `weight` (the count) and sums. It replaces
/// keeping and gathering every row only to group their text again.
fn summary_frame(parts: &[Sums<'_>]) -> Result<DataFrame> {
    type Key<'k> = (
        Category,
        Option<&'k str>,
        Option<&'k str>,
        Option<&'k str>,
        bool,
        bool,
    );
    let mut groups: PlHashMap<Key<'_>, (u64, i128, i128)> = PlHashMap::new();
    for part in parts {
        for (&(cat, prov, kind, cur, has_p, has_l), &(count, p_sum, l_sum)) in &part.groups {
            let key = (
                cat,
                part.providers.name(prov),
                part.kinds.name(kind),
                part.currencies.name(cur),
                has_p,
                has_l,
            );
            let g = groups.entry(key).or_insert((0, 0, 0));
            g.0 += count;
            g.1 += p_sum;
            g.2 += l_sum;
        }
    }
    let n = groups.len();
    let (mut category, mut weight) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut pp, mut pk, mut pc, mut pa) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut le, mut lp, mut lk, mut lc, mut la) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((cat, pv, kv, cv, has_p, has_l), (count, p_sum, l_sum)) in groups {
        category.push(cat.as_str());
        weight.push(count);
        pp.push(pv.filter(|_| has_p));
        pk.push(kv.filter(|_| has_p));
        pc.push(cv.filter(|_| has_p));
        pa.push(has_p.then_some(p_sum));
        le.push(has_l.then_some("*"));
        lp.push(pv.filter(|_| !has_p && has_l));
        lk.push(kv.filter(|_| !has_p && has_l));
        lc.push(cv.filter(|_| !has_p && has_l));
        la.push(has_l.then_some(l_sum));
    }
    let columns = vec![
        Column::new("category".into(), category),
        Column::new(super::WEIGHT.into(), weight),
        Column::new("p_provider".into(), pp),
        Column::new("p_kind".into(), pk),
        Column::new("p_currency".into(), pc),
        crate::normalize::units_col("p_amount", &pa),
        Column::new("l_entry_id".into(), le),
        Column::new("l_provider".into(), lp),
        Column::new("l_kind".into(), lk),
        Column::new("l_currency".into(), lc),
        crate::normalize::units_col("l_amount", &la),
    ];
    Ok(DataFrame::new(n, columns)?)
}

/// The `category` column: the thirteen names once, and each row a view of one of them (a gather
/// by category code) rather than a copy of its text.
fn category_column(rows: &[&Row]) -> Result<Column> {
    let names = StringChunked::from_iter_values(
        "category".into(),
        Category::ALL.iter().map(|c| c.as_str()),
    );
    let codes: IdxCa = rows
        .iter()
        .map(|r| {
            Category::ALL
                .iter()
                .position(|c| *c == r.category)
                .map(|i| i as IdxSize)
        })
        .collect();
    Ok(names.take(&codes)?.into_column())
}

/// The result frame: positions, how matched, flags, category, then every provider column
/// (`p_`) and ledger column (`l_`) gathered by position.
fn frame(provider: &DataFrame, ledger: &DataFrame, rows: &[&Row]) -> Result<DataFrame> {
    let n = rows.len();
    let p_idx: IdxCa = rows.iter().map(|r| r.p.map(|x| x as IdxSize)).collect();
    let l_idx: IdxCa = rows.iter().map(|r| r.l.map(|x| x as IdxSize)).collect();
    let flag = |name: &str, k: usize| -> Column {
        Column::new(
            name.into(),
            rows.iter().map(|r| r.flags[k]).collect::<Vec<bool>>(),
        )
    };
    let mut columns = vec![
        p_idx.clone().with_name("p_row".into()).into_column(),
        l_idx.clone().with_name("l_row".into()).into_column(),
        category_column(rows)?,
        Column::new(
            "match_key".into(),
            rows.iter().map(|r| r.key).collect::<Vec<Option<&str>>>(),
        ),
        flag("status_diff", 0),
        flag("currency_diff", 1),
        flag("amount_diff", 2),
        flag("sign_diff", 3),
        flag("fee_diff", 4),
        flag("timing", 5),
        Column::new(
            "p_primary".into(),
            rows.iter()
                .map(|r| r.p_primary)
                .collect::<Vec<Option<bool>>>(),
        ),
        Column::new(
            "l_primary".into(),
            rows.iter()
                .map(|r| r.l_primary)
                .collect::<Vec<Option<bool>>>(),
        ),
    ];
    for (from, names, prefix, idx) in [
        (provider, &P_COLS[..], "p_", &p_idx),
        (ledger, &L_COLS[..], "l_", &l_idx),
    ] {
        let picked = from.select(names.iter().copied())?.take(idx)?;
        for c in picked.columns() {
            let mut c = c.clone();
            c.rename(format!("{prefix}{}", c.name()).into());
            columns.push(c);
        }
    }
    Ok(DataFrame::new(n, columns)?)
}
