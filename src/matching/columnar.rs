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

use polars::prelude::*;

use super::{Category, MatchOptions, DEBIT_KINDS, L_COLS, P_COLS};
use crate::error::Result;
use crate::money;
use crate::period::epoch_days;

/// One side's columns, read once.
struct Cols<'a> {
    provider: Vec<Option<&'a str>>,
    tx_id: Vec<Option<&'a str>>,
    order_id: Vec<Option<&'a str>>,
    amount: Vec<Option<i128>>,
    currency: Vec<Option<&'a str>>,
    fee: Vec<Option<i128>>,
    status: Vec<Option<&'a str>>,
    time: Vec<Option<i64>>,
    day: Vec<Option<i32>>,
    /// Provider side: the kind (for the sign rule). Ledger side: the entry id.
    extra: Vec<Option<&'a str>>,
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<Vec<Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter().collect())
}
fn decs(df: &DataFrame, name: &str) -> Result<Vec<Option<i128>>> {
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
    Ok(c.physical().iter().collect())
}
fn times(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = df.column(name)?.datetime()?;
    let scale = match c.time_unit() {
        TimeUnit::Nanoseconds => -1000,
        TimeUnit::Microseconds => 1,
        TimeUnit::Milliseconds => 1000,
    };
    Ok(c.physical()
        .iter()
        .map(|t| t.map(|t| if scale < 0 { t / 1000 } else { t * scale }))
        .collect())
}
fn days(df: &DataFrame, name: &str) -> Result<Vec<Option<i32>>> {
    Ok(df.column(name)?.date()?.physical().iter().collect())
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
        })
    }
}

