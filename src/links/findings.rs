//! The findings of the links check, made from what its passes found (`find.rs`): an orphan's
//! row, and a slot's refunds summed against its original (in `i128` units, without an
//! allocation) and, when they exceed it, the finding with its words.

use polars::prelude::DataFrame;

use super::slots::{Cols, Found, Named, Slots};
use super::{Earlier, EarlierRecord, Finding, FindingKind, FoundIn, LinkStats, Original};
use crate::error::Result;
use crate::money;
use crate::period::from_epoch_days;

/// What the findings are made from.
pub(super) struct Context<'c, 'a> {
    pub(super) c: &'c Cols<'a>,
    pub(super) ledger: &'c DataFrame,
    pub(super) slots: &'c Slots<'a>,
    pub(super) old: &'c Earlier,
    pub(super) searched: bool,
}

impl Context<'_, '_> {
    pub(super) fn orphan(&self, n: &Named, finding: FindingKind) -> Finding {
        let (c, i) = (self.c, n.row as usize);
        let what = if n.refund { "refund" } else { "fee" };
        let related = n.slot.map(|s| self.slots.slots[s as usize].tx_id);
        let detail = match related {
            None => format!("the {what} names no original"),
            Some(r) if self.searched => format!(
                "the {what} names {r}, which is not among the window's provider records, in the ledger, nor in the store's earlier periods"
            ),
            Some(r) => format!(
                "the {what} names {r}, which is neither among the window's provider records nor in the ledger (no store: earlier periods not searched)"
            ),
        };
        Finding {
            finding,
            provider: c.text(&c.provider, n.row).to_string(),
            kind: what.to_string(),
            tx_id: c.text(&c.tx_id, n.row).to_string(),
            related_tx_id: related.map(str::to_string),
            amount: money::from_units(c.amount.get(i).unwrap_or(0)),
            currency: c.text(&c.currency, n.row).to_string(),
            day: c.day.get(i).map(from_epoch_days),
            card: c.card.as_ref().and_then(|k| k.get(i)).map(str::to_string),
            original: None,
            refunds: Vec::new(),
            refunded: None,
            detail,
        }
    }

    /// The slot's original: its amount in units and its currency, read in place.
    fn limit(&self, s: usize) -> Result<(i128, &str)> {
        let c = self.c;
        Ok(match self.slots.slots[s].found {
            Found::Nowhere => (0, ""),
            Found::Row(r) => (
                c.amount.get(r as usize).unwrap_or(0),
                c.text(&c.currency, r),
            ),
            Found::Ledger(r) => {
                let (l, i) = (self.ledger, r as usize);
                (
                    l.column("amount")?
                        .decimal()?
                        .physical()
                        .get(i)
                        .unwrap_or(0)
                        .abs(),
                    l.column("currency")?.str()?.get(i).unwrap_or(""),
                )
            }
            Found::Earlier(k) => {
                let e: &EarlierRecord = &self.old.originals[k];
                (money::to_units(e.amount), e.currency.as_str())
            }
        })
    }

    /// The slot's original as a finding shows it.
    fn original(&self, s: usize) -> Result<Option<Original>> {
        let c = self.c;
        let (units, currency) = self.limit(s)?;
        let amount = money::from_units(units);
        let currency = currency.to_string();
        Ok(match self.slots.slots[s].found {
            Found::Nowhere => None,
            Found::Row(r) => Some(Original {
                kind: c.text(&c.kind, r).to_string(),
                amount,
                currency,
                found_in: FoundIn::Provider,
                day: c.day.get(r as usize).map(from_epoch_days),
                card: c
                    .card
                    .as_ref()
                    .and_then(|k| k.get(r as usize))
                    .map(str::to_string),
            }),
            Found::Ledger(r) => {
                let (l, i) = (self.ledger, r as usize);
                let kind = match l.column("kind") {
                    Ok(k) => k.str()?.get(i).unwrap_or("").to_string(),
                    Err(_) => String::new(),
                };
                Some(Original {
                    kind,
                    amount,
                    currency,
                    found_in: FoundIn::Ledger(
                        l.column("entry_id")?
                            .str()?
                            .get(i)
                            .unwrap_or("")
                            .to_string(),
                    ),
                    day: None,
                    card: None,
                })
            }
            Found::Earlier(k) => {
                let e: &EarlierRecord = &self.old.originals[k];
                Some(Original {
                    kind: e.kind.clone(),
                    amount,
                    currency,
                    found_in: FoundIn::Earlier(e.period.clone()),
                    day: None,
                    card: None,
                })
            }
        })
    }

