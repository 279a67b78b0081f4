//! Summary journals (`[[matching.summaries]]`): a general ledger that books one line per
//! provider, accounting day, currency (and kind) — the daily settlement journal — instead of
//! one entry per record. Each line is compared with the sum of the provider records of its
//! group; the records are not matched one by one.
//!
//! What a run shows for a summary:
//! - a line with records: one `summary_matched` or `summary_mismatch` row for the line (the
//!   records' figure, the line's amount, the difference), then one `summarized` row per record,
//!   carrying the line's match id: every in-period record is still in exactly one row;
//! - a group of records with no line: one `summary_missing` row for the group (its sum, count
//!   and day), not a row per record — a missing line is one thing to book, not a hundred;
//! - a line whose group has no records is left alone, and ends `missing_at_provider` as any
//!   entry with no partner does.
//!
//! **Which entries are lines.** An entry whose `journal` column is the summary's `ledger_kind`.
//! The ledger's `kind` column stays what it is everywhere else (a record kind), so a line that
//! totals one kind says which in it; a summary that does not group by kind compares each line
//! with the day's *net*: debits less credits ([`DEBIT_KINDS`]), in the ledger's sign convention.
//!
//! **Order.** After the tx-id and order-id passes (a record the ledger also booked on its own
//! is matched to that entry, not summed again) and before the configured rules and the
//! suggestions, which never see a line. Summaries run in their configured order; each takes
//! the records of its kinds still free.
//!
//! **Why hashed.** Records and lines are grouped by their key in one pass each; a summary is
//! linear in the records, whatever the number of lines.
//!
//! With `[fx]`, a group of records with no line in its own currency is compared with the line
//! of the same key in another currency, at the rate of the group's day, within the relative
//! tolerance: a journal kept in the functional currency for spend in several.

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::fx::Fx;
use super::matches::{Matches, Summed, SUMMED};
use super::rules::DEBIT_KINDS;
use super::side::Cols;
use crate::tolerance::Units;

/// One summary, as the configuration states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSummary {
    pub name: String,
    /// Entries whose `journal` is this are the summary's lines.
    pub ledger_kind: String,
    /// What one line totals, besides the day and the currency (always part of it).
    pub by_provider: bool,
    /// With the kind: a line totals one kind; without: the day's net.
    pub by_kind: bool,
    /// The record kinds the summary covers (empty: every kind).
    pub kinds: Vec<String>,
    /// How far the line may be from the records' figure; `None`: the `[tolerance]` in force.
    pub tolerance: Option<Decimal>,
}

impl MatchSummary {
    /// The names `group_by` accepts; `day` and `currency` are required.
    pub const GROUP_BY: [&'static str; 4] = ["provider", "day", "currency", "kind"];

    /// `group_by`'s list as (by provider, by kind); `Err` says what is wrong with it.
    pub fn parse_group_by(names: &[String]) -> Result<(bool, bool), String> {
        let (mut provider, mut day, mut currency, mut kind) = (false, false, false, false);
        for n in names {
            match n.trim() {
                "provider" => provider = true,
                "day" => day = true,
                "currency" => currency = true,
                "kind" => kind = true,
                other => {
                    return Err(format!(
                        "`{other}` is not a field a summary groups by ({})",
                        MatchSummary::GROUP_BY.join(", ")
                    ))
                }
            }
        }
        if !day || !currency {
            return Err(
                "must name `day` and `currency`: a line totals one accounting day in one currency (a sum across currencies means nothing, and one across days crosses the period's edges)"
                    .into(),
            );
        }
        Ok((provider, kind))
    }

    fn covers(&self, kind: Option<&str>) -> bool {
        self.kinds.is_empty() || kind.is_some_and(|k| self.kinds.iter().any(|x| x == k))
    }
}

/// How amounts agree, and the ledger's sign convention.
pub(super) struct Terms<'a> {
    pub(super) tolerance: &'a Units<'a>,
    pub(super) fx: Option<&'a Fx>,
    pub(super) signed_ledger: bool,
}

/// A group's key: provider (when grouped by it), day, currency, kind (when grouped by it).
type Key<'a> = (Option<&'a str>, i32, &'a str, Option<&'a str>);
/// The key without the currency: where `[fx]` looks for a line in another currency.
type Across<'a> = (Option<&'a str>, i32, Option<&'a str>);

/// Runs `summaries` in order over the free primaries `pp` and `lp`. Returns every ledger row
/// that is a line of some summary (matched or not): the later passes must not pair one.
pub(super) fn run(
    summaries: &[MatchSummary],
    p: &Cols<'_>,
    l: &Cols<'_>,
    pp: &[u32],
    lp: &[u32],
    terms: &Terms<'_>,
    m: &mut Matches,
) -> Vec<u32> {
    let mut lines_all: Vec<u32> = Vec::new();
    for (k, s) in summaries.iter().enumerate() {
        pass(k as u16, s, p, l, pp, lp, terms, m, &mut lines_all);
    }
    lines_all.sort_unstable();
    lines_all.dedup();
    lines_all
}

