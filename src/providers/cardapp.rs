//! Card app API (`cardapp`): body credentials (`customer_id`, `app_id`, `key`), `page_no` from 1.
//!
//! The document shows only the card list (`POST /{version}/openApi/card/cardList`); the card
//! trade list and the order list are named in its navigation without pages. Their shapes are
//! designed here in the document's own style (snake_case, money as JSON floats like `balance`,
//! datetimes as `YYYY-MM-DD HH:MM:SS` strings like `use_at`), and the sandbox serves the same:
//!
//! **Card trade** (`POST /{version}/openApi/card/tradeList`, `data.trade_list[]`):
//! `trade_id, card_id, card_no, trade_type, trade_result, amount, currency, trade_amount,
//! trade_currency, fee, merchant_name, mcc, relate_trade_id, trade_at`.
//! - Card Trade Type: 1 consumption, 2 refund, 3 fee; anything else → other.
//! - Card Trade Result: 1 success, 2 failed, 3 processing (pending), 4 reversed; else unknown.
//! - `amount`/`currency` is what hit the card; `trade_amount`/`trade_currency` the merchant's.
//!
//! **Order** (`POST /{version}/openApi/order/orderList`, `data.order_list[]`):
//! `order_no, merchant_order_no, order_type, order_status, card_id, card_no, amount, currency,
//! fee, fee_currency, created_at, finished_at`.
//! - Order Type: 1 open card, 2 recharge, 3 card closure (balance returned); else other.
//! - Order Status: 1 pending, 2 processing (pending), 3 success, 4 failed, 5 cancelled
//!   (reversed); else unknown.
//! - `occurred_at` is `finished_at`, or `created_at` while the order is not finished.
//! - `merchant_order_no` (our own order id) is the canonical `order_id`.
//!
//! **Card** (card list entries, as documented): valid lines but not money movements, so they
//! produce no record. `cvv` and `pin` have no field in any struct here: they are dropped on read.
//!
//! A line is a trade when it has `trade_id`, an order when it has `order_no`, else a card.
//! Datetimes carry no offset: they are read in `wire_timezone` (default `Asia/Shanghai`, the
//! UTC+8 the other providers default to; override in `[providers.cardapp]`).

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{currency, wall_clock_instant, AdapterOptions, FieldError, WireMoney, WireText};
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::spec::{self, ApiTable, Limits, PageShape, Place, Spec};
use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
pub struct CardTrade {
    pub trade_id: WireText,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub trade_type: i64,
    pub trade_result: i64,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub trade_amount: Option<WireMoney>,
    #[serde(default)]
    pub trade_currency: Option<String>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub mcc: Option<WireText>,
    #[serde(default)]
    pub relate_trade_id: Option<WireText>,
    pub trade_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub order_no: WireText,
    #[serde(default)]
    pub merchant_order_no: Option<WireText>,
    pub order_type: i64,
    pub order_status: i64,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_currency: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// A card-list entry, as documented. `cvv`/`pin` are deliberately absent.
#[derive(Debug, Clone, Deserialize)]
pub struct Card {
    pub card_id: WireText,
    #[serde(default)]
    pub card_no: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub balance: Option<WireMoney>,
    #[serde(default)]
    pub limit: Option<WireMoney>,
    #[serde(default)]
    pub expiry: Option<String>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    trade_id: Option<IgnoredAny>,
    #[serde(default)]
    order_no: Option<IgnoredAny>,
}

pub fn trade_kind(code: i64) -> Kind {
    match code {
        1 => Kind::Consumption,
        2 => Kind::Refund,
        3 => Kind::Fee,
        _ => Kind::Other,
    }
}

pub fn trade_status(code: i64) -> Status {
    match code {
        1 => Status::Success,
        2 => Status::Failed,
        3 => Status::Pending,
        4 => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn order_kind(code: i64) -> Kind {
    match code {
        1 => Kind::OpenCard,
        2 => Kind::Recharge,
        3 => Kind::CardClosure,
        _ => Kind::Other,
    }
}

pub fn order_status(code: i64) -> Status {
    match code {
        1 | 2 => Status::Pending,
        3 => Status::Success,
        4 => Status::Failed,
        5 => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<Option<ProviderRecord>, FieldError> {
    let probe: Probe = super::from_json(json)?;
    if probe.trade_id.is_some() {
        let t: CardTrade = super::from_json(json)?;
        trade_to_canonical(instance, &t, source, options).map(Some)
    } else if probe.order_no.is_some() {
        let o: Order = super::from_json(json)?;
        order_to_canonical(instance, &o, source, options).map(Some)
    } else {
        // Validate the card entry's shape, then drop it (and its cvv/pin) entirely.
        let _card: Card = super::from_json(json)?;
        Ok(None)
    }
}

/// A money field of cardapp's, which its document declares a float: read by
/// [`WireMoney::float`], and refused when negative.
fn magnitude(
    m: &WireMoney,
    field: &str,
    currency: &str,
    rounded: &mut Vec<String>,
) -> Result<rust_decimal::Decimal, FieldError> {
    let d = m.float(field, currency, rounded)?;
    if d.is_sign_negative() {
        return Err(FieldError::new(
            field,
            format!("`{}` is negative; amounts are magnitudes", m.0),
        ));
    }
    Ok(d)
}

pub fn trade_to_canonical(
    instance: &str,
    t: &CardTrade,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let mut rounded = Vec::new();
    let cur = currency(Some(&t.currency), "currency")?;
    let amount = magnitude(&t.amount, "amount", &cur, &mut rounded)?;
    let fee = WireMoney::optional_float(&t.fee, "fee", &cur, &mut rounded)?;
    let original_currency =
        non_empty(t.trade_currency.as_deref()).map(|c| crate::money::currency_code(&c));
    let original_amount = WireMoney::optional_float(
        &t.trade_amount,
        "trade_amount",
        original_currency.as_deref().unwrap_or(&cur),
        &mut rounded,
    )?;
    let (original_amount, original_currency) = match (original_amount, original_currency) {
        (Some(a), Some(c)) if !(a == amount && c == cur) => (Some(a), Some(c)),
        _ => (None, None),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: trade_kind(t.trade_type),
        tx_id: t.trade_id.required("trade_id")?,
        order_id: None,
        related_tx_id: WireText::optional(&t.relate_trade_id),
        card_ref: WireText::optional(&t.card_id),
        card_masked: non_empty(t.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| cur.clone()),
        currency: cur,
        original_amount,
        original_currency,
        fee,
        status: trade_status(t.trade_result),
        status_raw: t.trade_result.to_string(),
        occurred_at: wall_clock_instant(&t.trade_at, options.wire_timezone, "trade_at")?,
        description: non_empty(t.merchant_name.as_deref()),
        source,
        rounded_floats: rounded,
    })
}

pub fn order_to_canonical(
    instance: &str,
    o: &Order,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let mut rounded = Vec::new();
    let cur = currency(Some(&o.currency), "currency")?;
    let amount = magnitude(&o.amount, "amount", &cur, &mut rounded)?;
    let fee_currency = non_empty(o.fee_currency.as_deref())
        .map(|c| crate::money::currency_code(&c))
        .unwrap_or_else(|| cur.clone());
    let fee = WireMoney::optional_float(&o.fee, "fee", &fee_currency, &mut rounded)?;
    let (when, field) = match non_empty(o.finished_at.as_deref()) {
        Some(f) => (f, "finished_at"),
        None => (o.created_at.clone(), "created_at"),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: order_kind(o.order_type),
        tx_id: o.order_no.required("order_no")?,
        order_id: WireText::optional(&o.merchant_order_no),
        related_tx_id: None,
        card_ref: WireText::optional(&o.card_id),
        card_masked: non_empty(o.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| fee_currency),
        currency: cur,
        original_amount: None,
        original_currency: None,
        fee,
        status: order_status(o.order_status),
        status_raw: o.order_status.to_string(),
        occurred_at: wall_clock_instant(&when, options.wire_timezone, field)?,
        description: None,
        source,
        rounded_floats: rounded,
    })
}

// ---- the spec: limits, page shape, credentials, fetch ----------------------------------------

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

fn connect(table: &ApiTable, place: &Place<'_>) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        key: place.required(&k.key, "key")?,
        customer_id: place.present(k.customer_id, "customer_id")?,
        app_id: place.present(k.app_id, "app_id")?,
        version: k.version.unwrap_or_else(|| "v1".into()),
    }))
}

