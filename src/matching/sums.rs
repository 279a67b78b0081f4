//! The result for `summary.json` alone ([`super::Gather::Summary`]): rows added up as they are
//! classified, never kept.

use polars::prelude::*;

use super::classify::Row;
use super::side::{Cols, Interner};
use super::Category;
use crate::error::Result;

/// A group's key: (category, provider, kind, currency, provider record present, ledger entry
/// present), the three names interned.
type GroupKey = (Category, u32, u32, u32, bool, bool);
/// A group's figures: (count, provider amounts' sum, ledger amounts' magnitudes' sum) in units.
type GroupSums = (u64, i128, i128);

/// The summary's groups as one thread adds rows up: (category, provider, kind, currency,
/// provider record present, ledger entry present) on interned integers → (count, the provider
/// amounts' sum, the ledger amounts' magnitudes' sum), exact in units of 10⁻⁸. Provider, kind and
/// currency are the provider record's when there is one, else the ledger entry's.
#[derive(Default)]
pub(super) struct Sums<'a> {
    pub(super) providers: Interner<'a>,
    pub(super) kinds: Interner<'a>,
    pub(super) currencies: Interner<'a>,
    pub(super) groups: PlHashMap<GroupKey, GroupSums>,
}

impl<'a> Sums<'a> {
    pub(super) fn add(&mut self, p: &Cols<'a>, l: &Cols<'a>, r: &Row) {
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
pub(super) fn summary_frame(parts: &[Sums<'_>]) -> Result<DataFrame> {
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
        crate::columns::units_col("p_amount", &pa),
        Column::new("l_entry_id".into(), le),
        Column::new("l_provider".into(), lp),
        Column::new("l_kind".into(), lk),
        Column::new("l_currency".into(), lc),
        crate::columns::units_col("l_amount", &la),
    ];
    Ok(DataFrame::new(n, columns)?)
}
