//! What a run does to the store, decided in memory before anything is written: which rows are
//! the late halves of earlier items (`cleared_prior`), which items are new, seen again, cleared,
//! resolved or reopened, and the events that say so. [`plan`] is a pure function of the store's
//! snapshot and the run's result rows; `Store::commit` writes its outcome in one transaction.
//!
//! **Why plan first.** The reports show the store's view (roll-forward, open items) and must
//! agree with what is committed. Planning in memory lets the reports be written from the plan,
//! and the commit is then one short transaction at the end: a run that fails or is killed
//! before it leaves the store exactly as it was.
//!
//! Rules, in the order they apply to each result row:
//! 1. A pair whose provider record is an earlier period's open `missing_in_ledger` item, or whose
//!    ledger entry is an earlier period's open `missing_at_provider` item, clears that item.
//! 2. A `timing_difference` row with the id of an earlier period's open timing item is its
//!    second half and clears it.
//! 3. A row that clears something is `cleared_prior` when it is otherwise matched or only a
//!    timing difference; a row that also differs (amount, status, currency, fee) keeps its
//!    category, becomes a new item, and its detail names the item it clears.
//! 4. Any other discrepancy row is an item: the same id as an existing item is that item seen
//!    again (an accepted item whose evidence changed is reopened); otherwise a new item of the
//!    period.
//!
//! Then, for the period's own items: one that this run no longer shows is `resolved`; one that
//! an earlier run of this period cleared and this run no longer clears is reopened.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use super::item::{item_id, Evidence, Family, ItemState};
use super::{Event, StoredItem};
use crate::error::Result;
use crate::matching::Category;
use crate::period::Period;
use crate::results::close::{RollLine, Tally};
use crate::results::exposure::Exposure;
use crate::results::{ResultRow, ResultRows};

/// Which side of a result row an item's carried record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Provider,
    Ledger,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Provider => "provider",
            Side::Ledger => "ledger",
        }
    }
    pub fn parse(text: &str) -> Option<Side> {
        match text {
            "provider" => Some(Side::Provider),
            "ledger" => Some(Side::Ledger),
            _ => None,
        }
    }
}

/// The run the plan is for.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub run_id: String,
    pub period: Period,
    /// RFC 3339 UTC.
    pub at: String,
    pub by: String,
}

/// What the result rows need from the inputs: the position of each row's provider record and
/// ledger entry, and a way to keep a record for carrying.
pub struct RowSource<'a> {
    pub p_rows: Vec<Option<u32>>,
    pub l_rows: Vec<Option<u32>>,
    /// The provider record at a position as stored JSON.
    pub provider_record: &'a dyn Fn(u32) -> Result<String>,
    pub ledger_record: &'a dyn Fn(u32) -> Result<String>,
}

/// The outcome of [`plan`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every item, as the store will hold it after the commit.
    pub items: BTreeMap<String, StoredItem>,
    /// The ids of items new or changed by this run (to write).
    pub changed: Vec<String>,
    pub events: Vec<Event>,
    /// Per result row: its category after the store's rules, and the note for its detail.
    pub categories: Vec<Category>,
    pub notes: Vec<Option<String>>,
    pub counts: RunCounts,
}

/// What a run did to the store, for the `runs` table and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub new_items: u64,
    pub seen_again: u64,
    pub cleared: u64,
    pub resolved: u64,
    pub reopened: u64,
    pub cleared_prior_rows: u64,
}

/// Decides what the run's `rows` mean for the store holding `items`.
pub fn plan(
    items: &[StoredItem],
    rows: &ResultRows<'_>,
    source: &RowSource<'_>,
    run: &RunContext,
) -> Result<Plan> {
    let clearable = Clearable::index(items, run);
    let mut p = Planner::new(items, rows.len(), run);
    for i in 0..rows.len() {
        // Most rows are matched and clear nothing: decided on borrowed keys, without building
        // the row.
        let quick = rows.category(i);
        if !quick.is_discrepancy() {
            let (provider, tx, entry) = rows.keys(i);
            if !(provider.is_some() && entry.is_some() && clearable.clears(provider, tx, entry)) {
                p.out.categories.push(quick);
                p.out.notes.push(None);
                continue;
            }
        }
        p.row(&rows.values(i), i, &clearable, source)?;
    }
    p.sweep();
    Ok(p.finish())
}

