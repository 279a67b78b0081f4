//! People's decisions: accept, reopen, close a period; and what they read to decide: the items
//! and an item's history. Each decision is one transaction that takes the store's write turn
//! (so a run planned before it cannot overwrite it) and appends its event.

use super::item::{ItemState, Reason};
use super::write::{insert_events, set_period, upsert_items};
use super::{Event, Store, StoredItem};
use crate::error::Result;
use crate::period::Period;

/// Who decided, when, and their note, on an item a decision changes.
fn signed(item: &mut StoredItem, note: &str, by: &str, at: &str) {
    item.note = Some(note.to_string());
    item.decided_by = Some(by.to_string());
    item.decided_at = Some(at.to_string());
}

/// How many times a decision is tried on a store others are writing (each try is a few
/// milliseconds; a run's commit or another decision makes the next one read again).
const DECISION_ATTEMPTS: u32 = 10;

/// The reason a rejected suggestion is stored with.
pub const REJECTED: &str = "rejected";

/// A decision on one item: what the CLI's `accept`, `reject` and `reopen` do, and what a
/// workspace proposal asks for (confirming a suggestion is `Accept(MatchedManually)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept(Reason),
    Reject,
    Reopen,
}

impl Action {
    /// The action's name in the proposals table and the pages: `accept`, `confirm`, `reject`,
    /// `reopen`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept(Reason::MatchedManually) => "confirm",
            Action::Accept(_) => "accept",
            Action::Reject => "reject",
            Action::Reopen => "reopen",
        }
    }

    /// An action from its name and, for `accept`, its reason code.
    pub fn parse(action: &str, reason: Option<&str>) -> Option<Action> {
        match action {
            "accept" => reason.and_then(Reason::parse).map(Action::Accept),
            "confirm" => Some(Action::Accept(Reason::MatchedManually)),
            "reject" => Some(Action::Reject),
            "reopen" => Some(Action::Reopen),
            _ => None,
        }
    }

    /// The reason code it records, if any.
    pub fn reason(self) -> Option<Reason> {
        match self {
            Action::Accept(r) => Some(r),
            _ => None,
        }
    }
}

/// Which items `items` lists.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub period: Option<String>,
    /// `None`: every state.
    pub state: Option<ItemState>,
}

impl Store {
    /// Items by period and state, oldest period first.
    pub async fn items(&self, filter: &ItemFilter) -> Result<Vec<StoredItem>> {
        let state = filter.state.map(|s| s.as_str().to_string());
        match (&filter.period, &state) {
            (Some(p), Some(s)) => {
                self.items_where("WHERE period = $1 AND status = $2", &[p, s])
                    .await
            }
            (Some(p), None) => self.items_where("WHERE period = $1", &[p]).await,
            (None, Some(s)) => self.items_where("WHERE status = $1", &[s]).await,
            (None, None) => self.items_where("", &[]).await,
        }
    }

    /// The items an id names: an item id, or a tx id, order id or ledger entry id they carry.
    pub async fn items_about(&self, id: &str) -> Result<Vec<StoredItem>> {
        self.items_where(
            "WHERE item_id = $1 OR tx_id = $1 OR order_id = $1 OR ledger_entry_id = $1",
            &[id],
        )
        .await
    }

    pub(crate) async fn one(&self, id: &str) -> Result<StoredItem> {
        self.items_where("WHERE item_id = $1", &[id])
            .await?
            .pop()
            .ok_or_else(|| self.err(format!("no item {id} (see `cardrecon items`)")))
    }

