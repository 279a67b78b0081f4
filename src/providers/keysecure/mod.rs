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

/// `raw/<instance>/consume.jsonl`: the file its fetch writes these records to and the generator
/// writes synthetic ones to.
pub const CONSUME: &str = "consume";

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
    env: "CARDRECON_KEYSECURE_API_KEY",
    sandbox: "sandbox-keysecure-key",
};

/// Its `api_secret`, as the configuration template and the sandbox know it.
pub const API_SECRET: SandboxCredential = SandboxCredential {
    key: "api_secret",
    env: "CARDRECON_KEYSECURE_API_SECRET",
    sandbox: "sandbox-keysecure-secret",
};

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
    connect: api::connect,
    fetch: fetch_job,
    cards: None,
    sample: Sample {
        kinds: &[
            Kind::Consumption,
            Kind::Consumption,
            Kind::Consumption,
            Kind::Refund,
            Kind::Fee,
            Kind::Recharge,
        ],
        // Amounts are in the card account's currency: one per account.
        account_currency_only: |_| true,
        eight_places_one_in: None,
        millis: true,
        order_ids: false,
        tx_id: |n, _| format!("CONSUME{n:012}"),
        order_id: |_, _, _| None,
        wire_zone: chrono_tz::UTC,
        files: &[CONSUME],
        file_of: |_| 0,
        wire: sample_wire,
        card_list: None,
        card_numbers: false,
    },
    config: ConfigSection {
        base_url: "https://openplatform.keysecure.io",
        credentials: &[API_KEY, API_SECRET],
        settings: "account_currency = \"USD\"          # the card account's currency: keysecure amounts carry none\n# max_concurrency = 4             # windows (and details) fetched at once\n# requests_per_second = 20        # the default cap; ask your provider for its limit\n# fetch_details = true            # each consumption's detail (fees, original amount)\n",
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

    #[test]
    fn the_inverse_tables_read_back_through_the_forward_ones() {
        for k in Kind::ALL {
            if let Some(w) = kind_word(k) {
                assert_eq!(kind_of(w), k);
            }
        }
        assert_eq!(Kind::ALL.iter().filter_map(|k| kind_word(*k)).count(), 4);
        for s in Status::ALL {
            assert_eq!(status_of(status_word(s)), s);
        }
    }
}
