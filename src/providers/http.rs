//! What every fetcher shares: the pure retry decision, a
//! per-provider request-rate cap, one retrying JSON call, the page archive, and fetch statistics.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    /// An HTTP status, with `Retry-After` in seconds when the server sent one.
    Status(u16, Option<u64>),
    /// No answer in time, or the connection failed.
    Timeout,
    /// A 2xx whose body was cut off or is not JSON.
    BadBody,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Use this answer (success, or an error retrying cannot fix).
    Stop,
    /// Try again after this long.
    RetryAfter(Duration),
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// A `Retry-After` longer than this is an error rather than a wait.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The retry decision, pure: 5xx, 429 (honouring `Retry-After`), timeouts and cut-off bodies are
/// retried with exponential backoff and jitter (`jitter` in [0, 1) scales the delay between half
/// and all of it) up to a cap; anything else stops. `attempt` counts from 1.
pub fn decide(outcome: Attempt, attempt: u32, policy: &RetryPolicy, jitter: f64) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::Stop;
    }
    let backoff = || {
        let exp = policy
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let full = exp.min(policy.cap);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    };
    match outcome {
        Attempt::Status(429, Some(secs)) => {
            let wait = Duration::from_secs(secs);
            if wait > policy.max_retry_after {
                Decision::Stop
            } else {
                Decision::RetryAfter(wait.max(backoff()))
            }
        }
        Attempt::Status(429, None)
        | Attempt::Status(500 | 502 | 503 | 504, _)
        | Attempt::Timeout
        | Attempt::BadBody => Decision::RetryAfter(backoff()),
        Attempt::Status(_, _) => Decision::Stop,
    }
}

/// Caps requests per second for one provider: each request takes the next free slot.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Counters of one provider's fetch, for `summary.json` and `manifest.json`.
#[derive(Debug, Default)]
pub struct FetchCounters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub pages: AtomicU64,
    pub pages_from_archive: AtomicU64,
    pub token_refreshes: AtomicU64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FetchStats {
    pub provider: String,
    pub requests: u64,
    pub retries: u64,
    pub pages: u64,
    pub pages_from_archive: u64,
    pub token_refreshes: u64,
    pub records: u64,
    pub identical_repeats_dropped: u64,
    pub windows: u64,
    /// Windows whose record count was checked against a provider-reported total.
    pub completeness_checks: u64,
    /// Passes over the windows until one changed nothing (at least 2: every window is checked
    /// again after the first).
    pub passes: u64,
    /// Windows read again because their records changed while paging (page drift).
    pub windows_reread: u64,
}

impl FetchStats {
    /// Takes the request counters' final values (records and checks stay as they are).
    pub fn update_counters(&mut self, c: &FetchCounters) {
        self.requests = c.requests.load(Ordering::Relaxed);
        self.retries = c.retries.load(Ordering::Relaxed);
        self.pages = c.pages.load(Ordering::Relaxed);
        self.pages_from_archive = c.pages_from_archive.load(Ordering::Relaxed);
        self.token_refreshes = c.token_refreshes.load(Ordering::Relaxed);
    }
}

/// One provider's HTTP side: client, retry policy, rate cap, counters.
pub struct Http {
    pub client: reqwest::Client,
    pub policy: RetryPolicy,
    pub limiter: RateLimiter,
    pub counters: Arc<FetchCounters>,
    pub provider: String,
}

/// A JSON answer: HTTP status and parsed body.
pub struct JsonAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Http {
    pub fn new(provider: &str, requests_per_second: u32, timeout: Duration) -> Result<Http> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("cardrecon/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::input(
                    format!("providers.{provider}"),
                    format!("cannot build an HTTP client: {e}"),
                )
            })?;
        Ok(Http {
            client,
            policy: RetryPolicy::default(),
            limiter: RateLimiter::new(requests_per_second),
            counters: Arc::new(FetchCounters::default()),
            provider: provider.into(),
        })
    }

    /// Sends a request (rebuilt by `make` for each attempt, so headers such as a timestamp are
    /// fresh), retrying per [`decide`]. Returns the first answer that is not retried; a body that
    /// is not JSON after the last attempt is an error naming `what`.
    pub async fn json(
        &self,
        what: &str,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<JsonAnswer> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.limiter.wait().await;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = make().send().await;
            let (attempt_kind, answer) = match outcome {
                Err(e) if e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() => {
                    (Attempt::Timeout, Err(format!("{e}")))
                }
                Err(e) => (Attempt::Timeout, Err(format!("{e}"))),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    match resp.bytes().await {
                        Err(e) => (Attempt::Timeout, Err(format!("reading the body: {e}"))),
                        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                            Ok(body)
                                if (200..300).contains(&status)
                                    || status < 500 && status != 429 =>
                            {
                                (
                                    Attempt::Status(status, retry_after),
                                    Ok(JsonAnswer { status, body }),
                                )
                            }
                            Ok(_) => (
                                Attempt::Status(status, retry_after),
                                Err(format!("HTTP {status}")),
                            ),
                            Err(e) if (200..300).contains(&status) => (
                                Attempt::BadBody,
                                Err(format!("the body is not complete JSON ({e})")),
                            ),
                            Err(_) => (
                                Attempt::Status(status, retry_after),
                                Err(format!(
                                    "HTTP {status}: {}",
                                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                                )),
                            ),
                        },
                    }
                }
            };
            let retry = match (&answer, attempt_kind) {
                (Ok(_), Attempt::Status(s, _)) if (200..300).contains(&s) => Decision::Stop,
                _ => decide(attempt_kind, attempt, &self.policy, jitter()),
            };
            match (retry, answer) {
                (Decision::RetryAfter(wait), _) => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(provider = %self.provider, what, attempt, ?attempt_kind, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
                (Decision::Stop, Ok(a)) => return Ok(a),
                (Decision::Stop, Err(message)) => {
                    return Err(Error::Fetch {
                        provider: self.provider.clone(),
                        what: what.to_string(),
                        message: format!("{message} (after {attempt} attempts)"),
                    })
                }
            }
        }
    }
}

