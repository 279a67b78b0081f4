//! The store: cardrecon's memory across periods. Runs, items (every discrepancy, with a stable
//! id and a state), an append-only event log, and period status, in one schema on SQLite (the
//! embedded default: a single file) or PostgreSQL (a team sharing one store).
//!
//! **Why sqlx's `Any` driver.** One set of queries serves both databases: the SQL is written
//! once, with `$1` placeholders, which both accept. The schema is one migration per database
//! (`migrations/sqlite`, `migrations/postgres`) with the same version numbers and columns; only
//! types differ where the databases do. Migrations are embedded (`migrate!`) and versioned, so
//! a store made by this version opens in the next.
//!
//! **Why a generation counter.** A run reads the store at its start ([`Store::snapshot`]),
//! works for minutes, and writes at its end ([`Store::commit`]) in one transaction. The write
//! first bumps `store_lock.generation` *if it is still the one read*. A second writer waits
//! for the first's transaction (SQLite's write lock, PostgreSQL's row lock) and then finds the
//! generation changed: it is refused with a message, so nothing is lost or written twice. A
//! person's decision (`accept`, `reopen`, `close-period`) bumps it too, so a run planned before
//! a decision cannot overwrite it.
//!
//! Matched rows stay in the run directory's files; the store holds what a person must follow up.
//! Amounts are decimal text, instants RFC 3339 UTC text.

pub mod browse;
pub mod cards;
pub mod carry;
pub mod chain;
pub mod decide;
pub mod fetch_cache;
pub mod item;
pub mod item_table;
pub mod journal;
pub mod links;
pub mod plan;
pub mod proposals;
pub mod run;
pub mod sessions;
pub mod users;
pub mod write;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::error::{Error, Result};
use crate::matching::Category;
use crate::period::Period;
use item::ItemState;
use plan::Side;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// One item as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub item_id: String,
    pub period: String,
    pub period_first_day: NaiveDate,
    pub category: Category,
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub tx_id: Option<String>,
    pub order_id: Option<String>,
    pub ledger_entry_id: Option<String>,
    /// The provider amount, else the ledger's magnitude.
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    /// The earliest accounting day of its records (for its age).
    pub item_day: Option<NaiveDate>,
    pub state: ItemState,
    pub first_run: String,
    pub last_run: String,
    pub cleared_in: Option<String>,
    pub cleared_by_run: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The facts of its latest run ([`item::Evidence`]).
    pub evidence: String,
    /// The facts it was accepted on.
    pub accepted_evidence: Option<String>,
    pub record_side: Option<Side>,
    /// The record a later period matches against ([`carry`]).
    pub record: Option<String>,
    /// Both sides' amounts and what is at stake, as of its latest run.
    pub exposure: crate::results::exposure::Exposure,
}

/// One entry of the append-only event log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// `None` for an event about a period.
    pub item_id: Option<String>,
    pub period: Option<String>,
    pub at: String,
    pub by: String,
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub run_id: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// Where a person's decision came from (`command line, os user ana`); `None` for a run's
    /// own events, which name their run. Set by the store that writes it ([`Store::with_origin`]).
    pub origin: Option<String>,
}

impl Event {
    /// `what` happened, by whom, when; about no item or period, with nothing else said (the
    /// base the other events are written over with `..Event::new(…)`).
    pub fn new(what: &str, by: &str, at: &str) -> Event {
        Event {
            item_id: None,
            period: None,
            at: at.to_string(),
            by: by.to_string(),
            event: what.to_string(),
            from_status: None,
            to_status: None,
            run_id: None,
            reason: None,
            note: None,
            origin: None,
        }
    }

    /// A period closed (`closed`) or reopened, with the note that says why.
    pub fn period_status(period: &str, closed: bool, by: &str, at: &str, note: String) -> Event {
        let (what, from, to) = if closed {
            ("period closed", "open", "closed")
        } else {
            ("period reopened", "closed", "open")
        };
        Event {
            period: Some(period.to_string()),
            from_status: Some(from.into()),
            to_status: Some(to.into()),
            note: Some(note),
            ..Event::new(what, by, at)
        }
    }

    /// `item` moving from its present state to `to`: `what` happened, by whom, when, why.
    pub fn change(
        item: &StoredItem,
        what: &str,
        to: ItemState,
        at: &str,
        by: &str,
        note: &str,
    ) -> Event {
        Event {
            item_id: Some(item.item_id.clone()),
            period: Some(item.period.clone()),
            from_status: Some(item.state.as_str().to_string()),
            to_status: Some(to.as_str().to_string()),
            note: Some(note.to_string()),
            ..Event::new(what, by, at)
        }
    }
}

