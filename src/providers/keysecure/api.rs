//! keysecure's endpoints: authentication, request building and paging, and the credentials and
//! API settings it reads from its `[providers.<instance>]` table.

// ---- fetching ------------------------------------------------------------------------------
//
// Token: `POST {base}/open-api/v1/auth/token` with `Api-Key`, `Timestamp` and `{"api_secret"}`;
// refreshed when a call answers 40102. `Timestamp` is sent one second behind the local clock,
// so a server clock slightly behind ours never sees a future timestamp. Windows are at most 90
// days, expressed in `Timezone: UTC+0` as `yyyy-MM-dd HH:mm:ss` (end inclusive to the second).

use std::sync::atomic::Ordering;

use chrono::{Duration, Utc};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::providers::fetch::{
    archived, fetch_windows, page_of, split, PageSource, Window, WindowFetch,
};
use crate::providers::http::Http;
use crate::providers::output::ProviderFetch;
use crate::providers::spec::{self, ApiTable, Place};
use crate::providers::spec::{Connection, FetchJob};
use crate::secret::Secret;

pub const MAX_WINDOW: i64 = 90;

fn timestamp() -> String {
    (Utc::now().timestamp_millis() - 1000).to_string()
}

struct Client<'a> {
    name: &'a str,
    conn: &'a Connection,
    creds: &'a Credentials,
    http: Http,
    token: Mutex<Option<String>>,
}

impl Client<'_> {
    /// The current token; with `expired`, a new one unless another task already replaced
    /// that expired token (concurrent callers all see the expiry, one refresh serves them).
    async fn token(&self, expired: Option<&str>) -> Result<String> {
        let mut t = self.token.lock().await;
        if let Some(tok) = t.as_ref() {
            if expired != Some(tok.as_str()) {
                return Ok(tok.clone());
            }
        }
        let refresh = expired.is_some();
        if refresh {
            self.http
                .counters
                .token_refreshes
                .fetch_add(1, Ordering::Relaxed);
        }
        let url = format!("{}/open-api/v1/auth/token", self.conn.base_url);
        let body = serde_json::json!({"api_secret": self.creds.api_secret.expose()});
        let a = self
            .http
            .json("token", || {
                self.http
                    .client
                    .post(&url)
                    .header("Api-Key", self.creds.api_key.expose())
                    .header("Timestamp", timestamp())
                    .json(&body)
            })
            .await?;
        match (
            a.body.get("code").and_then(|c| c.as_i64()),
            a.body
                .pointer("/data/access_token")
                .and_then(|v| v.as_str()),
        ) {
            (Some(0), Some(tok)) => {
                *t = Some(tok.to_string());
                Ok(tok.to_string())
            }
            _ => Err(self.refused("token", &a.body)),
        }
    }

    fn refused(&self, what: &str, body: &serde_json::Value) -> Error {
        let code = body.get("code").map(|c| c.to_string()).unwrap_or_default();
        let msg = body.get("msg").and_then(|m| m.as_str()).unwrap_or("");
        let hint = match code.as_str() {
            "40101" => " (check api_key / api_secret)",
            "40103" => " (the Timestamp rule: check this machine's clock)",
            _ => "",
        };
        Error::Fetch {
            provider: self.name.to_string(),
            what: what.to_string(),
            message: format!("code {code}: {msg}{hint}"),
            cause: None,
        }
    }

    /// A call with token refresh on 40102.
    async fn call(
        &self,
        what: &str,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<serde_json::Value> {
        let mut expired: Option<String> = None;
        for _ in 0..crate::providers::http::TOKEN_TRIES {
            let token = self.token(expired.as_deref()).await?;
            let a = self
                .http
                .json(what, || {
                    make(&token)
                        .header("Api-Key", self.creds.api_key.expose())
                        .header("Timestamp", timestamp())
                        .header("Access-Token", &token)
                })
                .await?;
            match a.body.get("code").and_then(|c| c.as_i64()) {
                Some(0) => return Ok(a.body),
                Some(40102) => expired = Some(token),
                _ => return Err(self.refused(what, &a.body)),
            }
        }
        Err(Error::Fetch {
            provider: self.name.to_string(),
            what: what.to_string(),
            message: "the Access-Token kept expiring".into(),
            cause: None,
        })
    }
}

