//! One provider API as one value.
//!
//! Everything the rest of cardrecon needs to know about a provider is its [`Spec`]: its name,
//! its API's limits (page base and sizes, window length), where a list page keeps its records
//! and total, how a wire record becomes a canonical one, how its `[providers.<instance>]`
//! credentials and API settings are read, how it is fetched, how the generator imitates it
//! ([`super::sample`]), its section of the configuration template ([`ConfigSection`]) and its
//! sandbox emulator ([`super::emulator::Emulator`]). The pipeline, the configuration, the reader
//! of wire files, the sandbox and the generator iterate [`super::SPECS`] (or a list given to
//! them: `Settings::resolve_among`, `SandboxOptions::of`) instead of matching on a provider type,
//! so adding a fifth provider means adding its directory and one line in [`super::SPECS`]
//! (`tests/tinypay/` is one, registered through those lists; `tests/architecture.rs` checks that
//! no provider name is spelled anywhere else in `src/`).
//!
//! Why type-erased credentials: each provider's credentials are its own type
//! (`keysecure::Credentials` has an API key and secret, cardapp's a customer id, app id and
//! key), known only to that provider's module. The configuration reads them through the spec's
//! [`Spec::connect`] and carries them opaquely in [`Connection`]; only the provider's own fetch
//! looks inside ([`Credentials::get`]).

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::http::Archive;
use super::output::{Progress, ProviderFetch};
use super::{AdapterOptions, FieldError};
use crate::error::{Error, Result};
use crate::model::ProviderRecord;
use crate::secret::{Env, Secret};

/// One provider API.
pub struct Spec {
    /// The API's name: a `[providers.<instance>]` table's `type`, and the default instance name.
    pub name: &'static str,
    pub limits: Limits,
    pub page: PageShape,
    /// One wire record (a JSON line) as a canonical record; `Ok(None)` for a valid line that is
    /// not a money movement (a cardapp card-list entry).
    pub parse: ParseFn,
    /// Reads and checks the provider's own keys of its `[providers.<instance>]` table
    /// (credentials and API settings), resolving `${ENV}` references through the lookup.
    pub connect: ConnectFn,
    /// Fetches the provider's records in `[from, to)` into the run's archive.
    pub fetch: FetchFn,
    /// A valid line that is not a money movement, as a card-list entry (cardapp); `None` for
    /// providers without a card list.
    pub cards: Option<CardsFn>,
    /// Its habits and wire writer, for synthetic months (`cardrecon generate`).
    pub sample: super::sample::Sample,
    /// Its `[providers.<name>]` section in the configuration `cardrecon init` writes.
    pub config: ConfigSection,
    /// Its sandbox emulator (`providers/<name>/sandbox.rs`), served under `/<name>`.
    pub emulator: Option<super::emulator::Emulator>,
}

/// A provider's section of the configuration template (`crate::config::template`).
#[derive(Debug, Clone, Copy)]
pub struct ConfigSection {
    /// The production API's base URL, or a placeholder naming what to fill in.
    pub base_url: &'static str,
    /// Its credentials: written as `key = "${ENV}"` references, and accepted by the sandbox
    /// with their sandbox values.
    pub credentials: &'static [super::emulator::SandboxCredential],
    /// Further lines of the section (its settings, commented where optional), each ending in a
    /// newline.
    pub settings: &'static str,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Spec {
    fn eq(&self, other: &Spec) -> bool {
        self.name == other.name
    }
}

pub type ParseFn = fn(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> std::result::Result<Option<ProviderRecord>, FieldError>;

pub type ConnectFn = fn(table: &ApiTable, place: &Place<'_>) -> Result<Credentials>;

pub type CardsFn = fn(
    instance: &str,
    json: &str,
    options: &AdapterOptions,
) -> std::result::Result<Option<crate::model::CardSnapshot>, FieldError>;

pub type FetchFn = for<'a> fn(FetchJob<'a>) -> LocalBoxFuture<'a, Result<ProviderFetch>>;

/// What the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The index of the first page (keysecure counts from 0, the others from 1).
    pub first_page: u32,
    pub min_page_size: usize,
    pub max_page_size: usize,
    /// The page size asked for unless the configuration says otherwise.
    pub default_page_size: usize,
    /// The longest time range one list query may cover.
    pub max_window_days: i64,
}

/// Where a list answer keeps its records and its provider-reported total (JSON pointers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageShape {
    pub list: &'static str,
    pub total: Option<&'static str>,
}

