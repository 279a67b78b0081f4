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

pub mod carry;
pub mod decide;
pub mod fetch_cache;
pub mod item;
pub mod plan;
pub mod run;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::error::{Error, Result};
use crate::matching::Category;
use crate::period::Period;
use item::ItemState;
use plan::{Plan, Side};

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
}

/// One entry of the append-only event log.
#[derive(Debug, Clone, PartialEq)]
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
}

impl Snapshot {
    /// Earlier periods' items whose record `period` should match against: open, or cleared by
    /// an earlier run of `period` itself; `(item id, side, record)`.
    pub fn carried(&self, period: &Period) -> Vec<(&str, Side, &str)> {
        let label = period.label();
        self.items
            .iter()
            .filter(|i| {
                i.period_first_day < period.first
                    && (i.state == ItemState::Open
                        || (i.state == ItemState::Cleared
                            && i.cleared_in.as_deref() == Some(&label)))
            })
            .filter_map(|i| Some((i.item_id.as_str(), i.record_side?, i.record.as_deref()?)))
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// An open store.
pub struct Store {
    pool: AnyPool,
    shown: String,
    backend: Backend,
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
        };
        let (backend, connect_url) = if let Some(path) = url.strip_prefix("sqlite:") {
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
            (Backend::Sqlite, format!("sqlite:{path}{mode}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(fail(
                "not a store URL: expected sqlite:PATH or postgres://user@host/db".into(),
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 1 } else { 4 })
            .connect(&connect_url)
            .await
            .map_err(|e| fail(format!("cannot connect: {}", db_message(&e))))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| fail(format!("cannot bring the schema up to date: {e}")))?;
        Ok(Store {
            pool,
            shown,
            backend,
        })
    }

