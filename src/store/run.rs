//! A run against the store, between the engine and the reports: earlier periods' open items
//! stacked under the inputs, the plan's word written into the result (`cleared_prior`, the
//! note in `detail`), and the close view the reports show.

use std::collections::HashMap;

use polars::prelude::{Column, DataFrame, DataType};

use crate::error::Result;
use crate::period::Period;

/// A reconciliation against a store: what the store held at the start, and the run it records.
pub struct StoreRun<'a> {
    pub snapshot: &'a super::Snapshot,
    pub run: &'a super::plan::RunContext,
    /// The store's URL as it may be shown.
    pub shown: &'a str,
    /// The open store, for what the snapshot does not hold (earlier periods' link records,
    /// asked for only when a run needs them).
    pub store: &'a super::Store,
    /// The runtime the store's connections live on (the links check may ask from a thread of
    /// its own).
    pub runtime: tokio::runtime::Handle,
}

impl StoreRun<'_> {
    /// Earlier periods' originals and refunds for these `(provider, tx_id)` originals, asked
    /// on the store's runtime: from one of its workers (handing its other tasks over while it
    /// waits) or from a thread of the reconciliation's own.
    pub fn earlier_links(&self, keys: &[(String, String)]) -> Result<crate::links::Earlier> {
        let period = self.run.period;
        let ask = self.store.earlier_links(&period, keys);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => tokio::task::block_in_place(|| handle.block_on(ask)),
            Err(_) => self.runtime.block_on(ask),
        }
    }
}

/// The inputs with carried records stacked under them, and the carried rows' positions on each
/// side (see [`with_carried`]).
pub type Carried = (DataFrame, DataFrame, (Vec<u32>, Vec<u32>));

/// The first row of each wanted record in the inputs: provider records by provider and tx id,
/// ledger entries by entry id, looked up with the inputs' borrowed text (the carried records'
/// and the people's decisions' keys are the items' own).
struct FirstRows<'a> {
    provider: HashMap<(&'a str, &'a str), Option<u32>>,
    ledger: HashMap<&'a str, Option<u32>>,
}

impl<'a> FirstRows<'a> {
    fn find(
        provider: &'a DataFrame,
        ledger: &'a DataFrame,
        p_keys: impl IntoIterator<Item = (&'a str, &'a str)>,
        l_keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<FirstRows<'a>> {
        let mut p_rows: HashMap<(&str, &str), Option<u32>> =
            p_keys.into_iter().map(|k| (k, None)).collect();
        let mut l_rows: HashMap<&str, Option<u32>> =
            l_keys.into_iter().map(|k| (k, None)).collect();
        if !p_rows.is_empty() {
            let providers = provider.column("provider")?.str()?;
            let tx_ids = provider.column("tx_id")?.str()?;
            for (i, (p, t)) in providers.iter().zip(tx_ids.iter()).enumerate() {
                if let Some(slot) = p.zip(t).and_then(|k| p_rows.get_mut(&k)) {
                    slot.get_or_insert(i as u32);
                }
            }
        }
        if !l_rows.is_empty() {
            for (i, e) in ledger.column("entry_id")?.str()?.iter().enumerate() {
                if let Some(slot) = e.and_then(|e| l_rows.get_mut(e)) {
                    slot.get_or_insert(i as u32);
                }
            }
        }
        Ok(FirstRows {
            provider: p_rows,
            ledger: l_rows,
        })
    }

    fn provider(&self, provider: &str, tx_id: &str) -> Option<u32> {
        self.provider.get(&(provider, tx_id)).copied().flatten()
    }

    fn ledger(&self, entry_id: &str) -> Option<u32> {
        self.ledger.get(entry_id).copied().flatten()
    }
}