/// Earlier items a row of this run may clear (rules 1 and 2), by the keys that clear them.
struct Clearable {
    /// provider → tx id → item (nested, so a row's borrowed keys look it up without a copy)
    by_provider_record: HashMap<String, HashMap<String, String>>,
    by_ledger_entry: HashMap<String, String>,
    timing: HashSet<String>,
}

impl Clearable {
    fn index(items: &[StoredItem], run: &RunContext) -> Clearable {
        let label = run.period.label();
        let mut c = Clearable {
            by_provider_record: HashMap::new(),
            by_ledger_entry: HashMap::new(),
            timing: HashSet::new(),
        };
        for i in items.iter().filter(|i| i.clearable_in(&run.period, &label)) {
            match Family::of(i.category) {
                Some(Family::ProviderOnly) => {
                    if let (Some(p), Some(t)) = (&i.provider, &i.tx_id) {
                        c.by_provider_record
                            .entry(p.clone())
                            .or_default()
                            .insert(t.clone(), i.item_id.clone());
                    }
                }
                Some(Family::LedgerOnly) => {
                    if let Some(e) = &i.ledger_entry_id {
                        c.by_ledger_entry.insert(e.clone(), i.item_id.clone());
                    }
                }
                Some(Family::Pair) if i.category == Category::TimingDifference => {
                    c.timing.insert(i.item_id.clone());
                }
                _ => {}
            }
        }
        c
    }

    /// Whether a pair with these keys clears an earlier one-sided item.
    fn clears(&self, p: Option<&str>, t: Option<&str>, e: Option<&str>) -> bool {
        let by_record = match (p, t) {
            (Some(p), Some(t)) => self
                .by_provider_record
                .get(p)
                .is_some_and(|m| m.contains_key(t)),
            _ => false,
        };
        by_record || e.is_some_and(|e| self.by_ledger_entry.contains_key(e))
    }

    /// The items `row` (with item id `id`) clears: rules 1 and 2.
    fn cleared_by(&self, row: &ResultRow, id: Option<&String>) -> Vec<String> {
        let mut clears = Vec::new();
        let paired = row.provider_amount.is_some() && row.ledger_entry_id.is_some();
        let repeat = matches!(
            row.category,
            Category::DuplicateAtProvider | Category::DuplicateInLedger
        );
        if paired && !repeat {
            if let (Some(p), Some(t)) = (&row.provider, &row.tx_id) {
                if let Some(id) = self.by_provider_record.get(p).and_then(|m| m.get(t)) {
                    clears.push(id.clone());
                }
            }
            if let Some(id) = row
                .ledger_entry_id
                .as_ref()
                .and_then(|e| self.by_ledger_entry.get(e))
            {
                clears.push(id.clone());
            }
        }
        if let Some(id) = id {
            if row.category == Category::TimingDifference && self.timing.contains(id) {
                clears.push(id.clone());
            }
        }
        clears.dedup();
        clears
    }
}

/// The plan as it is made, row by row.
struct Planner<'r> {
    run: &'r RunContext,
    label: String,
    /// Every item as it will be after the commit.
    state: BTreeMap<String, StoredItem>,
    out: Plan,
    changed: HashSet<String>,
    cleared_now: HashSet<String>,
    seen_now: HashSet<String>,
    /// How many rows so far had each base item id.
    ordinals: HashMap<String, usize>,
}

