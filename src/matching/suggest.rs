//! Stage 6, suggestions: after every exact pass, a loose candidate for a person to confirm.
//!
//! A provider record left unmatched and a ledger entry left unmatched are *candidates* for each
//! other when the entry allows the record's provider and kind (an entry without one allows any),
//! both are in one currency, their amounts are within the tolerance and their times within
//! `suggest_window_days`. A candidate unique in both directions becomes one `suggested_match`
//! row, never a match: a typed-wrong reference and a coincidence look the same to a program.
//! Rows whose candidate is not unique both ways stay unmatched and say how many candidates they
//! have. A pair a person rejected in the store is never a candidate again; one they confirmed
//! is paired before any of this, whatever the candidates.
//!
//! Only provider records that should have been booked take part (not failed, reversed or
//! pending ones), and only primaries on both sides (a duplicate is already explained). The
//! ledger has no card column, so the card is not compared.

use hashbrown::{HashMap, HashSet};

use super::matches::{How, Matches};
use super::pair::compatible;
use super::side::Side;
use crate::tolerance::Units;

/// Microseconds in a day.
const DAY_MICROS: i64 = 86_400_000_000;

/// Whether a provider record in this status should have been booked: not a failed, reversed
/// or pending one. Only these take part in the loose passes (the suggestions here and the
/// configured rules, `ledger_rules`).
pub(super) fn to_be_booked(status: Option<&str>) -> bool {
    !matches!(status, Some("failed" | "reversed" | "pending"))
}

/// Pairs the confirmed pairs still free (rows on each side), then suggests.
pub(super) fn confirmed(pairs: &[(u32, u32)], p_len: usize, l_len: usize, m: &mut Matches) {
    for &(p, l) in pairs {
        if (p as usize) < p_len && (l as usize) < l_len && m.p_free(p) && m.l_free(l) {
            m.pair(p, l, How::Confirmed);
        }
    }
}

/// What makes two free rows candidates, besides their sides' columns.
pub(super) struct Rules<'r> {
    pub(super) tolerance: &'r Units<'r>,
    pub(super) window_days: u32,
    /// Pairs a person rejected: never candidates.
    pub(super) rejected: &'r HashSet<(u32, u32)>,
}

/// Finds the candidates of every free provider primary in `pp` among the free ledger primaries
/// in `lp`, and suggests the pairs unique both ways.
pub(super) fn suggest(
    ps: &Side<'_>,
    ls: &Side<'_>,
    pp: &[u32],
    lp: &[u32],
    rules: &Rules<'_>,
    m: &mut Matches,
) {
    let (tol, window_days, rejected) = (rules.tolerance, rules.window_days, rules.rejected);
    let (p, l) = (&ps.c, &ls.c);
    let window = i64::from(window_days).saturating_mul(DAY_MICROS);
    // The free ledger primaries by currency, sorted by magnitude.
    let mut by_currency: HashMap<&str, Vec<(i128, u32)>> = HashMap::new();
    for &lr in lp {
        let j = lr as usize;
        if !m.l_free(lr) {
            continue;
        }
        if let (Some(c), Some(a)) = (l.currency.get(j), l.amount.get(j)) {
            by_currency.entry(c).or_default().push((a.abs(), lr));
        }
    }
    // As a list, so the provider rows below name their currency by its place in it.
    let by_currency: Vec<(&str, Vec<(i128, u32)>)> = by_currency
        .into_iter()
        .map(|(c, mut v)| {
            v.sort_unstable();
            (c, v)
        })
        .collect();
    // The provider rows that take part, by currency and amount: consecutive rows then search
    // the same stretch of their currency's sorted entries, which stays in cache (in input order
    // each search was a fresh walk over a list of ~10⁵ entries: 0.14 s at 10⁷ rows). The
    // outcome does not depend on the order: only the counts both ways decide.
    let mut takers: Vec<(usize, i128, u32)> = Vec::new();
    for &pr in pp {
        let i = pr as usize;
        if !m.p_free(pr) || !to_be_booked(p.status.get(i)) {
            continue;
        }
        let (Some(c), Some(a)) = (p.currency.get(i), p.amount.get(i)) else {
            continue;
        };
        if let Some(k) = by_currency.iter().position(|(x, _)| *x == c) {
            takers.push((k, a, pr));
        }
    }
    takers.sort_unstable();
    let mut p_found: Vec<(u32, u32, u32)> = Vec::new(); // (provider row, candidates, the one)
    let mut l_count: HashMap<u32, u32> = HashMap::new();
    for (k, a, pr) in takers {
        let i = pr as usize;
        let (c, sorted) = (by_currency[k].0, &by_currency[k].1);
        let Some(t) = p.time.get(i) else {
            continue;
        };
        let reach = tol.reach(Some(c), a);
        let from = sorted.partition_point(|&(x, _)| x < a.saturating_sub(reach));
        let (mut n, mut one) = (0u32, u32::MAX);
        for &(x, lr) in &sorted[from..] {
            if x > a.saturating_add(reach) {
                break;
            }
            let j = lr as usize;
            let near = l.time.get(j).is_some_and(|u| (u - t).abs() <= window);
            if near
                && tol.allows(Some(c), a, a - x)
                && compatible(p.provider.get(i), l.provider.get(j))
                && compatible(p.kind.get(i), l.kind.get(j))
                && !rejected.contains(&(pr, lr))
            {
                n += 1;
                one = lr;
                *l_count.entry(lr).or_default() += 1;
            }
        }
        if n > 0 {
            p_found.push((pr, n, one));
        }
    }
    for (pr, n, lr) in p_found {
        let back = l_count.get(&lr).copied().unwrap_or(0);
        if n == 1 && back == 1 {
            m.pair(pr, lr, How::Suggested);
        } else {
            m.p_candidates.insert(pr, n);
        }
    }
    for (lr, n) in l_count {
        if m.l_free(lr) {
            m.l_candidates.insert(lr, n);
        }
    }
}
