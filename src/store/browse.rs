//! What the workspace reads: items filtered, sorted and paged in the database (a store holds
//! millions of items; a page shows fifty), the periods with their runs, and the audit log.
//!
//! **Why every filter is a bound parameter.** Filters come from a URL anyone can edit. The SQL
//! text is built only from this module's constant fragments, chosen by which filters are set;
//! every value a person typed travels as a parameter, so `' OR 1=1 --` is a search for that
//! text and nothing else.
//!
//! **Why `proposed` is a filter, not a state.** An item with a pending proposal is still open
//! (it is open in the roll-forward until an approver approves); `state=proposed` lists the
//! open items that have one.

use sqlx::Row;

use super::item::ItemState;
use super::{Event, Store, StoredItem};
use crate::error::Result;

/// How the items page is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemSort {
    /// Oldest accounting day first (the oldest difference is the first to chase).
    #[default]
    Oldest,
    Newest,
    /// Largest amount first.
    Amount,
    Category,
    Provider,
}

impl ItemSort {
    pub const ALL: [ItemSort; 5] = [
        ItemSort::Oldest,
        ItemSort::Newest,
        ItemSort::Amount,
        ItemSort::Category,
        ItemSort::Provider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemSort::Oldest => "oldest",
            ItemSort::Newest => "newest",
            ItemSort::Amount => "amount",
            ItemSort::Category => "category",
            ItemSort::Provider => "provider",
        }
    }

    pub fn parse(text: &str) -> Option<ItemSort> {
        ItemSort::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The ORDER BY, always ending in the item id so a page is the same each time.
    fn order_by(self) -> &'static str {
        match self {
            ItemSort::Oldest => "COALESCE(item_day, period_first_day), item_id",
            ItemSort::Newest => "COALESCE(item_day, period_first_day) DESC, item_id",
            ItemSort::Amount => "CAST(COALESCE(amount, '0') AS NUMERIC) DESC, item_id",
            ItemSort::Category => "category, COALESCE(item_day, period_first_day), item_id",
            ItemSort::Provider => {
                "COALESCE(provider, ''), COALESCE(item_day, period_first_day), item_id"
            }
        }
    }
}

/// The state filter: a stored state, or open with a pending proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Is(ItemState),
    Proposed,
}

impl StateFilter {
    pub fn parse(text: &str) -> Option<StateFilter> {
        if text == "proposed" {
            return Some(StateFilter::Proposed);
        }
        ItemState::parse(text).map(StateFilter::Is)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StateFilter::Is(s) => s.as_str(),
            StateFilter::Proposed => "proposed",
        }
    }
}

/// The age buckets of [`super::item::age`], as day ranges (inclusive) for the filter.
pub const AGE_BUCKETS: [(&str, i64, Option<i64>); 4] = [
    ("0-1 days", 0, Some(1)),
    ("2-7 days", 2, Some(7)),
    ("8-30 days", 8, Some(30)),
    ("over 30 days", 31, None),
];

/// Which items the items page lists. Every field is optional; all set ones must hold.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub period: Option<String>,
    pub state: Option<StateFilter>,
    pub category: Option<String>,
    pub provider: Option<String>,
    pub currency: Option<String>,
    /// An [`AGE_BUCKETS`] label, counted to `as_of` from the item's accounting day.
    pub age: Option<&'static str>,
    pub as_of: Option<chrono::NaiveDate>,
    /// Amount magnitude at least / at most (decimal text, checked by the caller).
    pub min_amount: Option<String>,
    pub max_amount: Option<String>,
    /// Part of an item id, tx id, order id, ledger entry id, the card, or the evidence text.
    pub text: Option<String>,
    pub sort: ItemSort,
}

/// One page of items and how many match in all.
#[derive(Debug, Clone)]
pub struct ItemPage {
    pub items: Vec<StoredItem>,
    pub total: u64,
    /// The ids (of `items`) with a pending proposal.
    pub proposed: std::collections::BTreeSet<String>,
}

