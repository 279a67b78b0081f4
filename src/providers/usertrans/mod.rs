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
//! date filters), `description`, and for a refund `relate_trans_id` (the `trans_id` of the
//! payment it refunds; the links check reads it as `related_tx_id`).
//!
//! - `tx_id` is `trans_id` as text; `order_id` is `order_id`.
//! - `trans_type`: recharge → recharge, payment → consumption, open_card → open_card,
//!   refund → refund; anything else → other.
//! - `status` (case-insensitive): success/completed → success; pending/processing → pending;
//!   failed → failed; cancelled/reversed/refunded → reversed; else unknown.
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

/// `raw/<instance>/trans.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const TRANS: &str = "trans";

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

/// Its `app_key`, as the configuration template and the sandbox know it.
pub const APP_KEY: SandboxCredential = SandboxCredential {
    key: "app_key",
    env: "CARDRECON_USERTRANS_APP_KEY",
    sandbox: "sandbox-usertrans-key",
};

/// Its `app_secret`, as the configuration template and the sandbox know it.
pub const APP_SECRET: SandboxCredential = SandboxCredential {
    key: "app_secret",
    env: "CARDRECON_USERTRANS_APP_SECRET",
    sandbox: "sandbox-usertrans-secret",
};

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
    connect: api::connect,
    fetch: fetch_job,
    cards: None,
    sample: Sample {
        kinds: &[
            Kind::Consumption,
            Kind::Consumption,
            Kind::Recharge,
            Kind::OpenCard,
            Kind::Refund,
        ],
        account_currency_only: |_| false,
        eight_places_one_in: None,
        millis: false,
        order_ids: true,
        tx_id: |n, _| format!("{}", 100_000 + n),
        order_id: |n, k, _| {
            Some(match k {
                Kind::OpenCard => format!("open_card_{n}_39_{:06x}", n * 2654435761 % 0xffffff),
                Kind::Recharge => format!("recharge_{n}_{:06x}", n * 40503 % 0xffffff),
                _ => format!("pay_{n}_{:06x}", n * 97 % 0xffffff),
            })
        },
        wire_zone: chrono_tz::UTC,
        files: &[TRANS],
        file_of: |_| 0,
        wire: sample_wire,
        card_list: None,
        card_numbers: true,
    },
    config: ConfigSection {
        base_url: "https://YOUR-USERTRANS-HOST",
        credentials: &[APP_KEY, APP_SECRET],
        settings: "",
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

    #[test]
    fn the_inverse_tables_read_back_through_the_forward_ones() {
        for k in Kind::ALL {
            if let Some(w) = trans_type_word(k) {
                assert_eq!(kind_of(w), k);
            }
        }
        for s in Status::ALL {
            assert_eq!(status_of(status_word(s)), s);
        }
    }
}