    /// The refunds of slot `s` (`group`: the window's, by row; `earlier`: the store's not also
    /// in the window), when they add up to more than its original.
    pub(super) fn refunded(
        &self,
        s: usize,
        group: &[(u32, u32, bool)],
        earlier: &[usize],
        stats: &mut LinkStats,
    ) -> Result<Option<Sum>> {
        let (limit, currency) = self.limit(s)?;
        let mut total: i128 = 0;
        let mut left_out = 0u64;
        self.each_refund(group, earlier, currency, |r| match r.units {
            Some(u) => total += u,
            None => left_out += 1,
        });
        stats.refunds_not_comparable += left_out;
        Ok((total > limit).then(|| Sum {
            total,
            limit,
            currency: currency.to_string(),
        }))
    }

    /// Every refund of a slot once (a provider duplicate's repeat has its id): the window's
    /// (`group`, by row), then the store's earlier ones not also in the window, each with its
    /// amount in `currency` when it has one.
    fn each_refund<'s>(
        &'s self,
        group: &[(u32, u32, bool)],
        earlier: &'s [usize],
        currency: &str,
        mut f: impl FnMut(RefundSeen<'s>),
    ) {
        let c = self.c;
        let mut seen: Vec<&str> = Vec::with_capacity(group.len() + earlier.len());
        for &(_, r, _) in group {
            let tx = c.text(&c.tx_id, r);
            if seen.contains(&tx) {
                continue;
            }
            seen.push(tx);
            f(RefundSeen {
                tx_id: tx,
                period: None,
                currency: c.text(&c.currency, r),
                units: self.in_currency(r, currency),
            });
        }
        for &k in earlier {
            let e: &EarlierRecord = &self.old.refunds[k];
            if seen.contains(&e.tx_id.as_str()) {
                continue;
            }
            seen.push(e.tx_id.as_str());
            f(RefundSeen {
                tx_id: &e.tx_id,
                period: Some(&e.period),
                currency: &e.currency,
                units: (e.currency == currency).then(|| money::to_units(e.amount)),
            });
        }
    }

    /// Refund row `r`'s amount in `currency` (its own, or its `original_amount`), if it has one.
    fn in_currency(&self, r: u32, currency: &str) -> Option<i128> {
        let (c, i) = (self.c, r as usize);
        if c.text(&c.currency, r) == currency {
            c.amount.get(i)
        } else if c.original_currency.get(i) == Some(currency) {
            c.original_amount.get(i)
        } else {
            None
        }
    }

    /// The `refund_exceeds_original` finding of slot `s`, whose refunds add up to `sum`.
    pub(super) fn exceeds(
        &self,
        s: usize,
        group: &[(u32, u32, bool)],
        earlier: &[usize],
        sum: Sum,
    ) -> Result<Finding> {
        let Sum {
            total,
            limit,
            currency: cur,
        } = sum;
        let original = self.original(s)?;
        // The refunds that were added, and those that could not be.
        let mut ids: Vec<String> = Vec::new();
        let mut not_added: Vec<String> = Vec::new();
        self.each_refund(group, earlier, &cur, |r| {
            let id = match r.period {
                Some(p) => format!("{} ({p})", r.tx_id),
                None => r.tx_id.to_string(),
            };
            match (r.units, r.period) {
                (Some(_), _) => ids.push(id),
                (None, None) => not_added.push(format!("{} ({})", r.tx_id, r.currency)),
                (None, Some(p)) => not_added.push(format!("{} ({}, {p})", r.tx_id, r.currency)),
            }
        });
        let (total, limit) = (money::from_units(total), money::from_units(limit));
        let mut detail = format!(
            "{} refund{} ({}) total {} {cur} against the original's {} {cur}: {} above",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", "),
            money::format(total),
            money::format(limit),
            money::format(total - limit),
        );
        if !not_added.is_empty() {
            detail.push_str(&format!(
                "; not added, in another currency: {}",
                not_added.join(", ")
            ));
        }
        let slot = &self.slots.slots[s];
        let (day, card, kind) = match &original {
            Some(o) if !o.kind.is_empty() => (o.day, o.card.clone(), o.kind.clone()),
            Some(o) => (o.day, o.card.clone(), "consumption".to_string()),
            None => (None, None, "consumption".to_string()),
        };
        Ok(Finding {
            finding: FindingKind::RefundExceedsOriginal,
            provider: slot.provider.to_string(),
            kind,
            tx_id: slot.tx_id.to_string(),
            related_tx_id: None,
            amount: limit,
            currency: cur,
            day,
            card,
            original,
            refunds: ids,
            refunded: Some(total),
            detail,
        })
    }
}

/// What a slot's refunds add up to, against its original (amounts in units).
pub(super) struct Sum {
    total: i128,
    limit: i128,
    currency: String,
}

/// One refund of a slot as [`Context::each_refund`] sees it.
struct RefundSeen<'s> {
    tx_id: &'s str,
    /// The earlier period it is from (the store's), or `None` for the window's.
    period: Option<&'s str>,
    currency: &'s str,
    /// Its amount in the original's currency, when it has one.
    units: Option<i128>,
}