/// A period's close status.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodStatus {
    pub period: String,
    pub closed: bool,
    pub changed_at: String,
    pub changed_by: String,
    pub note: Option<String>,
}

/// What a run reads at its start.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub generation: i64,
    pub items: Vec<StoredItem>,
    /// The period's status, when it was ever closed or reopened.
    pub period: Option<PeriodStatus>,
    /// The latest event of each item: (event, at).
    pub last_events: HashMap<String, (String, String)>,
    /// The latest earlier period's card list, for the card roll-forward.
    pub cards_before: Option<(String, Vec<crate::model::CardSnapshot>)>,
    /// What the latest run of the latest earlier period reported open at its end: the
    /// period's roll-forward opens with it ([`plan::roll_forward`]). `None` before any such
    /// run, or when that run was made before the store recorded it.
    pub opening: Option<Vec<plan::Reported>>,
}

#[cfg(test)]
impl StoredItem {
    /// An open `missing_in_ledger` item of `period` (YYYY-MM) with every optional field empty,
    /// for unit tests to change what they need (`StoredItem { state, ..sample(id, period) }`).
    pub(crate) fn sample(id: &str, period: &str) -> StoredItem {
        let p = match Period::parse(period) {
            Ok(p) => p,
            Err(e) => panic!("a test's period: {e}"),
        };
        StoredItem {
            item_id: id.into(),
            period: p.label(),
            period_first_day: p.first,
            category: Category::MissingInLedger,
            provider: None,
            kind: None,
            tx_id: None,
            order_id: None,
            ledger_entry_id: None,
            amount: None,
            currency: None,
            item_day: None,
            state: ItemState::Open,
            first_run: "r".into(),
            last_run: "r".into(),
            cleared_in: None,
            cleared_by_run: None,
            reason: None,
            note: None,
            decided_by: None,
            decided_at: None,
            evidence: String::new(),
            accepted_evidence: None,
            record_side: None,
            record: None,
            exposure: Default::default(),
        }
    }
}

impl StoredItem {
    /// Whether a run of `period` (labelled `label`) may clear this item: one of an earlier
    /// period, open, or cleared by an earlier run of `period` itself (so a re-run decides the
    /// same again).
    pub fn clearable_in(&self, period: &Period, label: &str) -> bool {
        self.period_first_day < period.first
            && (self.state == ItemState::Open
                || (self.state == ItemState::Cleared && self.cleared_in.as_deref() == Some(label)))
    }
}

impl Snapshot {
    /// The items `period` may clear ([`StoredItem::clearable_in`]) that keep a record to match
    /// against: `(item, side, record)`.
    pub fn carried(&self, period: &Period) -> Vec<(&StoredItem, Side, &str)> {
        let label = period.label();
        self.items
            .iter()
            .filter(|i| i.clearable_in(period, &label))
            .filter_map(|i| Some((i, i.record_side?, i.record.as_deref()?)))
            .collect()
    }
}

/// What a run writes besides its items and events.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub run_id: String,
    pub period: Period,
    pub at: String,
    pub by: String,
    pub inputs_sha256: String,
    pub result_rows: u64,
    pub discrepancies: u64,
    /// Reopen a closed period first (`--reopen-period`), as an event.
    pub reopen_period: bool,
    /// Details the run's fetch added to the fetch cache.
    pub details: Vec<fetch_cache::Entry>,
    /// The period's originals and refunds, for later periods' links checks.
    pub link_records: Vec<crate::links::EarlierRecord>,
    /// The period's card lists, for the next period's card roll-forward.
    pub cards: Vec<crate::model::CardSnapshot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// An open store.
pub struct Store {
    pool: AnyPool,
    shown: String,
    backend: Backend,
    /// Stamped on the decisions this handle writes ([`Store::with_origin`]).
    origin: Option<String>,
}

