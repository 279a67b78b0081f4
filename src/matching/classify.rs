//! Stages 3-5: what a pair, a group member or a lone item is, by the precedence in [`super`].

use super::matches::{Group, How, Matches};
use super::rules::{by_flags, unmatched_provider, Flag, DEBIT_KINDS, UNMATCHED_LEDGER};
use super::side::Cols;
use super::{Category, MatchOptions};
use crate::tolerance::Units;

/// No group, no candidates.
pub(super) const NONE: u32 = u32::MAX;

/// One result row before it is gathered: positions on each side, how it was matched, its
/// flags and category.
pub(super) struct Row {
    pub(super) p: Option<u32>,
    pub(super) l: Option<u32>,
    pub(super) how: Option<How>,
    pub(super) flags: [bool; 6],
    pub(super) p_primary: Option<bool>,
    pub(super) l_primary: Option<bool>,
    pub(super) category: Category,
    /// The group the row belongs to ([`NONE`] for none).
    pub(super) group: u32,
    /// For a row left unmatched: how many loose candidates it had (0: none).
    pub(super) candidates: u32,
    /// For a row a configured rule left unmatched: the rule and its candidates.
    pub(super) rule: Option<(u16, u32)>,
    /// The summary group (`Matches::summed`) the row belongs to ([`NONE`] for none).
    pub(super) summed: u32,
}

/// What classifying needs besides the row: both sides, the duplicate marks, the rules.
pub(super) struct Judge<'c, 'a> {
    pub(super) p: &'c Cols<'a>,
    pub(super) l: &'c Cols<'a>,
    pub(super) p_primary: &'c [bool],
    pub(super) l_primary: &'c [bool],
    pub(super) amount: Units<'c>,
    pub(super) fee: Units<'c>,
    pub(super) signed_ledger: bool,
    /// The period's first and last accounting day (epoch days).
    pub(super) period: (i32, i32),
    /// The configured rules, for their names.
    pub(super) rules: &'c [super::ledger_rules::MatchRule],
    /// The configured summaries, for their names.
    pub(super) summaries: &'c [super::summaries::MatchSummary],
    /// `[fx]`: pairs in two currencies compared at the day's rate.
    pub(super) fx: Option<&'c super::fx::Fx>,
}

impl<'c, 'a> Judge<'c, 'a> {
    pub(super) fn new(
        p: &'c Cols<'a>,
        l: &'c Cols<'a>,
        p_primary: &'c [bool],
        l_primary: &'c [bool],
        opts: &'c MatchOptions,
        period: (i32, i32),
    ) -> Judge<'c, 'a> {
        Judge {
            p,
            l,
            p_primary,
            l_primary,
            amount: opts.amount_tolerance.units(),
            fee: opts.fee_tolerance.units(),
            signed_ledger: opts.signed_ledger,
            period,
            rules: &opts.rules,
            summaries: &opts.summaries,
            fx: opts.fx.as_ref(),
        }
    }

    pub(super) fn p_in(&self, r: u32) -> bool {
        self.in_period(self.p.day.get(r as usize))
    }

    pub(super) fn l_in(&self, r: u32) -> bool {
        self.in_period(self.l.day.get(r as usize))
    }

    fn in_period(&self, d: Option<i32>) -> bool {
        d.is_some_and(|d| d >= self.period.0 && d <= self.period.1)
    }

