//! Maker-checker (`proposals`, migration 6): a preparer proposes a decision on an item; it takes
//! effect when an approver who is not its preparer approves it.
//!
//! **Why a proposal changes no item.** Until it is approved, the item is what it was (open, in
//! the roll-forward and the close checks): a proposal is a request, so writing it does not take
//! the store's write turn and a run committing meanwhile is not made to re-plan. Approving it
//! is a decision like the CLI's: one transaction that takes the write turn, re-judges the item
//! as it now stands ([`Store::decided`]), writes it with its event and marks the proposal.
//!
//! **Why `approve_above` is decided here.** "A proposal on an item at or below the amount takes
//! effect at once" is a rule about money, so the store applies it with the item's own figures
//! (the amount at stake, else its amount), never a page's.

use rust_decimal::Decimal;
use sqlx::Row;

use super::decide::Action;
use super::write::insert_events;
use super::{Event, Store, StoredItem};
use crate::error::Result;

/// A proposed decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub proposal_id: String,
    pub item_id: String,
    pub period: String,
    pub action: Action,
    pub note: String,
    pub proposed_by: String,
    pub proposed_at: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

/// What became of a proposal when it was made.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // a handful per request; boxing buys nothing
pub enum Proposed {
    /// Waiting for an approver.
    Pending(Proposal),
    /// Within `approve_above`: decided at once.
    Applied(StoredItem),
}

/// `[review] approve_above`: per currency, the largest amount a proposal takes effect at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApproveAbove(pub std::collections::BTreeMap<String, Decimal>);

impl ApproveAbove {
    /// Whether a decision on `item` needs no approver: its currency has a limit and the item's
    /// amount at stake (else its amount), as a magnitude, is at or below it.
    pub fn covers(&self, item: &StoredItem) -> bool {
        let Some(limit) = item.currency.as_deref().and_then(|c| self.0.get(c)) else {
            return false;
        };
        match item.exposure.at_stake.or(item.amount) {
            Some(a) => a.abs() <= *limit,
            None => false,
        }
    }
}

/// A new proposal's id: `p-` and 16 random hex digits (a person may propose on the same item
/// again within the second, after a rejection).
fn proposal_id() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("p-{n:016x}")
}

impl Store {
    /// Proposes `action` on each item (all refused if one cannot take it). Under
    /// `approve_above` an item within the limit is decided at once, as its preparer.
    pub async fn propose(
        &self,
        ids: &[String],
        action: Action,
        note: &str,
        by: &str,
        at: &str,
        approve_above: &ApproveAbove,
    ) -> Result<Vec<Proposed>> {
        self.retrying(|| self.propose_once(ids, action, note, by, at, approve_above))
            .await
    }

    async fn propose_once(
        &self,
        ids: &[String],
        action: Action,
        note: &str,
        by: &str,
        at: &str,
        approve_above: &ApproveAbove,
    ) -> Result<Vec<Proposed>> {
        if note.trim().is_empty() {
            return Err(self.err("a proposal needs a note saying why"));
        }
        let generation = self.generation().await?;
        let pending = self.pending_items(ids).await?;
        let mut at_once = Vec::new();
        let mut queued = Vec::new();
        for id in ids {
            let item = self.one(id).await?;
            if pending.contains(id) {
                return Err(self.err(format!(
                    "item {id} already has a proposal waiting for approval"
                )));
            }
            // Judged now as the approval would judge it, so nothing is queued that cannot apply.
            let (decided, event) = self.decided(item.clone(), action, note, by, at)?;
            if approve_above.covers(&item) {
                at_once.push((decided, event));
            } else {
                queued.push(Proposal {
                    proposal_id: proposal_id(),
                    item_id: id.clone(),
                    period: item.period.clone(),
                    action,
                    note: note.to_string(),
                    proposed_by: by.to_string(),
                    proposed_at: at.to_string(),
                    status: "pending".into(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                });
            }
        }
        let mut tx = if at_once.is_empty() {
            self.pool()
                .begin()
                .await
                .map_err(|e| self.db_err("starting the write", e))?
        } else {
            self.write_turn(generation).await?
        };
        let mut events = Vec::new();
        for p in &queued {
            sqlx::query(
                "INSERT INTO proposals (proposal_id, item_id, period, action, reason, note, \
                 proposed_by, proposed_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')",
            )
            .bind(p.proposal_id.clone())
            .bind(p.item_id.clone())
            .bind(p.period.clone())
            .bind(p.action.as_str().to_string())
            .bind(p.action.reason().map(|r| r.as_str().to_string()))
            .bind(p.note.clone())
            .bind(p.proposed_by.clone())
            .bind(p.proposed_at.clone())
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_err("writing the proposal", e))?;
            events.push(Event {
                item_id: Some(p.item_id.clone()),
                period: Some(p.period.clone()),
                reason: p.action.reason().map(|r| r.as_str().to_string()),
                note: Some(format!("{} ({}): {note}", p.action.as_str(), p.proposal_id)),
                ..Event::new("proposed", by, at)
            });
        }
        let decided: Vec<&StoredItem> = at_once.iter().map(|(i, _)| i).collect();
        super::write::upsert_items(self, &mut tx, &decided).await?;
        for (_, e) in &at_once {
            events.push(Event {
                note: Some(format!("{note} (within approve_above: no approver needed)")),
                ..e.clone()
            });
        }
        insert_events(self, &mut tx, &self.stamped(&events)).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the proposal", e))?;
        Ok(queued
            .into_iter()
            .map(Proposed::Pending)
            .chain(at_once.into_iter().map(|(i, _)| Proposed::Applied(i)))
            .collect())
    }

