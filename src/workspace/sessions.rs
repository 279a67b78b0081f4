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
