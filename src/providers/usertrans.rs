//! Third-party transaction API (`usertrans`): bearer token from `/thirdPartyLogin`.
//!
//! The document lists `GET /userTrans` (filters `page` from 1, `page_num`, `trans_type`,
//! `card_binding_id`, `start_date`/`end_date`) and the detail look-ups, but not the record's
//! shape ("transaction record detail"). Designed here, in the document's own naming:
//!
//! `data: {total, page, page_num, list: [record]}`, record:
//! `trans_id` (integer, what `/getRecordDetail` takes), `transaction_id` (string, what
//! `/userTransRecord` takes, e.g. `tx_123456`), `order_id` (the third-party order id, e.g.
//! `open_card_12345_39_abc123`), `trans_type` (`recharge`, `payment`, `open_card`),
//! `card_binding_id`, `card_no` (masked or not), `amount` and `fee` (decimal strings),
//! `currency`, `status`, `created_at` (Unix seconds: the document accepts timestamps for its
//! date filters), `description`.
//!
//! - `tx_id` is `trans_id` as text; `order_id` is `order_id`.
//! - `trans_type`: recharge → recharge, payment → consumption, open_card → open_card,
//!   refund → refund; anything else → other.
//! - `status` (case-insensitive): success/completed → success; pending/processing → pending;
//!   failed → failed; cancelled/reversed/refunded → reversed; else unknown.

use serde::Deserialize;

use super::{currency, unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::spec::{self, ApiTable, Limits, PageShape, Place, Spec};
use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
pub struct UserTrans {
    pub trans_id: WireText,
    #[serde(default)]
    pub transaction_id: Option<WireText>,
    #[serde(default)]
    pub order_id: Option<WireText>,
    pub trans_type: String,
    #[serde(default)]
    pub card_binding_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default)]
    pub description: Option<String>,
}

pub fn kind_of(raw: &str) -> Kind {
    match raw.trim().to_ascii_lowercase().as_str() {
        "recharge" => Kind::Recharge,
        "payment" => Kind::Consumption,
        "open_card" => Kind::OpenCard,
        "refund" => Kind::Refund,
        _ => Kind::Other,
    }
}

pub fn status_of(raw: &str) -> Status {
    match raw.trim().to_ascii_lowercase().as_str() {
        "success" | "completed" => Status::Success,
        "pending" | "processing" => Status::Pending,
        "failed" => Status::Failed,
        "cancelled" | "reversed" | "refunded" => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: UserTrans = super::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

pub fn to_canonical(
    instance: &str,
    r: &UserTrans,
    source: String,
    _options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let amount = r.amount.decimal("amount")?;
    if amount.is_sign_negative() {
        return Err(FieldError::new(
            "amount",
            format!("`{}` is negative; amounts are magnitudes", r.amount.0),
        ));
    }
    let cur = currency(Some(&r.currency), "currency")?;
    let fee = WireMoney::optional(&r.fee, "fee")?;
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: kind_of(&r.trans_type),
        tx_id: r.trans_id.required("trans_id")?,
        order_id: WireText::optional(&r.order_id),
        related_tx_id: None,
        card_ref: WireText::optional(&r.card_binding_id),
        card_masked: non_empty(r.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| cur.clone()),
        currency: cur,
        original_amount: None,
        original_currency: None,
        fee,
        status: status_of(&r.status),
        status_raw: r.status.clone(),
        occurred_at: unix_instant(r.created_at, false, "created_at")?,
        description: non_empty(r.description.as_deref()),
        source,
        rounded_floats: Vec::new(),
    })
}

// ---- the spec: limits, page shape, credentials, fetch ----------------------------------------

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

fn connect(table: &ApiTable, place: &Place<'_>) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        app_key: place.required(&k.app_key, "app_key")?,
        app_secret: place.required(&k.app_secret, "app_secret")?,
    }))
}

fn parse_any(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<Option<ProviderRecord>, FieldError> {
    parse(instance, json, source, options).map(Some)
}

fn fetch_job(
    job: spec::FetchJob<'_>,
) -> futures::future::LocalBoxFuture<'_, crate::error::Result<super::output::ProviderFetch>> {
    Box::pin(api::fetch(
        job.instance,
        job.connection,
        job.from,
        job.to,
        job.archive,
        job.progress,
    ))
}

