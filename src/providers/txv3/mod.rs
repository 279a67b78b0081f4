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
//! | 8 | refund | `refund_amount`/`refund_coin` | `tx_amount`/`tx_currency` | — ; `related_tx_id` = `consume_tx_id` where sent (designed: the document's refund has no link) |
//! | 10 | fee | `tx_amount` in the account currency (config, default USD) | — | — ; `related_tx_id` = `consume_tx_id` |
//! | 101 | buy_coin | `tx_amount`/`pay_coin` | `buy_amount`/`buy_coin` | `fee`/`fee_coin` |
//! | 102 | card_closure | `refund_amount`/`refund_coin` | `tx_amount`/`card_coin` | `fee`/`fee_coin` |
//!
//! `tx_status` (not documented): 1 success, 0 pending, 2 failed, 3 reversed, else unknown.
//! `tx_time` is Unix seconds. Currency codes are upper-cased (`"eur"` → `EUR`); implausible ones
//! such as the example's `"jp"` are kept and reported as a data-quality note.
//!
//! Files: [`wire`] (the API's structs), [`convert`] (wire record → canonical record, with the
//! kind and status tables), [`api`] (endpoints, authentication, paging, and the credentials it
//! reads from its configuration table); this file: the [`SPEC`] the rest of cardrecon uses.

pub mod api;
pub mod convert;
pub mod sandbox;
pub mod wire;

pub use api::Credentials;
pub use convert::*;
pub use wire::*;

use crate::model::Kind;
use crate::model::ProviderRecord;
use crate::providers::emulator::{Emulator, SandboxCredential};
use crate::providers::sample::Sample;
use crate::providers::spec::{self, ConfigSection, Limits, PageShape, Spec};
use crate::providers::{AdapterOptions, FieldError};

/// `raw/<instance>/transactions.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const TRANSACTIONS: &str = "transactions";

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
    Box::pin(api::fetch(job))
}

/// Its `api_key`, as the configuration template and the sandbox know it.
pub const API_KEY: SandboxCredential = SandboxCredential {
    key: "api_key",
    env: "CARDRECON_TXV3_API_KEY",
    sandbox: "sandbox-txv3-key",
};

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
    connect: api::connect,
    fetch: fetch_job,
    cards: None,
    sample: Sample {
        kinds: &[
            Kind::Consumption,
            Kind::Consumption,
            Kind::Recharge,
            Kind::Withdrawal,
            Kind::Refund,
            Kind::Fee,
            Kind::BuyCoin,
            Kind::CardClosure,
        ],
        account_currency_only: |k| {
            matches!(
                k,
                Kind::Fee | Kind::Recharge | Kind::BuyCoin | Kind::CardClosure
            )
        },
        eight_places_one_in: Some(10),
        millis: false,
        order_ids: false,
        tx_id: |n, _| format!("2026{n:020}"),
        order_id: |_, _, _| None,
        wire_zone: chrono_tz::UTC,
        files: &[TRANSACTIONS],
        file_of: |_| 0,
        wire: sample_wire,
        card_list: None,
        card_numbers: true,
    },
    config: ConfigSection {
        base_url: "https://YOUR-TXV3-HOST",
        credentials: &[API_KEY],
        settings:
            "account_currency = \"USD\"          # currency of service fees (business_type 10)\n",
    },
    emulator: Some(Emulator {
        keep: sandbox::keep,
        routes: sandbox::routes,
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Status};

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

    #[test]
    fn the_inverse_tables_read_back_through_the_forward_ones() {
        for k in Kind::ALL {
            if let Some(b) = business_type(k) {
                assert_eq!(kind_of(b), Some(k));
            }
        }
        assert_eq!(
            Kind::ALL.iter().filter_map(|k| business_type(*k)).count(),
            BUSINESS_TYPES.len()
        );
        for s in Status::ALL {
            assert_eq!(status_of(status_code(s)), s);
        }
    }
}