/// The inputs with the records of earlier periods' open items stacked under them, and the
/// positions of every carried row on each side. A record already in the inputs (a ledger
/// export or a provider history that spans months) is not stacked again: its own row is
/// carried.
pub fn with_carried(
    provider: &DataFrame,
    ledger: &DataFrame,
    snapshot: &super::Snapshot,
    period: &Period,
) -> Result<Carried> {
    let carried = snapshot.carried(period);
    if carried.is_empty() {
        return Ok((provider.clone(), ledger.clone(), (Vec::new(), Vec::new())));
    }
    // The records' keys are the items' own (provider and tx id, or ledger entry id).
    let mut p_keys = Vec::new();
    let mut l_keys = Vec::new();
    for (item, side, _) in &carried {
        match side {
            super::plan::Side::Provider => {
                if let (Some(p), Some(t)) = (&item.provider, &item.tx_id) {
                    p_keys.push((p.as_str(), t.as_str()));
                }
            }
            super::plan::Side::Ledger => {
                if let Some(e) = &item.ledger_entry_id {
                    l_keys.push(e.as_str());
                }
            }
        }
    }
    let found = FirstRows::find(provider, ledger, p_keys, l_keys)?;
    let (mut rows_p, mut rows_l) = (Vec::new(), Vec::new());
    let (mut stack_p, mut stack_l) = (Vec::new(), Vec::new());
    for (item, side, record) in &carried {
        let id = item.item_id.as_str();
        match side {
            super::plan::Side::Provider => {
                let row = item
                    .provider
                    .as_deref()
                    .zip(item.tx_id.as_deref())
                    .and_then(|(p, t)| found.provider(p, t));
                match row {
                    Some(row) => rows_p.push(row),
                    None => stack_p.push((id, *record)),
                }
            }
            super::plan::Side::Ledger => {
                let row = item
                    .ledger_entry_id
                    .as_deref()
                    .and_then(|e| found.ledger(e));
                match row {
                    Some(row) => rows_l.push(row),
                    None => stack_l.push((id, *record)),
                }
            }
        }
    }
    let stack =
        |df: &DataFrame, records: &[(&str, &str)], rows: &mut Vec<u32>| -> Result<DataFrame> {
            if records.is_empty() {
                return Ok(df.clone());
            }
            let extra = super::carry::frame(records, df.schema())?;
            let mut all = df.clone();
            all.vstack_mut(&extra)?;
            all.rechunk_mut_par();
            rows.extend((df.height()..all.height()).map(|r| r as u32));
            Ok(all)
        };
    let p = stack(provider, &stack_p, &mut rows_p)?;
    let l = stack(ledger, &stack_l, &mut rows_l)?;
    rows_p.sort_unstable();
    rows_p.dedup();
    rows_l.sort_unstable();
    rows_l.dedup();
    tracing::info!(
        provider = rows_p.len(),
        ledger = rows_l.len(),
        stacked = stack_p.len() + stack_l.len(),
        "carried records from earlier periods"
    );
    Ok((p, l, (rows_p, rows_l)))
}

/// Plans the run's effect on the store and writes its word into the result: the category
/// (`cleared_prior`) and a note for the detail.
pub fn apply_store(
    results: &mut DataFrame,
    provider: &DataFrame,
    ledger: &DataFrame,
    st: &StoreRun<'_>,
) -> Result<super::plan::Plan> {
    let idx = |c: &str| -> Result<Vec<Option<u32>>> {
        Ok(results
            .column(c)?
            .cast(&DataType::UInt32)?
            .u32()?
            .iter()
            .collect())
    };
    let source = super::plan::RowSource {
        p_rows: idx("p_row")?,
        l_rows: idx("l_row")?,
        provider_record: &|r| super::carry::row_json(provider, r as usize),
        ledger_record: &|r| super::carry::row_json(ledger, r as usize),
    };
    let plan = {
        let rows = crate::results::ResultRows::over(results, provider, ledger)?;
        super::plan::plan(&st.snapshot.items, &rows, &source, st.run)?
    };
    let categories: Vec<&str> = plan.categories.iter().map(|c| c.as_str()).collect();
    results.with_column(Column::new("category".into(), categories))?;
    let notes: Vec<Option<&str>> = plan.notes.iter().map(|n| n.as_deref()).collect();
    results.with_column(Column::new(crate::results::STORE_NOTE.into(), notes))?;
    Ok(plan)
}