/// A line's provider or kind in its key: the value when the summary groups by it (`None`
/// outside, as a line without one is no line of the summary), else `Some(None)`.
fn key_part(grouped: bool, value: Option<&str>) -> Option<Option<&str>> {
    if grouped {
        value.map(Some)
    } else {
        Some(None)
    }
}

#[allow(clippy::too_many_arguments)]
fn pass(
    k: u16,
    s: &MatchSummary,
    p: &Cols<'_>,
    l: &Cols<'_>,
    pp: &[u32],
    lp: &[u32],
    terms: &Terms<'_>,
    m: &mut Matches,
    lines_all: &mut Vec<u32>,
) {
    let Some(journal) = l.journal.as_ref() else {
        return;
    };
    // The lines, by key; the first in input order takes a key (a second line of one group is
    // left alone, and shows as an entry with no partner).
    let mut lines: HashMap<Key<'_>, u32> = HashMap::new();
    // Without the currency: the lines another currency's records may be converted to.
    let mut across: HashMap<Across<'_>, Vec<u32>> = HashMap::new();
    for &lr in lp {
        let j = lr as usize;
        if !m.l_free(lr) || journal.get(j) != Some(s.ledger_kind.as_str()) {
            continue;
        }
        lines_all.push(lr);
        let (Some(day), Some(currency)) = (l.day.get(j), l.currency.get(j)) else {
            continue;
        };
        let (Some(provider), Some(kind)) = (
            key_part(s.by_provider, l.provider.get(j)),
            key_part(s.by_kind, l.kind.get(j)),
        ) else {
            continue;
        };
        if let hashbrown::hash_map::Entry::Vacant(v) = lines.entry((provider, day, currency, kind))
        {
            v.insert(lr);
            across.entry((provider, day, kind)).or_default().push(lr);
        }
    }
    // The records, by key, groups in the order of their first record.
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut groups: Vec<(Key<'_>, Vec<u32>)> = Vec::new();
    for &pr in pp {
        let i = pr as usize;
        if !m.p_free(pr) || p.status.get(i) != Some("success") || !s.covers(p.kind.get(i)) {
            continue;
        }
        let (Some(day), Some(currency)) = (p.day.get(i), p.currency.get(i)) else {
            continue;
        };
        let key = (
            if s.by_provider {
                p.provider.get(i)
            } else {
                None
            },
            day,
            currency,
            if s.by_kind { p.kind.get(i) } else { None },
        );
        let g = *index.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(pr);
    }
    // Each group to its line: the one of its own key, else (with `[fx]`) the one line of its
    // key in another currency.
    struct Line {
        records: Vec<u32>,
        figure: i128,
        converted: Vec<String>,
    }
    let mut by_line: HashMap<u32, Line> = HashMap::new();
    let mut line_order: Vec<u32> = Vec::new();
    // A group with no line: its key, records, figure, and why no rate converted it.
    let mut alone: Vec<(Key<'_>, Vec<u32>, i128, Option<String>)> = Vec::new();
    for (key, records) in groups {
        let figure = figure(s, p, &records);
        let (provider, day, currency, kind) = key;
        let mut target = lines.get(&key).map(|&lr| (lr, None));
        let mut no_rate = None;
        if target.is_none() {
            if let Some(fx) = terms.fx {
                let others: Vec<u32> = across
                    .get(&(provider, day, kind))
                    .map(|v| {
                        v.iter()
                            .copied()
                            .filter(|&lr| l.currency.get(lr as usize) != Some(currency))
                            .collect()
                    })
                    .unwrap_or_default();
                if let [lr] = others[..] {
                    let to = l.currency.get(lr as usize).unwrap_or_default();
                    match fx.convert(currency, to, day, crate::money::from_units(figure)) {
                        Some(c) => {
                            let words = format!(
                                "{} {currency} at {} (the rate of {}) is {} {to}",
                                crate::money::format(crate::money::from_units(figure)),
                                crate::money::format(c.rate.round_dp(crate::money::SCALE)),
                                crate::period::from_epoch_days(c.day),
                                crate::money::format(c.amount.round_dp(crate::money::SCALE)),
                            );
                            target = Some((
                                lr,
                                Some((
                                    crate::money::to_units(c.amount.round_dp(crate::money::SCALE)),
                                    words,
                                )),
                            ));
                        }
                        None => {
                            no_rate = Some(format!(
                                "a {to} line of this group exists, but there is no {currency}→{to} rate on or before {} (at most {} days older) in {}",
                                crate::period::from_epoch_days(day),
                                fx.max_rate_age_days,
                                fx.source
                            ))
                        }
                    }
                }
            }
        }
        match target {
            Some((lr, converted)) => {
                let line = by_line.entry(lr).or_insert_with(|| {
                    line_order.push(lr);
                    Line {
                        records: Vec::new(),
                        figure: 0,
                        converted: Vec::new(),
                    }
                });
                line.records.extend(records);
                match converted {
                    Some((units, words)) => {
                        line.figure += units;
                        line.converted.push(words);
                    }
                    None => line.figure += figure,
                }
            }
            None => alone.push((key, records, figure, no_rate)),
        }
    }
    for lr in line_order {
        let Some(mut line) = by_line.remove(&lr) else {
            continue;
        };
        line.records.sort_unstable();
        let j = lr as usize;
        let currency = l.currency.get(j);
        let booked = l.amount.get(j).map(|a| booked(s, a, terms.signed_ledger));
        let (agrees, tolerance) = match booked {
            None => (false, None),
            Some(b) => judge(
                s,
                terms,
                currency,
                line.figure,
                b,
                !line.converted.is_empty(),
            ),
        };
        let fx = (!line.converted.is_empty()).then(|| line.converted.join("; "));
        let summed = Summed {
            summary: k,
            line: Some(lr),
            records: line.records,
            figure: line.figure,
            booked,
            agrees,
            tolerance,
            fx,
            day: l.day.get(j),
        };
        take(m, summed);
    }
    for ((_, day, _, _), records, figure, no_rate) in alone {
        let summed = Summed {
            summary: k,
            line: None,
            records,
            figure,
            booked: None,
            agrees: false,
            tolerance: None,
            fx: no_rate,
            day: Some(day),
        };
        take(m, summed);
    }
}

/// The records' figure: a kind's sum of magnitudes, or the day's net, debits less credits (a
/// positive net is money out of the cards).
fn figure(s: &MatchSummary, p: &Cols<'_>, records: &[u32]) -> i128 {
    records
        .iter()
        .map(|&r| {
            let i = r as usize;
            let a = p.amount.get(i).unwrap_or(0).abs();
            let debit = p.kind.get(i).is_some_and(|k| DEBIT_KINDS.contains(&k));
            if s.by_kind || debit {
                a
            } else {
                -a
            }
        })
        .sum()
}

/// A line's amount in the figure's terms: its magnitude for a kind; for a net, as booked by an
/// unsigned ledger, negated by a signed one (which books money out negative).
fn booked(s: &MatchSummary, amount: i128, signed_ledger: bool) -> i128 {
    match (s.by_kind, signed_ledger) {
        (true, _) => amount.abs(),
        (false, false) => amount,
        (false, true) => -amount,
    }
}

/// Whether a line agrees with the records' figure, and the tolerance it was judged by (when
/// any difference is allowed): the summary's own, else the `[tolerance]` in force; a converted
/// figure may also differ by `[fx]`'s relative tolerance.
fn judge(
    s: &MatchSummary,
    terms: &Terms<'_>,
    currency: Option<&str>,
    figure: i128,
    booked: i128,
    converted: bool,
) -> (bool, Option<i128>) {
    let d = figure - booked;
    let mut allowed = match s.tolerance {
        Some(t) => crate::money::to_units(t.abs()),
        None => terms.tolerance.effective(currency, figure),
    };
    if converted {
        if let Some(fx) = terms.fx {
            allowed += crate::money::to_units(
                (fx.tolerance_relative * crate::money::from_units(figure)).abs(),
            );
        }
    }
    let agrees = match (s.tolerance, converted) {
        (None, false) => terms.tolerance.allows(currency, figure, d),
        _ => d.abs() <= allowed,
    };
    (agrees, (allowed > 0).then_some(allowed))
}

/// Records `summed` in `m`, its rows taken.
fn take(m: &mut Matches, summed: Summed) {
    let tag = SUMMED | m.summed.len() as u32;
    if let Some(lr) = summed.line {
        m.l_group[lr as usize] = tag;
    }
    for &r in &summed.records {
        m.p_group[r as usize] = tag;
    }
    m.summed.push(summed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_needs_the_day_and_the_currency_and_names_an_unknown_field() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            MatchSummary::parse_group_by(&v(&["provider", "day", "currency", "kind"])),
            Ok((true, true))
        );
        assert_eq!(
            MatchSummary::parse_group_by(&v(&["day", "currency"])),
            Ok((false, false))
        );
        let e = MatchSummary::parse_group_by(&v(&["provider", "day"])).unwrap_err();
        assert!(e.contains("`day` and `currency`"), "{e}");
        let e = MatchSummary::parse_group_by(&v(&["day", "currency", "month"])).unwrap_err();
        assert!(e.contains("`month`") && e.contains("provider, day"), "{e}");
    }
}