    /// The flags every pair is compared on: status, currency, amount, sign, fee, timing.
    fn flags(
        &self,
        i: usize,
        j: usize,
        amounts: Option<(i128, i128)>,
        fees: (i128, Option<i128>),
    ) -> [bool; 6] {
        let (p, l) = (self.p, self.l);
        let mut flags = [false; 6];
        let differs =
            |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if a != b);
        flags[Flag::Status.index()] = differs(p.status.get(i), l.status.get(j));
        flags[Flag::Currency.index()] = differs(p.currency.get(i), l.currency.get(j));
        let currency = p.currency.get(i);
        flags[Flag::Amount.index()] =
            matches!(amounts, Some((a, b)) if !self.amount.allows(currency, a, a - b.abs()));
        // Two currencies and a rate: the ledger amount against the converted one.
        if flags[Flag::Currency.index()] && amounts.is_some() {
            if let Some(c) = self.converted(i, j) {
                flags[Flag::Currency.index()] = false;
                flags[Flag::Amount.index()] = match (self.fx, l.amount.get(j)) {
                    (Some(fx), Some(b)) => !fx.agrees(c.amount, crate::money::from_units(b)),
                    _ => true,
                };
            }
        }
        if self.signed_ledger {
            let debit = p.kind.get(i).is_some_and(|k| DEBIT_KINDS.contains(&k));
            flags[Flag::Sign.index()] =
                matches!(l.amount.get(j), Some(a) if a != 0 && (a < 0) != debit);
        }
        flags[Flag::Fee.index()] = match fees.1 {
            Some(lf) => !self.fee.allows(currency, fees.0, fees.0 - lf),
            None => false,
        };
        flags[Flag::Timing.index()] = self.p_in(i as u32) != self.l_in(j as u32);
        flags
    }

    /// With `[fx]`, provider row `i`'s amount in ledger row `j`'s currency at the rate of the
    /// provider's day, when their currencies differ and a rate is known.
    pub(super) fn converted(&self, i: usize, j: usize) -> Option<super::fx::Converted> {
        let fx = self.fx?;
        let (from, to) = (self.p.currency.get(i)?, self.l.currency.get(j)?);
        if from == to {
            return None;
        }
        let amount = crate::money::from_units(self.p.amount.get(i)?);
        fx.convert(from, to, self.p.day.get(i)?, amount)
    }

    /// A pair (or a lone item) by the precedence duplicate > suggestion > status > currency >
    /// amount > fee > timing.
    pub(super) fn classify(&self, pr: Option<u32>, lr: Option<u32>, how: Option<How>) -> Row {
        let (p, l) = (self.p, self.l);
        let pi = pr.map(|x| x as usize);
        let li = lr.map(|x| x as usize);
        let paired = pi.is_some() && li.is_some();
        let flags = match (pi, li) {
            (Some(i), Some(j)) => {
                let amounts = p.amount.get(i).zip(l.amount.get(j));
                self.flags(i, j, amounts, (p.fee.get(i).unwrap_or(0), l.fee.get(j)))
            }
            _ => [false; 6],
        };
        let p_prim = pi.map(|i| self.p_primary[i]);
        let l_prim = li.map(|j| self.l_primary[j]);
        let status = pi.and_then(|i| p.status.get(i));
        let category = if p_prim == Some(false) {
            Category::DuplicateAtProvider
        } else if l_prim == Some(false) {
            Category::DuplicateInLedger
        } else if matches!(how, Some(How::Suggested | How::RuleSuggested(_))) {
            // Only a suggestion, whatever else differs: the flags still show what does.
            Category::SuggestedMatch
        } else if let Some(c) = by_flags(&flags) {
            c
        } else if paired {
            Category::Matched
        } else if pi.is_some() {
            unmatched_provider(status)
        } else {
            UNMATCHED_LEDGER
        };
        Row {
            p: pr,
            l: lr,
            how,
            flags,
            p_primary: p_prim,
            l_primary: l_prim,
            category,
            group: NONE,
            candidates: 0,
            rule: None,
            summed: NONE,
        }
    }

    /// A member of group `g`: compared with the group's one record for status, sign and timing;
    /// the amount was settled by the group's sum, and the fees are compared as sums on the row
    /// that holds the one record. Never a duplicate: the group explains the repeat.
    pub(super) fn member(&self, group: &Group, g: u32, pr: Option<u32>, lr: Option<u32>) -> Row {
        let (one_p, one_l) = group.one();
        let (i, j) = match (pr.or(one_p), lr.or(one_l)) {
            (Some(i), Some(j)) => (i as usize, j as usize),
            _ => (0, 0), // a group always has both sides
        };
        let holds_one = pr.is_some() && lr.is_some();
        let fees = if holds_one {
            let pf: i128 = group
                .p
                .iter()
                .map(|&r| self.p.fee.get(r as usize).unwrap_or(0))
                .sum();
            let lf: Option<i128> = group
                .l
                .iter()
                .filter_map(|&r| self.l.fee.get(r as usize))
                .fold(None, |s, f| Some(s.unwrap_or(0) + f));
            (pf, lf)
        } else {
            (0, None)
        };
        let mut flags = self.flags(i, j, None, fees);
        if !self.signed_ledger || lr.is_none() {
            flags[Flag::Sign.index()] = false;
        }
        let category = by_flags(&flags).unwrap_or(Category::Matched);
        Row {
            p: pr,
            l: lr,
            how: Some(group.on.how()),
            flags,
            p_primary: pr.map(|r| self.p_primary[r as usize]),
            l_primary: lr.map(|r| self.l_primary[r as usize]),
            category,
            group: g,
            candidates: 0,
            rule: None,
            summed: NONE,
        }
    }

    /// The rows of every summary group whose day is in the period: a line's row then one per
    /// record it covers, or a group's one row.
    pub(super) fn summary_rows(&self, m: &Matches, out: &mut dyn FnMut(Row)) {
        let judge = self;
        for (g, s) in m.summed.iter().enumerate() {
            if !s
                .day
                .is_some_and(|d| d >= judge.period.0 && d <= judge.period.1)
            {
                continue;
            }
            let how = match judge.summaries.get(s.summary as usize) {
                Some(x) if !x.by_kind => How::SummaryNet(s.summary),
                _ => How::Summary(s.summary),
            };
            let row = |p: Option<u32>, l: Option<u32>, category: Category| {
                let mut flags = [false; 6];
                flags[Flag::Amount.index()] = category == Category::SummaryMismatch;
                Row {
                    p,
                    l,
                    how: Some(how),
                    flags,
                    p_primary: p.map(|_| true),
                    l_primary: l.map(|_| true),
                    category,
                    group: NONE,
                    candidates: 0,
                    rule: None,
                    summed: g as u32,
                }
            };
            match s.line {
                Some(lr) => {
                    let category = if s.agrees {
                        Category::SummaryMatched
                    } else {
                        Category::SummaryMismatch
                    };
                    out(row(None, Some(lr), category));
                    for &r in &s.records {
                        out(row(Some(r), None, Category::Summarized));
                    }
                }
                // The group's row carries its first record, for the provider, day and currency it
                // shows; the record's own fields are not shown (`results`).
                None => out(row(
                    s.records.first().copied(),
                    None,
                    Category::SummaryMissing,
                )),
            }
        }
    }
}