impl<'r> Planner<'r> {
    fn new(items: &[StoredItem], rows: usize, run: &'r RunContext) -> Planner<'r> {
        Planner {
            run,
            label: run.period.label(),
            state: items
                .iter()
                .map(|i| (i.item_id.clone(), i.clone()))
                .collect(),
            out: Plan {
                items: BTreeMap::new(),
                changed: Vec::new(),
                events: Vec::new(),
                categories: Vec::with_capacity(rows),
                notes: Vec::with_capacity(rows),
                counts: RunCounts::default(),
            },
            changed: HashSet::new(),
            cleared_now: HashSet::new(),
            seen_now: HashSet::new(),
            ordinals: HashMap::new(),
        }
    }

    fn event(&self, item: &StoredItem, what: &str, to: ItemState, note: String) -> Event {
        Event {
            run_id: Some(self.run.run_id.clone()),
            ..Event::change(item, what, to, &self.run.at, &self.run.by, &note)
        }
    }

    /// The row's item id. The first row with these keys has the plain id; a later one is told
    /// apart by its ordinal (hashed again only then).
    fn item_id(&mut self, row: &ResultRow) -> Option<String> {
        item_id(row, 0).map(|base| {
            let n = self.ordinals.entry(base.clone()).or_insert(0);
            *n += 1;
            match *n {
                1 => base,
                n => item_id(row, n - 1).unwrap_or(base),
            }
        })
    }

    /// One result row that differs or clears something: rules 1 to 4.
    fn row(
        &mut self,
        row: &ResultRow,
        i: usize,
        clearable: &Clearable,
        source: &RowSource<'_>,
    ) -> Result<()> {
        let mut category = row.category;
        let mut notes: Vec<String> = Vec::new();
        let id = self.item_id(row);
        let clears = clearable.cleared_by(row, id.as_ref());
        for c in &clears {
            self.clear(c, &mut notes);
        }
        if !clears.is_empty() && matches!(category, Category::Matched | Category::TimingDifference)
        {
            category = Category::ClearedPrior;
            self.out.counts.cleared_prior_rows += 1;
        } else if let (Some(id), true) = (&id, category.is_discrepancy()) {
            self.seen_now.insert(id.clone());
            if self.state.contains_key(id) {
                self.seen_again(id, row, category, &mut notes);
            } else {
                self.open(id, row, category, i, source)?;
            }
        }
        self.out.categories.push(category);
        self.out
            .notes
            .push((!notes.is_empty()).then(|| notes.join("; ")));
        Ok(())
    }

    /// Rules 1 and 2: item `c` is cleared by this period's row (once, however many rows).
    fn clear(&mut self, c: &str, notes: &mut Vec<String>) {
        let label = self.label.clone();
        let Some(item) = self.state.get(c) else {
            return;
        };
        let words = format!("{} of {}", item.category.as_str(), item.period);
        if self.cleared_now.insert(c.to_string()) && item.cleared_in.as_deref() != Some(&label) {
            let e = self.event(
                item,
                "cleared",
                ItemState::Cleared,
                format!("its counterpart arrived in {label}"),
            );
            self.out.events.push(e);
            if let Some(item) = self.state.get_mut(c) {
                item.state = ItemState::Cleared;
                item.cleared_in = Some(label.clone());
                item.cleared_by_run = Some(self.run.run_id.clone());
            }
            self.changed.insert(c.to_string());
            self.out.counts.cleared += 1;
        }
        notes.push(format!("clears item {c} ({words})"));
    }

    /// Rule 4, the same difference again: a re-run of its period, or a pair seen from the next
    /// period's margin. An accepted item whose evidence changed, or a resolved one its period's
    /// re-run shows again, is reopened.
    fn seen_again(
        &mut self,
        id: &str,
        row: &ResultRow,
        category: Category,
        notes: &mut Vec<String>,
    ) {
        let label = self.label.clone();
        let evidence = Evidence::of(row);
        let Some(item) = self.state.get(id) else {
            return;
        };
        if item.period != label {
            notes.push(format!("item {id}, first found in {}", item.period));
        }
        self.out.counts.seen_again += 1;
        let reopen = match item.state {
            ItemState::Accepted => {
                let changes =
                    evidence.changes_from(item.accepted_evidence.as_deref().unwrap_or(""));
                (!changes.is_empty())
                    .then(|| format!("the evidence changed: {}", changes.join(", ")))
            }
            ItemState::Resolved if item.period == label => {
                Some(format!("a re-run of {label} shows it again"))
            }
            _ => None,
        };
        let reopened = reopen.map(|why| self.event(item, "reopened", ItemState::Open, why));
        let run_id = self.run.run_id.clone();
        if let Some(item) = self.state.get_mut(id) {
            if reopened.is_some() {
                item.state = ItemState::Open;
            }
            item.category = category;
            item.exposure = Exposure::of(row, category);
            item.evidence = evidence.text();
            item.last_run = run_id;
        }
        if let Some(e) = reopened {
            self.out.events.push(e);
            self.out.counts.reopened += 1;
        }
        self.changed.insert(id.to_string());
    }

    /// Rule 4, a new difference: an item of the period, with its record kept for carrying.
    fn open(
        &mut self,
        id: &str,
        row: &ResultRow,
        category: Category,
        i: usize,
        source: &RowSource<'_>,
    ) -> Result<()> {
        let (record_side, record) = carried_record(row, category, i, source, &self.run.period)?;
        let item = new_item(
            id,
            row,
            category,
            self.run,
            Evidence::of(row),
            record_side,
            record,
        );
        let e = Event {
            from_status: None,
            ..self.event(&item, "opened", ItemState::Open, row_summary(row))
        };
        self.out.events.push(e);
        self.state.insert(id.to_string(), item);
        self.changed.insert(id.to_string());
        self.out.counts.new_items += 1;
        Ok(())
    }

    /// The period's own items that this run no longer shows are resolved, and earlier items
    /// this period no longer clears are reopened.
    fn sweep(&mut self) {
        let label = self.label.clone();
        let mut events = Vec::new();
        for item in self.state.values_mut() {
            // A confirmed suggestion is a standing decision: its pair is matched now, not gone.
            let confirmed = item.state == ItemState::Accepted
                && item.reason.as_deref() == Some(super::item::Reason::MatchedManually.as_str());
            if item.period == label
                && !self.seen_now.contains(&item.item_id)
                && matches!(item.state, ItemState::Open | ItemState::Accepted)
                && !confirmed
            {
                events.push((
                    item.clone(),
                    "resolved",
                    ItemState::Resolved,
                    format!("a re-run of {label} no longer shows it"),
                ));
                item.state = ItemState::Resolved;
                item.last_run = self.run.run_id.clone();
                self.changed.insert(item.item_id.clone());
                self.out.counts.resolved += 1;
            } else if item.state == ItemState::Cleared
                && item.cleared_in.as_deref() == Some(&label)
                && !self.cleared_now.contains(&item.item_id)
            {
                events.push((
                    item.clone(),
                    "reopened",
                    ItemState::Open,
                    format!("a re-run of {label} no longer clears it"),
                ));
                item.state = ItemState::Open;
                item.cleared_in = None;
                item.cleared_by_run = None;
                self.changed.insert(item.item_id.clone());
                self.out.counts.reopened += 1;
            }
        }
        for (item, what, to, note) in events {
            let e = self.event(&item, what, to, note);
            self.out.events.push(e);
        }
    }

    fn finish(mut self) -> Plan {
        let mut changed: Vec<String> = self.changed.into_iter().collect();
        changed.sort();
        self.out.changed = changed;
        self.out.items = self.state;
        self.out
    }
}

/// One line about a row for the `opened` event.
fn row_summary(row: &ResultRow) -> String {
    let o = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    format!(
        "{} found: tx {}, order {}, ledger entry {}",
        row.category.as_str(),
        o(&row.tx_id),
        o(&row.order_id),
        o(&row.ledger_entry_id)
    )
}

/// The record a later period needs to match this item: the provider record of a
/// `missing_in_ledger`, the ledger entry of a `missing_at_provider`, the in-period side of a
/// timing difference. Other items are not carried.
fn carried_record(
    row: &ResultRow,
    category: Category,
    i: usize,
    source: &RowSource<'_>,
    period: &Period,
) -> Result<(Option<Side>, Option<String>)> {
    let in_period = |d: Option<NaiveDate>| d.is_some_and(|d| d >= period.first && d <= period.last);
    let side = match category {
        Category::MissingInLedger => Some(Side::Provider),
        Category::MissingAtProvider => Some(Side::Ledger),
        Category::TimingDifference if in_period(row.provider_day) => Some(Side::Provider),
        Category::TimingDifference => Some(Side::Ledger),
        _ => None,
    };
    let record = match side {
        Some(Side::Provider) => source.p_rows[i]
            .map(|r| (source.provider_record)(r))
            .transpose()?,
        Some(Side::Ledger) => source.l_rows[i]
            .map(|r| (source.ledger_record)(r))
            .transpose()?,
        None => None,
    };
    Ok((side.filter(|_| record.is_some()), record))
}

fn new_item(
    id: &str,
    row: &ResultRow,
    category: Category,
    run: &RunContext,
    evidence: Evidence,
    record_side: Option<Side>,
    record: Option<String>,
) -> StoredItem {
    let day = match (row.provider_day, row.ledger_day) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    StoredItem {
        item_id: id.to_string(),
        period: run.period.label(),
        period_first_day: run.period.first,
        category,
        provider: row.provider.clone(),
        kind: row.kind.clone(),
        tx_id: row.tx_id.clone(),
        order_id: row.order_id.clone(),
        ledger_entry_id: row.ledger_entry_id.clone(),
        amount: row.provider_amount.or(row.ledger_amount.map(|a| a.abs())),
        currency: row.currency.clone(),
        item_day: day,
        state: ItemState::Open,
        first_run: run.run_id.clone(),
        last_run: run.run_id.clone(),
        cleared_in: None,
        cleared_by_run: None,
        reason: None,
        note: None,
        decided_by: None,
        decided_at: None,
        evidence: evidence.text(),
        accepted_evidence: None,
        record_side,
        record,
        exposure: Exposure::of(row, category),
    }
}

/// An item as a run reported it open at the end of its period: the next period opens with
/// these figures, as issued, whatever was decided since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub item_id: String,
    pub provider: String,
    pub currency: String,
    pub amount: Option<rust_decimal::Decimal>,
}

