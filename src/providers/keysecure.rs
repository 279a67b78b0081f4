//! KeySecure Open Platform (`keysecure`): card consumption records.
//!
//! Wire shape: the list endpoint's `data.list[]` record (`consume_no, card_no, type, amount,
//! status, time`), optionally carrying the detail endpoint's extra fields (`consume_relate_no,
//! cardholder_no, local_amount, local_currency, fee, fee_list, merchant_info`), so one JSON line
//! may hold either shape.
//!
//! Decisions where the document is silent (each overridable in `[providers.keysecure]`):
//! - `amount` is in the card account's currency, which the record does not carry:
//!   `account_currency`, default `USD`.
//! - `type` (case-insensitive): Consumption → consumption, Refund → refund, Fee → fee,
//!   Recharge → recharge, anything else → other.
//! - `status` (case-insensitive): Success → success, Fail/Failed → failed, Pending/Processing →
//!   pending, Reversed/Revoked → reversed, anything else → unknown (kept in `status_raw`).
//! - `card_no` is the provider's card *order number* (卡单号), not a PAN: it becomes `card_ref`.
//! - `fee` is the detail's `fee`, or the sum of `fee_list[].amount` when only the list is sent.
//! - `time` is Unix milliseconds.

use serde::Deserialize;

use super::{unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use crate::model::{non_empty, Kind, ProviderRecord, Status};
use crate::providers::spec::{self, ApiTable, Limits, PageShape, Place, Spec};
use crate::secret::Secret;

/// One consumption record: the list shape plus the detail endpoint's optional fields.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsumeRecord {
    pub consume_no: WireText,
    #[serde(default)]
    pub consume_relate_no: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<WireText>,
    #[serde(default)]
    pub cardholder_no: Option<WireText>,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: WireMoney,
    #[serde(default)]
    pub local_amount: Option<WireMoney>,
    #[serde(default)]
    pub local_currency: Option<String>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_list: Option<Vec<FeeItem>>,
    #[serde(default)]
    pub merchant_info: Option<MerchantInfo>,
    pub status: String,
    /// Unix milliseconds.
    pub time: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeeItem {
    #[serde(default)]
    pub fee_type: Option<String>,
    pub amount: WireMoney,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct MerchantInfo {
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub merchant_mcc: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

/// The documented gap: KeySecure's `type` constants.
pub fn kind_of(raw: &str) -> Kind {
    match raw.trim().to_ascii_lowercase().as_str() {
        "consumption" => Kind::Consumption,
        "refund" => Kind::Refund,
        "fee" => Kind::Fee,
        "recharge" => Kind::Recharge,
        _ => Kind::Other,
    }
}

/// The documented gap: KeySecure's common status constants.
pub fn status_of(raw: &str) -> Status {
    match raw.trim().to_ascii_lowercase().as_str() {
        "success" => Status::Success,
        "fail" | "failed" => Status::Failed,
        "pending" | "processing" => Status::Pending,
        "reversed" | "revoked" => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: ConsumeRecord = super::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

pub fn to_canonical(
    instance: &str,
    r: &ConsumeRecord,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let amount = r.amount.decimal("amount")?;
    if amount.is_sign_negative() {
        return Err(FieldError::new(
            "amount",
            format!(
                "`{}` is negative; amounts are magnitudes and the sign comes from `type`",
                r.amount.0
            ),
        ));
    }
    let fee = match WireMoney::optional(&r.fee, "fee")? {
        Some(f) => Some(f),
        None => match &r.fee_list {
            Some(list) if !list.is_empty() => {
                let mut sum = rust_decimal::Decimal::ZERO;
                for (i, item) in list.iter().enumerate() {
                    sum += item.amount.decimal(&format!("fee_list[{i}].amount"))?;
                }
                Some(sum)
            }
            _ => None,
        },
    };
    let original_amount = WireMoney::optional(&r.local_amount, "local_amount")?;
    let original_currency =
        non_empty(r.local_currency.as_deref()).map(|c| crate::money::currency_code(&c));
    let merchant = r
        .merchant_info
        .as_ref()
        .and_then(|m| non_empty(m.merchant_name.as_deref()));
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: kind_of(&r.kind),
        tx_id: r.consume_no.required("consume_no")?,
        order_id: None,
        related_tx_id: WireText::optional(&r.consume_relate_no),
        card_ref: WireText::optional(&r.card_no),
        card_masked: None,
        amount,
        currency: options.account_currency.clone(),
        original_amount,
        original_currency,
        fee_currency: fee.map(|_| options.account_currency.clone()),
        fee,
        status: status_of(&r.status),
        status_raw: r.status.clone(),
        occurred_at: unix_instant(r.time, true, "time")?,
        description: merchant,
        source,
        rounded_floats: Vec::new(),
    })
}

// ---- the spec: limits, page shape, credentials, fetch ----------------------------------------

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

fn connect(table: &ApiTable, place: &Place<'_>) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        api_key: place.required(&k.api_key, "api_key")?,
        api_secret: place.required(&k.api_secret, "api_secret")?,
        fetch_details: k.fetch_details.unwrap_or(true),
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

/// keysecure as the rest of cardrecon sees it.
pub static SPEC: Spec = Spec {
    name: "keysecure",
    limits: Limits {
        first_page: 0,
        min_page_size: 1,
        max_page_size: 100,
        default_page_size: 100,
        max_window_days: api::MAX_WINDOW,
    },
    page: PageShape {
        list: "/data/list",
        total: None,
    },
    parse: parse_any,
    connect,
    fetch: fetch_job,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> AdapterOptions {
        AdapterOptions::default()
    }

    #[test]
    fn list_example_from_the_document() {
        // The list example's record, with the empty ids filled in (an id is required).
        let json = r#"{"consume_no": "C1", "card_no": "", "type": "Consumption", "amount": "100.00", "status": "Success", "time": 1716307200000}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.kind, Kind::Consumption);
        assert_eq!(r.status, Status::Success);
        assert_eq!(r.amount.to_string(), "100.00");
        assert_eq!(r.currency, "USD");
        assert_eq!(r.occurred_at.to_rfc3339(), "2024-05-21T16:00:00+00:00");
        assert_eq!(r.card_ref, None);
    }

    #[test]
    fn detail_example_from_the_document() {
        let json = r#"{"consume_no": "CONSUME202605220001", "card_no": "", "type": "Consumption", "amount": "100.00",
            "local_currency": "USD", "fee": "1.00", "status": "Success", "time": 1716307200000}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.fee.unwrap().to_string(), "1.00");
        assert_eq!(r.fee_currency.as_deref(), Some("USD"));
        assert_eq!(r.original_currency.as_deref(), Some("USD"));
    }

    #[test]
    fn fee_list_is_summed_and_refund_links() {
        let json = r#"{"consume_no": "R1", "consume_relate_no": "C1", "type": "REFUND", "amount": "5", "status": "revoked",
            "time": 1716307200000, "fee_list": [{"fee_type": "fx", "amount": "0.10"}, {"fee_type": "cross", "amount": "0.25"}],
            "merchant_info": {"merchant_name": "=HYPERLINK(\"x\")"}}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.kind, Kind::Refund);
        assert_eq!(r.status, Status::Reversed);
        assert_eq!(r.fee.unwrap().to_string(), "0.35");
        assert_eq!(r.related_tx_id.as_deref(), Some("C1"));
        assert_eq!(r.description.as_deref(), Some("=HYPERLINK(\"x\")"));
    }

    #[test]
    fn malformed_records_name_the_field() {
        let cases = [
            (
                r#"{"consume_no": "C1", "type": "Consumption", "amount": "1O0.00", "status": "Success", "time": 1716307200000}"#,
                "amount",
            ),
            (
                r#"{"consume_no": "C1", "type": "Consumption", "status": "Success", "time": 1716307200000}"#,
                "amount",
            ),
            (
                r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": "yesterday"}"#,
                "time",
            ),
            (
                r#"{"consume_no": "", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200000}"#,
                "consume_no",
            ),
            (
                r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200}"#,
                "time",
            ),
            (
                r#"{"consume_no": "C1", "type": "Consumption", "amount": "-1", "status": "Success", "time": 1716307200000}"#,
                "amount",
            ),
            (
                r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200000, "fee_list": [{"amount": true}]}"#,
                "fee_list[0].amount",
            ),
        ];
        for (json, field) in cases {
            let e = parse("keysecure", json, "f:1".into(), &opts()).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e:?}");
        }
    }
}