    /// Approves a pending proposal: its decision takes effect, signed by the preparer and the
    /// approver. Refused for the proposal's own preparer, and when the item can no longer take
    /// the decision (a run or another decision changed it): the proposal then stays pending.
    pub async fn approve(&self, proposal_id: &str, by: &str, at: &str) -> Result<StoredItem> {
        self.retrying(|| self.approve_once(proposal_id, by, at))
            .await
    }

    async fn approve_once(&self, proposal_id: &str, by: &str, at: &str) -> Result<StoredItem> {
        let generation = self.generation().await?;
        let p = self.pending_proposal(proposal_id).await?;
        if p.proposed_by == by {
            return Err(self.err(format!(
                "{proposal_id} was proposed by {by}: a proposal needs a second person to approve it"
            )));
        }
        let item = self.one(&p.item_id).await?;
        let signed_by = format!("{}, approved by {by}", p.proposed_by);
        let (mut item, event) = self.decided(item, p.action, &p.note, &signed_by, at)?;
        item.decided_by = Some(signed_by);
        let event = Event {
            by: by.to_string(),
            note: Some(format!(
                "{} ({proposal_id}, proposed by {} at {}): {}",
                p.action.as_str(),
                p.proposed_by,
                p.proposed_at,
                p.note
            )),
            ..event
        };
        let mut tx = self.write_turn(generation).await?;
        self.mark(&mut tx, &p, "approved", by, at, None).await?;
        super::write::upsert_items(self, &mut tx, &[&item]).await?;
        insert_events(self, &mut tx, &self.stamped(&[event])).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the approval", e))?;
        Ok(item)
    }

    /// Rejects a pending proposal with a note: the item is left as it is. An approver rejects
    /// (not the preparer); a preparer may withdraw their own (`by` = the preparer).
    pub async fn reject_proposal(
        &self,
        proposal_id: &str,
        note: &str,
        by: &str,
        at: &str,
    ) -> Result<Proposal> {
        if note.trim().is_empty() {
            return Err(self.err("rejecting a proposal needs a note saying why"));
        }
        let p = self.pending_proposal(proposal_id).await?;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(|e| self.db_err("starting the write", e))?;
        let what = if p.proposed_by == by {
            "proposal withdrawn"
        } else {
            "proposal rejected"
        };
        self.mark(&mut tx, &p, "rejected", by, at, Some(note))
            .await?;
        let event = Event {
            item_id: Some(p.item_id.clone()),
            period: Some(p.period.clone()),
            reason: p.action.reason().map(|r| r.as_str().to_string()),
            note: Some(format!(
                "{} ({proposal_id}, proposed by {}): {note}",
                p.action.as_str(),
                p.proposed_by
            )),
            ..Event::new(what, by, at)
        };
        insert_events(self, &mut tx, &self.stamped(&[event])).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the rejection", e))?;
        Ok(Proposal {
            status: "rejected".into(),
            decided_by: Some(by.to_string()),
            decided_at: Some(at.to_string()),
            decision_note: Some(note.to_string()),
            ..p
        })
    }