/// The rows of a side in the window (or carried), in input order.
fn window(c: &Cols<'_>, first: i32, last: i32, carried: &[u32]) -> Vec<u32> {
    let mut keep: Vec<bool> = c
        .day
        .iter()
        .map(|d| d.is_some_and(|d| d >= first && d <= last))
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

/// Marks each group's primary: the earliest `time`, then the first row. `key` gives a row's
/// group (rows with a missing key form one group, as in the oracle's window).
fn primaries<K: std::hash::Hash + Eq>(
    rows: &[u32],
    time: &[Option<i64>],
    len: usize,
    key: impl Fn(u32) -> K,
) -> Vec<bool> {
    let mut best: PlHashMap<K, (Option<i64>, u32)> = PlHashMap::with_capacity(rows.len());
    for &r in rows {
        let t = time[r as usize];
        best.entry(key(r))
            .and_modify(|b| {
                // min over non-null times, then the lowest row among those with it
                if earlier(t, b.0) {
                    *b = (t, r);
                }
            })
            .or_insert((t, r));
    }
    let mut primary = vec![false; len];
    for (_, (_, r)) in best {
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

/// Pairs unmatched primaries on one key (`p_key`, `l_key`), with the oracle's tie rule; a
/// ledger entry with no provider may pair with any provider's record.
fn pair_on<'a>(
    p_rows: &[u32],
    l_rows: &[u32],
    p: &Cols<'a>,
    l: &Cols<'a>,
    p_key: &[Option<&'a str>],
    l_key: &[Option<&'a str>],
) -> Vec<(u32, u32)> {
    let mut by_key: PlHashMap<&str, Vec<u32>> = PlHashMap::with_capacity(l_rows.len());
    for &r in l_rows {
        if let Some(k) = l_key[r as usize] {
            by_key.entry(k).or_default().push(r);
        }
    }
    // Candidates come out in (provider row, ledger row) order: p_rows and each list ascend.
    let mut l_seen: PlHashSet<u32> = PlHashSet::new();
    let mut kept: Vec<(u32, u32)> = Vec::new();
    for &pr in p_rows {
        let Some(k) = p_key[pr as usize] else {
            continue;
        };
        let Some(ls) = by_key.get(k) else { continue };
        for &lr in ls {
            let lp = l.provider[lr as usize];
            if (lp.is_none() || lp == p.provider[pr as usize]) && l_seen.insert(lr) {
                kept.push((pr, lr));
            }
        }
    }
    let mut p_seen: PlHashSet<u32> = PlHashSet::new();
    kept.retain(|(pr, _)| p_seen.insert(*pr));
    kept
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
    let p = Cols::provider_side(provider)?;
    let l = Cols::ledger_side(ledger)?;

    // Stage 1: window and primaries.
    let p_win = window(&p, wf, wl, &opts.carried.0);
    let l_win = window(&l, wf, wl, &opts.carried.1);
    let p_primary = primaries(&p_win, &p.time, provider.height(), |r| {
        (p.provider[r as usize], p.tx_id[r as usize])
    });
    let l_primary = primaries(&l_win, &l.time, ledger.height(), |r| {
        let i = r as usize;
        // (provider or "", then tx id, else order id, else entry id, tagged by which)
        let key = match (l.tx_id[i], l.order_id[i], l.extra[i]) {
            (Some(t), _, _) => Some((0u8, t)),
            (None, Some(o), _) => Some((1, o)),
            (None, None, Some(e)) => Some((2, e)),
            _ => None,
        };
        (l.provider[i].unwrap_or(""), key)
    });

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
    let by_tx = pair_on(&pp, &lp, &p, &l, &p.tx_id, &l.tx_id);
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
    for (pr, lr) in pair_on(&pp_left, &lp_left, &p, &l, &p.order_id, &l.order_id) {
        p_partner[pr as usize] = Some((lr, "order_id"));
        l_paired[lr as usize] = true;
    }

    // Stages 3-5: one row per provider item in the window (with its partner), one per ledger
    // item left, kept when either side is in the period.
    let in_period = |d: Option<i32>| d.is_some_and(|d| d >= pf && d <= pl);
    let mut rows: Vec<Row> = Vec::with_capacity(p_win.len() + l_win.len());
    for &pr in &p_win {
        let i = pr as usize;
        let partner = p_partner[i];
        let lr = partner.map(|(lr, _)| lr);
        let p_in = in_period(p.day[i]);
        let l_in = lr.is_some_and(|lr| in_period(l.day[lr as usize]));
        if !(p_in || l_in) {
            continue;
        }
        rows.push(classify(
            &p,
            &l,
            Some(pr),
            lr,
            partner.map(|x| x.1),
            p_in,
            l_in,
            &p_primary,
            &l_primary,
            opts,
        ));
    }
    for &lr in &l_win {
        if l_paired[lr as usize] || !in_period(l.day[lr as usize]) {
            continue;
        }
        rows.push(classify(
            &p,
            &l,
            None,
            Some(lr),
            None,
            false,
            true,
            &p_primary,
            &l_primary,
            opts,
        ));
    }

    // The order: provider (a rank: few distinct values), time, id, entry id, rows.
    let mut names: Vec<&str> = p
        .provider
        .iter()
        .chain(l.provider.iter())
        .flatten()
        .copied()
        .collect();
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
                    pi.and_then(|i| p.provider[i])
                        .or_else(|| li.and_then(|i| l.provider[i])),
                ),
                time: pi
                    .and_then(|i| p.time[i])
                    .or_else(|| li.and_then(|i| l.time[i])),
                id: pi
                    .and_then(|i| p.tx_id[i])
                    .or_else(|| li.and_then(|i| l.tx_id[i]))
                    .or_else(|| li.and_then(|i| l.order_id[i])),
                entry: li.and_then(|i| l.extra[i]),
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
    frame(provider, ledger, &rows)
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
        flags[0] = differs(p.status[i], l.status[j]);
        flags[1] = differs(p.currency[i], l.currency[j]);
        flags[2] =
            matches!((p.amount[i], l.amount[j]), (Some(a), Some(b)) if (a - b.abs()).abs() > tol);
        if opts.signed_ledger {
            let debit = p.extra[i].is_some_and(|k| DEBIT_KINDS.contains(&k));
            flags[3] = matches!(l.amount[j], Some(a) if a != 0 && (a < 0) != debit);
        }
        flags[4] = match l.fee[j] {
            Some(lf) => (p.fee[i].unwrap_or(0) - lf).abs() > fee_tol,
            None => false,
        };
        flags[5] = p_in != l_in;
    }
    let p_prim = pi.map(|i| p_primary[i]);
    let l_prim = li.map(|j| l_primary[j]);
    let status = pi.and_then(|i| p.status[i]);
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
        Column::new(
            "category".into(),
            rows.iter()
                .map(|r| r.category.as_str())
                .collect::<Vec<&str>>(),
        ),
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