/// Whether `item` is open at the end of `period`: open now, or cleared by a later period.
pub fn open_at_end(item: &StoredItem, period: &Period) -> bool {
    item.period_first_day <= period.first
        && match item.state {
            ItemState::Open => true,
            ItemState::Cleared => item
                .cleared_in
                .as_deref()
                .and_then(|p| Period::parse(p).ok())
                .is_some_and(|c| c.first > period.first),
            ItemState::Resolved | ItemState::Accepted => false,
        }
}

/// What a run of `period` reports open at its end ([`open_at_end`]), to record with the run.
pub fn reported_open<'a>(
    items: impl Iterator<Item = &'a StoredItem>,
    period: &Period,
) -> Vec<Reported> {
    items
        .filter(|i| open_at_end(i, period))
        .map(|i| Reported {
            item_id: i.item_id.clone(),
            provider: i.provider.clone().unwrap_or_default(),
            currency: i.currency.clone().unwrap_or_default(),
            amount: i.amount,
        })
        .collect()
}

/// The roll-forward of `period` over `items` as they now stand, per provider and currency.
///
/// **Why it opens from what was reported.** A report once issued never changes. The period
/// opens with exactly what the latest run of the latest earlier period reported open at its
/// end (`opening`, recorded with that run), and whatever happened to those items since (a
/// person accepted one, a run cleared one) is a movement of *this* run: Accepted, Resolved or
/// Cleared, and Reopened for an item that was closed in that report and is open again. So each
/// period's open at end, as its run reported it, is the next period's open at start, in count
/// and amount. Without a recorded opening (a first run, or a store written before version 5)
/// the period opens with the earlier items not closed before it, as earlier versions computed.
///
/// The closing figure is counted on its own from the items, and the opening is taken as
/// reported, so `balances` is a real check: an item that vanished from the store, or whose
/// amount changed since it was reported, breaks it.
pub fn roll_forward<'a>(
    items: impl Iterator<Item = &'a StoredItem>,
    period: &Period,
    opening: Option<&[Reported]>,
) -> (Vec<RollLine>, Vec<Moved<'a>>) {
    let mut moved = Vec::new();
    let label = period.label();
    let first = period.first;
    let mut lines: BTreeMap<(String, String), RollLine> = BTreeMap::new();
    fn line<'l>(
        lines: &'l mut BTreeMap<(String, String), RollLine>,
        provider: &str,
        currency: &str,
    ) -> &'l mut RollLine {
        lines
            .entry((provider.to_string(), currency.to_string()))
            .or_insert_with(|| RollLine {
                provider: provider.to_string(),
                currency: currency.to_string(),
                ..RollLine::default()
            })
    }
    let opened: HashSet<&str> = opening
        .unwrap_or_default()
        .iter()
        .map(|r| r.item_id.as_str())
        .collect();
    for r in opening.unwrap_or_default() {
        line(&mut lines, &r.provider, &r.currency)
            .open_at_start
            .add(r.amount);
    }
    for item in items {
        if item.period_first_day > first {
            continue;
        }
        let l = line(
            &mut lines,
            item.provider.as_deref().unwrap_or_default(),
            item.currency.as_deref().unwrap_or_default(),
        );
        let was_open = match opening {
            Some(_) => opened.contains(item.item_id.as_str()),
            None => {
                let open_then = item.period_first_day < first && legacy_open_at_start(item, first);
                if open_then {
                    l.open_at_start.add(item.amount);
                }
                open_then
            }
        };
        let new = item.period == label;
        if new {
            l.new.add(item.amount);
        }
        let open_now = open_at_end(item, period);
        if was_open || new {
            if !open_now {
                match item.state {
                    ItemState::Cleared => l.cleared.add(item.amount),
                    ItemState::Resolved => l.resolved.add(item.amount),
                    ItemState::Accepted => l.accepted.add(item.amount),
                    ItemState::Open => {}
                }
                moved.push(Moved {
                    item,
                    movement: item.state.as_str(),
                });
            }
        } else if open_now {
            // Closed when the opening was reported, open again now.
            l.reopened.add(item.amount);
            moved.push(Moved {
                item,
                movement: "reopened",
            });
        }
        if open_now {
            l.open_at_end.add(item.amount);
        }
    }
    let lines = lines
        .into_values()
        .filter(|l| l.tallies().iter().any(|t| t.count > 0))
        .map(|mut l| {
            let n = |t: Tally| i128::from(t.count);
            let count = n(l.open_at_start) + n(l.new) + n(l.reopened)
                - n(l.cleared)
                - n(l.resolved)
                - n(l.accepted);
            let amount = l.open_at_start.amount + l.new.amount + l.reopened.amount
                - l.cleared.amount
                - l.resolved.amount
                - l.accepted.amount;
            l.balances = count == n(l.open_at_end) && amount == l.open_at_end.amount;
            l
        })
        .collect();
    (lines, moved)
}

