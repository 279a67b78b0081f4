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
use crate::providers::sample::{CardList, Sample};
use crate::providers::spec::{self, ConfigSection, Limits, PageShape, Spec};
use crate::providers::{AdapterOptions, FieldError};

/// `raw/<instance>/trades.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const TRADES: &str = "trades";
/// `raw/<instance>/orders.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const ORDERS: &str = "orders";
/// `raw/<instance>/cards.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const CARDS: &str = "cards";

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
    Box::pin(api::fetch(job))
}

/// The `customer_id` and `app_id` the sandbox accepts (written in the template's section).
pub const SANDBOX_CUSTOMER_ID: i64 = 10000011;
pub const SANDBOX_APP_ID: i64 = 100001;

/// Its `key`, as the configuration template and the sandbox know it.
pub const KEY: SandboxCredential = SandboxCredential {
    key: "key",
    env: "CARDRECON_CARDAPP_KEY",
    sandbox: "sandbox-cardapp-key",
};

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
    connect: api::connect,
    fetch: fetch_job,
    cards: Some(convert::card_snapshot),
    sample: Sample {
        kinds: &[
            Kind::Consumption,
            Kind::Consumption,
            Kind::Refund,
            Kind::Fee,
            Kind::OpenCard,
            Kind::Recharge,
            Kind::CardClosure,
        ],
        account_currency_only: |_| false,
        eight_places_one_in: None,
        millis: false,
        order_ids: true,
        // Orders (open card, recharge, closure) and card trades have ids of their own.
        tx_id: |n, k| {
            if matches!(k, Kind::OpenCard | Kind::Recharge | Kind::CardClosure) {
                format!("OD{n:012}")
            } else {
                format!("CT{n:012}")
            }
        },
        order_id: |n, _, tx_id| tx_id.starts_with("OD").then(|| format!("MO-{n:010}")),
        wire_zone: chrono_tz::Asia::Shanghai,
        files: &[TRADES, ORDERS],
        file_of: |r| usize::from(r.tx_id.starts_with("OD")),
        wire: sample_wire,
        card_list: Some(CardList {
            stem: CARDS,
            write: sample_cards_with,
        }),
        card_numbers: true,
    },
    config: ConfigSection {
        base_url: "https://YOUR-CARDAPP-HOST",
        credentials: &[KEY],
        settings: "version = \"v1\"\ncustomer_id = 10000011\napp_id = 100001\nwire_timezone = \"Asia/Shanghai\"   # zone of its datetime strings\n",
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

    #[test]
    fn the_inverse_tables_read_back_through_the_forward_ones() {
        for k in Kind::ALL {
            if let Some(c) = trade_type_code(k) {
                assert_eq!(trade_kind(c), k);
            }
            if let Some(c) = order_type_code(k) {
                assert_eq!(order_kind(c), k);
            }
        }
        for s in Status::ALL {
            assert_eq!(trade_status(trade_result_code(s)), s);
            assert_eq!(order_status(order_status_code(s)), s);
        }
    }
}
