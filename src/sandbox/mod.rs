//! The provider sandbox: an emulator of all four provider APIs on one loopback port, under
//! `/keysecure`, `/txv3`, `/cardapp` and `/usertrans`, serving `DIR/<provider>/*.jsonl` wire
//! records (the files `generate` writes and `reconcile` reads).
//!
//! It enforces what the documents state (credentials, keysecure's 60-second `Timestamp` rule and
//! `Timezone` day boundaries, window limits, page bases, size caps, error bodies and codes) and
//! the choices this project made where they are silent (each provider's file says which). Faults
//! ([`Faults`]) are switched on by flags and are deterministic for a seed: whether a request
//! fails depends only on the seed, the request itself and how many times it was made before.
//!
//! Tests start it in-process on port 0 with [`run`], as mini-redis does.

// The handlers' checks return `Err(response)`: the HTTP answer to send at once. Its size is an
// axum `Response`'s, and boxing it would only add an allocation to every refused request.
#![allow(clippy::result_large_err)]

pub mod cardapp;
pub mod keysecure;
pub mod txv3;
pub mod usertrans;

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use axum::Router;
use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::ProviderRecord;
use crate::providers::Spec;

/// Fault injection, all off by default.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Share of requests answered 500/502/503 (0.0..1.0).
    pub server_errors: f64,
    /// Share of requests answered 429 with `Retry-After`.
    pub rate_limited: f64,
    /// Seconds sent in `Retry-After`.
    pub retry_after_secs: u64,
    /// Added latency per request.
    pub latency: Duration,
    /// Tokens (keysecure, usertrans) expire after this many uses.
    pub token_uses: Option<u64>,
    /// Hide one record in 50 of each list endpoint until that endpoint has served this many
    /// list requests, then insert them: a client paging it sees later pages shift.
    pub page_drift_after: Option<u64>,
    /// Share of responses cut off half-way (a truncated body).
    pub truncated: f64,
    /// Add unknown fields to every record.
    pub extra_fields: bool,
}

/// Credentials the sandbox accepts. The defaults are what `cardrecon init` and `demo` use.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub keysecure_api_key: String,
    pub keysecure_api_secret: String,
    pub txv3_api_key: String,
    pub cardapp_customer_id: i64,
    pub cardapp_app_id: i64,
    pub cardapp_key: String,
    pub usertrans_app_key: String,
    pub usertrans_app_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            keysecure_api_key: "sandbox-keysecure-key".into(),
            keysecure_api_secret: "sandbox-keysecure-secret".into(),
            txv3_api_key: "sandbox-txv3-key".into(),
            cardapp_customer_id: 10000011,
            cardapp_app_id: 100001,
            cardapp_key: "sandbox-cardapp-key".into(),
            usertrans_app_key: "sandbox-usertrans-key".into(),
            usertrans_app_secret: "sandbox-usertrans-secret".into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    pub seed: u64,
    pub faults: Faults,
    pub credentials: Credentials,
}

/// One served record: its instant, id, a type code used for filtering, and its JSON text.
#[derive(Debug, Clone)]
pub struct Served {
    pub at: DateTime<Utc>,
    pub id: String,
    /// txv3 `business_type`, cardapp kind of line, usertrans `trans_type`, …
    pub class: String,
    /// The record as served in lists.
    pub json: String,
    /// The full record (keysecure's detail endpoint).
    pub detail: String,
    pub hidden: bool,
    /// Which list endpoint serves it (for page drift).
    pub endpoint: Endpoint,
}

/// The list endpoints, each drifting on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Endpoint {
    #[default]
    Keysecure,
    Txv3,
    CardappTrades,
    CardappOrders,
    CardappCards,
    Usertrans,
}

/// All records, per provider and endpoint, sorted by time then id.
#[derive(Debug, Default)]
pub struct Store {
    pub keysecure: Vec<Served>,
    pub txv3: Vec<Served>,
    pub cardapp_trades: Vec<Served>,
    pub cardapp_orders: Vec<Served>,
    pub cardapp_cards: Vec<Served>,
    pub usertrans: Vec<Served>,
}

/// Shared state of a running sandbox.
pub struct State {
    pub store: Store,
    pub options: SandboxOptions,
    list_requests: [AtomicU64; 6],
    revealed: [AtomicBool; 6],
    seen: Mutex<HashMap<u64, u64>>,
    /// Token → (uses, expiry).
    pub tokens: Mutex<HashMap<String, (u64, std::time::Instant)>>,
    token_counter: AtomicU64,
}

impl State {
    pub fn new(store: Store, options: SandboxOptions) -> State {
        State {
            store,
            options,
            list_requests: Default::default(),
            revealed: Default::default(),
            seen: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            token_counter: AtomicU64::new(0),
        }
    }

    /// Whether a hidden (drifting) record is visible yet.
    pub fn visible(&self, r: &Served) -> bool {
        !r.hidden || self.revealed[r.endpoint as usize].load(Ordering::Relaxed)
    }

