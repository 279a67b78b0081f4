//! A run against the store, between the engine and the reports: earlier periods' open items
//! stacked under the inputs, the plan's word written into the result (`cleared_prior`, the
//! note in `detail`), and the close view the reports show.

use polars::prelude::{Column, DataFrame, DataType};

use crate::error::Result;
use crate::period::Period;

/// A reconciliation against a store: what the store held at the start, and the run it records.
pub struct StoreRun<'a> {
    pub snapshot: &'a super::Snapshot,
    pub run: &'a super::plan::RunContext,
    /// The store's URL as it may be shown.
    pub shown: &'a str,
}

/// The inputs with carried records stacked under them, and the carried rows' positions on each
/// side (see [`with_carried`]).
pub type Carried = (DataFrame, DataFrame, (Vec<u32>, Vec<u32>));

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
    use std::collections::HashMap;
    let carried = snapshot.carried(period);
    if carried.is_empty() {
        return Ok((provider.clone(), ledger.clone(), (Vec::new(), Vec::new())));
    }
    // The records' keys are the items' own (provider and tx id, or ledger entry id): wanted
    // record → its first row in the inputs, looked up with the inputs' borrowed text.
    let mut wanted_p: HashMap<&str, HashMap<&str, Option<u32>>> = HashMap::new();
    let mut wanted_l: HashMap<&str, Option<u32>> = HashMap::new();
    for (item, side, _) in &carried {
        match side {
            super::plan::Side::Provider => {
                if let (Some(p), Some(t)) = (&item.provider, &item.tx_id) {
                    wanted_p.entry(p).or_default().insert(t, None);
                }
            }
            super::plan::Side::Ledger => {
                if let Some(e) = &item.ledger_entry_id {
                    wanted_l.insert(e, None);
                }
            }
        }
    }
    let providers = provider.column("provider")?.str()?;
    let tx_ids = provider.column("tx_id")?.str()?;
    for (i, (p, t)) in providers.iter().zip(tx_ids.iter()).enumerate() {
        if let (Some(p), Some(t)) = (p, t) {
            if let Some(slot) = wanted_p.get_mut(p).and_then(|m| m.get_mut(t)) {
                slot.get_or_insert(i as u32);
            }
        }
    }
    for (i, e) in ledger.column("entry_id")?.str()?.iter().enumerate() {
        if let Some(slot) = e.and_then(|e| wanted_l.get_mut(e)) {
            slot.get_or_insert(i as u32);
        }
    }
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
                    .and_then(|(p, t)| wanted_p.get(p).and_then(|m| m.get(t)).copied().flatten());
                match row {
                    Some(row) => rows_p.push(row),
                    None => stack_p.push((id, *record)),
                }
            }
            super::plan::Side::Ledger => {
                let row = item
                    .ledger_entry_id
                    .as_deref()
                    .and_then(|e| wanted_l.get(e).copied().flatten());
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
        let rows = crate::report::ResultRows::new(results)?;
        super::plan::plan(&st.snapshot.items, &rows, &source, st.run)?
    };
    let categories: Vec<&str> = plan.categories.iter().map(|c| c.as_str()).collect();
    results.with_column(Column::new("category".into(), categories))?;
    let notes: Vec<Option<&str>> = plan.notes.iter().map(|n| n.as_deref()).collect();
    results.with_column(Column::new(crate::report::STORE_NOTE.into(), notes))?;
    Ok(plan)
}

/// The store's part of the summary: counts, roll-forward, open items at the end of the period.
pub fn close_view(plan: &super::plan::Plan, st: &StoreRun<'_>) -> crate::report::close::CloseView {
    let period = &st.run.period;
    let roll_forward = super::plan::roll_forward(plan.items.values(), period);
    // Each item's latest event of this run, looked up once (not a scan per item).
    let mut latest: std::collections::HashMap<&str, &super::Event> =
        std::collections::HashMap::new();
    for e in &plan.events {
        if let Some(id) = &e.item_id {
            latest.insert(id.as_str(), e);
        }
    }
    let open_items = plan
        .items
        .values()
        .filter(|i| i.state == super::item::ItemState::Open && i.period_first_day <= period.first)
        .map(|i| {
            let (age_days, bucket) = super::item::age(i.item_day, period.last);
            let last_event = latest
                .get(i.item_id.as_str())
                .map(|e| (e.event.clone(), e.at.clone()))
                .or_else(|| st.snapshot.last_events.get(&i.item_id).cloned())
                .map(|(e, at)| format!("{e} {at}"))
                .unwrap_or_default();
            let o = |s: &Option<String>| s.clone().unwrap_or_default();
            crate::report::close::OpenItem {
                item_id: i.item_id.clone(),
                period: i.period.clone(),
                category: i.category.as_str().to_string(),
                provider: o(&i.provider),
                kind: o(&i.kind),
                tx_id: o(&i.tx_id),
                order_id: o(&i.order_id),
                ledger_entry_id: o(&i.ledger_entry_id),
                amount: i.amount,
                currency: o(&i.currency),
                age_days,
                age_bucket: bucket.to_string(),
                last_event,
            }
        })
        .collect();
    let c = plan.counts;
    crate::report::close::CloseView {
        store: st.shown.to_string(),
        new_items: c.new_items,
        seen_again: c.seen_again,
        cleared: c.cleared,
        resolved: c.resolved,
        reopened: c.reopened,
        cleared_prior_rows: c.cleared_prior_rows,
        roll_forward_balances: roll_forward.iter().all(|l| l.balances),
        roll_forward,
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
    use std::collections::HashMap;
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
    // Each key's first row, looked up with the inputs' borrowed text.
    let mut p_rows: HashMap<(&str, &str), u32> = HashMap::new();
    let mut l_rows: HashMap<&str, u32> = HashMap::new();
    for &(p, t, e) in confirmed_keys.iter().chain(&rejected_keys) {
        p_rows.insert((p, t), u32::MAX);
        l_rows.insert(e, u32::MAX);
    }
    let providers = provider.column("provider")?.str()?;
    let tx_ids = provider.column("tx_id")?.str()?;
    for (i, (p, t)) in providers.iter().zip(tx_ids.iter()).enumerate() {
        if let Some(slot) = p.zip(t).and_then(|k| p_rows.get_mut(&k)) {
            if *slot == u32::MAX {
                *slot = i as u32;
            }
        }
    }
    for (i, e) in ledger.column("entry_id")?.str()?.iter().enumerate() {
        if let Some(slot) = e.and_then(|e| l_rows.get_mut(e)) {
            if *slot == u32::MAX {
                *slot = i as u32;
            }
        }
    }
    let rows = |keys: &[(&str, &str, &str)]| -> Vec<(u32, u32)> {
        keys.iter()
            .filter_map(|&(p, t, e)| {
                let pr = p_rows.get(&(p, t)).copied().filter(|&r| r != u32::MAX)?;
                let lr = l_rows.get(e).copied().filter(|&r| r != u32::MAX)?;
                Some((pr, lr))
            })
            .collect()
    };
    Ok(crate::matching::Decided {
        confirmed: rows(&confirmed_keys),
        rejected: rows(&rejected_keys),
    })
}
