//! The event log as a hash chain: every event carries the hash of the one before it and its
//! own, SHA-256 over that previous hash and the event's content, so the log proves itself. An
//! edited note changes an event's hash; a deleted, inserted or re-ordered event breaks the link
//! of the one after it; deleting the newest events leaves the chain shorter than its head
//! (`event_chain`: the last hash and the count, written with every append) says.
//!
//! **Why in the same transaction as the event.** The hash is part of writing the event, not a
//! later pass: an event and its hash are committed together or not at all, and the head row is
//! written first in each append, so two writers take turns (PostgreSQL's row lock, SQLite's
//! write lock) and never both chain onto the same head.
//!
//! **What it does not prove.** Someone who can write the database can rewrite every hash after
//! an edit, and the head with them. The chain's head is therefore also taken out of the store:
//! the close pack records it (`pack-manifest.json`), and `verify-log --pack` checks a pack's
//! events against it, so a rewrite after the pack was made is seen.
//!
//! The content hashed is the event's fields as a JSON array, in a fixed order, `null` for a
//! missing one (`seq` is not in it: the order is the chain's, and `seq` may be renumbered by
//! nothing but tampering, which the links then show).

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Event, Store};
use crate::error::Result;

/// A transaction on the store (as `write`'s, named here so neither imports the other).
type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The hash of `event` chained onto `prev` (the previous event's hash; empty for the first).
pub fn event_hash(prev: &str, e: &Event) -> String {
    let content = serde_json::json!([
        e.item_id,
        e.period,
        e.at,
        e.by,
        e.event,
        e.from_status,
        e.to_status,
        e.run_id,
        e.reason,
        e.note,
        e.origin,
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(content.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain's head as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The last event's hash (`None` before the first event).
    pub hash: Option<String>,
    pub events: i64,
}

/// Takes the chain's turn in `tx` (a write to its row, held to the commit) and reads its head.
pub(crate) async fn take(store: &Store, tx: &mut Tx<'_>) -> Result<Head> {
    sqlx::query("UPDATE event_chain SET events = events WHERE id = 1")
        .execute(&mut **tx)
        .await
        .map_err(|e| store.db_err("taking the event chain's turn", e))?;
    let row = sqlx::query("SELECT head, events FROM event_chain WHERE id = 1")
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| store.db_err("reading the event chain's head", e))?;
    head_of(store, &row)
}

/// The head from a row of `event_chain` (`head`, `events`).
fn head_of(store: &Store, row: &sqlx::any::AnyRow) -> Result<Head> {
    let err = |e| store.db_err("reading the event chain's head", e);
    Ok(Head {
        hash: row.try_get::<Option<String>, _>(0).map_err(err)?,
        events: row.try_get::<i64, _>(1).map_err(err)?,
    })
}

/// Records the chain's new head in `tx`.
pub(crate) async fn advance(store: &Store, tx: &mut Tx<'_>, head: &Head) -> Result<()> {
    sqlx::query("UPDATE event_chain SET head = $1, events = $2, pending = 0 WHERE id = 1")
        .bind(head.hash.clone())
        .bind(head.events)
        .execute(&mut **tx)
        .await
        .map_err(|e| store.db_err("writing the event chain's head", e))?;
    Ok(())
}

/// Whether events of an earlier version are still to be chained (`event_chain.pending`).
async fn pending(store: &Store, conn: &mut sqlx::AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT pending FROM event_chain WHERE id = 1")
        .fetch_one(conn)
        .await
        .map_err(|e| store.db_err("reading the event chain", e))?
        .try_get(0)
        .unwrap_or(0))
}

/// Chains the events a store of an earlier version wrote, in their order, once: when a store
/// of this version first opens. Returns how many it chained (0 when there was nothing to do).
pub(crate) async fn chain_earlier(store: &Store) -> Result<u64> {
    let mut conn = store
        .pool
        .acquire()
        .await
        .map_err(|e| store.db_err("reading the event chain", e))?;
    if pending(store, &mut conn).await? == 0 {
        return Ok(0);
    }
    drop(conn);
    let mut tx = store
        .pool
        .begin()
        .await
        .map_err(|e| store.db_err("starting to chain the event log", e))?;
    take(store, &mut tx).await?;
    // Another process may have done it while this one waited for the turn.
    if pending(store, &mut tx).await? == 0 {
        return Ok(0);
    }
    // Built from constants only.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CHAINED_COLUMNS} FROM events ORDER BY seq"
    )))
    .fetch_all(&mut *tx)
    .await
    .map_err(|e| store.db_err("reading the event log", e))?;
    let mut head = Head {
        hash: None,
        events: 0,
    };
    for c in rows.iter().map(chained_of) {
        let prev = head.hash.clone().unwrap_or_default();
        let hash = event_hash(&prev, &c.event);
        sqlx::query("UPDATE events SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(prev)
            .bind(hash.clone())
            .bind(c.seq)
            .execute(&mut *tx)
            .await
            .map_err(|e| store.db_err("chaining the event log", e))?;
        head = Head {
            hash: Some(hash),
            events: head.events + 1,
        };
    }
    advance(store, &mut tx, &head).await?;
    tx.commit()
        .await
        .map_err(|e| store.db_err("chaining the event log", e))?;
    Ok(rows.len() as u64)
}