/// usertrans as the rest of cardrecon sees it.
pub static SPEC: Spec = Spec {
    name: "usertrans",
    limits: Limits {
        first_page: 1,
        min_page_size: 1,
        max_page_size: 100,
        default_page_size: 100,
        max_window_days: api::WINDOW_DAYS,
    },
    page: PageShape {
        list: "/data/list",
        total: Some("/data/total"),
    },
    parse: parse_any,
    connect,
    fetch: fetch_job,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn p(json: &str) -> Result<ProviderRecord, FieldError> {
        parse("usertrans", json, "f:1".into(), &AdapterOptions::default())
    }

    #[test]
    fn record_with_the_documents_example_ids() {
        let r = p(r#"{"trans_id": 12345, "transaction_id": "tx_123456", "order_id": "open_card_12345_39_abc123", "trans_type": "open_card",
            "card_binding_id": 12345, "amount": "10.00", "currency": "usd", "fee": "1.50", "status": "success", "created_at": 1727740800}"#)
        .unwrap();
        assert_eq!(
            (r.tx_id.as_str(), r.order_id.as_deref(), r.kind),
            ("12345", Some("open_card_12345_39_abc123"), Kind::OpenCard)
        );
        assert_eq!(
            (r.currency.as_str(), r.fee.unwrap().to_string()),
            ("USD", "1.50".into())
        );
        assert_eq!(r.occurred_at.to_rfc3339(), "2024-10-01T00:00:00+00:00");
    }

    #[test]
    fn statuses_and_malformed() {
        let s = |st: &str| {
            p(&format!(r#"{{"trans_id": 1, "trans_type": "payment", "amount": "1", "currency": "USD", "status": "{st}", "created_at": 1727740800}}"#)).unwrap().status
        };
        assert_eq!(s("Completed"), Status::Success);
        assert_eq!(s("processing"), Status::Pending);
        assert_eq!(s("failed"), Status::Failed);
        assert_eq!(s("refunded"), Status::Reversed);
        assert_eq!(s("??"), Status::Unknown);
        let e = p(r#"{"trans_id": 1, "trans_type": "payment", "amount": "1", "currency": "USD", "status": "success"}"#).unwrap_err();
        assert_eq!(e.field, "created_at");
        let e = p(r#"{"trans_id": null, "trans_type": "payment", "amount": "1", "currency": "USD", "status": "success", "created_at": 1727740800}"#).unwrap_err();
        assert_eq!(e.field, "trans_id");
    }
}

// ---- fetching ------------------------------------------------------------------------------
//
// `POST {base}/thirdPartyLogin` with `{"app_key", "app_secret"}` gives the bearer `userToken`;
// a 401 logs in again. `GET /userTrans` by windows of at most 31 days, `start_date`/`end_date`
// as Unix seconds (the document accepts timestamps, which avoids the unstated day zone), pages
// from 1; `data.total` is checked.

pub mod api {
    use std::sync::atomic::Ordering;

    use chrono::{DateTime, Duration, Utc};
    use tokio::sync::Mutex;

    use super::Credentials;
    use crate::error::{Error, Result};
    use crate::providers::fetch::{
        archived, fetch_windows, page_of, split, PageSource, Window, WindowFetch,
    };
    use crate::providers::http::{Archive, Http};
    use crate::providers::output::{Progress, ProviderFetch};
    use crate::providers::spec::Connection;

    pub const WINDOW_DAYS: i64 = 31;

    pub async fn fetch(
        name: &str,
        conn: &Connection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        archive: &Archive,
        progress: &Progress,
    ) -> Result<ProviderFetch> {
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
                for _ in 0..4 {
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
                            })
                        }
                    }
                }
                Err(Error::Fetch {
                    provider: name.into(),
                    what: what.clone(),
                    message: "the userToken kept expiring".into(),
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
            files: vec![("trans".into(), set.lines)],
            stats,
        })
    }
}