/// The store's part of the summary: counts, roll-forward, the people's decisions it counts,
/// and the open items at the end of the period (oldest first, then the most at stake).
pub fn close_view(plan: &super::plan::Plan, st: &StoreRun<'_>) -> crate::results::close::CloseView {
    let period = &st.run.period;
    let (roll_forward, moved) =
        super::plan::roll_forward(plan.items.values(), period, st.snapshot.opening.as_deref());
    // Each item's latest event of this run, looked up once (not a scan per item).
    let mut latest: std::collections::HashMap<&str, &super::Event> =
        std::collections::HashMap::new();
    for e in &plan.events {
        if let Some(id) = &e.item_id {
            latest.insert(id.as_str(), e);
        }
    }
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    // A movement is a person's decision when this run did not change the item itself (a run's
    // clearing, resolving or reopening is not anyone's decision, whatever name an earlier
    // acceptance left on the item).
    let mut decisions: Vec<crate::results::close::DecisionLine> = moved
        .iter()
        .filter(|m| m.movement != "cleared" && !latest.contains_key(m.item.item_id.as_str()))
        .filter_map(|m| {
            let i = m.item;
            Some(crate::results::close::DecisionLine {
                item_id: i.item_id.clone(),
                period: i.period.clone(),
                provider: o(&i.provider),
                currency: o(&i.currency),
                movement: m.movement.to_string(),
                amount: i.amount,
                reason: o(&i.reason),
                by: i.decided_by.clone()?,
                at: i.decided_at.clone()?,
            })
        })
        .collect();
    decisions.sort_by(|a, b| (&a.at, &a.item_id).cmp(&(&b.at, &b.item_id)));
    let mut open_items: Vec<crate::results::close::OpenItem> = plan
        .items
        .values()
        .filter(|i| i.state == super::item::ItemState::Open && i.period_first_day <= period.first)
        .map(|i| {
            let (age_days, bucket) = i.age_on(period.last);
            let last_event = latest
                .get(i.item_id.as_str())
                .map(|e| (e.event.clone(), e.at.clone()))
                .or_else(|| st.snapshot.last_events.get(&i.item_id).cloned())
                .map(|(e, at)| format!("{e} {at}"))
                .unwrap_or_default();
            crate::results::close::OpenItem {
                item_id: i.item_id.clone(),
                period: i.period.clone(),
                category: i.category.as_str().to_string(),
                provider: o(&i.provider),
                kind: o(&i.kind),
                tx_id: o(&i.tx_id),
                order_id: o(&i.order_id),
                ledger_entry_id: o(&i.ledger_entry_id),
                amount: i.amount,
                provider_amount: i.exposure.provider_amount,
                ledger_amount: i.exposure.ledger_amount,
                amount_difference: i.exposure.difference,
                at_stake: i.exposure.at_stake,
                currency: o(&i.currency),
                age_days,
                age_bucket: bucket.to_string(),
                last_event,
            }
        })
        .collect();
    // A reviewer starts with the oldest and, among equals, the most at stake.
    open_items.sort_by(|a, b| {
        b.age_days
            .cmp(&a.age_days)
            .then_with(|| {
                let stake = |i: &crate::results::close::OpenItem| i.at_stake.map(|d| d.abs());
                stake(b).cmp(&stake(a))
            })
            .then_with(|| a.item_id.cmp(&b.item_id))
    });
    let c = plan.counts;
    crate::results::close::CloseView {
        store: st.shown.to_string(),
        new_items: c.new_items,
        seen_again: c.seen_again,
        cleared: c.cleared,
        resolved: c.resolved,
        reopened: c.reopened,
        cleared_prior_rows: c.cleared_prior_rows,
        roll_forward_balances: roll_forward.iter().all(|l| l.balances),
        roll_forward,
        decisions,
        open_items,
    }
}

/// The suggestions people decided on, as row pairs of the (carried-into) inputs: confirmed
/// (`accept --reason matched_manually`, still accepted) and rejected (`reject`, still
/// resolved). A pair whose record or entry is not in the inputs is left out: it cannot be
/// paired, and cannot be suggested either.
pub fn decided(
    provider: &DataFrame,
    ledger: &DataFrame,
    snapshot: &super::Snapshot,
) -> Result<crate::matching::Decided> {
    use super::item::{ItemState, Reason};
    let mut confirmed_keys = Vec::new();
    let mut rejected_keys = Vec::new();
    for item in &snapshot.items {
        if item.category != crate::matching::Category::SuggestedMatch {
            continue;
        }
        let (Some(p), Some(t), Some(e)) = (&item.provider, &item.tx_id, &item.ledger_entry_id)
        else {
            continue;
        };
        let reason = item.reason.as_deref();
        if item.state == ItemState::Accepted && reason == Some(Reason::MatchedManually.as_str()) {
            confirmed_keys.push((p.as_str(), t.as_str(), e.as_str()));
        } else if item.state == ItemState::Resolved && reason == Some(super::decide::REJECTED) {
            rejected_keys.push((p.as_str(), t.as_str(), e.as_str()));
        }
    }
    if confirmed_keys.is_empty() && rejected_keys.is_empty() {
        return Ok(Default::default());
    }
    let keys = confirmed_keys.iter().chain(&rejected_keys);
    let found = FirstRows::find(
        provider,
        ledger,
        keys.clone().map(|&(p, t, _)| (p, t)),
        keys.map(|&(_, _, e)| e),
    )?;
    let rows = |keys: &[(&str, &str, &str)]| -> Vec<(u32, u32)> {
        keys.iter()
            .filter_map(|&(p, t, e)| Some((found.provider(p, t)?, found.ledger(e)?)))
            .collect()
    };
    Ok(crate::matching::Decided {
        confirmed: rows(&confirmed_keys),
        rejected: rows(&rejected_keys),
    })
}
