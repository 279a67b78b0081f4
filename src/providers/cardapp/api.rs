//! cardapp's endpoints: authentication, request building and paging, and the credentials and
//! API settings it reads from its `[providers.<instance>]` table.

// ---- fetching ------------------------------------------------------------------------------
//
// Body credentials on every call. The card list (no time filter) is fetched whole and its
// `cvv`/`pin` stripped before anything is archived; trades and orders by windows of at most 31
// days as wall-clock times in `wire_timezone`, pages from 1; `data.total` is checked.

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;
use crate::providers::fetch::{
    archived, fetch_windows, page_of, refused, split, PageSource, Window, WindowFetch,
};
use crate::providers::http::Http;
use crate::providers::output::ProviderFetch;
use crate::providers::spec::FetchJob;
use crate::providers::spec::{self, ApiTable, Place};
use crate::secret::Secret;

pub const MAX_WINDOW_DAYS: i64 = 31;

pub async fn fetch(job: FetchJob<'_>) -> Result<ProviderFetch> {
    let FetchJob {
        instance: name,
        connection: conn,
        from,
        to,
        archive,
        progress,
        options,
        // cardapp's list carries everything: no per-record details to cache.
        details: _,
    } = job;
    let zone = options.wire_timezone;
    let creds: &Credentials = conn.credentials.get(name)?;
    let http = Http::new(name, conn.requests_per_second, conn.timeout)?;
    let http = &http;
    let size = conn.page_size;
    let local = move |t: DateTime<Utc>| {
        t.with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let page = move |w: Window, index: u32, source: PageSource| async move {
        let (path, list) = match w.class.as_deref() {
            Some("cards") => ("openApi/card/cardList", "card_list"),
            Some("trades") => ("openApi/card/tradeList", "trade_list"),
            _ => ("openApi/order/orderList", "order_list"),
        };
        let key = format!("{}/p{:04}", w.key, index);
        let mut body = serde_json::json!({
            "customer_id": creds.customer_id,
            "app_id": creds.app_id,
            "key": creds.key.expose(),
            "page_no": index + 1,
            "page_size": size,
        });
        if w.class.as_deref() != Some("cards") {
            body["start_time"] = local(w.from).into();
            body["end_time"] = local(w.to - Duration::seconds(1)).into();
        }
        let url = format!("{}/{}/{path}", conn.base_url, creds.version);
        let what = format!("{path} page {} of {}", index + 1, w.key);
        let v = archived(archive, &key, source, &http.counters, async {
            let a = http
                .json(&what, || http.client.post(&url).json(&body))
                .await?;
            match a.body.get("code").and_then(|c| c.as_i64()) {
                Some(0) => Ok(a.body),
                _ => Err(refused(
                    name,
                    &what,
                    &a.body,
                    "message",
                    &["1001"],
                    "check customer_id, app_id, key",
                )),
            }
        })
        .await?;
        // The card list is read whole and is not counted as records.
        let no_progress = None;
        page_of(
            name,
            &what,
            &v,
            &format!("/data/{list}"),
            Some("/data/total"),
            if w.class.as_deref() == Some("cards") {
                &no_progress
            } else {
                progress
            },
        )
    };
    let far = DateTime::<Utc>::UNIX_EPOCH;
    let card_window = vec![Window {
        key: "cards/all".into(),
        from: far,
        to: far + Duration::seconds(1),
        timed: false,
        class: Some("cards".into()),
    }];
    let (cards, card_stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows: card_window,
            page_size: size,
            concurrency: 1,
            id_field: "card_id",
            counters: &http.counters,
        },
        &page,
    )
    .await?;
    let (trades, trade_stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows: split(
                from,
                to,
                Duration::days(MAX_WINDOW_DAYS),
                "trades",
                Some("trades"),
            ),
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "trade_id",
            counters: &http.counters,
        },
        &page,
    )
    .await?;
    let (orders, mut stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows: split(
                from,
                to,
                Duration::days(MAX_WINDOW_DAYS),
                "orders",
                Some("orders"),
            ),
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "order_no",
            counters: &http.counters,
        },
        &page,
    )
    .await?;
    stats.records = trades.lines.len() as u64 + orders.lines.len() as u64;
    // The trade and card fetches' own counts (repeats within their windows' reads as well as
    // across windows), not only their record sets' cross-window ones.
    stats.identical_repeats_dropped +=
        trade_stats.identical_repeats_dropped + card_stats.identical_repeats_dropped;
    stats.windows += trade_stats.windows + card_stats.windows;
    stats.completeness_checks += trade_stats.completeness_checks + card_stats.completeness_checks;
    stats.passes = stats.passes.max(trade_stats.passes).max(card_stats.passes);
    stats.windows_reread += trade_stats.windows_reread + card_stats.windows_reread;
    // One account of every window: the card list's, the trades', then the orders'.
    let orders_checks = std::mem::take(&mut stats.window_checks);
    stats.window_checks = card_stats
        .window_checks
        .into_iter()
        .chain(trade_stats.window_checks)
        .chain(orders_checks)
        .collect();
    stats.update_counters(&http.counters);
    Ok(ProviderFetch {
        files: vec![
            (super::CARDS.into(), cards.lines),
            (super::TRADES.into(), trades.lines),
            (super::ORDERS.into(), orders.lines),
        ],
        stats,
    })
}

/// cardapp's own keys of `[providers.<instance>]`, besides the common ones the configuration
/// reads (base URL, page size, rate, timeout, account currency, wire timezone).
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKeys {
    customer_id: Option<i64>,
    app_id: Option<i64>,
    key: Option<Secret>,
    /// The `{version}` path segment (default `v1`).
    version: Option<String>,
}

/// What cardapp's API needs besides the common connection settings. Secrets print as `***`.
#[derive(Debug)]
pub struct Credentials {
    pub customer_id: i64,
    pub app_id: i64,
    pub key: Secret,
    pub version: String,
}

pub(super) fn connect(
    table: &ApiTable,
    place: &Place<'_>,
) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        key: place.required(&k.key, "key")?,
        customer_id: place.present(k.customer_id, "customer_id")?,
        app_id: place.present(k.app_id, "app_id")?,
        version: k.version.unwrap_or_else(|| "v1".into()),
    }))
}