// ---- fetching ------------------------------------------------------------------------------
//
// Token: `POST {base}/open-api/v1/auth/token` with `Api-Key`, `Timestamp` and `{"api_secret"}`;
// refreshed when a call answers 40102. `Timestamp` is sent one second behind the local clock,
// so a server clock slightly behind ours never sees a future timestamp. Windows are at most 90
// days, expressed in `Timezone: UTC+0` as `yyyy-MM-dd HH:mm:ss` (end inclusive to the second).

pub mod api {
    use std::sync::atomic::Ordering;

    use chrono::{DateTime, Duration, Utc};
    use futures::{StreamExt, TryStreamExt};
    use tokio::sync::Mutex;

    use super::Credentials;
    use crate::error::{Error, Result};
    use crate::providers::fetch::{
        archived, fetch_windows, page_of, split, PageSource, Window, WindowFetch,
    };
    use crate::providers::http::{Archive, Http};
    use crate::providers::output::{Progress, ProviderFetch};
    use crate::providers::spec::Connection;

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
            }
        }

        /// A call with token refresh on 40102.
        async fn call(
            &self,
            what: &str,
            make: impl Fn(&str) -> reqwest::RequestBuilder,
        ) -> Result<serde_json::Value> {
            let mut expired: Option<String> = None;
            for _ in 0..4 {
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
            })
        }
    }

    pub async fn fetch(
        name: &str,
        conn: &Connection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        archive: &Archive,
        progress: &Progress,
    ) -> Result<ProviderFetch> {
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
            let mut details: Vec<(usize, String)> =
                futures::stream::iter(lines.iter().cloned().enumerate())
                    .map(|(i, line)| async move {
                        let v: serde_json::Value =
                            serde_json::from_str(&line).map_err(|e| Error::Fetch {
                                provider: name.into(),
                                what: "archived record".into(),
                                message: e.to_string(),
                            })?;
                        let Some(id) = v
                            .get("consume_no")
                            .and_then(|c| c.as_str())
                            .map(str::to_string)
                        else {
                            return Ok::<_, Error>((i, line));
                        };
                        let url = format!("{}/open-api/v1/card/consume/{}/info", conn.base_url, id);
                        let key = format!("detail/{}", id.replace(['/', '\\', '.'], "_"));
                        let answer = archived(
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
                                        Ok(serde_json::json!({"code": 0, "data": v}))
                                    }
                                    Err(e) => Err(e),
                                }
                            },
                        )
                        .await?;
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
                        Ok((i, data.to_string()))
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
            files: vec![("consume".into(), lines)],
            stats,
        })
    }
}
