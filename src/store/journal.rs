//! The store's memory of what was journalled (`crate::journal`): each accepted item's booking,
//! frozen with its journal's id the first time, so a journal is the same every time it is made
//! and an item is never booked twice.

use chrono::NaiveDate;
use sqlx::Row;

use super::write::insert_events;
use super::{Event, Store};
use crate::bookings::Booking;
use crate::error::Result;

impl Store {
    /// The period's bookings, journal by journal, item by item.
    pub async fn journalled(&self, period: &str) -> Result<Vec<Booking>> {
        let rows = sqlx::query(
            "SELECT item_id, journal_id, entry_date, debit, credit, rounding_account, amount, currency, memo \
             FROM journal_items WHERE period = $1 ORDER BY journal_id, item_id",
        )
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_err("reading the journalled items", e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let text = |i: usize| -> String { r.try_get::<String, _>(i).unwrap_or_default() };
            let date = NaiveDate::parse_from_str(&text(2), "%Y-%m-%d").map_err(|e| {
                crate::error::Error::Store {
                    store: self.shown.clone(),
                    message: format!("journal item {}: entry date {:?}: {e}", text(0), text(2)),
                    cause: Some(Box::new(e)),
                }
            })?;
            let amount = crate::money::parse(&text(6)).map_err(|m| crate::error::Error::Store {
                store: self.shown.clone(),
                message: format!("journal item {}: amount: {m}", text(0)),
                cause: None,
            })?;
            out.push(Booking {
                item_id: text(0),
                journal_id: text(1),
                date,
                debit: text(3),
                credit: text(4),
                rounding_account: text(5),
                amount,
                currency: text(7),
                memo: text(8),
            });
        }
        Ok(out)
    }

    /// Freezes a new journal's bookings, with a `journalled` event on the period, in one
    /// transaction.
    pub async fn record_journal(
        &self,
        period: &str,
        journal_id: &str,
        bookings: &[Booking],
        at: &str,
        by: &str,
    ) -> Result<()> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.db_err("starting to record a journal", e))?;
        for b in bookings {
            sqlx::query(
                "INSERT INTO journal_items (item_id, period, journal_id, journalled_at, entry_date, debit, credit, rounding_account, amount, currency, memo) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(b.item_id.clone())
            .bind(period.to_string())
            .bind(journal_id.to_string())
            .bind(at.to_string())
            .bind(b.date.to_string())
            .bind(b.debit.clone())
            .bind(b.credit.clone())
            .bind(b.rounding_account.clone())
            .bind(b.amount.normalize().to_string())
            .bind(b.currency.clone())
            .bind(b.memo.clone())
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_err("recording a journal", e))?;
        }
        let event = Event {
            period: Some(period.to_string()),
            note: Some(format!(
                "{journal_id}: {} accepted item{} booked",
                bookings.len(),
                if bookings.len() == 1 { "" } else { "s" }
            )),
            ..Event::new("journalled", by, at)
        };
        insert_events(self, &mut tx, &self.stamped(&[event])).await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("recording a journal", e))
    }
}
