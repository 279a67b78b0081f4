//! The links check's memory (`link_records`, migration 3): each run's originals and the refunds
//! that name one, written with the run's commit (`write::replace_link_records`); read back here
//! for a later period's check, only for the originals it asks for.

use sqlx::Row;

use super::write::placeholders_from;
use super::{db_message, Store};
use crate::error::Result;
use crate::links::{Earlier, EarlierRecord};
use crate::period::Period;

/// Keys asked per query (two placeholders each, plus the period's).
const KEYS_PER_QUERY: usize = 400;

impl Store {
    /// Periods before `period`: the originals among `keys` (`(provider, tx_id)`) and the refunds
    /// that name one of them.
    pub async fn earlier_links(
        &self,
        period: &Period,
        keys: &[(String, String)],
    ) -> Result<Earlier> {
        let first_day = period.first.to_string();
        let mut out = Earlier::default();
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            for (column, originals) in [("tx_id", true), ("related_tx_id", false)] {
                // The period's first day is the first parameter; the pairs follow, as a VALUES
                // list (SQLite compares row values only with a subquery or VALUES).
                let first = match self.backend {
                    super::Backend::Postgres => "$1",
                    super::Backend::Sqlite => "?",
                };
                let pairs = placeholders_from(self.backend, chunk.len(), 2, 2);
                let sql = format!(
                    "SELECT period, provider, kind, tx_id, related_tx_id, amount, currency FROM link_records \
                     WHERE period_first_day < {first} AND {} AND (provider, {column}) IN (VALUES {pairs}) \
                     ORDER BY period_first_day, provider, tx_id",
                    // (`related_tx_id IS NOT NULL` lets the partial index on it serve.)
                    if originals {
                        "kind <> 'refund'"
                    } else {
                        "kind = 'refund' AND related_tx_id IS NOT NULL"
                    }
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first_day.clone());
                for (p, t) in chunk {
                    q = q.bind(p.clone()).bind(t.clone());
                }
                let rows = q
                    .fetch_all(self.pool())
                    .await
                    .map_err(|e| self.db_err("reading earlier link records", e))?;
                for row in rows {
                    let text = |c: &str| -> Result<String> {
                        row.try_get::<String, _>(c)
                            .map_err(|e| self.err(format!("link_records.{c}: {}", db_message(&e))))
                    };
                    let amount = text("amount")?;
                    let record = EarlierRecord {
                        period: text("period")?,
                        provider: text("provider")?,
                        kind: text("kind")?,
                        tx_id: text("tx_id")?,
                        related_tx_id: row
                            .try_get::<Option<String>, _>("related_tx_id")
                            .ok()
                            .flatten(),
                        amount: crate::money::parse(&amount).map_err(|m| {
                            self.err(format!("link_records.amount `{amount}`: {m}"))
                        })?,
                        currency: text("currency")?,
                    };
                    if originals {
                        out.originals.push(record);
                    } else {
                        out.refunds.push(record);
                    }
                }
            }
        }
        Ok(out)
    }
}