    /// The URL as it may be shown (no password).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::Store {
            store: self.shown.clone(),
            message: e.to_string(),
        }
    }

    pub(crate) fn db_err(&self, what: &str, e: sqlx::Error) -> Error {
        self.err(format!("{what}: {}", db_message(&e)))
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Everything a run of `period` needs from the store.
    pub async fn snapshot(&self, period: &Period) -> Result<Snapshot> {
        let generation = self.generation().await?;
        let items = self.items_where("", &[]).await?;
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
        })
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
        let amount = opt("amount")?;
        let side = opt("record_side")?;
        Ok(StoredItem {
            period: text("period")?,
            period_first_day: day("period_first_day", Some(text("period_first_day")?))?
                .ok_or_else(|| bad("period_first_day", ""))?,
            category: Category::parse(&category).ok_or_else(|| bad("category", &category))?,
            provider: opt("provider")?,
            kind: opt("kind")?,
            tx_id: opt("tx_id")?,
            order_id: opt("order_id")?,
            ledger_entry_id: opt("ledger_entry_id")?,
            amount: amount
                .map(|a| crate::money::parse(&a).map_err(|_| bad("amount", &a)))
                .transpose()?,
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
            evidence: text("evidence")?,
            accepted_evidence: opt("accepted_evidence")?,
            record_side: match side {
                None => None,
                Some(s) => Some(Side::parse(&s).ok_or_else(|| bad("record_side", &s))?),
            },
            record: opt("record")?,
            item_id: id,
        })
    }

    pub(crate) async fn period_status(&self, period: &str) -> Result<Option<PeriodStatus>> {
        let row = sqlx::query("SELECT * FROM periods WHERE period = $1")
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db_err("reading period status", e))?;
        row.map(|r| -> Result<PeriodStatus> {
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
        })
        .transpose()
    }

    /// Writes a run's plan in one transaction, if the store is still at the generation the run
    /// read; otherwise refuses, changing nothing.
    pub async fn commit(&self, generation: i64, run: &RunRecord, plan: &Plan) -> Result<()> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.db_err("starting the write", e))?;
        bump(self, &mut tx, generation).await?;
        let label = run.period.label();
        if run.reopen_period {
            set_period(
                self,
                &mut tx,
                &run.period,
                false,
                &run.at,
                &run.by,
                Some("reopened for a new run (--reopen-period)"),
            )
            .await?;
            insert_events(
                self,
                &mut tx,
                &[Event {
                    item_id: None,
                    period: Some(label.clone()),
                    at: run.at.clone(),
                    by: run.by.clone(),
                    event: "period reopened".into(),
                    from_status: Some("closed".into()),
                    to_status: Some("open".into()),
                    run_id: Some(run.run_id.clone()),
                    reason: None,
                    note: Some("--reopen-period".into()),
                }],
            )
            .await?;
        }
        let changed: Vec<&StoredItem> = plan
            .changed
            .iter()
            .filter_map(|id| plan.items.get(id))
            .collect();
        upsert_items(self, &mut tx, &changed).await?;
        tracing::debug!(items = changed.len(), "store: items written");
        insert_events(self, &mut tx, &plan.events).await?;
        tracing::debug!(events = plan.events.len(), "store: events written");
        insert_details(self, &mut tx, &run.details, &run.at).await?;
        sqlx::query(
            "INSERT INTO runs (run_id, period, recorded_at, inputs_sha256, result_rows, discrepancies, new_items, cleared_items, resolved_items) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (run_id) DO UPDATE SET period = excluded.period, recorded_at = excluded.recorded_at, \
             inputs_sha256 = excluded.inputs_sha256, result_rows = excluded.result_rows, discrepancies = excluded.discrepancies, \
             new_items = excluded.new_items, cleared_items = excluded.cleared_items, resolved_items = excluded.resolved_items",
        )
        .bind(run.run_id.clone())
        .bind(label)
        .bind(run.at.clone())
        .bind(run.inputs_sha256.clone())
        .bind(count(run.result_rows))
        .bind(count(run.discrepancies))
        .bind(count(plan.counts.new_items))
        .bind(count(plan.counts.cleared))
        .bind(count(plan.counts.resolved))
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_err("recording the run", e))?;
        pause_for_tests();
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the run", e))
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A test hook: `CARDRECON_STORE_PAUSE_MS` holds the store's write transaction open that long
/// before committing (after printing `store write in progress` on stderr), so a test can kill
/// the process in the middle of the write. Unset, it does nothing.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("CARDRECON_STORE_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        eprintln!("store write in progress");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Takes the store's write turn: waits for any other writer, then bumps the generation if it
/// is still `expected` (else refuses).
pub(crate) async fn bump(store: &Store, tx: &mut Tx<'_>, expected: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE store_lock SET generation = generation + 1 WHERE id = 1 AND generation = $1",
    )
    .bind(expected)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        let m = db_message(&e);
        if m.contains("locked") || m.contains("busy") {
            store.err("another cardrecon is writing this store and did not finish in time; nothing was written, run again")
        } else {
            store.err(format!("taking the write turn: {m}"))
        }
    })?
    .rows_affected();
    if done == 0 {
        return Err(store.err(
            "the store changed while this command was working (another run or a decision was written \
             in between); nothing was written: run the command again",
        ));
    }
    Ok(())
}

pub(crate) async fn set_period(
    store: &Store,
    tx: &mut Tx<'_>,
    period: &Period,
    closed: bool,
    at: &str,
    by: &str,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO periods (period, first_day, status, changed_at, changed_by, note) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (period) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, \
         changed_by = excluded.changed_by, note = excluded.note",
    )
    .bind(period.label())
    .bind(period.first.to_string())
    .bind(if closed { "closed" } else { "open" }.to_string())
    .bind(at.to_string())
    .bind(by.to_string())
    .bind(note.map(str::to_string))
    .execute(&mut **tx)
    .await
    .map_err(|e| store.db_err("writing the period's status", e))?;
    Ok(())
}

const ITEM_COLUMNS: [&str; 25] = [
    "item_id",
    "period",
    "period_first_day",
    "category",
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "ledger_entry_id",
    "amount",
    "currency",
    "item_day",
    "status",
    "first_run",
    "last_run",
    "cleared_in",
    "cleared_by_run",
    "reason",
    "note",
    "decided_by",
    "decided_at",
    "evidence",
    "accepted_evidence",
    "record_side",
    "record",
];

