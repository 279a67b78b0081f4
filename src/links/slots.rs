//! What the links check's passes share: the provider columns read in place, the *slots* (one
//! per named original, found through a hash table) and the refunds and fees that name them.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use polars::prelude::*;

use crate::error::Result;
use crate::matching::{days, decs, strs, Nums, Strs};

/// The provider table's columns the check reads, in place (the engine's readers).
pub(super) struct Cols<'a> {
    pub(super) provider: Strs<'a>,
    pub(super) kind: Strs<'a>,
    pub(super) tx_id: Strs<'a>,
    pub(super) related: Strs<'a>,
    pub(super) currency: Strs<'a>,
    pub(super) original_currency: Strs<'a>,
    pub(super) status: Strs<'a>,
    pub(super) card: Option<Strs<'a>>,
    pub(super) amount: Nums<'a, i128>,
    pub(super) original_amount: Nums<'a, i128>,
    pub(super) day: Nums<'a, i32>,
    pub(super) rows: usize,
}

impl<'a> Cols<'a> {
    pub(super) fn of(df: &'a DataFrame) -> Result<Cols<'a>> {
        Ok(Cols {
            provider: strs(df, "provider")?,
            kind: strs(df, "kind")?,
            tx_id: strs(df, "tx_id")?,
            related: strs(df, "related_tx_id")?,
            currency: strs(df, "currency")?,
            original_currency: strs(df, "original_currency")?,
            status: strs(df, "status")?,
            card: strs(df, "card_masked").ok(),
            amount: decs(df, "amount")?,
            original_amount: decs(df, "original_amount")?,
            day: days(df, "accounting_day")?,
            rows: df.height(),
        })
    }

    pub(super) fn text(&self, c: &Strs<'a>, i: u32) -> &'a str {
        c.get(i as usize).unwrap_or("")
    }
}

pub(super) fn moved(status: Option<&str>) -> bool {
    matches!(status, Some("success" | "pending"))
}

/// Where a slot's original was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Found {
    Nowhere,
    /// A provider record (its row).
    Row(u32),
    /// A ledger entry (its row).
    Ledger(u32),
    /// An earlier period's record (its index in the store's answer).
    Earlier(usize),
}

/// One named original: its key and where it was found.
pub(super) struct Slot<'a> {
    pub(super) provider: &'a str,
    pub(super) tx_id: &'a str,
    pub(super) found: Found,
}

/// The slots and the table that finds them by key.
pub(super) struct Slots<'a> {
    state: DefaultHashBuilder,
    table: HashTable<u32>,
    pub(super) slots: Vec<Slot<'a>>,
}

impl<'a> Slots<'a> {
    /// Room for `n` originals without growing (growing rehashes every slot's key).
    pub(super) fn with_capacity(n: usize) -> Slots<'a> {
        Slots {
            state: DefaultHashBuilder::default(),
            table: HashTable::with_capacity(n),
            slots: Vec::with_capacity(n),
        }
    }

    pub(super) fn find(&self, provider: &str, tx_id: &str) -> Option<u32> {
        let h = self.state.hash_one((provider, tx_id));
        let slots = &self.slots;
        self.table
            .find(h, |&s| {
                let s = &slots[s as usize];
                s.tx_id == tx_id && s.provider == provider
            })
            .copied()
    }

    pub(super) fn insert(&mut self, provider: &'a str, tx_id: &'a str) -> u32 {
        if let Some(s) = self.find(provider, tx_id) {
            return s;
        }
        let n = self.slots.len() as u32;
        self.slots.push(Slot {
            provider,
            tx_id,
            found: Found::Nowhere,
        });
        let (state, slots) = (&self.state, &self.slots);
        self.table
            .insert_unique(self.state.hash_one((provider, tx_id)), n, |&s| {
                let s = &slots[s as usize];
                state.hash_one((s.provider, s.tx_id))
            });
        n
    }
}

/// A refund or fee that moved money: its row, its slot, and whether it is in the period.
#[derive(Clone, Copy)]
pub(super) struct Named {
    pub(super) row: u32,
    pub(super) slot: Option<u32>,
    pub(super) refund: bool,
    pub(super) in_period: bool,
}
