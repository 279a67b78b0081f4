//! Sandbox of the "v3 open API" (`txv3`), under `/txv3`.
//!
//! `POST /v3/openapi/card/transactions`: `start_time`/`end_time` Unix seconds as strings
//! (inclusive, at most 60 days apart), `page` from 1, `size` 10..=200, `business_type` required
//! (1, 2, 3, 8, 10, 101, 102); `tx_id` (with `card_id`) looks one record up without time or
//! paging. Response `code` `"00000"`, `data.total/page/size/records`.
//!
//! Authentication is not shown in the document; our decision: an `X-Api-Key` header. Errors are
//! HTTP 200 with a non-`"00000"` code: `"40100"` unauthorized, `"40000"` bad parameter.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::model::ProviderRecord;
use crate::providers::emulator::{
    faults, field_is, header, json_array, json_response, FaultOutcome, Served, State, Store,
};
use crate::providers::WireText;

/// Its one list endpoint, `/v3/openapi/card/transactions`.
const LIST: &str = super::SPEC.name;

pub const MAX_WINDOW_SECS: i64 = 60 * 86_400;
pub const MIN_SIZE: i64 = 10;
pub const MAX_SIZE: i64 = 200;

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/v3/openapi/card/transactions", post(transactions))
}

fn err(code: &str, msg: &str) -> Response<Body> {
    json_response(
        StatusCode::OK,
        serde_json::json!({"code": code, "msg": msg, "data": null}).to_string(),
        false,
    )
}

#[derive(Deserialize)]
struct Query {
    #[serde(default)]
    start_time: Option<WireText>,
    #[serde(default)]
    end_time: Option<WireText>,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    size: Option<i64>,
    business_type: Option<i64>,
    #[serde(default)]
    card_id: Option<WireText>,
    #[serde(default)]
    tx_id: Option<WireText>,
}

async fn transactions(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if !state
        .options
        .credentials
        .accepts(super::API_KEY.env, header(&h, "X-Api-Key"))
    {
        return err("40100", "unauthorized: invalid X-Api-Key");
    }
    let q: Query = match serde_json::from_slice(&body) {
        Ok(q) => q,
        Err(e) => return err("40000", &format!("invalid request: {e}")),
    };
    let Some(bt) = q.business_type else {
        return err("40000", "business_type is required");
    };
    if !crate::providers::txv3::BUSINESS_TYPES.contains(&bt) {
        return err(
            "40000",
            "business_type must be one of 1, 2, 3, 8, 10, 101, 102",
        );
    }
    let class = bt.to_string();
    let extra = state.options.faults.extra_fields;
    if let Some(tx) = WireText::optional(&q.tx_id) {
        if WireText::optional(&q.card_id).is_none() {
            return err("40000", "card_id is required when tx_id is given");
        }
        let found: Vec<&str> = state
            .store
            .list(LIST)
            .iter()
            .filter(|r| r.id == tx && r.class == class && state.visible(LIST, r))
            .map(|r| r.json.as_str())
            .collect();
        let n = found.len();
        let records = json_array(found.into_iter(), extra);
        return json_response(
            StatusCode::OK,
            serde_json::json!({
                "code": "00000",
                "msg": "ok",
                "data": {"records": records, "total": n, "size": 10, "page": 1}
            })
            .to_string(),
            truncate,
        );
    }
    let secs = |t: &Option<WireText>| t.as_ref().and_then(|t| t.0.trim().parse::<i64>().ok());
    let (Some(start), Some(end)) = (secs(&q.start_time), secs(&q.end_time)) else {
        return err(
            "40000",
            "start_time and end_time are required Unix timestamps in seconds",
        );
    };
    if end < start {
        return err("40000", "end_time is before start_time");
    }
    if end - start > MAX_WINDOW_SECS {
        return err(
            "40000",
            "the interval between start_time and end_time must not exceed 60 days",
        );
    }
    let page = q.page.unwrap_or(1);
    let size = q.size.unwrap_or(10);
    if page < 1 || !(MIN_SIZE..=MAX_SIZE).contains(&size) {
        return err("40000", "page starts at 1; size is 10..200");
    }
    let (Some(from), Some(to)) = (
        DateTime::<Utc>::from_timestamp(start, 0),
        DateTime::<Utc>::from_timestamp(end + 1, 0),
    ) else {
        return err("40000", "start_time or end_time out of range");
    };
    state.count_list_request(LIST);
    let matching: Vec<&str> = state
        .visible_in(LIST, from, to)
        .filter(|r| r.class == class)
        .filter(|r| WireText::optional(&q.card_id).is_none_or(|c| field_is(&r.json, "card_id", &c)))
        .map(|r| r.json.as_str())
        .collect();
    let total = matching.len();
    let records = json_array(
        matching
            .into_iter()
            .skip(((page - 1) * size) as usize)
            .take(size as usize),
        extra,
    );
    json_response(
        StatusCode::OK,
        serde_json::json!({
            "code": "00000",
            "msg": "ok",
            "data": {"records": records, "total": total, "size": size, "page": page}
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
    if let Some(r) = record {
        let business_type = value
            .get("business_type")
            .map(|b| b.to_string())
            .unwrap_or_default();
        store.push(LIST, Served::listed(r, business_type, line, hidden));
    }
}