/// The columns an event is read with: its `seq`, its content (the order of [`event_hash`]),
/// its hashes.
const CHAINED_COLUMNS: &str = "seq, item_id, period, at, by_whom, event, from_status, to_status, run_id, reason, note, origin, prev_hash, hash";

/// An event as read with [`CHAINED_COLUMNS`].
fn chained_of(row: &sqlx::any::AnyRow) -> Chained {
    Chained {
        seq: row.try_get(0).unwrap_or(0),
        event: event_of(row, 1),
        prev_hash: row.try_get::<Option<String>, _>(12).unwrap_or(None),
        hash: row.try_get::<Option<String>, _>(13).unwrap_or(None),
    }
}

/// An event as read from columns `from..from+11` of a row (the order of [`event_hash`]).
fn event_of(row: &sqlx::any::AnyRow, from: usize) -> Event {
    let s = |i: usize| row.try_get::<Option<String>, _>(from + i).unwrap_or(None);
    Event {
        item_id: s(0),
        period: s(1),
        at: s(2).unwrap_or_default(),
        by: s(3).unwrap_or_default(),
        event: s(4).unwrap_or_default(),
        from_status: s(5),
        to_status: s(6),
        run_id: s(7),
        reason: s(8),
        note: s(9),
        origin: s(10),
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events that verified, in order, before the first that did not.
    pub events: u64,
    /// The last verified event's hash.
    pub head: Option<String>,
    /// The first event that does not verify, and why; `None`: the whole log verifies.
    pub broken: Option<Broken>,
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The event's `seq` (`None` when what is wrong is the end of the log).
    pub seq: Option<i64>,
    /// The event in words (when, what, about which item), when there is one.
    pub event: String,
    pub why: String,
}

/// One event of the log as [`verify_events`] reads it: its `seq`, content and both hashes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chained {
    pub seq: i64,
    pub event: Event,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// Recomputes the chain of `events` (in `seq` order), then checks it ends where `head` says.
pub fn verify_events(events: &[Chained], head: Option<&Head>) -> Verified {
    let mut prev = String::new();
    let mut before: Option<i64> = None;
    for (n, c) in events.iter().enumerate() {
        let words = describe(c);
        let broken = |why: String| Verified {
            events: n as u64,
            head: (!prev.is_empty()).then(|| prev.clone()),
            broken: Some(Broken {
                seq: Some(c.seq),
                event: words.clone(),
                why,
            }),
        };
        if c.prev_hash.as_deref().unwrap_or_default() != prev {
            let after = before
                .map(|s| format!("event {s}"))
                .unwrap_or_else(|| "the start of the log".into());
            return broken(format!(
                "it does not follow {after}: its previous hash is not that event's hash (an event was deleted, inserted or re-ordered before it)"
            ));
        }
        let hash = event_hash(&prev, &c.event);
        if c.hash.as_deref() != Some(hash.as_str()) {
            return broken(
                "its content does not match its hash (a field was edited since it was written)"
                    .into(),
            );
        }
        prev = hash;
        before = Some(c.seq);
    }
    let count = events.len() as u64;
    let last = (!prev.is_empty()).then(|| prev.clone());
    if let Some(h) = head {
        if h.hash != last || h.events != count as i64 {
            return Verified {
                events: count,
                head: last,
                broken: Some(Broken {
                    seq: None,
                    event: String::new(),
                    why: format!(
                        "the log ends after {count} events{}, but its head says {} events ending {}: events at its end were deleted (or the head was rewritten)",
                        before.map(|s| format!(" (event {s})")).unwrap_or_default(),
                        h.events,
                        h.hash.as_deref().map(short).unwrap_or("nowhere"),
                    ),
                }),
            };
        }
    }
    Verified {
        events: count,
        head: last,
        broken: None,
    }
}

/// The first 16 hex digits of a hash, for messages.
pub fn short(hash: &str) -> &str {
    &hash[..hash.len().min(16)]
}

fn describe(c: &Chained) -> String {
    let e = &c.event;
    format!(
        "{} `{}` by {}{}",
        e.at,
        e.event,
        e.by,
        e.item_id
            .as_ref()
            .map(|i| format!(" on item {i}"))
            .or_else(|| e.period.as_ref().map(|p| format!(" on period {p}")))
            .unwrap_or_default()
    )
}

impl Store {
    /// Every event with its hashes, in `seq` order, and the chain's head.
    pub async fn chained_events(&self) -> Result<(Vec<Chained>, Head)> {
        let events = self
            .chained_where("", None, "reading the event log")
            .await?;
        let row = sqlx::query("SELECT head, events FROM event_chain WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.db_err("reading the event chain's head", e))?;
        Ok((events, head_of(self, &row)?))
    }

    /// The events about `period` (on the period, or on one of its items), with their hashes,
    /// in `seq` order: a close pack's.
    pub async fn period_events(&self, period: &str) -> Result<Vec<Chained>> {
        self.chained_where(
            "WHERE period = $1 OR item_id IN (SELECT item_id FROM items WHERE period = $1)",
            Some(period),
            "reading the period's events",
        )
        .await
    }

    /// The events `clause` (with its one parameter, if any) selects, in `seq` order.
    async fn chained_where(
        &self,
        clause: &str,
        param: Option<&str>,
        what: &str,
    ) -> Result<Vec<Chained>> {
        // Built from constants only.
        let sql = format!("SELECT {CHAINED_COLUMNS} FROM events {clause} ORDER BY seq");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(p) = param {
            q = q.bind(p.to_string());
        }
        let rows = q
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_err(what, e))?;
        Ok(rows.iter().map(chained_of).collect())
    }

    /// Recomputes the store's event chain ([`verify_events`]).
    pub async fn verify_log(&self) -> Result<Verified> {
        let (events, head) = self.chained_events().await?;
        Ok(verify_events(&events, Some(&head)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(events: &[Event]) -> Vec<Chained> {
        let mut prev = String::new();
        events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let hash = event_hash(&prev, e);
                let c = Chained {
                    seq: i as i64 + 1,
                    event: e.clone(),
                    prev_hash: Some(prev.clone()),
                    hash: Some(hash.clone()),
                };
                prev = hash;
                c
            })
            .collect()
    }

    #[test]
    fn each_kind_of_tampering_is_named_at_the_first_event_it_breaks() {
        let events: Vec<Event> = (0..4)
            .map(|i| Event {
                note: Some(format!("note {i}")),
                ..Event::new("accepted", "ana", &format!("2026-04-0{}T10:00:00Z", i + 1))
            })
            .collect();
        let good = chain(&events);
        let head = Head {
            hash: good[3].hash.clone(),
            events: 4,
        };
        let ok = verify_events(&good, Some(&head));
        assert_eq!((ok.events, ok.broken.is_none()), (4, true));
        assert_eq!(ok.head, head.hash);
        // An edited note.
        let mut edited = good.clone();
        edited[1].event.note = Some("note 1, changed".into());
        let b = verify_events(&edited, Some(&head)).broken.unwrap();
        assert_eq!(b.seq, Some(2));
        assert!(b.why.contains("edited"), "{}", b.why);
        // A deleted event: the next one does not follow.
        let mut deleted = good.clone();
        deleted.remove(1);
        let b = verify_events(&deleted, Some(&head)).broken.unwrap();
        assert_eq!(b.seq, Some(3));
        assert!(b.why.contains("does not follow event 1"), "{}", b.why);
        // Two events re-ordered.
        let mut reordered = good.clone();
        reordered.swap(1, 2);
        assert_eq!(
            verify_events(&reordered, Some(&head)).broken.unwrap().seq,
            Some(3)
        );
        // The newest event deleted: only the head sees it.
        let b = verify_events(&good[..3], Some(&head)).broken.unwrap();
        assert_eq!(b.seq, None);
        assert!(
            b.why
                .contains("ends after 3 events (event 3), but its head says 4"),
            "{}",
            b.why
        );
    }
}
