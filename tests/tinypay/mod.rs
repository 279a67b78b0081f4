//! `tinypay`: a fifth provider that exists only in the tests, to prove that a provider is its
//! directory (issue 28). Everything cardrecon needs of it is here: its wire shape and
//! conversion, its endpoint and credentials, its sandbox emulator and its [`SPEC`]. It is
//! registered by handing the spec to what takes a list of providers (the sandbox's
//! `SandboxOptions::of`, the configuration's `Settings::resolve_among`), the test's stand-in for
//! the one line a real provider adds to `SPECS`; no file in `src/` knows it.
//!
//! Its API (invented, and small on purpose): `GET /records?from=<unix>&to=<unix>&page=<from
//! 1>&size=<1..=50>` with `Authorization: Bearer <token>`, answering
//! `{"records": [...], "total": N}`; a record is `{"id", "at" (RFC 3339), "kind" ("purchase" or
//! "refund"), "amount" (decimal text), "currency", "card", "cvv", "state" ("ok" or "failed")}`.
//! Windows are at most 7 days; a bad token is HTTP 401.

pub mod sandbox;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use rust_decimal::Decimal;

use cardrecon::error::Result;
use cardrecon::model::{Kind, ProviderRecord, Status};
use cardrecon::providers::emulator::{Emulator, SandboxCredential};
use cardrecon::providers::fetch::{
    archived, fetch_windows, page_of, split, PageSource, Window, WindowFetch,
};
use cardrecon::providers::http::Http;
use cardrecon::providers::output::ProviderFetch;
use cardrecon::providers::sample::{Sample, SampleRecord};
use cardrecon::providers::spec::{
    self, ApiTable, ConfigSection, FetchJob, Limits, PageShape, Place, Spec,
};
use cardrecon::providers::{AdapterOptions, FieldError};
use cardrecon::secret::Secret;

pub const NAME: &str = "tinypay";
pub const MAX_WINDOW_DAYS: i64 = 7;
pub const MAX_SIZE: usize = 50;

pub const TOKEN: SandboxCredential = SandboxCredential {
    key: "token",
    env: "CARDRECON_TINYPAY_TOKEN",
    sandbox: "sandbox-tinypay-token",
};

/// One record as the API sends it. `cvv` has no field: it cannot survive parsing.
#[derive(serde::Deserialize)]
struct Wire {
    id: String,
    at: String,
    kind: String,
    amount: String,
    currency: String,
    card: Option<String>,
    state: String,
}

fn parse(
    instance: &str,
    json: &str,
    source: String,
    _: &AdapterOptions,
) -> std::result::Result<Option<ProviderRecord>, FieldError> {
    let w: Wire =
        serde_json::from_str(json).map_err(|e| FieldError::new("(record)", e.to_string()))?;
    let occurred_at = DateTime::parse_from_rfc3339(&w.at)
        .map_err(|e| FieldError::new("at", e.to_string()))?
        .with_timezone(&Utc);
    let kind = match w.kind.as_str() {
        "purchase" => Kind::Consumption,
        "refund" => Kind::Refund,
        other => return Err(FieldError::new("kind", format!("`{other}` is not a kind"))),
    };
    let amount: Decimal =
        cardrecon::money::parse(&w.amount).map_err(|e| FieldError::new("amount", e))?;
    let status = match w.state.as_str() {
        "ok" => Status::Success,
        "failed" => Status::Failed,
        _ => Status::Unknown,
    };
    Ok(Some(ProviderRecord {
        provider: instance.to_string(),
        kind,
        tx_id: w.id,
        order_id: None,
        related_tx_id: None,
        card_ref: None,
        card_masked: w.card.as_deref().map(cardrecon::model::mask_card),
        amount: amount.abs(),
        currency: cardrecon::money::currency_code(&w.currency),
        original_amount: None,
        original_currency: None,
        fee: None,
        fee_currency: None,
        status,
        status_raw: w.state,
        occurred_at,
        description: None,
        source,
        rounded_floats: Vec::new(),
    }))
}