fn parse_any(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<Option<ProviderRecord>, FieldError> {
    parse(instance, json, source, options)
}

fn fetch_job(
    job: spec::FetchJob<'_>,
) -> futures::future::LocalBoxFuture<'_, crate::error::Result<super::output::ProviderFetch>> {
    Box::pin(api::fetch(
        job.instance,
        job.connection,
        job.options.wire_timezone,
        job.from,
        job.to,
        job.archive,
        job.progress,
    ))
}

/// cardapp as the rest of cardrecon sees it.
pub static SPEC: Spec = Spec {
    name: "cardapp",
    limits: Limits {
        first_page: 1,
        min_page_size: 1,
        max_page_size: 100,
        default_page_size: 100,
        max_window_days: api::MAX_WINDOW_DAYS,
    },
    page: PageShape {
        list: "/data/trade_list",
        total: Some("/data/total"),
    },
    parse: parse_any,
    connect,
    fetch: fetch_job,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn p(json: &str) -> Result<Option<ProviderRecord>, FieldError> {
        parse("cardapp", json, "f:1".into(), &AdapterOptions::default())
    }

    #[test]
    fn card_list_example_from_the_document_yields_nothing_and_drops_secrets() {
        let card = r#"{"app_id": 100001, "card_id": "82cc95353d901fbcda9fe1385f68f29a", "bin_id": "cpi_6530de6a2f1c7", "holder_id": "",
            "card_no": "345432552191529", "balance": 200.5, "limit": 440.5, "expiry": "03/28", "cvv": "715", "pin": "",
            "status": 2, "use_at": "2023-11-24 02:53:47", "close_at": "", "end_at": "", "mark": ""}"#;
        assert_eq!(p(card).unwrap(), None);
        let c: Card = crate::providers::from_json(card).unwrap();
        assert!(!format!("{c:?}").contains("715"));
        assert_eq!(
            c.balance.unwrap().decimal("balance").unwrap().to_string(),
            "200.5"
        );
    }

    #[test]
    fn trades_use_float_money_exactly_and_local_time() {
        let r = p(
            r#"{"trade_id": "CT1", "card_id": "c1", "card_no": "4485333916826937", "trade_type": 1, "trade_result": 1,
            "amount": 0.1, "currency": "usd", "trade_amount": 0.09, "trade_currency": "EUR", "fee": 0.30000000000000004,
            "merchant_name": "Café <b>", "trade_at": "2026-03-01 07:59:59"}"#,
        );
        // 0.1 + 0.2 in doubles: read as the 0.30 it stands for, and noted.
        let r = r.unwrap().unwrap();
        assert_eq!(r.fee.map(crate::money::format).as_deref(), Some("0.30"));
        assert_eq!(
            r.rounded_floats,
            vec!["fee `0.30000000000000004` read as 0.30".to_string()]
        );
        // Really finer than a double's error of any amount in cents: refused, naming the field.
        let e = p(
            r#"{"trade_id": "CT1", "card_id": "c1", "trade_type": 1, "trade_result": 1,
            "amount": 10.123456789012, "currency": "usd", "trade_at": "2026-03-01 07:59:59"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "amount");
        assert!(
            e.message.contains("more than 8 decimal places"),
            "{}",
            e.message
        );
        let r = p(r#"{"trade_id": "CT1", "card_id": "c1", "card_no": "4485333916826937", "trade_type": 1, "trade_result": 1,
            "amount": 0.1, "currency": "usd", "trade_amount": 0.09, "trade_currency": "EUR", "fee": 0.3,
            "merchant_name": "Café <b>", "trade_at": "2026-03-01 07:59:59"}"#)
        .unwrap()
        .unwrap();
        assert_eq!(r.amount.to_string(), "0.1");
        assert!(
            r.rounded_floats.is_empty(),
            "exact decimal text is not a rounding"
        );
        assert_eq!(r.card_masked.as_deref(), Some("448533******6937"));
        assert_eq!(r.occurred_at.to_rfc3339(), "2026-02-28T23:59:59+00:00");
        assert_eq!(r.original_currency.as_deref(), Some("EUR"));
    }

    #[test]
    fn orders_take_finished_time_and_merchant_order_id() {
        let r = p(r#"{"order_no": "OD1", "merchant_order_no": "M-77", "order_type": 3, "order_status": 3, "card_id": "c1",
            "amount": 25, "currency": "USD", "fee": 1, "created_at": "2026-03-01 10:00:00", "finished_at": "2026-03-02 10:00:00"}"#)
        .unwrap()
        .unwrap();
        assert_eq!(
            (r.kind, r.status, r.order_id.as_deref()),
            (Kind::CardClosure, Status::Success, Some("M-77"))
        );
        assert_eq!(r.occurred_at.to_rfc3339(), "2026-03-02T02:00:00+00:00");
        let e = p(r#"{"order_no": "OD1", "order_type": 3, "order_status": 3, "amount": 25, "currency": "USD", "created_at": "yesterday"}"#).unwrap_err();
        assert_eq!(e.field, "created_at");
    }
}

