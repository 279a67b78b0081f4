//! tower-sessions' [`SessionStore`] over the cardrecon store (`store::sessions`): its own sqlx
//! stores are built for another sqlx version, and the sessions belong beside the users they
//! name, so that disabling a user ends their sessions in the same transaction.

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::store::sessions::SessionRow;
use crate::store::Store;

/// The session data key holding the signed-in user's name.
pub const USER: &str = "user";
/// The session data key holding when they signed in (Unix seconds), for the absolute expiry.
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// The session data key holding when they were last seen (Unix seconds, to the minute), for
/// the idle expiry.
pub const LAST_SEEN: &str = "last_seen";

/// How often, at most, a request writes the session to say the person is still there.
pub const TOUCH_SECONDS: i64 = 60;

/// What a request's session allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Signed in, seen within the last minute: serve, write nothing.
    Fresh,
    /// Signed in: serve, and record that they were seen (which also moves the stored
    /// session's expiry, and the cookie's, `idle_minutes` on).
    Touch,
    /// Not signed in, or signed in too long ago, or idle too long: sign in again.
    Expired,
}

/// The rule for a session at `now` (all Unix seconds). A pure function, so its table of tests
/// covers what a test of the server could only wait hours for.
///
/// **Why touch at most once a minute.** tower-sessions writes a session only when it changed;
/// recording every request would be a store write per page view. Recording once a minute
/// keeps the idle expiry right to the minute for one write a minute per person.
pub fn standing(
    now: i64,
    signed_in_at: Option<i64>,
    last_seen: Option<i64>,
    session_hours: u32,
    idle_minutes: u32,
) -> Standing {
    let Some(since) = signed_in_at else {
        return Standing::Expired;
    };
    if now - since >= i64::from(session_hours) * 3600 || now < since {
        return Standing::Expired;
    }
    let last = last_seen.unwrap_or(since).max(since);
    if now - last >= i64::from(idle_minutes) * 60 {
        return Standing::Expired;
    }
    if now - last >= TOUCH_SECONDS {
        Standing::Touch
    } else {
        Standing::Fresh
    }
}

#[derive(Clone)]
pub struct StoreSessions(pub std::sync::Arc<Store>);

impl std::fmt::Debug for StoreSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreSessions")
    }
}

fn backend(e: crate::error::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn row(record: &Record) -> session_store::Result<SessionRow> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(SessionRow {
        id: record.id.to_string(),
        user_name: record
            .data
            .get(USER)
            .and_then(|v| v.as_str())
            .map(str::to_string),
        data,
        expires_at: record.expiry_date.unix_timestamp(),
    })
}

#[async_trait::async_trait]
impl SessionStore for StoreSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id until one is free (a collision of 128 random bits is not expected, but the
        // trait asks for it).
        loop {
            if self
                .0
                .session_create(&row(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.session_save(&row(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = tower_sessions::cookie::time::OffsetDateTime::now_utc();
        let Some(r) = self
            .0
            .session_load(&id.to_string(), now.unix_timestamp())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&r.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            tower_sessions::cookie::time::OffsetDateTime::from_unix_timestamp(r.expires_at)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_after_its_hours_or_when_idle() {
        let h = 3600;
        // (now, signed in at, last seen, hours, idle minutes) -> standing
        let table = [
            (100, None, None, 12, 30, Standing::Expired),
            (100, Some(100), None, 12, 30, Standing::Fresh),
            (159, Some(100), None, 12, 30, Standing::Fresh),
            (160, Some(100), None, 12, 30, Standing::Touch),
            (100 + 29 * 60, Some(100), None, 12, 30, Standing::Touch),
            (100 + 30 * 60, Some(100), None, 12, 30, Standing::Expired),
            (
                100 + 30 * 60,
                Some(100),
                Some(100 + 10 * 60),
                12,
                30,
                Standing::Touch,
            ),
            (
                100 + 11 * h,
                Some(100),
                Some(100 + 11 * h - 5),
                12,
                30,
                Standing::Fresh,
            ),
            (
                100 + 12 * h,
                Some(100),
                Some(100 + 12 * h - 5),
                12,
                30,
                Standing::Expired,
            ),
            (
                100 + 2 * h,
                Some(100),
                Some(100 + 2 * h - 5),
                1,
                30,
                Standing::Expired,
            ),
            // A clock that went back, or a last-seen before sign-in, does not extend anything.
            (50, Some(100), None, 12, 30, Standing::Expired),
            (160 + 29 * 60, Some(160), Some(0), 12, 30, Standing::Touch),
            (160 + 30 * 60, Some(160), Some(0), 12, 30, Standing::Expired),
        ];
        for (now, since, last, hours, idle, want) in table {
            assert_eq!(
                standing(now, since, last, hours, idle),
                want,
                "now {now}, signed in {since:?}, last seen {last:?}, {hours} h, {idle} min"
            );
        }
    }
}