/// An item that moved in a roll-forward: closed (`cleared`, `resolved`, `accepted`) or
/// `reopened`.
#[derive(Debug, Clone, Copy)]
pub struct Moved<'a> {
    pub item: &'a StoredItem,
    pub movement: &'static str,
}

/// Before version 5 recorded what runs reported: an earlier item not closed before `first`
/// (cleared items close in the period that cleared them, resolved and accepted ones in their
/// own).
fn legacy_open_at_start(item: &StoredItem, first: NaiveDate) -> bool {
    let closed_in: Option<NaiveDate> = match item.state {
        ItemState::Open => None,
        ItemState::Cleared => Some(
            item.cleared_in
                .as_deref()
                .and_then(|p| Period::parse(p).ok())
                .map(|p| p.first)
                .unwrap_or(item.period_first_day),
        ),
        ItemState::Resolved | ItemState::Accepted => Some(item.period_first_day),
    };
    closed_in.is_none_or(|c| c >= first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        id: &str,
        period: &str,
        state: ItemState,
        cleared_in: Option<&str>,
        amount: i64,
    ) -> StoredItem {
        StoredItem {
            provider: Some("keysecure".into()),
            amount: Some(rust_decimal::Decimal::from(amount)),
            currency: Some("USD".into()),
            state,
            cleared_in: cleared_in.map(str::to_string),
            ..StoredItem::sample(id, period)
        }
    }

    fn figures(l: &RollLine) -> [(u64, i64); 7] {
        let f = |t: Tally| {
            (
                t.count,
                rust_decimal::prelude::ToPrimitive::to_i64(&t.amount).unwrap(),
            )
        };
        l.tallies().map(f)
    }

    fn p(label: &str) -> Period {
        Period::parse(label).unwrap()
    }

    #[test]
    fn without_a_recorded_opening_each_period_opens_as_earlier_versions_computed() {
        let items = [
            item("a", "2026-10", ItemState::Cleared, Some("2026-11"), 10),
            item("b", "2026-10", ItemState::Accepted, None, 20),
            item("c", "2026-10", ItemState::Open, None, 40),
            item("d", "2026-11", ItemState::Resolved, None, 80),
            item("e", "2026-11", ItemState::Open, None, 160),
            item("f", "2026-12", ItemState::Open, None, 320),
        ];
        let (oct, _) = roll_forward(items.iter(), &p("2026-10"), None);
        // start, new, reopened, cleared, resolved, accepted, end
        assert_eq!(
            figures(&oct[0]),
            [(0, 0), (3, 70), (0, 0), (0, 0), (0, 0), (1, 20), (2, 50)]
        );
        let (nov, _) = roll_forward(items.iter(), &p("2026-11"), None);
        assert_eq!(
            figures(&nov[0]),
            [
                (2, 50),
                (2, 240),
                (0, 0),
                (1, 10),
                (1, 80),
                (0, 0),
                (2, 200)
            ]
        );
        assert!(oct[0].balances && nov[0].balances);
    }

    /// The case: an item accepted after October's report moves November's figures
    /// (Accepted), and one reopened after being reported closed comes back (Reopened); each
    /// period opens with what the one before reported at its end.
    #[test]
    fn a_decision_between_runs_is_a_movement_of_the_next_run() {
        let mut items = [
            item("a", "2026-10", ItemState::Open, None, 10),
            item("b", "2026-10", ItemState::Open, None, 20),
            item("c", "2026-10", ItemState::Accepted, None, 40),
        ];
        let (oct, _) = roll_forward(items.iter(), &p("2026-10"), None);
        assert_eq!(oct[0].open_at_end.count, 2);
        let reported = reported_open(items.iter(), &p("2026-10"));
        assert_eq!(reported.len(), 2);
        // Between the runs: `a` accepted, `c` reopened.
        items[0].state = ItemState::Accepted;
        items[0].decided_at = Some("2026-11-03T09:00:00Z".into());
        items[2].state = ItemState::Open;
        let (nov, moved) = roll_forward(items.iter(), &p("2026-11"), Some(&reported));
        assert_eq!(
            figures(&nov[0]),
            [(2, 30), (0, 0), (1, 40), (0, 0), (0, 0), (1, 10), (2, 60)]
        );
        assert!(nov[0].balances);
        let moved: Vec<(&str, &str)> = moved
            .iter()
            .map(|m| (m.item.item_id.as_str(), m.movement))
            .collect();
        assert_eq!(moved, [("a", "accepted"), ("c", "reopened")]);
    }

    #[test]
    fn an_opening_the_store_no_longer_holds_does_not_balance() {
        // October reported `a` open; it is gone from the store (or its amount changed): the
        // line cannot balance, because the opening is taken as reported and the end counted.
        let reported = [Reported {
            item_id: "a".into(),
            provider: "keysecure".into(),
            currency: "USD".into(),
            amount: Some(rust_decimal::Decimal::from(10)),
        }];
        let items = [item("b", "2026-11", ItemState::Open, None, 20)];
        let (nov, _) = roll_forward(items.iter(), &p("2026-11"), Some(&reported));
        assert!(!nov[0].balances);
        let mut changed = item("a", "2026-10", ItemState::Open, None, 11);
        changed.category = Category::MissingInLedger;
        let (nov, _) = roll_forward([changed].iter(), &p("2026-11"), Some(&reported));
        assert!(!nov[0].balances);
    }
}