pub async fn fetch(job: FetchJob<'_>) -> Result<ProviderFetch> {
    let FetchJob {
        instance: name,
        connection: conn,
        from,
        to,
        archive,
        progress,
        details: cache,
        ..
    } = job;
    let creds: &Credentials = conn.credentials.get(name)?;
    let client = Client {
        name,
        conn,
        creds,
        http: Http::new(name, conn.requests_per_second, conn.timeout)?,
        token: Mutex::new(None),
    };
    let client = &client;
    let windows = split(from, to, Duration::days(MAX_WINDOW), "consume", None);
    let size = conn.page_size;
    let list_url = format!("{}/open-api/v1/card/consume/list", conn.base_url);
    let list_url = &list_url;
    let page = move |w: Window, index: u32, source: PageSource| async move {
        let key = format!("{}/p{:04}", w.key, index);
        let body = serde_json::json!({
            "start_time": w.from.format("%Y-%m-%d %H:%M:%S").to_string(),
            "end_time": (w.to - Duration::seconds(1)).format("%Y-%m-%d %H:%M:%S").to_string(),
            "page": index,
            "size": size,
        });
        let v = archived(
            archive,
            &key,
            source,
            &client.http.counters,
            client.call("consume/list", |_| {
                client
                    .http
                    .client
                    .post(list_url)
                    .header("Timezone", "UTC+0")
                    .json(&body)
            }),
        )
        .await?;
        page_of(
            name,
            &format!("consume/list page {index} of {}", w.key),
            &v,
            "/data/list",
            None,
            progress,
        )
    };
    let (set, mut stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows,
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "consume_no",
            counters: &client.http.counters,
        },
        page,
    )
    .await?;
    let mut lines = set.lines;
    if creds.fetch_details {
        // The list lacks fees, original amounts and links: each record's detail has them.
        // Unordered, so one request waiting out a Retry-After does not hold up the others
        // (an ordered buffer would stall every slot behind it); order is restored after.
        // One request per id: two records listed under one id (a provider duplicate) share the
        // answer, whichever asks first, so the number of requests does not depend on timing.
        // Only ids listed more than once (a few) keep their answer here.
        let mut listed: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for l in &lines {
            let id = serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v.get("consume_no")?.as_str().map(str::to_string));
            if let Some(id) = id {
                *listed.entry(id).or_insert(0) += 1;
            }
        }
        let asked: std::collections::HashMap<String, tokio::sync::OnceCell<serde_json::Value>> =
            listed
                .into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(id, _)| (id, tokio::sync::OnceCell::new()))
                .collect();
        let asked = &asked;
        let mut details: Vec<(usize, String)> =
            futures::stream::iter(lines.iter().cloned().enumerate())
                .map(|(i, line)| async move {
                    let v: serde_json::Value =
                        serde_json::from_str(&line).map_err(|e| Error::Fetch {
                            provider: name.into(),
                            what: "archived record".into(),
                            message: e.to_string(),
                            cause: Some(Box::new(e)),
                        })?;
                    let Some(id) = v
                        .get("consume_no")
                        .and_then(|c| c.as_str())
                        .map(str::to_string)
                    else {
                        return Ok::<_, Error>((i, line));
                    };
                    // A record in a final status whose list form is unchanged has the detail an
                    // earlier run fetched: no request.
                    let cacheable = v
                        .get("status")
                        .and_then(|s| s.as_str())
                        .is_some_and(|s| super::convert::status_of(s).is_final());
                    let fingerprint = fingerprint(&line);
                    if let (true, Some(c)) = (cacheable, cache) {
                        if let Some(detail) = c.get(name, &id, &fingerprint) {
                            return Ok((i, detail));
                        }
                    }
                    let url = format!("{}/open-api/v1/card/consume/{}/info", conn.base_url, id);
                    let key = format!("detail/{}", id.replace(['/', '\\', '.'], "_"));
                    let ask = || {
                        archived(
                            archive,
                            &key,
                            PageSource::ArchiveFirst,
                            &client.http.counters,
                            async {
                                match client
                                    .call("consume/info", |_| client.http.client.get(&url))
                                    .await
                                {
                                    Ok(body) => Ok(body),
                                    // A record listed but without a detail keeps its list form.
                                    Err(Error::Fetch { message, .. })
                                        if message.starts_with("code 40401") =>
                                    {
                                        Ok(serde_json::json!({"code": 0, "data": v.clone()}))
                                    }
                                    Err(e) => Err(e),
                                }
                            },
                        )
                    };
                    let answer = match asked.get(&id) {
                        Some(cell) => cell.get_or_try_init(ask).await?.clone(),
                        None => ask().await?,
                    };
                    let mut data = answer.get("data").cloned().unwrap_or_else(|| v.clone());
                    // The detail is looked up by id: when the provider lists two different
                    // records under one id, it describes only one of them. Use it only for the
                    // record it describes; the other keeps its list form.
                    let same = ["consume_no", "card_no", "type", "amount", "status", "time"]
                        .iter()
                        .all(|k| data.get(k) == v.get(k));
                    if !same {
                        return Ok((i, line));
                    }
                    crate::providers::http::strip_secrets(&mut data);
                    let detail = data.to_string();
                    if let (true, Some(c)) = (cacheable, cache) {
                        c.put(name, &id, &fingerprint, &detail);
                    }
                    Ok((i, detail))
                })
                .buffer_unordered(conn.concurrency)
                .try_collect()
                .await?;
        details.sort_by_key(|(i, _)| *i);
        lines = details.into_iter().map(|(_, l)| l).collect();
    }
    stats.records = lines.len() as u64;
    stats.update_counters(&client.http.counters);
    Ok(ProviderFetch {
        files: vec![(super::CONSUME.into(), lines)],
        stats,
    })
}

/// A record's list form, as the fetch cache keys it: SHA-256 of the line as listed.
fn fingerprint(line: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(line.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// keysecure's own keys of `[providers.<instance>]`, besides the common ones the configuration
/// reads (base URL, page size, rate, timeout, account currency, wire timezone).
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKeys {
    api_key: Option<Secret>,
    api_secret: Option<Secret>,
    /// Fetch each consumption's detail (fees, original amount, links); default true.
    fetch_details: Option<bool>,
}

/// What keysecure's API needs besides the common connection settings. Secrets print as `***`.
#[derive(Debug)]
pub struct Credentials {
    pub api_key: Secret,
    pub api_secret: Secret,
    pub fetch_details: bool,
}

pub(super) fn connect(
    table: &ApiTable,
    place: &Place<'_>,
) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        api_key: place.required(&k.api_key, "api_key")?,
        api_secret: place.required(&k.api_secret, "api_secret")?,
        fetch_details: k.fetch_details.unwrap_or(true),
    }))
}
