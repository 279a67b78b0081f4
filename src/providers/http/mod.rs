//! What every fetcher shares, one concern per file:
//!
//! | file | concern |
//! |---|---|
//! | [`retry`] | the retry decision, a pure function with a table of tests |
//! | [`rate`] | the per-provider request-rate cap |
//! | [`stats`] | fetch counters and statistics |
//! | [`archive`] | the raw page archive, and secret stripping before anything is written |
//! | [`records`] | a fetch's records in first-seen order, identical repeats counted |
//! | this file | the client: one retrying JSON call per request |

pub mod archive;
pub mod rate;
pub mod records;
pub mod retry;
pub mod stats;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub use archive::{strip_secrets, Archive};
pub use rate::RateLimiter;
pub use records::RecordSet;
pub use retry::{decide, Attempt, Decision, RetryPolicy};
pub use stats::{completeness_words, FetchCounters, FetchStats, WindowCheck};

/// How many times one call may find its token expired before it gives up.
///
/// **Why not 3 or 4.** Concurrent windows share one token. A call that waits in a retry's
/// backoff (a 5xx, a 429) holds a token the others may use up meanwhile, so it can find it
/// expired several times in a row through no fault of the provider's; a small limit failed a
/// whole month's fetch that way (tests/fetch.rs, token expiry with every other fault on). The
/// limit only has to stop a provider that refuses every new token, and 16 quick refusals do.
pub const TOKEN_TRIES: usize = 16;

use crate::error::{Error, Result};

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
                    (Attempt::Timeout, Err(failed(format!("{e}"), e)))
                }
                Err(e) => (Attempt::Timeout, Err(failed(format!("{e}"), e))),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    match resp.bytes().await {
                        Err(e) => (
                            Attempt::Timeout,
                            Err(failed(format!("reading the body: {e}"), e)),
                        ),
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
                                Err((format!("HTTP {status}"), None)),
                            ),
                            Err(e) if (200..300).contains(&status) => (
                                Attempt::BadBody,
                                Err(failed(format!("the body is not complete JSON ({e})"), e)),
                            ),
                            Err(_) => (
                                Attempt::Status(status, retry_after),
                                Err((
                                    format!(
                                        "HTTP {status}: {}",
                                        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                                    ),
                                    None,
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
                (Decision::Stop, Err((message, cause))) => {
                    return Err(Error::Fetch {
                        provider: self.provider.clone(),
                        what: what.to_string(),
                        message: format!("{message} (after {attempt} attempts)"),
                        cause,
                    })
                }
            }
        }
    }
}

/// A failed attempt: what to say, and the error that says it (kept as the fetch error's cause
/// if this attempt is the last).
fn failed(
    message: String,
    cause: impl std::error::Error + Send + Sync + 'static,
) -> (String, Option<crate::error::Cause>) {
    (message, Some(Box::new(cause)))
}

/// A jitter draw in [0, 1): spreads retries of concurrent requests apart.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}