    /// Marks a pending proposal decided; refused if someone else decided it first.
    async fn mark(
        &self,
        tx: &mut super::write::Tx<'_>,
        p: &Proposal,
        status: &str,
        by: &str,
        at: &str,
        note: Option<&str>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE proposals SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
             WHERE proposal_id = $5 AND status = 'pending'",
        )
        .bind(status.to_string())
        .bind(by.to_string())
        .bind(at.to_string())
        .bind(note.map(str::to_string))
        .bind(p.proposal_id.clone())
        .execute(&mut **tx)
        .await
        .map_err(|e| self.db_err("marking the proposal", e))?;
        if done.rows_affected() != 1 {
            return Err(self.err(format!(
                "{} was decided by someone else meanwhile",
                p.proposal_id
            )));
        }
        Ok(())
    }

    async fn pending_proposal(&self, proposal_id: &str) -> Result<Proposal> {
        let p = self
            .proposals_where("WHERE proposal_id = $1", &[proposal_id])
            .await?
            .pop()
            .ok_or_else(|| self.err(format!("no proposal {proposal_id}")))?;
        if p.status != "pending" {
            return Err(self.err(format!(
                "{proposal_id} is already {} (by {})",
                p.status,
                p.decided_by.as_deref().unwrap_or("?")
            )));
        }
        Ok(p)
    }

    /// Proposals waiting for an approver, oldest first (`period`: only that period's).
    pub async fn pending_proposals(&self, period: Option<&str>) -> Result<Vec<Proposal>> {
        match period {
            Some(p) => {
                self.proposals_where("WHERE status = 'pending' AND period = $1", &[p])
                    .await
            }
            None => self.proposals_where("WHERE status = 'pending'", &[]).await,
        }
    }

    /// One proposal by its id.
    pub async fn proposal(&self, proposal_id: &str) -> Result<Option<Proposal>> {
        Ok(self
            .proposals_where("WHERE proposal_id = $1", &[proposal_id])
            .await?
            .pop())
    }

    /// An item's proposals, oldest first.
    pub async fn proposals_of(&self, item_id: &str) -> Result<Vec<Proposal>> {
        self.proposals_where("WHERE item_id = $1", &[item_id]).await
    }

    /// Which of `ids` have a pending proposal.
    pub(crate) async fn pending_items(
        &self,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT DISTINCT item_id FROM proposals WHERE status = 'pending' AND item_id IN ({})",
                marks.join(", ")
            );
            // Placeholders only; the ids go in as parameters.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q
                .fetch_all(self.pool())
                .await
                .map_err(|e| self.db_err("reading proposals", e))?
            {
                out.insert(
                    r.try_get::<String, _>("item_id")
                        .map_err(|e| self.db_err("proposals.item_id", e))?,
                );
            }
        }
        Ok(out)
    }

    async fn proposals_where(&self, condition: &str, params: &[&str]) -> Result<Vec<Proposal>> {
        let sql = format!("SELECT * FROM proposals {condition} ORDER BY proposed_at, proposal_id");
        // The condition is one of this module's constant strings.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in params {
            q = q.bind(p.to_string());
        }
        let rows = q
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading proposals", e))?;
        rows.iter()
            .map(|r| {
                let text = |c: &str| {
                    r.try_get::<String, _>(c)
                        .map_err(|e| self.db_err(&format!("proposals.{c}"), e))
                };
                let opt = |c: &str| {
                    r.try_get::<Option<String>, _>(c)
                        .map_err(|e| self.db_err(&format!("proposals.{c}"), e))
                };
                let id = text("proposal_id")?;
                let action_name = text("action")?;
                let reason = opt("reason")?;
                let action = Action::parse(&action_name, reason.as_deref()).ok_or_else(|| {
                    self.err(format!(
                        "proposal {id}: `{action_name}` is not an action this version knows"
                    ))
                })?;
                Ok(Proposal {
                    proposal_id: id,
                    item_id: text("item_id")?,
                    period: text("period")?,
                    action,
                    note: text("note")?,
                    proposed_by: text("proposed_by")?,
                    proposed_at: text("proposed_at")?,
                    status: text("status")?,
                    decided_by: opt("decided_by")?,
                    decided_at: opt("decided_at")?,
                    decision_note: opt("decision_note")?,
                })
            })
            .collect()
    }

    /// A comment on an item: an event, changing nothing.
    pub async fn comment(&self, item_id: &str, note: &str, by: &str, at: &str) -> Result<()> {
        if note.trim().is_empty() {
            return Err(self.err("a comment needs some text"));
        }
        let item = self.one(item_id).await?;
        self.append_event(Event {
            item_id: Some(item.item_id.clone()),
            period: Some(item.period.clone()),
            note: Some(note.to_string()),
            ..Event::new("comment", by, at)
        })
        .await
    }

    /// Appends one event that changes no item or period (a comment, a sign-in), without taking
    /// the write turn: a run committing meanwhile need not re-plan for it.
    pub async fn append_event(&self, event: Event) -> Result<()> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(|e| self.db_err("starting the write", e))?;
        insert_events(self, &mut tx, &self.stamped(&[event])).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("writing the event", e))
    }
}
