//! The card lists kept for the card roll-forward (`card_snapshots`, migration 4): written with
//! each run's commit (`write::replace_card_snapshots`), the latest earlier period's read with
//! the store's snapshot.

use sqlx::Row;

use super::{db_message, Store};
use crate::error::Result;
use crate::model::CardSnapshot;
use crate::period::Period;

impl Store {
    /// The latest card list of a period before `period`, with that period's label.
    pub async fn cards_before(
        &self,
        period: &Period,
    ) -> Result<Option<(String, Vec<CardSnapshot>)>> {
        let first_day = period.first.to_string();
        let latest = sqlx::query(
            "SELECT period FROM card_snapshots WHERE period_first_day < $1 \
             ORDER BY period_first_day DESC, period DESC LIMIT 1",
        )
        .bind(first_day)
        .fetch_optional(self.pool())
        .await
        .map_err(|e| self.db_err("reading the card lists", e))?;
        let Some(latest) = latest else {
            return Ok(None);
        };
        let label: String = latest
            .try_get("period")
            .map_err(|e| self.db_err("card_snapshots.period", e))?;
        let rows = sqlx::query(
            "SELECT provider, card_id, card_masked, status, balance, cumulative_recharge, currency \
             FROM card_snapshots WHERE period = $1 ORDER BY provider, card_id",
        )
        .bind(label.clone())
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.db_err("reading the card lists", e))?;
        let mut cards = Vec::with_capacity(rows.len());
        for r in rows {
            let text = |c: &str| -> Result<String> {
                r.try_get::<String, _>(c)
                    .map_err(|e| self.err(format!("card_snapshots.{c}: {}", db_message(&e))))
            };
            let opt = |c: &str| r.try_get::<Option<String>, _>(c).ok().flatten();
            let money = |c: &str| -> Result<Option<rust_decimal::Decimal>> {
                opt(c)
                    .map(|t| {
                        crate::money::parse(&t)
                            .map_err(|m| self.err(format!("card_snapshots.{c} `{t}`: {m}")))
                    })
                    .transpose()
            };
            cards.push(CardSnapshot {
                provider: text("provider")?,
                card_id: text("card_id")?,
                card_masked: opt("card_masked"),
                status: r.try_get::<Option<i64>, _>("status").ok().flatten(),
                balance: money("balance")?,
                limit: money("cumulative_recharge")?,
                currency: text("currency")?,
                problem: None,
            });
        }
        Ok(Some((label, cards)))
    }
}