/// Everything one fetch needs.
pub struct FetchJob<'a> {
    /// The configured instance name (the `provider` column).
    pub instance: &'a str,
    pub connection: &'a Connection,
    pub options: &'a AdapterOptions,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub archive: &'a Archive,
    pub progress: &'a Progress,
    /// Details fetched by earlier runs (the store's fetch cache), for providers that ask for a
    /// detail per record; `None`: ask for every one.
    pub details: Option<&'a dyn DetailCache>,
}

/// Per-record details a provider fetched before and the caller keeps between runs (the store).
/// A provider asks only for records in a final status, under the record's id and a fingerprint
/// of the record as listed, so a record that changed is asked for again.
pub trait DetailCache: Send + Sync {
    /// The detail kept for this record and fingerprint, if any.
    fn get(&self, provider: &str, record_id: &str, fingerprint: &str) -> Option<String>;
    /// Keep a detail fetched now.
    fn put(&self, provider: &str, record_id: &str, fingerprint: &str, detail: &str);
}

/// How to reach one provider instance's API: what every provider has, and its own credentials.
#[derive(Debug, Clone)]
pub struct Connection {
    pub base_url: String,
    pub page_size: usize,
    pub concurrency: usize,
    pub requests_per_second: u32,
    pub timeout: Duration,
    pub credentials: Credentials,
}

/// A provider's own credentials and API settings, opaque to everyone but that provider.
/// `Debug` prints `***`.
#[derive(Clone)]
pub struct Credentials(Arc<dyn Any + Send + Sync>);

impl Credentials {
    pub fn new<T: Any + Send + Sync>(value: T) -> Credentials {
        Credentials(Arc::new(value))
    }

    /// The credentials as the provider's own type; an error (never a panic) if a connection
    /// made for one provider is handed to another's fetch.
    pub fn get<T: Any>(&self, provider: &str) -> Result<&T> {
        self.0.downcast_ref::<T>().ok_or_else(|| Error::Fetch {
            provider: provider.to_string(),
            what: "credentials".into(),
            message: "the connection was configured for another provider type".into(),
            cause: None,
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The keys of a `[providers.<instance>]` table that belong to its provider (what the
/// configuration does not read itself). `Debug` shows the keys, never the values: literal
/// credentials may be among them.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct ApiTable(pub toml::Table);

impl std::fmt::Debug for ApiTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl ApiTable {
    /// The table as the provider's own file struct (which should deny unknown fields, so a
    /// misspelt key is an error naming it).
    pub fn read<T: DeserializeOwned>(&self, place: &Place<'_>) -> Result<T> {
        toml::Value::Table(self.0.clone())
            .try_into()
            .map_err(|e: toml::de::Error| place.error("", e.message().to_string()).because(e))
    }
}

/// Where a provider's keys were read: the config file and the instance, for errors naming
/// `providers.<instance>.<key>`, and the lookup for `${ENV}` references.
pub struct Place<'a> {
    pub source_name: &'a str,
    pub instance: &'a str,
    pub provider: &'a str,
    pub env: &'a dyn Env,
    /// Whether the instance is fetched (it has a `base_url`). An instance that is only read
    /// from files has its keys checked (a misspelt key is still an error) but needs no
    /// credentials.
    pub connecting: bool,
}

impl Place<'_> {
    /// `providers.<instance>.<key>` (or the table itself when `key` is empty).
    pub fn field(&self, key: &str) -> String {
        if key.is_empty() {
            format!("providers.{}", self.instance)
        } else {
            format!("providers.{}.{key}", self.instance)
        }
    }

    pub fn error(&self, key: &str, message: impl Into<String>) -> Error {
        Error::config(self.source_name, self.field(key), message)
    }

    /// A credential the provider cannot be fetched without (empty when it is not fetched).
    pub fn required(&self, value: &Option<Secret>, key: &str) -> Result<Secret> {
        match value {
            _ if !self.connecting => Ok(Secret::default()),
            Some(v) => crate::secret::expand(v, self.env, self.source_name, &self.field(key)),
            None => Err(self.error(key, format!("is required for a {} provider", self.provider))),
        }
    }

    /// A value the provider cannot be fetched without (a customer id, say; its default when
    /// the instance is not fetched).
    pub fn present<T: Copy + Default>(&self, value: Option<T>, key: &str) -> Result<T> {
        if !self.connecting {
            return Ok(value.unwrap_or_default());
        }
        value
            .ok_or_else(|| self.error(key, format!("is required for a {} provider", self.provider)))
    }
}