/// Placeholders for `rows` rows of `cols` values: `($1, $2, …), (…)` for PostgreSQL, which
/// needs them numbered; `(?, ?, …), (…)` for SQLite, which finds a numbered parameter's name by
/// a linear scan per binding (a 10,000-value INSERT took 95 ms, 25 times longer than with `?`).
fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let one: Vec<String> = (1..=cols)
                .map(|c| match backend {
                    Backend::Postgres => format!("${}", r * cols + c),
                    Backend::Sqlite => "?".to_string(),
                })
                .collect();
            format!("({})", one.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const BATCH: usize = 400;

pub(crate) async fn upsert_items(
    store: &Store,
    tx: &mut Tx<'_>,
    items: &[&StoredItem],
) -> Result<()> {
    let updates: Vec<String> = ITEM_COLUMNS[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for chunk in items.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO items ({}) VALUES {} ON CONFLICT (item_id) DO UPDATE SET {}",
            ITEM_COLUMNS.join(", "),
            placeholders(store.backend, chunk.len(), ITEM_COLUMNS.len()),
            updates.join(", ")
        );
        // Built from the constant column list and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in chunk {
            let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
            q = q
                .bind(i.item_id.clone())
                .bind(i.period.clone())
                .bind(i.period_first_day.to_string())
                .bind(i.category.as_str().to_string())
                .bind(i.provider.clone())
                .bind(i.kind.clone())
                .bind(i.tx_id.clone())
                .bind(i.order_id.clone())
                .bind(i.ledger_entry_id.clone())
                .bind(i.amount.map(|a| a.normalize().to_string()))
                .bind(i.currency.clone())
                .bind(day(i.item_day))
                .bind(i.state.as_str().to_string())
                .bind(i.first_run.clone())
                .bind(i.last_run.clone())
                .bind(i.cleared_in.clone())
                .bind(i.cleared_by_run.clone())
                .bind(i.reason.clone())
                .bind(i.note.clone())
                .bind(i.decided_by.clone())
                .bind(i.decided_at.clone())
                .bind(i.evidence.clone())
                .bind(i.accepted_evidence.clone())
                .bind(i.record_side.map(|s| s.as_str().to_string()))
                .bind(i.record.clone());
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err("writing items", e))?;
    }
    Ok(())
}

async fn insert_details(
    store: &Store,
    tx: &mut Tx<'_>,
    details: &[fetch_cache::Entry],
    at: &str,
) -> Result<()> {
    for chunk in details.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO fetch_cache (provider, record_id, fingerprint, detail, fetched_at) VALUES {} \
             ON CONFLICT (provider, record_id, fingerprint) DO UPDATE SET detail = excluded.detail, fetched_at = excluded.fetched_at",
            placeholders(store.backend, chunk.len(), 5)
        );
        // Built from constants and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (p, id, fp, detail) in chunk {
            q = q
                .bind(p.clone())
                .bind(id.clone())
                .bind(fp.clone())
                .bind(detail.clone())
                .bind(at.to_string());
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err("writing the fetch cache", e))?;
    }
    Ok(())
}

const EVENT_COLUMNS: [&str; 10] = [
    "item_id",
    "period",
    "at",
    "by_whom",
    "event",
    "from_status",
    "to_status",
    "run_id",
    "reason",
    "note",
];

pub(crate) async fn insert_events(store: &Store, tx: &mut Tx<'_>, events: &[Event]) -> Result<()> {
    for chunk in events.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO events ({}) VALUES {}",
            EVENT_COLUMNS.join(", "),
            placeholders(store.backend, chunk.len(), EVENT_COLUMNS.len())
        );
        // Built from the constant column list and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.item_id.clone())
                .bind(e.period.clone())
                .bind(e.at.clone())
                .bind(e.by.clone())
                .bind(e.event.clone())
                .bind(e.from_status.clone())
                .bind(e.to_status.clone())
                .bind(e.run_id.clone())
                .bind(e.reason.clone())
                .bind(e.note.clone());
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err("writing events", e))?;
    }
    Ok(())
}

/// A database error in words, without the URL (the caller names the store).
fn db_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
