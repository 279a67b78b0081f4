//! txv3's endpoints: authentication, request building and paging, and the credentials and
//! API settings it reads from its `[providers.<instance>]` table.

// ---- fetching ------------------------------------------------------------------------------
//
// Authentication is not shown in the document: an `X-Api-Key` header (our decision, emulated by
// the sandbox). One query per `business_type` and window of at most 60 days; `start_time` /
// `end_time` are Unix seconds (end inclusive); pages from 1; `data.total` is checked.

use chrono::Duration;

use crate::error::Result;
use crate::providers::fetch::{
    archived, fetch_windows, page_of, refused, split, PageSource, Window, WindowFetch,
};
use crate::providers::http::Http;
use crate::providers::output::ProviderFetch;
use crate::providers::spec::FetchJob;
use crate::providers::spec::{self, ApiTable, Place};
use crate::secret::Secret;

pub const MAX_WINDOW_DAYS: i64 = 60;

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
    let mut windows = Vec::new();
    for bt in super::BUSINESS_TYPES {
        windows.extend(split(
            from,
            to,
            Duration::days(MAX_WINDOW_DAYS),
            &format!("transactions/bt{bt}"),
            Some(&bt.to_string()),
        ));
    }
    let size = conn.page_size;
    let url = format!("{}/v3/openapi/card/transactions", conn.base_url);
    let url = &url;
    let page = move |w: Window, index: u32, source: PageSource| async move {
        let key = format!("{}/p{:04}", w.key, index);
        let bt: i64 = w.class.as_deref().and_then(|c| c.parse().ok()).unwrap_or(1);
        let body = serde_json::json!({
            "start_time": w.from.timestamp().to_string(),
            "end_time": (w.to.timestamp() - 1).to_string(),
            "page": index + 1,
            "size": size,
            "business_type": bt,
        });
        let what = format!(
            "transactions business_type {bt} page {} of {}",
            index + 1,
            w.key
        );
        let v = archived(archive, &key, source, &http.counters, async {
            let a = http
                .json(&what, || {
                    http.client
                        .post(url)
                        .header("X-Api-Key", creds.api_key.expose())
                        .json(&body)
                })
                .await?;
            match a.body.get("code").and_then(|c| c.as_str()) {
                Some("00000") => Ok(a.body),
                _ => Err(refused(
                    name,
                    &what,
                    &a.body,
                    "msg",
                    &["40100"],
                    "check api_key",
                )),
            }
        })
        .await?;
        page_of(
            name,
            &what,
            &v,
            "/data/records",
            Some("/data/total"),
            progress,
        )
    };
    let (set, stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows,
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "tx_id",
            counters: &http.counters,
        },
        page,
    )
    .await?;
    Ok(ProviderFetch {
        files: vec![(super::TRANSACTIONS.into(), set.lines)],
        stats,
    })
}

/// txv3's own keys of `[providers.<instance>]`, besides the common ones the configuration
/// reads (base URL, page size, rate, timeout, account currency, wire timezone).
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKeys {
    api_key: Option<Secret>,
}

/// What txv3's API needs besides the common connection settings. Secrets print as `***`.
#[derive(Debug)]
pub struct Credentials {
    pub api_key: Secret,
}

pub(super) fn connect(
    table: &ApiTable,
    place: &Place<'_>,
) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        api_key: place.required(&k.api_key, "api_key")?,
    }))
}
