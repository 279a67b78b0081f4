//! "v3 open API" card transactions (`txv3`): `POST /v3/openapi/card/transactions`.
//!
//! Wire shape: one `data.records[]` record. Each `business_type` has its own fields; they are
//! all optional here and the ones a type needs are checked when it is converted. Unknown fields
//! are ignored, as the document asks. Amounts are decimal strings with 8 places, but a JSON
//! number is accepted too (the fee example sends `service_fee_standard` as one).
//!
//! Settled amount per `business_type` (the card/wallet side of the movement):
//!
//! | type | kind | amount / currency | original | fee |
//! |---|---|---|---|---|
//! | 1 | consumption | `deduction_amount`/`deduction_currency` | `tx_amount`/`tx_currency` | `fee` (deduction currency) |
//! | 2 | recharge | `currency_amount`/`card_coin` | `tx_amount`/`pay_coin` | `recharge_fee_amount` (USDT, as documented) |
//! | 3 | withdrawal | `trade_amount`/`trade_currency` | `tx_amount`/`tx_currency` | `bank_fee` (trade currency) |
//! | 8 | refund | `refund_amount`/`refund_coin` | `tx_amount`/`tx_currency` | — |
//! | 10 | fee | `tx_amount` in the account currency (config, default USD) | — | — ; `related_tx_id` = `consume_tx_id` |
//! | 101 | buy_coin | `tx_amount`/`pay_coin` | `buy_amount`/`buy_coin` | `fee`/`fee_coin` |
//! | 102 | card_closure | `refund_amount`/`refund_coin` | `tx_amount`/`card_coin` | `fee`/`fee_coin` |
//!
//! `tx_status` (not documented): 1 success, 0 pending, 2 failed, 3 reversed, else unknown.
//! `tx_time` is Unix seconds. Currency codes are upper-cased (`"eur"` → `EUR`); implausible ones
//! such as the example's `"jp"` are kept and reported as a data-quality note.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{currency, unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::spec::{self, ApiTable, Limits, PageShape, Place, Spec};
use crate::secret::Secret;

/// One transaction record of any `business_type`.
#[derive(Debug, Clone, Deserialize)]
pub struct TxRecord {
    pub business_type: i64,
    pub tx_id: WireText,
    pub tx_time: i64,
    pub tx_status: i64,
    #[serde(default)]
    pub card_name: Option<String>,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tx_currency: Option<String>,
    #[serde(default)]
    pub tx_amount: Option<WireMoney>,
    #[serde(default)]
    pub deduction_currency: Option<String>,
    #[serde(default)]
    pub deduction_amount: Option<WireMoney>,
    #[serde(default)]
    pub mcc: Option<WireText>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_coin: Option<String>,
    #[serde(default)]
    pub pay_coin: Option<String>,
    #[serde(default)]
    pub card_coin: Option<String>,
    #[serde(default)]
    pub currency_amount: Option<WireMoney>,
    #[serde(default)]
    pub real_currency_amount: Option<WireMoney>,
    #[serde(default)]
    pub recharge_fee_amount: Option<WireMoney>,
    #[serde(default)]
    pub real_refund_amount: Option<WireMoney>,
    #[serde(default)]
    pub trade_currency: Option<String>,
    #[serde(default)]
    pub trade_amount: Option<WireMoney>,
    #[serde(default)]
    pub bank_fee: Option<WireMoney>,
    #[serde(default)]
    pub refund_coin: Option<String>,
    #[serde(default)]
    pub refund_amount: Option<WireMoney>,
    #[serde(default)]
    pub service_fee_status: Option<String>,
    #[serde(default)]
    pub consume_tx_id: Option<WireText>,
    #[serde(default)]
    pub bill_cycle: Option<String>,
    #[serde(default)]
    pub bill_total: Option<i64>,
    #[serde(default)]
    pub fail_num: Option<i64>,
    #[serde(default)]
    pub service_fee_standard: Option<WireMoney>,
    #[serde(default)]
    pub fail_rate: Option<String>,
    #[serde(default)]
    pub buy_coin: Option<String>,
    #[serde(default)]
    pub buy_amount: Option<WireMoney>,
}

/// The documented gap: what `tx_status` values mean.
pub fn status_of(code: i64) -> Status {
    match code {
        1 => Status::Success,
        0 => Status::Pending,
        2 => Status::Failed,
        3 => Status::Reversed,
        _ => Status::Unknown,
    }
}

/// `business_type` → kind; the API's own list of types.
pub fn kind_of(business_type: i64) -> Option<Kind> {
    Some(match business_type {
        1 => Kind::Consumption,
        2 => Kind::Recharge,
        3 => Kind::Withdrawal,
        8 => Kind::Refund,
        10 => Kind::Fee,
        101 => Kind::BuyCoin,
        102 => Kind::CardClosure,
        _ => return None,
    })
}