/// Its keys of `[providers.<instance>]`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigKeys {
    token: Option<Secret>,
}

struct Credentials {
    token: Secret,
}

fn connect(table: &ApiTable, place: &Place<'_>) -> Result<spec::Credentials> {
    let k: ConfigKeys = table.read(place)?;
    Ok(spec::Credentials::new(Credentials {
        token: place.required(&k.token, "token")?,
    }))
}

async fn fetch(job: FetchJob<'_>) -> Result<ProviderFetch> {
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
    let windows = split(
        from,
        to,
        chrono::Duration::days(MAX_WINDOW_DAYS),
        "records",
        None,
    );
    let size = conn.page_size;
    let url = format!("{}/records", conn.base_url);
    let url = &url;
    let page = move |w: Window, index: u32, source: PageSource| async move {
        let what = format!("records page {} of {}", index + 1, w.key);
        let key = format!("{}/p{:04}", w.key, index);
        let v = archived(archive, &key, source, &http.counters, async {
            let a = http
                .json(&what, || {
                    http.client
                        .get(url)
                        .bearer_auth(creds.token.expose())
                        .query(&[
                            ("from", w.from.timestamp().to_string()),
                            ("to", w.to.timestamp().to_string()),
                            ("page", (index + 1).to_string()),
                            ("size", size.to_string()),
                        ])
                })
                .await?;
            match a.status {
                200 => Ok(a.body),
                code => Err(cardrecon::Error::Fetch {
                    provider: name.to_string(),
                    what: what.clone(),
                    message: format!("HTTP {code}"),
                    cause: None,
                }),
            }
        })
        .await?;
        page_of(name, &what, &v, "/records", Some("/total"), progress)
    };
    let (set, stats) = fetch_windows(
        WindowFetch {
            provider: name,
            windows,
            page_size: size,
            concurrency: conn.concurrency,
            id_field: "id",
            counters: &http.counters,
        },
        page,
    )
    .await?;
    Ok(ProviderFetch {
        files: vec![("records".into(), set.lines)],
        stats,
    })
}

fn fetch_job(job: FetchJob<'_>) -> LocalBoxFuture<'_, Result<ProviderFetch>> {
    Box::pin(fetch(job))
}

/// Its wire line for a synthetic record (the generator does not iterate this spec; the test
/// writes its month through it).
pub fn wire(r: &SampleRecord, _: chrono_tz::Tz) -> serde_json::Result<String> {
    serde_json::to_string(&serde_json::json!({
        "id": r.tx_id,
        "at": r.at.to_rfc3339(),
        "kind": if r.kind == Kind::Refund { "refund" } else { "purchase" },
        "amount": r.amount.to_string(),
        "currency": r.currency,
        "card": r.pan(),
        "cvv": "123",
        "state": if r.status == Status::Success { "ok" } else { "failed" },
    }))
}

pub static SPEC: Spec = Spec {
    name: NAME,
    limits: Limits {
        first_page: 1,
        min_page_size: 1,
        max_page_size: MAX_SIZE,
        default_page_size: MAX_SIZE,
        max_window_days: MAX_WINDOW_DAYS,
    },
    page: PageShape {
        list: "/records",
        total: Some("/total"),
    },
    parse,
    connect,
    fetch: fetch_job,
    cards: None,
    sample: Sample {
        kinds: &[Kind::Consumption, Kind::Refund],
        account_currency_only: |_| false,
        eight_places_one_in: None,
        millis: false,
        order_ids: false,
        tx_id: |n, _| format!("tp-{n:06}"),
        order_id: |_, _, _| None,
        wire_zone: chrono_tz::UTC,
        files: &["records"],
        file_of: |_| 0,
        wire,
        card_list: None,
        card_numbers: false,
    },
    config: ConfigSection {
        base_url: "https://api.tinypay.example",
        credentials: &[TOKEN],
        settings: "",
    },
    emulator: Some(Emulator {
        keep: sandbox::keep,
        routes: sandbox::routes,
    }),
};