// ---- fetching ------------------------------------------------------------------------------
//
// Body credentials on every call. The card list (no time filter) is fetched whole and its
// `cvv`/`pin` stripped before anything is archived; trades and orders by windows of at most 31
// days as wall-clock times in `wire_timezone`, pages from 1; `data.total` is checked.

pub mod api {
    use chrono::{DateTime, Duration, Utc};
    use chrono_tz::Tz;

    use super::Credentials;
    use crate::error::Result;
    use crate::providers::fetch::{
        archived, fetch_windows, page_of, refused, split, PageSource, Window, WindowFetch,
    };
    use crate::providers::http::{Archive, Http};
    use crate::providers::output::{Progress, ProviderFetch};
    use crate::providers::spec::Connection;

    pub const MAX_WINDOW_DAYS: i64 = 31;

    pub async fn fetch(
        name: &str,
        conn: &Connection,
        zone: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        archive: &Archive,
        progress: &Progress,
    ) -> Result<ProviderFetch> {
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
        stats.identical_repeats_dropped += trades.repeats + cards.repeats;
        stats.windows += trade_stats.windows + card_stats.windows;
        stats.completeness_checks +=
            trade_stats.completeness_checks + card_stats.completeness_checks;
        stats.passes = stats.passes.max(trade_stats.passes).max(card_stats.passes);
        stats.windows_reread += trade_stats.windows_reread + card_stats.windows_reread;
        stats.update_counters(&http.counters);
        Ok(ProviderFetch {
            files: vec![
                ("cards".into(), cards.lines),
                ("trades".into(), trades.lines),
                ("orders".into(), orders.lines),
            ],
            stats,
        })
    }
}