/// The business types the API can be asked for, one query each.
pub const BUSINESS_TYPES: [i64; 7] = [1, 2, 3, 8, 10, 101, 102];

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: TxRecord = super::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

fn required(m: &Option<WireMoney>, field: &str) -> Result<Decimal, FieldError> {
    match m {
        Some(m) => m.decimal(field),
        None => Err(FieldError::new(
            field,
            "is missing; this business_type needs it",
        )),
    }
}

fn cur(c: &Option<String>) -> Option<String> {
    non_empty(c.as_deref()).map(|c| crate::money::currency_code(&c))
}

/// The wire field of the settled amount for a business type (the table in the module docs).
fn settled_field(business_type: i64) -> &'static str {
    match business_type {
        1 => "deduction_amount",
        2 => "currency_amount",
        3 => "trade_amount",
        8 | 102 => "refund_amount",
        _ => "tx_amount",
    }
}

pub fn to_canonical(
    instance: &str,
    r: &TxRecord,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let kind = kind_of(r.business_type).ok_or_else(|| {
        FieldError::new(
            "business_type",
            format!("{} is not one of 1, 2, 3, 8, 10, 101, 102", r.business_type),
        )
    })?;
    let opt = WireMoney::optional;
    // (amount, currency, original amount, original currency, fee, fee currency, related id)
    let (amount, currency_code, original_amount, original_currency, fee, fee_currency, related) =
        match r.business_type {
            1 => {
                let cur_d = currency(r.deduction_currency.as_deref(), "deduction_currency")?;
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.deduction_amount, "deduction_amount")?,
                    cur_d.clone(),
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.tx_currency),
                    fee,
                    fee.map(|_| cur_d),
                    None,
                )
            }
            2 => {
                let fee = opt(&r.recharge_fee_amount, "recharge_fee_amount")?;
                (
                    required(&r.currency_amount, "currency_amount")?,
                    currency(r.card_coin.as_deref(), "card_coin")?,
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.pay_coin),
                    fee,
                    fee.map(|_| "USDT".to_string()),
                    None,
                )
            }
            3 => {
                let cur_t = currency(r.trade_currency.as_deref(), "trade_currency")?;
                let fee = opt(&r.bank_fee, "bank_fee")?;
                (
                    required(&r.trade_amount, "trade_amount")?,
                    cur_t.clone(),
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.tx_currency),
                    fee,
                    fee.map(|_| cur_t),
                    None,
                )
            }
            8 => (
                required(&r.refund_amount, "refund_amount")?,
                currency(r.refund_coin.as_deref(), "refund_coin")?,
                opt(&r.tx_amount, "tx_amount")?,
                cur(&r.tx_currency),
                None,
                None,
                None,
            ),
            10 => (
                required(&r.tx_amount, "tx_amount")?,
                options.account_currency.clone(),
                None,
                None,
                None,
                None,
                WireText::optional(&r.consume_tx_id),
            ),
            101 => {
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.tx_amount, "tx_amount")?,
                    currency(r.pay_coin.as_deref(), "pay_coin")?,
                    opt(&r.buy_amount, "buy_amount")?,
                    cur(&r.buy_coin),
                    fee,
                    fee.and(cur(&r.fee_coin)),
                    None,
                )
            }
            _ => {
                // 102, card closure: the balance refunded to the wallet.
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.refund_amount, "refund_amount")?,
                    currency(r.refund_coin.as_deref(), "refund_coin")?,
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.card_coin),
                    fee,
                    fee.and(cur(&r.fee_coin)),
                    None,
                )
            }
        };
    for (value, field) in [
        (Some(amount), settled_field(r.business_type)),
        (original_amount, "tx_amount"),
        (fee, "fee"),
    ] {
        if let Some(v) = value.filter(|v| v.is_sign_negative()) {
            return Err(FieldError::new(
                field,
                format!(
                    "{v} is negative; amounts are magnitudes and the sign comes from business_type"
                ),
            ));
        }
    }
    // The original is only worth keeping where it differs from the settled side.
    let (original_amount, original_currency) = match (original_amount, original_currency) {
        (Some(a), Some(c)) if !(a == amount && c == currency_code) => (Some(a), Some(c)),
        _ => (None, None),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind,
        tx_id: r.tx_id.required("tx_id")?,
        order_id: None,
        related_tx_id: related,
        card_ref: WireText::optional(&r.card_id),
        card_masked: non_empty(r.card_number.as_deref()).map(|c| mask_card(&c)),
        amount,
        currency: currency_code,
        original_amount,
        original_currency,
        fee,
        fee_currency,
        status: status_of(r.tx_status),
        status_raw: r.tx_status.to_string(),
        occurred_at: unix_instant(r.tx_time, false, "tx_time")?,
        description: non_empty(r.description.as_deref()),
        source,
        rounded_floats: Vec::new(),
    })
}

