//! The workspace's sign-in sessions (`sessions`, migration 6), the sign-in throttle, and the
//! store-wide settings (`settings`).
//!
//! **Why sessions are in the store.** Signing out, or an admin disabling a user, must end that
//! person's sessions at once, on every server that shares the store: a row deleted here is a
//! session gone everywhere. The session id is the cookie's secret and is never shown; the data
//! is what the workspace keeps for a signed-in person (their name and when they signed in).
//!
//! **Why the throttle counts events.** Failed sign-ins are audit events already (who was tried,
//! from which address); counting the recent ones is the throttle, so it holds across restarts
//! and across servers sharing the store, with nothing else to keep.

use sqlx::Row;

use super::{Event, Store};
use crate::error::Result;

/// A session as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub user_name: Option<String>,
    /// JSON.
    pub data: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The event a failed sign-in is recorded as.
pub const SIGN_IN_FAILED: &str = "sign-in failed";

impl Store {
    /// Writes a new session; `false` if its id is taken (the caller draws another).
    pub async fn session_create(&self, s: &SessionRow) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO sessions (id, user_name, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(s.id.clone())
        .bind(s.user_name.clone())
        .bind(s.data.clone())
        .bind(s.expires_at)
        .execute(self.pool())
        .await
        .map_err(|e| self.db_err("writing a session", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Writes a session, creating or replacing it.
    pub async fn session_save(&self, s: &SessionRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_name, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name, data = excluded.data, \
             expires_at = excluded.expires_at",
        )
        .bind(s.id.clone())
        .bind(s.user_name.clone())
        .bind(s.data.clone())
        .bind(s.expires_at)
        .execute(self.pool())
        .await
        .map_err(|e| self.db_err("writing a session", e))?;
        Ok(())
    }

    /// A session that has not expired at `now` (Unix seconds).
    pub async fn session_load(&self, id: &str, now: i64) -> Result<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT id, user_name, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(|e| self.db_err("reading a session", e))?;
        row.map(|r| {
            let get = |e| self.db_err("reading a session", e);
            Ok(SessionRow {
                id: r.try_get("id").map_err(get)?,
                user_name: r.try_get("user_name").map_err(get)?,
                data: r.try_get("data").map_err(get)?,
                expires_at: r.try_get("expires_at").map_err(get)?,
            })
        })
        .transpose()
    }

    pub async fn session_delete(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(self.pool())
            .await
            .map_err(|e| self.db_err("ending a session", e))?;
        Ok(())
    }

    /// Ends every session of `user` (disabled, or their password changed). How many ended.
    pub async fn end_sessions_of(&self, user: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_name = $1")
            .bind(user.to_string())
            .execute(self.pool())
            .await
            .map_err(|e| self.db_err("ending sessions", e))?;
        Ok(done.rows_affected())
    }

    /// Removes sessions expired at `now` (Unix seconds).
    pub async fn sessions_expire(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(|e| self.db_err("removing expired sessions", e))?;
        Ok(done.rows_affected())
    }

    /// Failed sign-ins since `since` (RFC 3339) for the user name tried, and from the address.
    pub async fn failed_sign_ins(
        &self,
        user: &str,
        origin: &str,
        since: &str,
    ) -> Result<(i64, i64)> {
        let count = |column: &'static str, value: &str| {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM events WHERE event = $1 AND at >= $2 AND {column} = $3"
            );
            let value = value.to_string();
            async move {
                // `column` is one of two constants.
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(SIGN_IN_FAILED)
                    .bind(since.to_string())
                    .bind(value)
                    .fetch_one(self.pool())
                    .await
                    .and_then(|r| r.try_get::<i64, _>("n"))
                    .map_err(|e| self.db_err("counting failed sign-ins", e))
            }
        };
        Ok((
            count("by_whom", user).await?,
            count("origin", origin).await?,
        ))
    }

    /// A workspace event about a person (signed in, signed out, sign-in failed).
    pub async fn sign_in_event(
        &self,
        what: &str,
        user: &str,
        origin: &str,
        at: &str,
    ) -> Result<()> {
        self.append_event(Event {
            origin: Some(origin.to_string()),
            ..Event::new(what, user, at)
        })
        .await
    }

    /// A store-wide setting (`settings`), if set.
    pub async fn setting(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(|e| self.db_err("reading settings", e))?;
        row.map(|r| {
            r.try_get::<String, _>("value")
                .map_err(|e| self.db_err("settings.value", e))
        })
        .transpose()
    }

    /// Sets a store-wide setting, as an event.
    pub async fn set_setting(&self, name: &str, value: &str, by: &str, at: &str) -> Result<()> {
        let generation = self.generation().await?;
        let mut tx = self.write_turn(generation).await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name.to_string())
        .bind(value.to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_err("writing settings", e))?;
        super::write::insert_events(
            self,
            &mut tx,
            &self.stamped(&[Event {
                note: Some(format!("{name} = {value}")),
                ..Event::new("setting changed", by, at)
            }]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| self.db_err("committing the setting", e))
    }

    /// Whether the CLI may record decisions (`[review] cli_decisions`, kept in the store).
    pub async fn cli_decisions_allowed(&self) -> Result<bool> {
        Ok(self.setting("cli_decisions").await?.as_deref() != Some("false"))
    }
}