impl Store {
    /// Opens (creating a SQLite file and its folder when missing) and migrates the store at
    /// `url`: `sqlite:PATH` or `postgres://user[:password]@host[:port]/db`.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, true).await
    }

    /// Opens a store that must already exist: the commands that read or decide on items
    /// (`items`, `accept`, `explain`, …) do not create an empty SQLite file at a mistyped path.
    pub async fn open_existing(url: &str) -> Result<Store> {
        Store::open_with(url, false).await
    }

    async fn open_with(url: &str, create: bool) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let shown = crate::secret::url_without_password(url);
        let fail = |m: String| Error::Store {
            store: shown.clone(),
            message: m,
            cause: None,
        };
        // sqlx's migrator locks a PostgreSQL database while it migrates (an advisory lock) but
        // not a SQLite file: four commands opening a new store at once each tried to create
        // its tables ("table store_lock already exists"). An exclusive lock on the database
        // file while it is opened and migrated (`_migrating`, held to the end of this function)
        // makes them take turns. It is `flock`, which SQLite's own (fcntl) locks do not see.
        let (backend, connect_url, _migrating) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            if file.is_empty() || file == ":memory:" {
                return Err(fail(
                    "a SQLite store needs a file path (sqlite:PATH)".into(),
                ));
            }
            if !create && !std::path::Path::new(file).is_file() {
                return Err(fail(format!(
                    "no store at {file} (a `run`, or `reconcile --store`, creates it)"
                )));
            }
            if let Some(dir) = std::path::Path::new(file).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
            }
            let sep = if path.contains('?') { '&' } else { '?' };
            let mode = if path.contains("mode=") {
                String::new()
            } else {
                format!("{sep}mode=rwc")
            };
            let lock = lock_for_migration(file, create).map_err(&fail)?;
            (Backend::Sqlite, format!("sqlite:{path}{mode}"), Some(lock))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string(), None)
        } else {
            return Err(fail(
                "not a store URL: expected sqlite:PATH or postgres://user@host/db".into(),
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 4 })
            .connect(&connect_url)
            .await
            .map_err(|e| fail(format!("cannot connect: {}", db_message(&e))).because(e))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| fail(format!("cannot bring the schema up to date: {e}")).because(e))?;
        let store = Store {
            pool,
            shown,
            backend,
            origin: None,
        };
        // A store made by an earlier version: its events are chained once, in order.
        let chained = chain::chain_earlier(&store).await?;
        if chained > 0 {
            tracing::warn!(
                "the store's event log ({chained} events written by an earlier version) is now a hash chain; `cardrecon verify-log` checks it"
            );
        }
        Ok(store)
    }

    /// This handle's decisions say where they came from (`command line, os user ana`): the
    /// CLI's `--by` is free text, so the event also keeps the account that ran it.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Store {
        self.origin = Some(origin.into());
        self
    }

    /// Another handle on the same pool whose decisions say they came from `origin` (the
    /// workspace opens one store and stamps each person's request with where it came from).
    pub fn acting_from(&self, origin: impl Into<String>) -> Store {
        Store {
            pool: self.pool.clone(),
            shown: self.shown.clone(),
            backend: self.backend,
            origin: Some(origin.into()),
        }
    }

    /// `events`, each stamped with this handle's origin where it has none.
    pub(crate) fn stamped(&self, events: &[Event]) -> Vec<Event> {
        events
            .iter()
            .map(|e| Event {
                origin: e.origin.clone().or_else(|| self.origin.clone()),
                ..e.clone()
            })
            .collect()
    }

    /// The URL as it may be shown (no password).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::Store {
            store: self.shown.clone(),
            message: e.to_string(),
            cause: None,
        }
    }

    /// What the store was doing when the database said no: the words for a person, and
    /// sqlx's error as the cause (a test or a caller can match on its kind).
    pub(crate) fn db_err(&self, what: &str, e: sqlx::Error) -> Error {
        self.err(format!("{what}: {}", db_message(&e))).because(e)
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Everything a run of `period` needs from the store.
    pub async fn snapshot(&self, period: &Period) -> Result<Snapshot> {
        let generation = self.generation().await?;
        let items = self.items_where("", &[]).await?;
        let cards_before = self.cards_before(period).await?;
        let opening = self.opening(period).await?;
        let period = self.period_status(&period.label()).await?;
        let rows = sqlx::query(
            "SELECT e.item_id, e.event, e.at FROM events e \
             JOIN (SELECT item_id, MAX(seq) AS seq FROM events WHERE item_id IS NOT NULL GROUP BY item_id) m \
             ON e.seq = m.seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_err("reading the event log", e))?;
        let mut last_events = HashMap::new();
        for r in rows {
            let id: String = r.try_get("item_id").map_err(|e| self.db_err("events", e))?;
            let ev: String = r.try_get("event").map_err(|e| self.db_err("events", e))?;
            let at: String = r.try_get("at").map_err(|e| self.db_err("events", e))?;
            last_events.insert(id, (ev, at));
        }
        Ok(Snapshot {
            generation,
            items,
            period,
            last_events,
            cards_before,
            opening,
        })
    }

    /// What the latest run of the latest period before `period` reported open at its end
    /// ([`Snapshot::opening`]). Runs are ordered by their period's first day, then by when
    /// they were recorded.
    pub async fn opening(&self, period: &Period) -> Result<Option<Vec<plan::Reported>>> {
        let rows = sqlx::query("SELECT run_id, period, recorded_at, open_recorded FROM runs")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_err("reading runs", e))?;
        let mut latest: Option<(NaiveDate, String, String, bool)> = None;
        for r in rows {
            let get = |c: &str| {
                r.try_get::<String, _>(c)
                    .map_err(|e| self.db_err(&format!("runs.{c}"), e))
            };
            let Ok(p) = Period::parse(&get("period")?) else {
                continue;
            };
            if p.first >= period.first {
                continue;
            }
            let recorded = r
                .try_get::<i64, _>("open_recorded")
                .map_err(|e| self.db_err("runs.open_recorded", e))?;
            let key = (p.first, get("recorded_at")?, get("run_id")?, recorded != 0);
            if latest
                .as_ref()
                .is_none_or(|l| (&key.0, &key.1, &key.2) > (&l.0, &l.1, &l.2))
            {
                latest = Some(key);
            }
        }
        let Some((_, _, run_id, true)) = latest else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT item_id, provider, currency, amount FROM run_open_items WHERE run_id = $1 ORDER BY item_id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_err("reading what the last run reported open", e))?;
        rows.iter()
            .map(|r| {
                let get = |c: &str| {
                    r.try_get::<String, _>(c)
                        .map_err(|e| self.db_err(&format!("run_open_items.{c}"), e))
                };
                let amount = r
                    .try_get::<Option<String>, _>("amount")
                    .map_err(|e| self.db_err("run_open_items.amount", e))?;
                Ok(plan::Reported {
                    item_id: get("item_id")?,
                    provider: get("provider")?,
                    currency: get("currency")?,
                    amount: amount
                        .map(|a| {
                            crate::money::parse(&a).map_err(|_| {
                                self.err(format!("run_open_items.amount: `{a}` is not valid"))
                            })
                        })
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    pub(crate) async fn generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT generation FROM store_lock WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.db_err("reading the store's generation", e))?;
        row.try_get::<i64, _>("generation")
            .map_err(|e| self.db_err("reading the store's generation", e))
    }

    /// Items matching an SQL condition (`WHERE …`, may be empty) with text parameters.
    pub(crate) async fn items_where(
        &self,
        condition: &str,
        params: &[&str],
    ) -> Result<Vec<StoredItem>> {
        // COALESCE: the two databases sort NULLs at opposite ends.
        let sql = format!("SELECT * FROM items {condition} ORDER BY period_first_day, COALESCE(provider, ''), category, COALESCE(tx_id, ''), COALESCE(ledger_entry_id, ''), item_id");
        // The condition is one of this crate's constant strings; values go in as parameters.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in params {
            q = q.bind(p.to_string());
        }
        let rows = q
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_err("reading items", e))?;
        rows.iter().map(|r| self.item_from_row(r)).collect()
    }

    fn item_from_row(&self, r: &AnyRow) -> Result<StoredItem> {
        let text = |c: &str| -> Result<String> {
            r.try_get::<String, _>(c)
                .map_err(|e| self.db_err(&format!("items.{c}"), e))
        };
        let opt = |c: &str| -> Result<Option<String>> {
            r.try_get::<Option<String>, _>(c)
                .map_err(|e| self.db_err(&format!("items.{c}"), e))
        };
        let id = text("item_id")?;
        let bad = |c: &str, v: &str| self.err(format!("item {id}, column {c}: `{v}` is not valid"));
        let day = |c: &str, v: Option<String>| -> Result<Option<NaiveDate>> {
            v.map(|v| v.parse::<NaiveDate>().map_err(|_| bad(c, &v)))
                .transpose()
        };
        let category = text("category")?;
        let state = text("status")?;
        let side = opt("record_side")?;
        let money = |c: &str| -> Result<Option<rust_decimal::Decimal>> {
            opt(c)?
                .map(|a| crate::money::parse(&a).map_err(|_| bad(c, &a)))
                .transpose()
        };
        let category = Category::parse(&category).ok_or_else(|| bad("category", &category))?;
        let kind = opt("kind")?;
        let evidence = text("evidence")?;
        let exposure = match opt("at_stake")? {
            // Written before version 5: from the evidence, until a run sees it again.
            None if opt("provider_amount")?.is_none() && opt("ledger_amount")?.is_none() => {
                crate::results::exposure::Exposure::from_evidence(
                    category,
                    kind.as_deref(),
                    &evidence,
                )
            }
            _ => crate::results::exposure::Exposure {
                provider_amount: money("provider_amount")?,
                ledger_amount: money("ledger_amount")?,
                difference: money("amount_difference")?,
                at_stake: money("at_stake")?,
            },
        };
        Ok(StoredItem {
            period: text("period")?,
            period_first_day: day("period_first_day", Some(text("period_first_day")?))?
                .ok_or_else(|| bad("period_first_day", ""))?,
            category,
            provider: opt("provider")?,
            kind,
            tx_id: opt("tx_id")?,
            order_id: opt("order_id")?,
            ledger_entry_id: opt("ledger_entry_id")?,
            amount: money("amount")?,
            currency: opt("currency")?,
            item_day: day("item_day", opt("item_day")?)?,
            state: ItemState::parse(&state).ok_or_else(|| bad("status", &state))?,
            first_run: text("first_run")?,
            last_run: text("last_run")?,
            cleared_in: opt("cleared_in")?,
            cleared_by_run: opt("cleared_by_run")?,
            reason: opt("reason")?,
            note: opt("note")?,
            decided_by: opt("decided_by")?,
            decided_at: opt("decided_at")?,
            evidence,
            accepted_evidence: opt("accepted_evidence")?,
            record_side: match side {
                None => None,
                Some(s) => Some(Side::parse(&s).ok_or_else(|| bad("record_side", &s))?),
            },
            record: opt("record")?,
            exposure,
            item_id: id,
        })
    }

    pub async fn period_status(&self, period: &str) -> Result<Option<PeriodStatus>> {
        let row = sqlx::query("SELECT * FROM periods WHERE period = $1")
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db_err("reading period status", e))?;
        row.map(|r| self.period_from_row(&r)).transpose()
    }

    /// Every period's status, by label.
    pub async fn period_statuses(&self) -> Result<HashMap<String, PeriodStatus>> {
        let rows = sqlx::query("SELECT * FROM periods")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_err("reading period status", e))?;
        rows.iter()
            .map(|r| self.period_from_row(r).map(|s| (s.period.clone(), s)))
            .collect()
    }

    fn period_from_row(&self, r: &AnyRow) -> Result<PeriodStatus> {
        let get = |c: &str| {
            r.try_get::<String, _>(c)
                .map_err(|e| self.db_err("periods", e))
        };
        Ok(PeriodStatus {
            period: get("period")?,
            closed: get("status")? == "closed",
            changed_at: get("changed_at")?,
            changed_by: get("changed_by")?,
            note: r
                .try_get::<Option<String>, _>("note")
                .map_err(|e| self.db_err("periods", e))?,
        })
    }
}