// ---- the spec: limits, page shape, credentials, fetch ----------------------------------------

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

fn connect(table: &ApiTable, place: &Place<'_>) -> crate::error::Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        api_key: place.required(&k.api_key, "api_key")?,
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

/// txv3 as the rest of cardrecon sees it.
pub static SPEC: Spec = Spec {
    name: "txv3",
    limits: Limits {
        first_page: 1,
        min_page_size: 10,
        max_page_size: 200,
        default_page_size: 200,
        max_window_days: api::MAX_WINDOW_DAYS,
    },
    page: PageShape {
        list: "/data/records",
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
        parse("txv3", json, "f:1".into(), &AdapterOptions::default())
    }

    #[test]
    fn consumption_example_from_the_document() {
        let r = p(r#"{"card_name": "快速美元虚拟卡", "card_id": "6283158889900017277", "card_number": "296068******7277",
            "business_type": 1, "tx_currency": "jp", "tx_amount": "10.00000000", "deduction_currency": "eur",
            "deduction_amount": "10.00000000", "mcc": "123455", "tx_time": 1702869308,
            "tx_id": "2023101610280651702869308", "tx_status": 1, "description": "test"}"#)
        .unwrap();
        assert_eq!((r.kind, r.status), (Kind::Consumption, Status::Success));
        assert_eq!(
            (r.amount.to_string().as_str(), r.currency.as_str()),
            ("10.00000000", "EUR")
        );
        assert_eq!(r.original_currency.as_deref(), Some("JP"));
        assert_eq!(r.card_masked.as_deref(), Some("296068******7277"));
        assert_eq!(r.card_ref.as_deref(), Some("6283158889900017277"));
        assert_eq!(r.occurred_at.to_rfc3339(), "2023-12-18T03:15:08+00:00");
    }

    #[test]
    fn every_business_type_example_from_the_document() {
        let recharge = p(r#"{"card_name": "USD virtual card(PH)", "card_id": "6283158889900017277", "card_number": "296068******7277",
            "business_type": 2, "pay_coin": "usdt", "tx_amount": "102.99569182", "card_coin": "usd", "currency_amount": "100.00",
            "real_currency_amount": "0.00", "recharge_fee_amount": "102.99569182", "real_refund_amount": "0",
            "tx_id": "202302211407281434986653", "tx_time": 1670402628, "tx_status": 1, "description": ""}"#)
        .unwrap();
        assert_eq!(
            (
                recharge.kind,
                recharge.amount.to_string(),
                recharge.currency.as_str()
            ),
            (Kind::Recharge, "100.00".into(), "USD")
        );
        assert_eq!(recharge.fee_currency.as_deref(), Some("USDT"));
        assert_eq!(
            recharge.original_amount.unwrap().to_string(),
            "102.99569182"
        );

        let withdrawal = p(r#"{"card_name": "美元虚拟卡(PH222-522981)", "card_id": "6283158889900017277", "card_number": "296068******7277",
            "business_type": 3, "tx_currency": "usd", "tx_amount": "10.00000000", "trade_currency": "usd", "trade_amount": "10.00000000",
            "bank_fee": "1.00000000", "tx_time": 1701325500, "tx_id": "2023101610280651701325500", "tx_status": 1, "description": "test"}"#)
        .unwrap();
        assert_eq!(
            (withdrawal.kind, withdrawal.fee.unwrap().to_string()),
            (Kind::Withdrawal, "1.00000000".into())
        );
        assert_eq!(
            withdrawal.original_amount, None,
            "same as settled: not kept"
        );

        let refund = p(r#"{"card_name": "快速美元虚拟卡", "card_id": "6283158889900017277", "card_number": "296068******7277",
            "business_type": 8, "tx_currency": "jp", "tx_amount": "0.00000000", "refund_coin": "eur", "refund_amount": "0.00000000",
            "tx_time": 1702869346, "tx_id": "2023101610280651702869346", "tx_status": 1, "description": "test"}"#)
        .unwrap();
        assert_eq!(
            (refund.kind, refund.currency.as_str()),
            (Kind::Refund, "EUR")
        );

        let fee = p(r#"{"card_name": "快速美元虚拟卡", "card_id": "", "card_number": "125948******1547", "business_type": 10,
            "tx_amount": "0.20000000", "service_fee_status": "已支付", "consume_tx_id": "2023101610280651702869305",
            "bill_cycle": "2023-12-01", "bill_total": 1, "fail_num": 0, "service_fee_standard": 0.20000000, "fail_rate": "--",
            "tx_time": 1702870125, "tx_id": "202312181128584149101261800879", "tx_status": 1, "description": "消费服务费"}"#)
        .unwrap();
        assert_eq!(
            (fee.kind, fee.amount.to_string(), fee.currency.as_str()),
            (Kind::Fee, "0.20000000".into(), "USD")
        );
        assert_eq!(
            fee.related_tx_id.as_deref(),
            Some("2023101610280651702869305")
        );
        assert_eq!(fee.card_ref, None);

        let buy = p(r#"{"card_name": "快速美元虚拟卡", "card_id": "6283158889900017277", "card_number": "296068******7277",
            "business_type": 101, "pay_coin": "usd", "tx_amount": "188.00000000", "buy_coin": "usdt", "buy_amount": "182.63395093",
            "fee_coin": "usd", "fee": "5.64847271", "tx_time": 1683861617, "tx_id": "202305121120170304999554", "tx_status": 1}"#)
        .unwrap();
        assert_eq!(
            (
                buy.kind,
                buy.amount.to_string(),
                buy.fee.unwrap().to_string()
            ),
            (Kind::BuyCoin, "188.00000000".into(), "5.64847271".into())
        );

        let closure = p(r#"{"card_name": "USD virtual card(PH222)", "card_id": "108582885229810034", "card_number": "522981******80034",
            "business_type": 102, "tx_amount": "10.00000000", "card_coin": "usd", "refund_coin": "usd", "refund_amount": "10.00000000",
            "fee_coin": "usd", "fee": "0.00000000", "tx_time": 1691479891, "tx_id": "202308081807291439542548", "tx_status": 1}"#)
        .unwrap();
        assert_eq!(
            (closure.kind, closure.amount.to_string()),
            (Kind::CardClosure, "10.00000000".into())
        );
        assert_eq!(closure.card_masked.as_deref(), Some("522981*******0034"));
    }

    #[test]
    fn statuses_and_errors() {
        let base = |status: i64| {
            format!(
                r#"{{"business_type": 8, "refund_coin": "usd", "refund_amount": "1", "tx_time": 1702869346, "tx_id": "X", "tx_status": {status}, "extra_new_field": {{"a": 1}}}}"#
            )
        };
        assert_eq!(p(&base(0)).unwrap().status, Status::Pending);
        assert_eq!(p(&base(2)).unwrap().status, Status::Failed);
        assert_eq!(p(&base(3)).unwrap().status, Status::Reversed);
        assert_eq!(p(&base(9)).unwrap().status, Status::Unknown);
        let e = p(r#"{"business_type": 7, "tx_time": 1702869346, "tx_id": "X", "tx_status": 1}"#)
            .unwrap_err();
        assert_eq!(e.field, "business_type");
        let e = p(r#"{"business_type": 1, "deduction_currency": "usd", "tx_time": 1702869346, "tx_id": "X", "tx_status": 1}"#).unwrap_err();
        assert_eq!(e.field, "deduction_amount");
        let e = p(r#"{"business_type": 1, "deduction_currency": "usd", "deduction_amount": [1], "tx_time": 1702869346, "tx_id": "X", "tx_status": 1}"#).unwrap_err();
        assert_eq!(e.field, "deduction_amount");
        let e = p(r#"{"business_type": 1, "deduction_currency": "", "deduction_amount": "1", "tx_time": 1702869346, "tx_id": "X", "tx_status": 1}"#).unwrap_err();
        assert_eq!(e.field, "deduction_currency");
    }
}

// ---- fetching ------------------------------------------------------------------------------
//
// Authentication is not shown in the document: an `X-Api-Key` header (our decision, emulated by
// the sandbox). One query per `business_type` and window of at most 60 days; `start_time` /
// `end_time` are Unix seconds (end inclusive); pages from 1; `data.total` is checked.

pub mod api {
    use chrono::{DateTime, Duration, Utc};

    use super::Credentials;
    use crate::error::Result;
    use crate::providers::fetch::{
        archived, fetch_windows, page_of, refused, split, PageSource, Window, WindowFetch,
    };
    use crate::providers::http::{Archive, Http};
    use crate::providers::output::{Progress, ProviderFetch};
    use crate::providers::spec::Connection;

    pub const MAX_WINDOW_DAYS: i64 = 60;

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
            files: vec![("transactions".into(), set.lines)],
            stats,
        })
    }
}