    /// Accepts items with a reason code and a note. An item must be open; its evidence at this
    /// moment is kept, and a later run that sees different evidence reopens it.
    pub async fn accept(
        &self,
        ids: &[String],
        reason: Reason,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<Vec<StoredItem>> {
        self.retrying(|| self.decide_once(ids, Action::Accept(reason), note, by, at))
            .await
    }

    /// Rejects an open suggested match: the item is resolved with the reason `rejected`, and
    /// later runs never suggest the pair again ([`super::run::decided`]).
    pub async fn reject(&self, id: &str, note: &str, by: &str, at: &str) -> Result<StoredItem> {
        let ids = [id.to_string()];
        let mut done = self
            .retrying(|| self.decide_once(&ids, Action::Reject, note, by, at))
            .await?;
        done.pop().ok_or_else(|| self.err(format!("no item {id}")))
    }

    /// Returns an accepted or resolved item to open, with a note.
    pub async fn reopen(&self, id: &str, note: &str, by: &str, at: &str) -> Result<StoredItem> {
        let ids = [id.to_string()];
        let mut done = self
            .retrying(|| self.decide_once(&ids, Action::Reopen, note, by, at))
            .await?;
        done.pop().ok_or_else(|| self.err(format!("no item {id}")))
    }

    async fn decide_once(
        &self,
        ids: &[String],
        action: Action,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<Vec<StoredItem>> {
        let generation = self.generation().await?;
        let mut items = Vec::new();
        let mut events = Vec::new();
        for id in ids {
            let item = self.one(id).await?;
            let (item, event) = self.decided(item, action, note, by, at)?;
            items.push(item);
            events.push(event);
        }
        self.write_decision(generation, &items, &events).await?;
        Ok(items)
    }

    /// `item` as `action` leaves it, and the event that says so; refused (changing nothing)
    /// when the action does not apply to the item as it now stands. One rule for the CLI's
    /// decisions, the workspace's proposals and their approval.
    pub(crate) fn decided(
        &self,
        mut item: StoredItem,
        action: Action,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<(StoredItem, Event)> {
        let id = item.item_id.clone();
        let suggestion = item.category == crate::matching::Category::SuggestedMatch;
        match action {
            Action::Accept(reason) => {
                if item.state != ItemState::Open {
                    return Err(self.err(format!(
                        "item {id} is {}, not open; only open items can be accepted",
                        item.state.as_str()
                    )));
                }
                let event = Event {
                    reason: Some(reason.as_str().into()),
                    ..Event::change(&item, "accepted", ItemState::Accepted, at, by, note)
                };
                item.state = ItemState::Accepted;
                item.reason = Some(reason.as_str().into());
                signed(&mut item, note, by, at);
                item.accepted_evidence = Some(item.evidence.clone());
                Ok((item, event))
            }
            Action::Reject => {
                if !suggestion {
                    return Err(self.err(format!(
                        "item {id} is a {}, not a suggested match; only suggestions can be rejected",
                        item.category.as_str()
                    )));
                }
                if item.state != ItemState::Open {
                    return Err(self.err(format!(
                        "item {id} is {}, not open; reopen it first",
                        item.state.as_str()
                    )));
                }
                let event = Event {
                    reason: Some(REJECTED.into()),
                    ..Event::change(&item, "rejected", ItemState::Resolved, at, by, note)
                };
                item.state = ItemState::Resolved;
                item.reason = Some(REJECTED.into());
                signed(&mut item, note, by, at);
                Ok((item, event))
            }
            Action::Reopen => {
                if item.state == ItemState::Open {
                    return Err(self.err(format!("item {id} is already open")));
                }
                let event = Event::change(&item, "reopened", ItemState::Open, at, by, note);
                item.state = ItemState::Open;
                item.cleared_in = None;
                item.cleared_by_run = None;
                item.accepted_evidence = None;
                signed(&mut item, note, by, at);
                Ok((item, event))
            }
        }
    }

    /// Runs a decision, reading the store again when its write finds the store changed since
    /// it read it (a run committed, someone else decided): a decision is re-judged on what the
    /// store now holds (the item may no longer be open) and never written on a stale read.
    /// Up to [`DECISION_ATTEMPTS`] times ([`super::retry_when_changed`]).
    pub(super) async fn retrying<T, F, Fut>(&self, decide: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        super::retry_when_changed(DECISION_ATTEMPTS, "decision", decide).await
    }

    pub(crate) async fn write_decision(
        &self,
        generation: i64,
        items: &[StoredItem],
        events: &[Event],
    ) -> Result<()> {
        let mut tx = self.write_turn(generation).await?;
        upsert_items(self, &mut tx, &items.iter().collect::<Vec<_>>()).await?;
        insert_events(self, &mut tx, &self.stamped(events)).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the decision", e))
    }

    /// An item's events, oldest first.
    pub async fn history(&self, id: &str) -> Result<(StoredItem, Vec<Event>)> {
        let item = self.one(id).await?;
        Ok((item, self.events_of(id).await?))
    }

    /// An item's events, oldest first (without reading the item again).
    pub async fn events_of(&self, id: &str) -> Result<Vec<Event>> {
        let rows = sqlx::query("SELECT * FROM events WHERE item_id = $1 ORDER BY seq")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading the event log", e))?;
        let events = rows
            .iter()
            .map(|r| event_from_row(self, r))
            .collect::<Result<Vec<_>>>()?;
        Ok(events)
    }

    /// Closes a period. Refused while any of its items is open, unless `force` (which needs a
    /// note, kept in the event). `Ok(Ok(open))`: closed, with the items left open (only under
    /// `force`); `Ok(Err(open))`: refused because of them.
    pub async fn close_period(
        &self,
        period: &Period,
        force: bool,
        note: Option<&str>,
        by: &str,
        at: &str,
    ) -> Result<Result<Vec<StoredItem>, Vec<StoredItem>>> {
        self.retrying(|| self.close_period_once(period, force, note, by, at))
            .await
    }

    async fn close_period_once(
        &self,
        period: &Period,
        force: bool,
        note: Option<&str>,
        by: &str,
        at: &str,
    ) -> Result<Result<Vec<StoredItem>, Vec<StoredItem>>> {
        let generation = self.generation().await?;
        let label = period.label();
        let open = self
            .items(&ItemFilter {
                period: Some(label.clone()),
                state: Some(ItemState::Open),
            })
            .await?;
        if !open.is_empty() && !force {
            return Ok(Err(open));
        }
        if let Some(s) = self.period_status(&label).await? {
            if s.closed {
                return Err(self.err(format!(
                    "{label} is already closed (by {} at {})",
                    s.changed_by, s.changed_at
                )));
            }
        }
        let mut tx = self.write_turn(generation).await?;
        set_period(self, &mut tx, period, true, at, by, note).await?;
        let words = if open.is_empty() {
            "no open items".to_string()
        } else {
            format!("closed with --force and {} open items", open.len())
        };
        insert_events(
            self,
            &mut tx,
            &self.stamped(&[Event::period_status(
                &label,
                true,
                by,
                at,
                match note {
                    Some(n) => format!("{words}: {n}"),
                    None => words,
                },
            )]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the close", e))?;
        Ok(Ok(open))
    }

    /// Reopens a closed period (a person's decision, with a note); a run then may record it
    /// again. Refused when the period is not closed.
    pub async fn reopen_period(
        &self,
        period: &Period,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<()> {
        if note.trim().is_empty() {
            return Err(self.err("reopening a period needs a note saying why"));
        }
        self.retrying(|| async {
            let generation = self.generation().await?;
            let label = period.label();
            match self.period_status(&label).await? {
                Some(s) if s.closed => {}
                _ => return Err(self.err(format!("{label} is not closed"))),
            }
            let mut tx = self.write_turn(generation).await?;
            set_period(self, &mut tx, period, false, at, by, Some(note)).await?;
            insert_events(
                self,
                &mut tx,
                &self.stamped(&[Event::period_status(
                    &label,
                    false,
                    by,
                    at,
                    note.to_string(),
                )]),
            )
            .await?;
            tx.commit()
                .await
                .map_err(|e| self.db_err("committing the reopening", e))
        })
        .await
    }
}

pub(crate) fn event_from_row(store: &Store, r: &sqlx::any::AnyRow) -> Result<Event> {
    use sqlx::Row;
    let opt = |c: &str| {
        r.try_get::<Option<String>, _>(c)
            .map_err(|e| store.db_err(&format!("events.{c}"), e))
    };
    let text = |c: &str| {
        r.try_get::<String, _>(c)
            .map_err(|e| store.db_err(&format!("events.{c}"), e))
    };
    Ok(Event {
        item_id: opt("item_id")?,
        period: opt("period")?,
        at: text("at")?,
        by: text("by_whom")?,
        event: text("event")?,
        from_status: opt("from_status")?,
        to_status: opt("to_status")?,
        run_id: opt("run_id")?,
        reason: opt("reason")?,
        note: opt("note")?,
        origin: opt("origin")?,
    })
}
