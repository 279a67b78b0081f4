//! The fetch cache: per-record details a provider sent in earlier runs (keysecure asks one
//! request per record for fees: nearly all of a month's requests). Loaded whole before the
//! fetch, answered from memory during it, and the new details written with the run's commit,
//! so a killed run leaves the cache as it was too.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Result;
use crate::providers::spec::DetailCache;
use sqlx::Row;

use super::Store;

/// A detail to keep: provider, record id, fingerprint, detail.
pub type Entry = (String, String, String, String);

/// The cache as a run uses it.
#[derive(Default)]
pub struct Cache {
    known: HashMap<(String, String, String), String>,
    /// `--refresh`: answer nothing, keep what is fetched.
    refresh: bool,
    fetched: Mutex<Vec<Entry>>,
}

impl Cache {
    /// What the run fetched that the cache did not have.
    pub fn into_new(self) -> Vec<Entry> {
        self.fetched.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

impl DetailCache for Cache {
    fn get(&self, provider: &str, record_id: &str, fingerprint: &str) -> Option<String> {
        if self.refresh {
            return None;
        }
        self.known
            .get(&(
                provider.to_string(),
                record_id.to_string(),
                fingerprint.to_string(),
            ))
            .cloned()
    }

    fn put(&self, provider: &str, record_id: &str, fingerprint: &str, detail: &str) {
        let mut v = self.fetched.lock().unwrap_or_else(|e| e.into_inner());
        v.push((
            provider.to_string(),
            record_id.to_string(),
            fingerprint.to_string(),
            detail.to_string(),
        ));
    }
}

impl Store {
    /// The whole fetch cache (for `refresh`, an empty one that still keeps what is fetched).
    pub async fn fetch_cache(&self, refresh: bool) -> Result<Cache> {
        let mut known = HashMap::new();
        if !refresh {
            let rows =
                sqlx::query("SELECT provider, record_id, fingerprint, detail FROM fetch_cache")
                    .fetch_all(self.pool())
                    .await
                    .map_err(|e| self.db_err("reading the fetch cache", e))?;
            for r in rows {
                let get = |c: &str| {
                    r.try_get::<String, _>(c)
                        .map_err(|e| self.db_err("fetch_cache", e))
                };
                known.insert(
                    (get("provider")?, get("record_id")?, get("fingerprint")?),
                    get("detail")?,
                );
            }
        }
        Ok(Cache {
            known,
            refresh,
            fetched: Mutex::new(Vec::new()),
        })
    }
}
