//! Sandbox of the card app API (`cardapp`), under `/cardapp/{version}` (any `v<digits>`).
//!
//! Every call is a POST with body credentials `customer_id`, `app_id`, `key` and `page_no`
//! (from 1) / `page_size` (1..=100, our decision), as the card-list document shows:
//! - `/openApi/card/cardList` (documented): `data.total/page_no/page_size/card_list[]`.
//! - `/openApi/card/tradeList` and `/openApi/order/orderList` (designed, see
//!   [`crate::providers::cardapp`]): plus `start_time`/`end_time` as `YYYY-MM-DD HH:MM:SS` in the
//!   provider's zone (Asia/Shanghai), inclusive, at most 31 days apart (our decision);
//!   `data.total/page_no/page_size/trade_list[]` or `order_list[]`.
//!
//! Errors are HTTP 200 with `code` ≠ 0 and a `message`: 1001 bad credentials, 1002 bad parameter.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::{Response, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use crate::model::ProviderRecord;
use crate::providers::emulator::{
    faults, json_array, json_response, FaultOutcome, Served, State, Store,
};

/// Its three list endpoints, each drifting on its own.
const TRADES: &str = "cardapp/trades";
const ORDERS: &str = "cardapp/orders";
const CARDS: &str = "cardapp/cards";

pub const MAX_PAGE_SIZE: i64 = 100;
pub const MAX_WINDOW_DAYS: i64 = 31;
/// The zone of cardapp's wall-clock times (our decision; `wire_timezone` in the config).
pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/{version}/openApi/card/cardList", post(card_list))
        .route("/{version}/openApi/card/tradeList", post(trade_list))
        .route("/{version}/openApi/order/orderList", post(order_list))
}

fn err(code: i64, message: &str) -> Response<Body> {
    json_response(
        StatusCode::OK,
        serde_json::json!({"code": code, "message": message, "data": null}).to_string(),
        false,
    )
}

#[derive(Deserialize)]
struct Req {
    customer_id: Option<i64>,
    app_id: Option<i64>,
    #[serde(default)]
    key: String,
    page_no: Option<i64>,
    page_size: Option<i64>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
}

enum Which {
    Cards,
    Trades,
    Orders,
}

async fn card_list(
    state: AxState<Arc<State>>,
    v: Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    handle(state, v, uri, body, Which::Cards).await
}
async fn trade_list(
    state: AxState<Arc<State>>,
    v: Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    handle(state, v, uri, body, Which::Trades).await
}
async fn order_list(
    state: AxState<Arc<State>>,
    v: Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    handle(state, v, uri, body, Which::Orders).await
}

async fn handle(
    AxState(state): AxState<Arc<State>>,
    Path(version): Path<String>,
    uri: Uri,
    body: Bytes,
    which: Which,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if !(version.starts_with('v')
        && version.len() > 1
        && version[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return err(1002, "unknown API version");
    }
    let r: Req = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return err(1002, &format!("invalid request: {e}")),
    };
    if r.customer_id != Some(super::SANDBOX_CUSTOMER_ID)
        || r.app_id != Some(super::SANDBOX_APP_ID)
        || !state
            .options
            .credentials
            .accepts(super::KEY.env, Some(&r.key))
    {
        return err(1001, "invalid customer_id, app_id or key");
    }
    let (Some(page_no), Some(page_size)) = (r.page_no, r.page_size) else {
        return err(1002, "page_no and page_size are required");
    };
    if page_no < 1 || !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return err(1002, "page_no starts at 1; page_size is 1..100");
    }
    let extra = state.options.faults.extra_fields;
    let (records, list_name): (Vec<&Served>, &str) = match which {
        Which::Cards => (state.store.list(CARDS).iter().collect(), "card_list"),
        Which::Trades | Which::Orders => {
            let parse = |t: &Option<String>| {
                t.as_deref()
                    .and_then(|t| NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%d %H:%M:%S").ok())
            };
            let (Some(a), Some(b)) = (parse(&r.start_time), parse(&r.end_time)) else {
                return err(
                    1002,
                    "start_time and end_time are required as YYYY-MM-DD HH:MM:SS",
                );
            };
            if b < a || b - a > Duration::days(MAX_WINDOW_DAYS) {
                return err(
                    1002,
                    "end_time must be after start_time and at most 31 days later",
                );
            }
            let from = crate::period::local_to_utc(a, ZONE);
            let to = crate::period::local_to_utc(b, ZONE) + Duration::seconds(1);
            let (list, name) = match which {
                Which::Trades => (TRADES, "trade_list"),
                _ => (ORDERS, "order_list"),
            };
            state.count_list_request(list);
            (state.visible_in(list, from, to).collect(), name)
        }
    };
    let total = records.len();
    let page = json_array(
        records
            .into_iter()
            .skip(((page_no - 1) * page_size) as usize)
            .take(page_size as usize)
            .map(|x| x.json.as_str()),
        extra,
    );
    json_response(
        StatusCode::OK,
        serde_json::json!({
            "code": 0,
            "message": "success",
            "data": {"total": total, "page_no": page_no, "page_size": page_size, list_name: page}
        })
        .to_string(),
        truncate,
    )
}

/// Keeps one of its wire records (`line`, parsed as `record` and `value`) in the store.
pub(super) fn keep(
    store: &mut Store,
    record: Option<ProviderRecord>,
    value: &serde_json::Value,
    line: &str,
    hidden: bool,
) {
    match record {
        Some(r) => {
            let trade = value.get("trade_id").is_some();
            let served = Served::listed(r, String::new(), line, hidden);
            store.push(if trade { TRADES } else { ORDERS }, served);
        }
        None => store.push(
            CARDS,
            Served {
                at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
                id: value
                    .get("card_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                class: String::new(),
                json: line.to_string(),
                detail: String::new(),
                hidden: false,
            },
        ),
    }
}