/// Runs `write` (which reads the store, decides and writes) again when its write finds the store
/// changed since it read it ([`Error::StoreChanged`]), up to `attempts` times in all, after a
/// short random pause ([`retry_pause`]) so writers that met once do not meet again; any other
/// outcome is returned as it is. `what` names the writer in the log. A run and a person's
/// decision both go through here: a write is never made on a stale read, and nobody fails
/// because someone else was writing.
pub(crate) async fn retry_when_changed<T, F, Fut>(
    attempts: u32,
    what: &str,
    mut write: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Err(Error::StoreChanged { .. }) if attempt < attempts => {
                attempt += 1;
                tokio::time::sleep(retry_pause(attempt)).await;
                tracing::warn!(
                    attempt,
                    "the store changed while this {what} worked (a decision or another run was written): reading it again"
                );
            }
            other => return other,
        }
    }
}

/// The pause before a write that found the store changed tries again: 50 ms plus up to 200 ms
/// per attempt, varying with the clock and the process (no two writers that met once wait
/// alike).
fn retry_pause(attempt: u32) -> std::time::Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let spread = 200 * u64::from(attempt);
    std::time::Duration::from_millis(50 + (nanos ^ u64::from(std::process::id())) % spread)
}

/// The SQLite database `file`, opened (created when `create`) and locked exclusively until the
/// returned file is dropped.
fn lock_for_migration(file: &str, create: bool) -> std::result::Result<std::fs::File, String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(file)
        .map_err(|e| format!("cannot open {file}: {e}"))?;
    f.lock()
        .map_err(|e| format!("cannot lock {file} to bring its schema up to date: {e}"))?;
    Ok(f)
}

/// A database error in words, without the URL (the caller names the store).
pub(crate) fn db_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}