/// A period as the periods page shows it.
#[derive(Debug, Clone)]
pub struct PeriodRow {
    pub period: String,
    pub first_day: String,
    pub status: Option<super::PeriodStatus>,
    pub runs: Vec<RunRow>,
}

/// One recorded run.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub run_id: String,
    pub period: String,
    pub recorded_at: String,
    pub result_rows: i64,
    pub discrepancies: i64,
    pub new_items: i64,
    pub cleared_items: i64,
    pub resolved_items: i64,
}

/// Which events the audit log lists.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub by: Option<String>,
    pub period: Option<String>,
    pub event: Option<String>,
}

impl ItemQuery {
    /// The WHERE clause (built from constant fragments) and its parameters, in order.
    fn condition(&self) -> (String, Vec<String>) {
        let mut parts: Vec<String> = Vec::new();
        let mut params: Vec<String> = Vec::new();
        let mut add = |fragment: &str, values: Vec<String>, params: &mut Vec<String>| {
            let mut f = fragment.to_string();
            for v in values {
                params.push(v);
                f = f.replacen('?', &format!("${}", params.len()), 1);
            }
            parts.push(f);
        };
        if let Some(p) = &self.period {
            add("period = ?", vec![p.clone()], &mut params);
        }
        match self.state {
            Some(StateFilter::Is(s)) => add("status = ?", vec![s.as_str().into()], &mut params),
            Some(StateFilter::Proposed) => add(
                "status = 'open' AND item_id IN (SELECT item_id FROM proposals WHERE status = 'pending')",
                vec![],
                &mut params,
            ),
            None => {}
        }
        if let Some(c) = &self.category {
            add("category = ?", vec![c.clone()], &mut params);
        }
        if let Some(p) = &self.provider {
            add("provider = ?", vec![p.clone()], &mut params);
        }
        if let Some(c) = &self.currency {
            add("currency = ?", vec![c.clone()], &mut params);
        }
        if let (Some(bucket), Some(as_of)) = (self.age, self.as_of) {
            if let Some((_, from, to)) = AGE_BUCKETS.iter().find(|b| b.0 == bucket) {
                // Days are ISO text: comparing the text compares the days.
                let newest = as_of - chrono::Duration::days(*from);
                add("item_day <= ?", vec![newest.to_string()], &mut params);
                if let Some(to) = to {
                    let oldest = as_of - chrono::Duration::days(*to);
                    add("item_day >= ?", vec![oldest.to_string()], &mut params);
                }
            }
        }
        let magnitude = "CAST(REPLACE(COALESCE(amount, '0'), '-', '') AS NUMERIC)";
        if let Some(m) = &self.min_amount {
            add(
                &format!("{magnitude} >= CAST(? AS NUMERIC)"),
                vec![m.clone()],
                &mut params,
            );
        }
        if let Some(m) = &self.max_amount {
            add(
                &format!("{magnitude} <= CAST(? AS NUMERIC)"),
                vec![m.clone()],
                &mut params,
            );
        }
        if let Some(t) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            // LIKE's own wildcards in the text are matched as themselves.
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let like = format!("%{escaped}%");
            add(
                "(item_id = ? OR tx_id = ? OR order_id = ? OR ledger_entry_id = ? \
                 OR evidence LIKE ? ESCAPE '\\' OR COALESCE(record, '') LIKE ? ESCAPE '\\')",
                vec![
                    t.to_string(),
                    t.to_string(),
                    t.to_string(),
                    t.to_string(),
                    like.clone(),
                    like,
                ],
                &mut params,
            );
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", parts.join(" AND "))
        };
        (clause, params)
    }
}

