//! Writing the store: a run's commit and the helpers every write shares (the write turn, items,
//! events, period status, the fetch cache), each in the caller's one transaction.

use chrono::NaiveDate;

use super::plan::Plan;
use super::{db_message, fetch_cache, Backend, Event, RunRecord, Store, StoredItem};
use crate::error::Result;
use crate::period::Period;

impl Store {
    /// Writes a run's plan in one transaction, if the store is still at the generation the run
    /// read; otherwise refuses, changing nothing.
    pub async fn commit(&self, generation: i64, run: &RunRecord, plan: &Plan) -> Result<()> {
        let mut tx = self.write_turn(generation).await?;
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
                    run_id: Some(run.run_id.clone()),
                    ..Event::period_status(
                        &label,
                        false,
                        &run.by,
                        &run.at,
                        "--reopen-period".into(),
                    )
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
        replace_link_records(self, &mut tx, &run.period, &run.link_records).await?;
        replace_card_snapshots(self, &mut tx, &run.period, &run.cards).await?;
        tracing::debug!(
            records = run.link_records.len(),
            "store: link records written"
        );
        let reported = super::plan::reported_open(plan.items.values(), &run.period);
        replace_reported_open(self, &mut tx, &run.run_id, &reported).await?;
        sqlx::query(
            "INSERT INTO runs (run_id, period, recorded_at, inputs_sha256, result_rows, discrepancies, new_items, cleared_items, resolved_items, open_recorded) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) \
             ON CONFLICT (run_id) DO UPDATE SET period = excluded.period, recorded_at = excluded.recorded_at, \
             inputs_sha256 = excluded.inputs_sha256, result_rows = excluded.result_rows, discrepancies = excluded.discrepancies, \
             new_items = excluded.new_items, cleared_items = excluded.cleared_items, resolved_items = excluded.resolved_items, \
             open_recorded = 1",
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

pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl Store {
    /// A transaction holding the store's write turn, if the store is still at `generation`
    /// ([`bump`]): how every write (a run's commit, a decision, a user change) begins.
    pub(crate) async fn write_turn(&self, generation: i64) -> Result<Tx<'static>> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.db_err("starting the write", e))?;
        bump(self, &mut tx, generation).await?;
        Ok(tx)
    }
}

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
        return Err(crate::error::Error::StoreChanged {
            store: store.shown().to_string(),
        });
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

const ITEM_COLUMNS: [&str; 29] = [
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
    "provider_amount",
    "ledger_amount",
    "amount_difference",
    "at_stake",
];

/// Placeholders for `rows` rows of `cols` values: `($1, $2, …), (…)` for PostgreSQL, which
/// needs them numbered; `(?, ?, …), (…)` for SQLite, which finds a numbered parameter's name by
/// a linear scan per binding (a 10,000-value INSERT took 95 ms, 25 times longer than with `?`).
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    placeholders_from(backend, rows, cols, 1)
}

/// [`placeholders`] numbered from `$first` (the parameters before it are the query's own).
pub(crate) fn placeholders_from(
    backend: Backend,
    rows: usize,
    cols: usize,
    first: usize,
) -> String {
    (0..rows)
        .map(|r| {
            let one: Vec<String> = (0..cols)
                .map(|c| match backend {
                    Backend::Postgres => format!("${}", first + r * cols + c),
                    Backend::Sqlite => "?".to_string(),
                })
                .collect();
            format!("({})", one.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
pub(crate) const BATCH: usize = 400;

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
            let text = |a: Option<rust_decimal::Decimal>| a.map(|a| a.normalize().to_string());
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
                .bind(text(i.amount))
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
                .bind(i.record.clone())
                .bind(text(i.exposure.provider_amount))
                .bind(text(i.exposure.ledger_amount))
                .bind(text(i.exposure.difference))
                .bind(text(i.exposure.at_stake));
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

const EVENT_COLUMNS: [&str; 13] = [
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
    "origin",
    "prev_hash",
    "hash",
];

/// Appends `events` to the log in `tx`, each chained onto the one before it
/// ([`super::chain`]).
pub(crate) async fn insert_events(store: &Store, tx: &mut Tx<'_>, events: &[Event]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut head = super::chain::take(store, tx).await?;
    let hashes: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            let prev = head.hash.clone().unwrap_or_default();
            let hash = super::chain::event_hash(&prev, e);
            head.hash = Some(hash.clone());
            head.events += 1;
            (prev, hash)
        })
        .collect();
    for (chunk, hashes) in events.chunks(BATCH).zip(hashes.chunks(BATCH)) {
        let sql = format!(
            "INSERT INTO events ({}) VALUES {}",
            EVENT_COLUMNS.join(", "),
            placeholders(store.backend, chunk.len(), EVENT_COLUMNS.len())
        );
        // Built from the constant column list and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (e, (prev, hash)) in chunk.iter().zip(hashes) {
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
                .bind(e.note.clone())
                .bind(e.origin.clone())
                .bind(prev.clone())
                .bind(hash.clone());
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err("writing events", e))?;
    }
    super::chain::advance(store, tx, &head).await
}

/// The columns of `link_records` (see `store::links`).
const LINK_COLUMNS: [&str; 8] = [
    "period",
    "period_first_day",
    "provider",
    "kind",
    "tx_id",
    "related_tx_id",
    "amount",
    "currency",
];

/// Replaces `period`'s rows with `records` (a re-run of a period keeps only its last run's).
pub(crate) async fn replace_link_records(
    store: &Store,
    tx: &mut Tx<'_>,
    period: &Period,
    records: &[crate::links::EarlierRecord],
) -> Result<()> {
    let first_day = period.first.to_string();
    replace_period_rows(
        store,
        tx,
        period,
        ("link_records", &LINK_COLUMNS, "link records"),
        records,
        |q, r| {
            q.bind(r.period.clone())
                .bind(first_day.clone())
                .bind(r.provider.clone())
                .bind(r.kind.clone())
                .bind(r.tx_id.clone())
                .bind(r.related_tx_id.clone())
                .bind(r.amount.normalize().to_string())
                .bind(r.currency.clone())
        },
    )
    .await
}

/// The columns of `card_snapshots` (see `store::cards`).
const CARD_COLUMNS: [&str; 9] = [
    "period",
    "period_first_day",
    "provider",
    "card_id",
    "card_masked",
    "status",
    "balance",
    "cumulative_recharge",
    "currency",
];

/// Replaces `period`'s card lists with `cards` (a run without a card list keeps the period's
/// earlier one).
pub(crate) async fn replace_card_snapshots(
    store: &Store,
    tx: &mut Tx<'_>,
    period: &Period,
    cards: &[crate::model::CardSnapshot],
) -> Result<()> {
    if cards.is_empty() {
        return Ok(());
    }
    let (label, first_day) = (period.label(), period.first.to_string());
    replace_period_rows(
        store,
        tx,
        period,
        ("card_snapshots", &CARD_COLUMNS, "the card list"),
        cards,
        |q, c| {
            q.bind(label.clone())
                .bind(first_day.clone())
                .bind(c.provider.clone())
                .bind(c.card_id.clone())
                .bind(c.card_masked.clone())
                .bind(c.status)
                .bind(c.balance.map(|b| b.normalize().to_string()))
                .bind(c.limit.map(|l| l.normalize().to_string()))
                .bind(c.currency.clone())
        },
    )
    .await
}

/// Records what run `run_id` reported open at its end (replacing what a resumed run with the
/// same id recorded), for the next period's opening.
async fn replace_reported_open(
    store: &Store,
    tx: &mut Tx<'_>,
    run_id: &str,
    reported: &[super::plan::Reported],
) -> Result<()> {
    sqlx::query("DELETE FROM run_open_items WHERE run_id = $1")
        .bind(run_id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(|e| store.db_err("replacing the run's open items", e))?;
    for chunk in reported.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO run_open_items (run_id, item_id, provider, currency, amount) VALUES {}",
            placeholders(store.backend, chunk.len(), 5)
        );
        // Built from constants and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(run_id.to_string())
                .bind(r.item_id.clone())
                .bind(r.provider.clone())
                .bind(r.currency.clone())
                .bind(r.amount.map(|a| a.normalize().to_string()));
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err("recording the run's open items", e))?;
    }
    Ok(())
}

/// A query being built, its parameters bound one row at a time.
type Insert<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Replaces a period's rows of `table` (its `period` column) with `rows`, inserted in batches
/// of [`BATCH`] with `bind` giving each row's parameters in `columns` order.
async fn replace_period_rows<T>(
    store: &Store,
    tx: &mut Tx<'_>,
    period: &Period,
    (table, columns, what): (&str, &[&str], &str),
    rows: &[T],
    bind: impl for<'q> Fn(Insert<'q>, &T) -> Insert<'q>,
) -> Result<()> {
    // Built from constant table and column names and placeholder numbers only.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE period = $1"
    )))
    .bind(period.label())
    .execute(&mut **tx)
    .await
    .map_err(|e| store.db_err(&format!("replacing the period's {what}"), e))?;
    for chunk in rows.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            placeholders(store.backend, chunk.len(), columns.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = bind(q, r);
        }
        q.execute(&mut **tx)
            .await
            .map_err(|e| store.db_err(&format!("writing {what}"), e))?;
    }
    Ok(())
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
        assert_eq!(
            placeholders_from(Backend::Postgres, 2, 2, 2),
            "($2, $3), ($4, $5)"
        );
    }
}
