//! usertrans's endpoints: authentication, request building and paging, and the credentials and
//! API settings it reads from its `[providers.<instance>]` table.

// ---- fetching ------------------------------------------------------------------------------
//
// `POST {base}/thirdPartyLogin` with `{"app_key", "app_secret"}` gives the bearer `userToken`;
// a 401 logs in again. `GET /userTrans` by windows of at most 31 days, `start_date`/`end_date`
// as Unix seconds (the document accepts timestamps, which avoids the unstated day zone), pages
// from 1; `data.total` is checked.

use std::sync::atomic::Ordering;

use chrono::Duration;
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::providers::fetch::{
    archived, fetch_windows, page_of, split, PageSource, Window, WindowFetch,
};
use crate::providers::http::Http;
use crate::providers::output::ProviderFetch;
use crate::providers::spec::FetchJob;
use crate::providers::spec::{self, ApiTable, Place};
use crate::secret::Secret;

pub const WINDOW_DAYS: i64 = 31;

pub async fn fetch(job: FetchJob<'_>) -> Result<ProviderFetch> {
    let FetchJob {
        instance: name,
        connection: conn,
        from,
        to,
        archive,
        progress,
        ..
    } = job;
    let creds: &Credentials = conn.credentials.get(name)?;
    let http = Http::new(name, conn.requests_per_second, conn.timeout)?;
    let http = &http;
    let token: Mutex<Option<String>> = Mutex::new(None);
    let token = &token;
    // With `expired`, log in again unless another task already replaced that token.
    let login = move |expired: Option<String>| async move {
        let mut t = token.lock().await;
        if let Some(tok) = t.as_ref() {
            if expired.as_deref() != Some(tok.as_str()) {
                return Ok::<String, Error>(tok.clone());
            }
        }
        if expired.is_some() {
            http.counters
                .token_refreshes
                .fetch_add(1, Ordering::Relaxed);
        }
        let url = format!("{}/thirdPartyLogin", conn.base_url);
        let body = serde_json::json!({"app_key": creds.app_key.expose(), "app_secret": creds.app_secret.expose()});
        let a = http
            .json("thirdPartyLogin", || http.client.post(&url).json(&body))
            .await?;
        match (
            a.status,
            a.body.pointer("/data/userToken").and_then(|v| v.as_str()),
        ) {
            (200, Some(tok)) => {
                *t = Some(tok.to_string());
                Ok(tok.to_string())
            }
            (status, _) => Err(Error::Fetch {
                provider: name.into(),
                what: "thirdPartyLogin".into(),
                message: format!(
                    "HTTP {status}: {} (check app_key / app_secret)",
                    a.body.get("message").and_then(|m| m.as_str()).unwrap_or("")
                ),
                cause: None,
            }),
        }
    };
    let size = conn.page_size;
    let url = format!("{}/userTrans", conn.base_url);
    let url = &url;
    let page = move |w: Window, index: u32, source: PageSource| async move {
        let key = format!("{}/p{:04}", w.key, index);
        let what = format!("userTrans page {} of {}", index + 1, w.key);
        let query = [
            ("page", (index + 1).to_string()),
            ("page_num", size.to_string()),
            ("start_date", w.from.timestamp().to_string()),
            ("end_date", (w.to.timestamp() - 1).to_string()),
        ];
        let v = archived(archive, &key, source, &http.counters, async {
            let mut expired: Option<String> = None;
            for _ in 0..crate::providers::http::TOKEN_TRIES {
                let tok = login(expired.clone()).await?;
                let a = http
                    .json(&what, || {
                        http.client.get(url).bearer_auth(&tok).query(&query)
                    })
                    .await?;
                match a.status {
                    200 => return Ok(a.body),
                    401 => expired = Some(tok),
                    s => {
                        return Err(Error::Fetch {
                            provider: name.into(),
                            what: what.clone(),
                            message: format!(
                                "HTTP {s}: {}",
                                a.body.get("message").and_then(|m| m.as_str()).unwrap_or("")
                            ),
                            cause: None,
                        })
                    }
                }
            }
            Err(Error::Fetch {
                provider: name.into(),
                what: what.clone(),
                message: "the userToken kept expiring".into(),
                cause: None,
            })
        })
        .await?;
        page_of(name, &what, &v, "/data/list", Some("/data/total"), progress)
    };
    let windows = split(from, to, Duration::days(WINDOW_DAYS), "userTrans", None);
    let (set, stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows,
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "trans_id",
            counters: &http.counters,
        },
        page,
    )
    .await?;
    Ok(ProviderFetch {
        files: vec![(super::TRANS.into(), set.lines)],
        stats,
    })
}

/// usertrans's own keys of `[providers.<instance>]`, besides the common ones the configuration
/// reads (base URL, page size, rate, timeout, account currency, wire timezone).
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKeys {
    app_key: Option<Secret>,
    app_secret: Option<Secret>,
}

/// What usertrans's API needs besides the common connection settings. Secrets print as `***`.
#[derive(Debug)]
pub struct Credentials {
    pub app_key: Secret,
    pub app_secret: Secret,
}

pub(super) fn connect(
    table: &ApiTable,
    place: &Place<'_>,
) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        app_key: place.required(&k.app_key, "app_key")?,
        app_secret: place.required(&k.app_secret, "app_secret")?,
    }))
}