    /// Counts a list request of an endpoint; once it has served `page_drift_after` of them, its
    /// hidden records are inserted (before this request is answered).
    pub fn count_list_request(&self, endpoint: Endpoint) {
        let n = self.list_requests[endpoint as usize].fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(after) = self.options.faults.page_drift_after {
            if n >= after {
                self.revealed[endpoint as usize].store(true, Ordering::Relaxed);
            }
        }
    }

    /// Issues a token that expires after `ttl` (what the token response states as
    /// `expires_in`) or after `token_uses` uses, whichever comes first.
    pub fn issue_token(&self, prefix: &str, ttl: Duration) -> String {
        let n = self.token_counter.fetch_add(1, Ordering::Relaxed);
        let token = format!(
            "{prefix}-{:016x}",
            splitmix(self.options.seed ^ n.wrapping_mul(0x9e37_79b9))
        );
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(token.clone(), (0, std::time::Instant::now() + ttl));
        }
        token
    }

    /// Uses a token: `Ok` when valid, `Err(true)` when expired, `Err(false)` when unknown.
    pub fn use_token(&self, token: &str) -> std::result::Result<(), bool> {
        let mut t = self.tokens.lock().map_err(|_| false)?;
        match t.get_mut(token) {
            None => Err(false),
            Some((_, expiry)) if std::time::Instant::now() >= *expiry => Err(true),
            Some((uses, _)) => {
                *uses += 1;
                match self.options.faults.token_uses {
                    Some(max) if *uses > max => Err(true),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The deterministic draw in [0, 1) for this request's n-th occurrence.
    fn draw(&self, request_key: u64, salt: u64) -> f64 {
        let n = match self.seen.lock() {
            Ok(mut seen) => {
                let c = seen.entry(request_key).or_insert(0);
                *c += 1;
                *c
            }
            Err(_) => 0,
        };
        let h = splitmix(
            self.options.seed ^ request_key ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ salt,
        );
        // 24 random bits as a fraction: plenty for fault shares.
        f64::from((h >> 40) as u32) / f64::from(1u32 << 24)
    }
}

pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn hash_request(path: &str, body: &[u8], query: &str) -> u64 {
    // FNV-1a: stable across runs and platforms (std's hasher is randomly seeded).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path
        .bytes()
        .chain(query.bytes())
        .chain(body.iter().copied())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What the fault layer decided for one request.
pub enum FaultOutcome {
    Proceed { truncate: bool },
    Respond(Response<Body>),
}

/// Applies latency and decides 5xx / 429 / truncation for a request, deterministically.
pub async fn faults(state: &State, path: &str, query: &str, body: &[u8]) -> FaultOutcome {
    let f = &state.options.faults;
    if !f.latency.is_zero() {
        tokio::time::sleep(f.latency).await;
    }
    let key = hash_request(path, body, query);
    if f.server_errors > 0.0 && state.draw(key, 1) < f.server_errors {
        let code = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ][(key % 3) as usize];
        return FaultOutcome::Respond(text_response(code, "sandbox: injected server error"));
    }
    if f.rate_limited > 0.0 && state.draw(key, 2) < f.rate_limited {
        let mut r = text_response(StatusCode::TOO_MANY_REQUESTS, "sandbox: rate limited");
        if let Ok(v) = f.retry_after_secs.to_string().parse() {
            r.headers_mut().insert("retry-after", v);
        }
        return FaultOutcome::Respond(r);
    }
    let truncate = f.truncated > 0.0 && state.draw(key, 3) < f.truncated;
    FaultOutcome::Proceed { truncate }
}

pub fn text_response(code: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(text.to_string()));
    *r.status_mut() = code;
    r
}

/// A JSON response, cut in half when the fault layer said so.
pub fn json_response(code: StatusCode, json: String, truncate: bool) -> Response<Body> {
    let body = if truncate {
        json[..json.len() / 2].to_string()
    } else {
        json
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = code;
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

pub fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Records (their stored JSON text) as a JSON array, each with an unknown field added when
/// asked. The texts were parsed when the store was loaded, so they parse again; numbers keep
/// their exact text (serde_json's `arbitrary_precision`).
pub fn json_array<'a>(records: impl Iterator<Item = &'a str>, extra: bool) -> serde_json::Value {
    records
        .map(|r| {
            let mut v: serde_json::Value = serde_json::from_str(r).unwrap_or_else(
                |e| serde_json::json!({"sandbox_error": format!("a stored record did not parse: {e}")}),
            );
            if extra {
                if let Some(m) = v.as_object_mut() {
                    m.insert(
                        "sandbox_added_field".into(),
                        serde_json::json!({"note": "unknown fields must be ignored"}),
                    );
                }
            }
            v
        })
        .collect()
}

/// Whether a stored record's `field` is `want`, a string or a number compared by its text (a
/// parsed comparison: the stored text's spacing and key order do not matter).
pub fn field_is(record: &str, field: &str, want: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(record)
        .ok()
        .and_then(|v| {
            v.get(field).map(|x| match x {
                serde_json::Value::String(s) => s == want,
                // A number by its JSON text. (Clippy's `*other == want` would be wrong here:
                // serde_json's `Value == &str` holds only for strings.)
                #[allow(clippy::cmp_owned)]
                other => other.to_string() == want,
            })
        })
        .unwrap_or(false)
}

/// One emulated API: the provider's spec (its name is the data directory) and how one of its
/// wire records is kept for serving (`None` for a valid line that is no money movement).
struct Emulator {
    spec: &'static Spec,
    keep: fn(&mut Store, Option<ProviderRecord>, &serde_json::Value, &str, bool),
}

/// Every emulated provider, one file each.
const EMULATORS: [Emulator; 4] = [
    Emulator {
        spec: &crate::providers::keysecure::SPEC,
        keep: keysecure::keep,
    },
    Emulator {
        spec: &crate::providers::txv3::SPEC,
        keep: txv3::keep,
    },
    Emulator {
        spec: &crate::providers::cardapp::SPEC,
        keep: cardapp::keep,
    },
    Emulator {
        spec: &crate::providers::usertrans::SPEC,
        keep: usertrans::keep,
    },
];

/// Loads `DIR/<provider>/*.jsonl` into the store. Records are parsed with the adapters (so a
/// bad file is refused with its line named) and kept as their original text.
pub fn load_store(dir: &Path, seed: u64, drift: bool) -> Result<Store> {
    let settings = Settings::defaults();
    let mut store = Store::default();
    for emulator in EMULATORS {
        let spec = emulator.spec;
        let sub = dir.join(spec.name);
        if !sub.is_dir() {
            continue;
        }
        let files = crate::normalize::jsonl_files(&sub)?;
        let options = settings
            .providers
            .get(spec.name)
            .map(|p| p.options.clone())
            .unwrap_or_default();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let fail = |field: String, message: String| Error::ProviderRecord {
                    file: file.clone(),
                    line: i + 1,
                    field,
                    message,
                };
                let parsed = (spec.parse)(spec.name, line, String::new(), &options)
                    .map_err(|e| fail(e.field, e.message))?;
                let value: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| fail("(record)".into(), e.to_string()))?;
                let hidden = drift && splitmix(seed ^ (i as u64) ^ 0xd1f7).is_multiple_of(50);
                (emulator.keep)(&mut store, parsed, &value, line, hidden);
            }
        }
    }
    for v in [
        &mut store.keysecure,
        &mut store.txv3,
        &mut store.cardapp_trades,
        &mut store.cardapp_orders,
        &mut store.usertrans,
        &mut store.cardapp_cards,
    ] {
        v.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    }
    Ok(store)
}

