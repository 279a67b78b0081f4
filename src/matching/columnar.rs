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

use hashbrown::{DefaultHashBuilder, HashSet};
use polars::prelude::*;

use super::classify::{Judge, Row, NONE};
use super::groups;
use super::ledger_rules;
use super::matches::{How, Matches};
use super::pair::{key_of, pair_on, Key};
use super::rules::FLAGS;
use super::side::Side;
use super::suggest;
use super::summaries;
use super::sums::{summary_frame, Sums};
use super::{Category, Gather, MatchOptions, L_COLS, L_SHARED, P_COLS, P_SHARED};
use crate::error::Result;
use crate::period::epoch_days;

/// Reconciles `provider` against `ledger`: the same result frame as the oracle (see
/// [`super::reconcile`]).
pub fn reconcile(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
) -> Result<DataFrame> {
    run(provider, ledger, opts, None)
}

/// The engine with the key passes' pairs (tx id, order id) given, as a results table computed
/// elsewhere made them ([`super::external`]): the passes after them — the summaries and the
/// configured rules, which the SQL statement does not express — run here, over the same
/// windows and primaries, so the rows are the engine's.
pub(super) fn reconcile_after_keys(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
    keys: &[(u32, u32, How)],
) -> Result<DataFrame> {
    run(provider, ledger, opts, Some(keys))
}