/// A jitter draw in [0, 1): spreads retries of concurrent requests apart.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

/// The archive of one provider's raw pages: `raw/<instance>/pages/...json`, each written to a
/// temporary name and renamed, so a page file that exists is whole. A fetch started again on the
/// same run directory reads pages from here instead of asking the provider again.
#[derive(Debug, Clone)]
pub struct Archive {
    pub dir: PathBuf,
}

impl Archive {
    pub fn new(run_raw: &Path, instance: &str) -> Archive {
        Archive {
            dir: run_raw.join(instance),
        }
    }

    pub fn page_path(&self, key: &str) -> PathBuf {
        self.dir.join("pages").join(format!("{key}.json"))
    }

    pub fn read(&self, key: &str) -> Option<serde_json::Value> {
        let text = std::fs::read(self.page_path(key)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    pub fn write(&self, key: &str, value: &serde_json::Value) -> Result<()> {
        let path = self.page_path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec(value).map_err(|e| Error::Output {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }

    /// Writes the fetched records, one wire record per line: what `reconcile` reads.
    pub fn write_records(&self, name: &str, lines: &[String]) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let path = self.dir.join(format!("{name}.jsonl"));
        let tmp = path.with_extension("jsonl.tmp");
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(path)
    }
}

/// Removes secrets a provider puts in records (cardapp's `cvv` and `pin`) before anything is
/// archived or logged; masks full card numbers.
pub fn strip_secrets(record: &mut serde_json::Value) {
    if let Some(m) = record.as_object_mut() {
        m.remove("cvv");
        m.remove("pin");
        for key in ["card_no", "card_number"] {
            if let Some(serde_json::Value::String(s)) = m.get_mut(key) {
                let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
                if digits >= 12 {
                    *s = crate::model::mask_card(s);
                }
            }
        }
    }
}

/// Keeps records in first-seen order, dropping identical repeats (paging artefacts) and
/// counting them. Different content under one id is kept (a `duplicate_at_provider`).
#[derive(Default)]
pub struct RecordSet {
    seen: std::collections::HashSet<String>,
    pub lines: Vec<String>,
    pub repeats: u64,
}

impl RecordSet {
    pub fn add(&mut self, mut record: serde_json::Value) {
        strip_secrets(&mut record);
        let line = record.to_string();
        if self.seen.insert(line.clone()) {
            self.lines.push(line);
        } else {
            self.repeats += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decision() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(60),
        };
        assert_eq!(
            decide(Attempt::Status(200, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(400, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(401, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(404, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(500, None), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            decide(Attempt::Status(503, None), 1, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            decide(Attempt::Status(502, None), 3, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(400))
        );
        assert_eq!(
            decide(Attempt::Timeout, 4, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(800))
        );
        assert_eq!(
            decide(Attempt::BadBody, 2, &p, 0.5),
            Decision::RetryAfter(Duration::from_millis(150))
        );
        // Capped, then stopped at the last attempt.
        let p2 = RetryPolicy {
            max_attempts: 30,
            ..p.clone()
        };
        assert_eq!(
            decide(Attempt::Timeout, 20, &p2, 1.0),
            Decision::RetryAfter(Duration::from_millis(1000))
        );
        assert_eq!(
            decide(Attempt::Status(500, None), 5, &p, 0.0),
            Decision::Stop
        );
        // 429 honours Retry-After, refuses absurd ones.
        assert_eq!(
            decide(Attempt::Status(429, Some(2)), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            decide(Attempt::Status(429, None), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            decide(Attempt::Status(429, Some(3600)), 1, &p, 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn card_secrets_are_stripped_and_numbers_masked() {
        let mut v = serde_json::json!({"card_id": "c1", "card_no": "4485333916826937", "cvv": "715", "pin": "1234", "balance": 200.5});
        strip_secrets(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"balance":200.5,"card_id":"c1","card_no":"448533******6937"}"#
        );
    }

    #[test]
    fn identical_repeats_are_counted() {
        let mut set = RecordSet::default();
        set.add(serde_json::json!({"id": 1, "a": "x"}));
        set.add(serde_json::json!({"id": 1, "a": "x"}));
        set.add(serde_json::json!({"id": 1, "a": "y"}));
        assert_eq!((set.lines.len(), set.repeats), (2, 1));
    }
}
