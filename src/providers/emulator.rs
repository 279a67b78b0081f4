//! What every provider's sandbox emulator shares (`providers/<name>/sandbox.rs`): the records
//! it serves ([`Store`], [`Served`]), the running sandbox's [`State`] (tokens, page drift, the
//! deterministic fault draws), the fault layer ([`faults`]), response helpers, and the
//! [`Emulator`] a provider's spec carries so `crate::sandbox` finds it.
//!
//! Why here and not in `crate::sandbox`: a provider's emulator is part of its directory, and
//! `crate::sandbox` iterates the specs to load and route them; the shared parts live beside the
//! specs so neither depends on the other in a cycle.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use axum::Router;
use chrono::{DateTime, Utc};

use crate::model::ProviderRecord;

/// A provider's sandbox emulator: how one of its wire records is kept for serving, and its
/// routes (nested under `/<provider>`).
pub struct Emulator {
    /// Keeps one wire record (`line`, parsed as `record`, `None` for a valid line that is no
    /// money movement, and as `value`) in the store, hidden from lists when `hidden`.
    pub keep: fn(&mut Store, Option<ProviderRecord>, &serde_json::Value, &str, bool),
    pub routes: fn() -> Router<Arc<State>>,
}

/// Records of a slice whose instant is in `[from, to)`, in served order.
pub fn in_range(records: &[Served], from: DateTime<Utc>, to: DateTime<Utc>) -> &[Served] {
    let a = records.partition_point(|r| r.at < from);
    let b = records.partition_point(|r| r.at < to);
    &records[a..b.max(a)]
}

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

/// Credentials the sandbox accepts, by the environment variable the configuration template
/// names for each (`CARDRECON_<PROVIDER>_API_KEY`, …). The defaults are each spec's
/// [`SandboxCredential`]s: what `cardrecon init` and `demo` use.
#[derive(Debug, Clone, Default)]
pub struct Credentials(BTreeMap<String, String>);

impl Credentials {
    /// Each credential's sandbox value.
    pub fn of<'a>(credentials: impl IntoIterator<Item = &'a SandboxCredential>) -> Credentials {
        Credentials(
            credentials
                .into_iter()
                .map(|c| (c.env.to_string(), c.sandbox.to_string()))
                .collect(),
        )
    }

    /// Accept `value` for `env` instead.
    pub fn set(&mut self, env: &str, value: &str) {
        self.0.insert(env.to_string(), value.to_string());
    }

    /// Whether `given` is the credential named `env` (an unknown name accepts nothing).
    pub fn accepts(&self, env: &str, given: Option<&str>) -> bool {
        matches!((self.0.get(env), given), (Some(want), Some(g)) if want == g)
    }
}

/// How one provider's sandbox credential appears in the configuration template: the key of its
/// `[providers.<name>]` table, the environment variable the template points it at, and the value
/// the sandbox accepts by default.
#[derive(Debug, Clone, Copy)]
pub struct SandboxCredential {
    pub key: &'static str,
    pub env: &'static str,
    pub sandbox: &'static str,
}

/// How a running sandbox behaves: its seed, its faults and the credentials it accepts
/// (`crate::sandbox::SandboxOptions` also says which providers it serves).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub seed: u64,
    pub faults: Faults,
    pub credentials: Credentials,
}

/// One served record: its instant, id, a type code used for filtering, and its JSON text.
#[derive(Debug, Clone)]
pub struct Served {
    pub at: DateTime<Utc>,
    pub id: String,
    /// A type code the provider's list filters on (a `business_type`, a `trans_type`, …).
    pub class: String,
    /// The record as served in lists.
    pub json: String,
    /// The full record (for a provider's detail endpoint).
    pub detail: String,
    pub hidden: bool,
}

impl Served {
    /// A money movement served in lists as its wire line, filtered by `class`; no separate
    /// detail.
    pub fn listed(record: ProviderRecord, class: String, line: &str, hidden: bool) -> Served {
        Served {
            at: record.occurred_at,
            id: record.tx_id,
            class,
            json: line.to_string(),
            detail: String::new(),
            hidden,
        }
    }
}

/// All records, per list endpoint (named by the provider that serves it: `<provider>` or
/// `<provider>/<list>`), each sorted by time then id.
#[derive(Debug, Default)]
pub struct Store {
    lists: BTreeMap<String, Vec<Served>>,
}

impl Store {
    /// Adds a record to the list endpoint `list`.
    pub fn push(&mut self, list: &str, record: Served) {
        self.lists.entry(list.to_string()).or_default().push(record);
    }

    /// The records of list endpoint `list` (none if nothing was loaded for it).
    pub fn list(&self, list: &str) -> &[Served] {
        self.lists.get(list).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Puts every list in served order: by instant, then id.
    pub fn sort(&mut self) {
        for v in self.lists.values_mut() {
            v.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        }
    }
}

/// How often one list endpoint was asked, and whether its hidden records are in yet: each
/// endpoint drifts on its own.
#[derive(Default)]
struct Drift {
    list_requests: AtomicU64,
    revealed: AtomicBool,
}

/// Shared state of a running sandbox.
pub struct State {
    pub store: Store,
    pub options: Options,
    drift: BTreeMap<String, Drift>,
    seen: Mutex<HashMap<u64, u64>>,
    /// Token → (uses, expiry).
    pub tokens: Mutex<HashMap<String, (u64, std::time::Instant)>>,
    token_counter: AtomicU64,
}

impl State {
    pub fn new(store: Store, options: Options) -> State {
        State {
            drift: store
                .lists
                .keys()
                .map(|k| (k.clone(), Drift::default()))
                .collect(),
            store,
            options,
            seen: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            token_counter: AtomicU64::new(0),
        }
    }

    /// Whether a hidden (drifting) record of list endpoint `list` is visible yet.
    pub fn visible(&self, list: &str, r: &Served) -> bool {
        !r.hidden
            || self
                .drift
                .get(list)
                .is_some_and(|d| d.revealed.load(Ordering::Relaxed))
    }

    /// The records of list endpoint `list` in `[from, to)` that are visible now.
    pub fn visible_in<'a>(
        &'a self,
        list: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Served> {
        in_range(self.store.list(list), from, to)
            .iter()
            .filter(move |r| self.visible(list, r))
    }

    /// Counts a list request of an endpoint; once it has served `page_drift_after` of them, its
    /// hidden records are inserted (before this request is answered).
    pub fn count_list_request(&self, list: &str) {
        let Some(drift) = self.drift.get(list) else {
            return;
        };
        let n = drift.list_requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(after) = self.options.faults.page_drift_after {
            if n >= after {
                drift.revealed.store(true, Ordering::Relaxed);
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