fn run(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
    keys: Option<&[(u32, u32, How)]>,
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
    let (mut ps, mut ls) = (ps?, ls?);
    let (p, l) = (&ps.c, &ls.c);
    let (p_primary, l_primary) = (&ps.primary, &ls.primary);
    let (p_win, l_win) = (&ps.window, &ls.window);
    tracing::debug!("engine: read, windows and primaries");

    let m = pair_passes(&ps, &ls, (provider.height(), ledger.height()), opts, keys);
    // The key hashes and duplicate groups served the passes; at 10^7 rows a side they are
    // 300 MB the classifying and the result's columns can use.
    // (Field by field: the rest of each side stays borrowed.)
    (ps.tx_hash, ps.order_hash, ps.multi) = (Vec::new(), Vec::new(), Vec::new());
    (ls.tx_hash, ls.order_hash, ls.multi) = (Vec::new(), Vec::new(), Vec::new());

    // Stages 3-5: one row per provider item in the window (with its partner), one per ledger
    // item left, one per group member; kept when either side (or the group's one record) is in
    // the period.
    let judge = Judge::new(p, l, p_primary, l_primary, opts, (pf, pl));
    let m = &m;
    let provider_rows = |win: &[u32], out: &mut dyn FnMut(Row)| {
        for &pr in win {
            if m.p_group[pr as usize] != NONE {
                continue;
            }
            let partner = m.p_partner[pr as usize];
            let lr = partner.map(|(lr, _)| lr);
            if judge.p_in(pr) || lr.is_some_and(|lr| judge.l_in(lr)) {
                let mut row = judge.classify(Some(pr), lr, partner.map(|x| x.1));
                if lr.is_none() {
                    row.candidates = m.p_candidates.get(&pr).copied().unwrap_or(0);
                    row.rule = m.p_rule_candidates.get(&pr).copied();
                }
                out(row);
            }
        }
    };
    let ledger_rows = |win: &[u32], out: &mut dyn FnMut(Row)| {
        for &lr in win {
            if m.l_free(lr) && judge.l_in(lr) {
                let mut row = judge.classify(None, Some(lr), None);
                row.candidates = m.l_candidates.get(&lr).copied().unwrap_or(0);
                row.rule = m.l_rule_candidates.get(&lr).copied();
                out(row);
            }
        }
        for (g, group) in m.groups.iter().enumerate() {
            let (one_p, one_l) = group.one();
            let one_in =
                one_p.is_some_and(|r| judge.p_in(r)) || one_l.is_some_and(|r| judge.l_in(r));
            for (pr, lr) in group.rows() {
                let shown = one_in
                    || pr.is_some_and(|r| judge.p_in(r))
                    || lr.is_some_and(|r| judge.l_in(r));
                if shown {
                    out(judge.member(group, g as u32, pr, lr));
                }
            }
        }
        judge.summary_rows(m, out);
    };
    // Two threads: the provider items' first half on one, the rest and the ledger's on the
    // other. (Order does not matter here: the rows are ordered afterwards when it does.)
    let (first, second) = p_win.split_at(p_win.len() / 2);
    // A summary-only result adds rows up by their own columns; a summary line's figure is not
    // one of them, so with summaries every row is kept.
    if opts.gather == Gather::Summary && opts.summaries.is_empty() {
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
    finish(provider, ledger, rows, &judge, m, opts.gather)
}

/// Stage 2 (with stage 6's groups before each key), the summaries and the configured rules,
/// then stage 6's confirmed pairs and suggestions after every exact pass: tx id, then order id,
/// among primaries, unless `keys` gives those pairs. `heights` are the provider and ledger
/// tables' row counts.
fn pair_passes(
    ps: &Side<'_>,
    ls: &Side<'_>,
    heights: (usize, usize),
    opts: &MatchOptions,
    keys: Option<&[(u32, u32, How)]>,
) -> Matches {
    let (p, l) = (&ps.c, &ls.c);
    let (p_primary, l_primary) = (&ps.primary, &ls.primary);
    let (p_win, l_win) = (&ps.window, &ls.window);
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
    let amount_units = opts.amount_tolerance.units();
    let mut m = Matches::new(heights.0, heights.1);

    let free_p = |m: &Matches, rows: &[u32]| -> Vec<u32> {
        rows.iter().copied().filter(|&r| m.p_free(r)).collect()
    };
    let free_l = |m: &Matches, rows: &[u32]| -> Vec<u32> {
        rows.iter().copied().filter(|&r| m.l_free(r)).collect()
    };
    let (pp_left, lp_left) = match keys {
        Some(keys) => {
            for &(pr, lr, how) in keys {
                m.pair(pr, lr, how);
            }
            (free_p(&m, &pp), free_l(&m, &lp))
        }
        None => key_passes(ps, ls, (pp, lp), opts, &amount_units, &mut m),
    };
    tracing::debug!("engine: paired on order id");
    // The summary journals: each line against its records' sum. Their lines, matched or not,
    // take no part in the later passes.
    let mut lp_left = lp_left;
    if !opts.summaries.is_empty() {
        let (pp_now, lp_now) = (free_p(&m, &pp_left), free_l(&m, &lp_left));
        let lines = summaries::run(
            &opts.summaries,
            p,
            l,
            &pp_now,
            &lp_now,
            &summaries::Terms {
                tolerance: &amount_units,
                fx: opts.fx.as_ref(),
                signed_ledger: opts.signed_ledger,
            },
            &mut m,
        );
        lp_left.retain(|r| lines.binary_search(r).is_err());
        tracing::debug!(summed = m.summed.len(), "engine: the summaries");
    }
    if !opts.rules.is_empty() {
        let (pp_left, lp_left) = (free_p(&m, &pp_left), free_l(&m, &lp_left));
        let counts = ledger_rules::run(
            &opts.rules,
            ps,
            ls,
            &pp_left,
            &lp_left,
            ledger_rules::Amounts {
                tolerance: &amount_units,
                fx: opts.fx.as_ref(),
            },
            &mut m,
        );
        tracing::debug!(?counts, "engine: the configured rules");
    }
    // Stage 6, after every exact pass: what a person confirmed, then suggestions.
    suggest::confirmed(&opts.decided.confirmed, heights.0, heights.1, &mut m);
    if let Some(days) = opts.loose.suggest_window_days {
        let rejected: HashSet<(u32, u32)> = opts.decided.rejected.iter().copied().collect();
        let rules = suggest::Rules {
            tolerance: &amount_units,
            window_days: days,
            rejected: &rejected,
        };
        let (pp_left, lp_left) = (free_p(&m, &pp_left), free_l(&m, &lp_left));
        suggest::suggest(ps, ls, &pp_left, &lp_left, &rules, &mut m);
    }
    tracing::debug!(groups = m.groups.len(), "engine: paired");
    m
}

/// Stage 2 with stage 6's groups before each key: tx id, then order id, among the primaries
/// `pp` and `lp`. Returns what the tx id pass left (a superset of what is still free).
fn key_passes(
    ps: &Side<'_>,
    ls: &Side<'_>,
    (pp, lp): (Vec<u32>, Vec<u32>),
    opts: &MatchOptions,
    amount_units: &crate::tolerance::Units<'_>,
    m: &mut Matches,
) -> (Vec<u32>, Vec<u32>) {
    let (p, l) = (&ps.c, &ls.c);
    let l_primary = &ls.primary;
    let free_p = |m: &Matches, rows: &[u32]| -> Vec<u32> {
        rows.iter().copied().filter(|&r| m.p_free(r)).collect()
    };
    let free_l = |m: &Matches, rows: &[u32]| -> Vec<u32> {
        rows.iter().copied().filter(|&r| m.l_free(r)).collect()
    };
    // Equal keys hash alike, so the rows split by one bit of the key's hash into two halves
    // that pair independently (the tie rule works within one key value), one per thread.
    let pair = |pr: &[u32], lr: &[u32], order: bool| {
        let (pv, ph) = key_of(ps, order);
        let (lv, lh) = key_of(ls, order);
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
    for &(pr, lr) in &by_tx {
        m.pair(pr, lr, How::TxId);
    }
    tracing::debug!("engine: paired on tx id");
    if opts.loose.groups {
        groups::on_tx_id(ps, ls, amount_units, m);
    }
    drop(by_tx);
    tracing::debug!("engine: groups on tx id");
    // What the tx id pass left (a few percent): every later pass works on these lists.
    let (pp_left, lp_left) = (free_p(m, &pp), free_l(m, &lp));
    drop((pp, lp));
    if opts.loose.groups {
        // The ledger entries the tx id pass left, each with its duplicates.
        let mut l_left = lp_left.clone();
        for g in &ls.multi {
            if g.iter().any(|&r| l_primary[r as usize] && m.l_free(r)) {
                l_left.extend(g.iter().copied().filter(|&r| !l_primary[r as usize]));
            }
        }
        l_left.sort_unstable();
        groups::on_order_id(ps, ls, &pp_left, &l_left, amount_units, m);
    }
    tracing::debug!("engine: groups on order id");
    let (pp_left, lp_left) = (free_p(m, &pp_left), free_l(m, &lp_left));
    for (pr, lr) in pair(&pp_left, &lp_left, true) {
        m.pair(pr, lr, How::OrderId);
    }
    (pp_left, lp_left)
}

/// With `[fx]`, a pair in two currencies: the conversion in words for its detail and the FX
/// difference (booked − converted, in the ledger's currency, in units); or why there was no rate.
fn fx_words(j: &Judge<'_, '_>, i: usize, e: usize) -> (Option<String>, Option<i128>) {
    let Some(fx) = j.fx else {
        return (None, None);
    };
    let (Some(from), Some(to)) = (j.p.currency.get(i), j.l.currency.get(e)) else {
        return (None, None);
    };
    if from == to {
        return (None, None);
    }
    let day = |d: i32| crate::period::from_epoch_days(d).to_string();
    let Some(c) = j.converted(i, e) else {
        let on = j.p.day.get(i).map(day).unwrap_or_default();
        return (
            Some(format!(
                "no {from}→{to} rate on or before {on} (at most {} days older) in {}",
                fx.max_rate_age_days, fx.source
            )),
            None,
        );
    };
    let (Some(a), Some(b)) = (j.p.amount.get(i), j.l.amount.get(e)) else {
        return (None, None);
    };
    let booked = crate::money::from_units(b).abs();
    // At the ledger currency's minor units, as accounting books the converted amount (and so
    // the FX difference): 234.52 EUR, not 234.51851852.
    let units = crate::money::minor_units(to).unwrap_or(2);
    let converted = c
        .amount
        .round_dp_with_strategy(units, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let difference = booked - converted;
    let words = format!(
        "converted at {} {from}→{to} (the rate of {}): {} {from} is {} {to}, booked {} {to}; FX difference {} {to}{}",
        crate::money::format(c.rate.round_dp(crate::money::SCALE)),
        day(c.day),
        crate::money::format(crate::money::from_units(a)),
        crate::money::format(converted),
        crate::money::format(booked),
        crate::money::format(difference),
        if fx.agrees(c.amount, booked) {
            format!(", within {} of it", crate::money::format(fx.tolerance_relative))
        } else {
            format!(", beyond the relative tolerance {}", crate::money::format(fx.tolerance_relative))
        }
    );
    (Some(words), Some(crate::money::to_units(difference)))
}

/// The classified rows in the output order, with every column `gather` asks for: the result
/// frame.
pub(super) fn finish(
    provider: &DataFrame,
    ledger: &DataFrame,
    rows: Vec<Row>,
    judge: &Judge<'_, '_>,
    m: &Matches,
    gather: Gather,
) -> Result<DataFrame> {
    let (p, l) = (judge.p, judge.l);
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
        group: u32,
        /// A summary group's rows: its line first, then its records in input order.
        summed: u32,
        member: u32,
        p: Option<u32>,
        l: Option<u32>,
    }
    let keys: Vec<SortKey<'_>> = rows
        .iter()
        .map(|r| {
            // A group's members sort where its first row (the one record's) sorts, together;
            // a summary's where its line (or its first record) sorts.
            let summed = m.summed.get(r.summed as usize);
            let (kp, kl) = match (m.groups.get(r.group as usize), summed) {
                (Some(g), _) => (g.p.first().copied(), g.l.first().copied()),
                (None, Some(s)) if s.line.is_some() => (None, s.line),
                (None, Some(s)) => (s.records.first().copied(), None),
                (None, None) => (r.p, r.l),
            };
            let member = match (summed, r.p) {
                (Some(s), Some(pr)) if s.line.is_some() => {
                    1 + s.records.binary_search(&pr).unwrap_or(0) as u32
                }
                _ => 0,
            };
            let pi = kp.map(|x| x as usize);
            let li = kl.map(|x| x as usize);
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
                group: r.group,
                summed: r.summed,
                member,
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
            .then_with(|| x.group.cmp(&y.group))
            .then_with(|| x.summed.cmp(&y.summed))
            .then_with(|| x.member.cmp(&y.member))
            .then_with(|| nulls_last(x.p, y.p))
            .then_with(|| nulls_last(x.l, y.l))
    });
    // The keys are a tenth of a kilobyte a row: gone before the columns are made.
    drop(keys);
    let rows: Vec<&Row> = order.iter().map(|&i| &rows[i as usize]).collect();
    drop(order);
    tracing::debug!("engine: ordered");
    let carried = match gather {
        Gather::Positions => (&P_SHARED[..], &L_SHARED[..]),
        _ => (&P_COLS[..], &L_COLS[..]),
    };
    let out = frame((provider, ledger), carried, &rows, &Matched { judge, m });
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

/// The result frame: positions, how matched, flags, category, then the `carried` provider
/// columns (`p_`) and ledger columns (`l_`) gathered by position.
fn frame(
    (provider, ledger): (&DataFrame, &DataFrame),
    carried: (&[&str], &[&str]),
    rows: &[&Row],
    matched: &Matched<'_, '_, '_>,
) -> Result<DataFrame> {
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
            rows.iter()
                .map(|r| r.how.map(How::as_str))
                .collect::<Vec<Option<&str>>>(),
        ),
    ];
    columns.extend(FLAGS.iter().map(|f| flag(f.column(), f.index())));
    columns.extend([
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
    ]);
    columns.extend(matched.columns(rows));
    tracing::debug!("engine: match columns");
    for (from, names, prefix, idx) in [
        (provider, carried.0, "p_", &p_idx),
        (ledger, carried.1, "l_", &l_idx),
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

/// What the match columns are computed from: the rules and the passes' decisions.
struct Matched<'j, 'c, 'a> {
    judge: &'j Judge<'c, 'a>,
    m: &'j Matches,
}

impl Matched<'_, '_, '_> {
    /// `match_id`, `match_size`, `match_sum`, `amount_tolerance`, `fee_tolerance`,
    /// `candidates` (see [`super::MATCH_COLS`]).
    fn columns(&self, rows: &[&Row]) -> Vec<Column> {
        let (p, l, j) = (self.judge.p, self.judge.l, self.judge);
        let n = rows.len();
        let mut id = StringChunkedBuilder::new("match_id".into(), n);
        let mut ids = super::MatchIds::default();
        // Built in place: a `Vec<Option<i128>>` is twice the column it becomes.
        let units = |name: &str| PrimitiveChunkedBuilder::<Int128Type>::new(name.into(), n);
        let (mut sum, mut amount_tol, mut fee_tol) = (
            units("match_sum"),
            units("amount_tolerance"),
            units("fee_tolerance"),
        );
        let (mut size, mut candidates) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut summary_ids: Vec<Option<String>> = vec![None; self.m.summed.len()];
        for r in rows {
            if let Some(s) = self.m.summed.get(r.summed as usize) {
                // Once per group: a line may cover a hundred thousand records.
                let text = summary_ids[r.summed as usize].get_or_insert_with(|| {
                    let keys = summary_keys(j, s);
                    let keys: Vec<Option<&str>> = keys.iter().map(|k| k.as_deref()).collect();
                    ids.id(&keys).to_string()
                });
                id.append_value(text.as_str());
                size.push(Some(s.records.len() as u32));
                sum.append_value(s.figure);
                amount_tol.append_option(if r.l.is_some() { s.tolerance } else { None });
                fee_tol.append_null();
                candidates.push(None);
                continue;
            }
            let group = self.m.groups.get(r.group as usize);
            let provider =
                r.p.and_then(|i| p.provider.get(i as usize))
                    .or_else(|| r.l.and_then(|i| l.provider.get(i as usize)));
            let keys = match (group, r.p, r.l) {
                (Some(g), _, _) => Some(match g.one() {
                    (Some(one), _) => [provider, Some("group"), p.tx_id.get(one as usize)],
                    (_, one) => [
                        provider,
                        Some("group"),
                        one.and_then(|o| l.extra.get(o as usize)),
                    ],
                }),
                (None, Some(i), Some(e)) => {
                    Some([provider, p.tx_id.get(i as usize), l.extra.get(e as usize)])
                }
                _ => None,
            };
            match keys {
                Some(keys) => id.append_value(ids.id(&keys)),
                None => id.append_null(),
            }
            size.push(group.map(|g| g.p.len().max(g.l.len()) as u32));
            sum.append_option(group.map(|g| g.sum));
            // The tolerance a pair's amount (or fee) difference was judged by, when there was
            // a difference and the rule allows any.
            let (mut at, mut ft) = (None, None);
            if let (Some(i), Some(e)) = (r.p.map(|x| x as usize), r.l.map(|x| x as usize)) {
                let currency = p.currency.get(i);
                let (pa, la) = match group {
                    Some(g) if g.p.len() > 1 => (Some(g.sum), l.amount.get(e).map(i128::abs)),
                    Some(g) => (p.amount.get(i), Some(g.sum)),
                    None => (p.amount.get(i), l.amount.get(e).map(i128::abs)),
                };
                if let (Some(a), Some(b)) = (pa, la) {
                    if a != b && !j.amount.is_zero() {
                        at = Some(j.amount.effective(currency, a));
                    }
                }
                if let (Some(lf), false) = (l.fee.get(e), j.fee.is_zero()) {
                    let pf = p.fee.get(i).unwrap_or(0);
                    if pf != lf && group.is_none() {
                        ft = Some(j.fee.effective(currency, pf));
                    }
                }
            }
            amount_tol.append_option(at);
            fee_tol.append_option(ft);
            candidates.push((r.candidates > 0).then_some(r.candidates));
        }
        let mut columns = vec![
            id.finish().into_column(),
            Column::new("match_size".into(), size),
            crate::columns::units_of(sum.finish()),
            crate::columns::units_of(amount_tol.finish()),
            crate::columns::units_of(fee_tol.finish()),
            Column::new("candidates".into(), candidates),
        ];
        // Only when configured: at 10^7 rows each of these is a few hundred MB of nothing
        // otherwise (a missing result column reads as empty, `crate::results`).
        if !j.rules.is_empty() {
            columns.extend(rule_columns(rows, j.rules));
        }
        if j.fx.is_some() {
            columns.extend(fx_columns(rows, j, self.m));
        }
        if !j.summaries.is_empty() {
            let summed = |r: &&Row| self.m.summed.get(r.summed as usize);
            columns.push(Column::new(
                "summary".into(),
                rows.iter()
                    .map(|r| {
                        let s = summed(r)?;
                        j.summaries.get(s.summary as usize).map(|x| x.name.as_str())
                    })
                    .collect::<Vec<Option<&str>>>(),
            ));
            // The line's difference from its records' figure, on the line's row.
            let difference: Vec<Option<i128>> = rows
                .iter()
                .map(|r| {
                    summed(r)
                        .filter(|_| r.l.is_some())
                        .and_then(|s| s.difference())
                })
                .collect();
            columns.push(crate::columns::units_col("summary_difference", &difference));
        }
        columns
    }
}

/// A summary group's match id keys: the provider (when the summary groups by it), the
/// summary's name, and the line's entry id, or, for a group with no line, its day, currency and
/// kind. Every row of the group carries it.
fn summary_keys<'a>(j: &Judge<'_, 'a>, s: &super::matches::Summed) -> [Option<String>; 6] {
    let config = j.summaries.get(s.summary as usize);
    let name = config.map(|x| x.name.clone());
    let by_provider = config.is_some_and(|x| x.by_provider);
    let by_kind = config.is_some_and(|x| x.by_kind);
    let (p, l) = (j.p, j.l);
    let owned = |v: Option<&str>| v.map(str::to_string);
    match (s.line, s.records.first()) {
        (Some(lr), _) => [
            owned(l.provider.get(lr as usize).filter(|_| by_provider)),
            Some("summary".into()),
            name,
            owned(l.extra.get(lr as usize)),
            None,
            None,
        ],
        (None, first) => {
            let i = first.map(|&r| r as usize);
            [
                owned(i.and_then(|i| p.provider.get(i)).filter(|_| by_provider)),
                Some("summary-group".into()),
                name,
                s.day.map(|d| crate::period::from_epoch_days(d).to_string()),
                owned(i.and_then(|i| p.currency.get(i))),
                owned(i.and_then(|i| p.kind.get(i)).filter(|_| by_kind)),
            ]
        }
    }
}