/// Records of a slice whose instant is in `[from, to)`, in served order.
pub fn in_range(records: &[Served], from: DateTime<Utc>, to: DateTime<Utc>) -> &[Served] {
    let a = records.partition_point(|r| r.at < from);
    let b = records.partition_point(|r| r.at < to);
    &records[a..b.max(a)]
}

/// The router of all four APIs.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .nest("/keysecure", keysecure::routes())
        .nest("/txv3", txv3::routes())
        .nest("/cardapp", cardapp::routes())
        .nest("/usertrans", usertrans::routes())
        .with_state(state)
}

/// Serves until `shutdown` completes. Bind the listener to `127.0.0.1:0` in tests.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("sandbox listener", e))?;
    tracing::info!(%addr, "sandbox serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::io("sandbox", e))
}

/// Starts a sandbox on a free loopback port in the background; returns its base URL and a
/// handle that stops it when dropped.
pub async fn start(data: &Path, options: SandboxOptions) -> Result<(String, SandboxHandle)> {
    let store = load_store(
        data,
        options.seed,
        options.faults.page_drift_after.is_some(),
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("127.0.0.1:0", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("sandbox listener", e))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = Arc::new(State::new(store, options));
    let task = tokio::spawn(run(listener, state, async move {
        let _ = rx.await;
    }));
    Ok((
        format!("http://{addr}"),
        SandboxHandle {
            stop: Some(tx),
            task: Some(task),
        },
    ))
}

/// Stops the sandbox when dropped.
pub struct SandboxHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl SandboxHandle {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compare_parsed_fields_whatever_the_spacing() {
        for text in [
            r#"{"card_id":"c7","card_binding_id":12007}"#,
            r#"{"card_id": "c7", "card_binding_id": 12007}"#,
        ] {
            assert!(field_is(text, "card_id", "c7"));
            assert!(field_is(text, "card_binding_id", "12007"));
            assert!(!field_is(text, "card_id", "c70"));
            assert!(!field_is(text, "card_binding_id", "1200"));
            assert!(!field_is(text, "missing", "c7"));
        }
        let extra = json_array([r#"{"a":1.50}"#].into_iter(), true);
        assert_eq!(
            extra.to_string(),
            r#"[{"a":1.50,"sandbox_added_field":{"note":"unknown fields must be ignored"}}]"#
        );
    }
}