impl Store {
    /// One page of the items `q` selects (`offset`, at most `limit`), and how many it selects.
    pub async fn items_page(&self, q: &ItemQuery, offset: u64, limit: u64) -> Result<ItemPage> {
        let (clause, params) = q.condition();
        let count_sql = format!("SELECT COUNT(*) AS n FROM items {clause}");
        // Built from this module's constant fragments; values go in as parameters.
        let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql));
        for p in &params {
            count = count.bind(p.clone());
        }
        let total: i64 = count
            .fetch_one(self.pool())
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(|e| self.db_err("counting items", e))?;
        let sql = format!(
            "SELECT * FROM items {clause} ORDER BY {} LIMIT {} OFFSET {}",
            q.sort.order_by(),
            limit.min(10_000),
            offset
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in &params {
            query = query.bind(p.clone());
        }
        let rows = query
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading items", e))?;
        let items = rows
            .iter()
            .map(|r| self.item_from_row(r))
            .collect::<Result<Vec<_>>>()?;
        let proposed = self
            .pending_items(&items.iter().map(|i| i.item_id.clone()).collect::<Vec<_>>())
            .await?;
        Ok(ItemPage {
            items,
            total: u64::try_from(total).unwrap_or(0),
            proposed,
        })
    }

    /// Every item `q` selects, in its order (the items page's CSV download).
    pub async fn items_all(&self, q: &ItemQuery) -> Result<Vec<StoredItem>> {
        let mut all = Vec::new();
        loop {
            let page = self.items_page(q, all.len() as u64, 10_000).await?;
            let done = page.items.len() < 10_000;
            all.extend(page.items);
            if done {
                return Ok(all);
            }
        }
    }

    /// One item by its id, if there is one.
    pub async fn item(&self, id: &str) -> Result<Option<StoredItem>> {
        Ok(self.items_where("WHERE item_id = $1", &[id]).await?.pop())
    }

    /// The distinct values of a column the items page offers as choices (`provider`,
    /// `currency`, `period`).
    pub async fn item_values(&self, column: ItemColumn) -> Result<Vec<String>> {
        let c = column.name();
        let sql = format!("SELECT DISTINCT {c} AS v FROM items WHERE {c} IS NOT NULL ORDER BY v");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading items", e))?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>("v")
                    .map_err(|e| self.db_err("items", e))
            })
            .collect()
    }

    /// Every period the store knows (from its runs and its period table), newest first, with
    /// its status and runs (newest first).
    pub async fn periods_overview(&self) -> Result<Vec<PeriodRow>> {
        let rows = sqlx::query(
            "SELECT run_id, period, recorded_at, result_rows, discrepancies, new_items, \
             cleared_items, resolved_items FROM runs ORDER BY recorded_at DESC, run_id DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.db_err("reading runs", e))?;
        let mut periods: std::collections::BTreeMap<String, PeriodRow> = Default::default();
        for r in rows {
            let run = self.run_from_row(&r)?;
            let first_day = crate::period::Period::parse(&run.period)
                .map(|p| p.first.to_string())
                .unwrap_or_default();
            periods
                .entry(run.period.clone())
                .or_insert_with(|| PeriodRow {
                    period: run.period.clone(),
                    first_day,
                    status: None,
                    runs: Vec::new(),
                })
                .runs
                .push(run);
        }
        let mut statuses = self.period_statuses().await?;
        for (label, p) in periods.iter_mut() {
            p.status = statuses.remove(label);
        }
        let mut out: Vec<PeriodRow> = periods.into_values().collect();
        out.sort_by(|a, b| b.first_day.cmp(&a.first_day).then(b.period.cmp(&a.period)));
        Ok(out)
    }

    /// How many items are open, per period (one count for the periods page).
    pub async fn open_items_by_period(&self) -> Result<std::collections::BTreeMap<String, u64>> {
        let rows = sqlx::query(
            "SELECT period, COUNT(*) AS n FROM items WHERE status = 'open' GROUP BY period",
        )
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.db_err("counting open items", e))?;
        rows.iter()
            .map(|r| {
                let period: String = r.try_get("period").map_err(|e| self.db_err("items", e))?;
                let n: i64 = r.try_get("n").map_err(|e| self.db_err("items", e))?;
                Ok((period, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    /// A run by its id, if the store recorded it (one row by its key: the item page asks for
    /// it on every view).
    pub async fn run_row(&self, run_id: &str) -> Result<Option<RunRow>> {
        let row = sqlx::query(
            "SELECT run_id, period, recorded_at, result_rows, discrepancies, new_items, \
             cleared_items, resolved_items FROM runs WHERE run_id = $1",
        )
        .bind(run_id.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| self.db_err("reading runs", e))?;
        row.map(|r| self.run_from_row(&r)).transpose()
    }

    /// Every run of `period`, oldest first, with the SHA-256 of its inputs.
    pub async fn runs_of(&self, period: &str) -> Result<Vec<(RunRow, String)>> {
        let rows = sqlx::query(
            "SELECT run_id, period, recorded_at, result_rows, discrepancies, new_items, \
             cleared_items, resolved_items, inputs_sha256 FROM runs WHERE period = $1 \
             ORDER BY recorded_at, run_id",
        )
        .bind(period.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.db_err("reading runs", e))?;
        rows.iter()
            .map(|r| {
                let sha = r.try_get::<String, _>("inputs_sha256").unwrap_or_default();
                self.run_from_row(r).map(|run| (run, sha))
            })
            .collect()
    }

    fn run_from_row(&self, r: &sqlx::any::AnyRow) -> Result<RunRow> {
        let text = |c: &str| {
            r.try_get::<String, _>(c)
                .map_err(|e| self.db_err(&format!("runs.{c}"), e))
        };
        let num = |c: &str| {
            r.try_get::<i64, _>(c)
                .map_err(|e| self.db_err(&format!("runs.{c}"), e))
        };
        Ok(RunRow {
            run_id: text("run_id")?,
            period: text("period")?,
            recorded_at: text("recorded_at")?,
            result_rows: num("result_rows")?,
            discrepancies: num("discrepancies")?,
            new_items: num("new_items")?,
            cleared_items: num("cleared_items")?,
            resolved_items: num("resolved_items")?,
        })
    }

    /// Events newest first (`offset`, at most `limit`), and how many `q` selects.
    pub async fn events_page(
        &self,
        q: &EventQuery,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<(i64, Event)>, u64)> {
        let mut parts = Vec::new();
        let mut params = Vec::new();
        for (column, value) in [
            ("by_whom", &q.by),
            ("period", &q.period),
            ("event", &q.event),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                params.push(v.to_string());
                parts.push(format!("{column} = ${}", params.len()));
            }
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", parts.join(" AND "))
        };
        let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM events {clause}"
        )));
        for p in &params {
            count = count.bind(p.clone());
        }
        let total: i64 = count
            .fetch_one(self.pool())
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(|e| self.db_err("counting events", e))?;
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM events {clause} ORDER BY seq DESC LIMIT {} OFFSET {offset}",
            limit.min(100_000)
        )));
        for p in &params {
            query = query.bind(p.clone());
        }
        let rows = query
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading the event log", e))?;
        let events = rows
            .iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq").map_err(|e| self.db_err("events.seq", e))?;
                Ok((seq, super::decide::event_from_row(self, r)?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((events, u64::try_from(total).unwrap_or(0)))
    }

    /// The distinct actions in the event log (the audit log's filter).
    pub async fn event_kinds(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT event FROM events ORDER BY event")
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.db_err("reading the event log", e))?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>("event")
                    .map_err(|e| self.db_err("events.event", e))
            })
            .collect()
    }
}

/// A column the items page offers the values of.
#[derive(Debug, Clone, Copy)]
pub enum ItemColumn {
    Period,
    Provider,
    Currency,
}

impl ItemColumn {
    fn name(self) -> &'static str {
        match self {
            ItemColumn::Period => "period",
            ItemColumn::Provider => "provider",
            ItemColumn::Currency => "currency",
        }
    }
}