/// `rule` (the configured rule that paired a row, or left it with several candidates) and
/// `rule_candidates` (how many, then).
fn rule_columns(rows: &[&Row], rules: &[super::ledger_rules::MatchRule]) -> [Column; 2] {
    let name = |k: u16| rules.get(k as usize).map(|x| x.name.as_str());
    let (rule, candidates): (Vec<Option<&str>>, Vec<Option<u32>>) = rows
        .iter()
        .map(|r| match (r.how, r.rule) {
            (Some(How::Rule(k) | How::RuleSuggested(k)), _) => (name(k), None),
            (_, Some((k, count))) => (name(k), Some(count)),
            _ => (None, None),
        })
        .unzip();
    [
        Column::new("rule".into(), rule),
        Column::new("rule_candidates".into(), candidates),
    ]
}

/// `fx` (a converted pair's conversion in words, or why there was no rate) and
/// `fx_difference`, for the pairs outside groups.
fn fx_columns(rows: &[&Row], j: &Judge<'_, '_>, m: &Matches) -> [Column; 2] {
    let (text, difference): (Vec<Option<String>>, Vec<Option<i128>>) = rows
        .iter()
        .map(
            |r| match (r.p, r.l, r.group, m.summed.get(r.summed as usize)) {
                // A summary's line (or group with no line): what `[fx]` converted, in words.
                (_, l, _, Some(s)) if l.is_some() || s.line.is_none() => (s.fx.clone(), None),
                (_, _, _, Some(_)) => (None, None),
                (Some(i), Some(e), NONE, None) => fx_words(j, i as usize, e as usize),
                _ => (None, None),
            },
        )
        .unzip();
    [
        Column::new("fx".into(), text),
        crate::columns::units_col("fx_difference", &difference),
    ]
}
