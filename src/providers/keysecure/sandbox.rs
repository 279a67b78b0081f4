//! Sandbox of KeySecure Open Platform, under `/keysecure`.
//!
//! - `POST /open-api/v1/auth/token`: headers `Api-Key`, `Timestamp`; body `{"api_secret"}` →
//!   `data.access_token`, `data.expires_in` (the document only says a token endpoint exists: this
//!   shape is our decision).
//! - `POST /open-api/v1/card/consume/list`: headers `Api-Key`, `Timestamp` (ms, within 60 s,
//!   not in the future), `Access-Token`, `Timezone` (default `UTC+8`: where `start_time` /
//!   `end_time` days begin and end). Window at most 90 days; `page` from 0; `size` 1..=100
//!   (default 10). No total: paging ends on a short page.
//! - `GET /open-api/v1/card/consume/{consume_no}/info`: the full record.
//!
//! Errors are HTTP 200 with a non-zero `code`: 40101 bad `Api-Key`, 40102 bad or expired
//! `Access-Token`, 40103 `Timestamp` refused, 40001 bad parameter, 40401 no such record.

// The handlers' checks return `Err(response)`: the HTTP answer to send at once. Its size is an
// axum `Response`'s, and boxing it would only add an allocation to every refused request.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::model::ProviderRecord;
use crate::providers::emulator::{
    faults, header, json_array, json_response, FaultOutcome, Served, State, Store,
};

/// Its one list endpoint, `/consume/list`.
const LIST: &str = super::SPEC.name;

pub const MAX_WINDOW_DAYS: i64 = 90;
pub const MAX_SIZE: i64 = 100;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/open-api/v1/auth/token", post(token))
        .route("/open-api/v1/card/consume/list", post(list))
        .route("/open-api/v1/card/consume/{consume_no}/info", get(info))
}

/// The list endpoint's record: only the fields the document's list shows.
pub fn list_shape(v: &serde_json::Value) -> String {
    let mut m = serde_json::Map::new();
    for k in ["consume_no", "card_no", "type", "amount", "status", "time"] {
        if let Some(x) = v.get(k) {
            m.insert(k.to_string(), x.clone());
        }
    }
    serde_json::Value::Object(m).to_string()
}

fn err(code: i64, msg: &str) -> Response<Body> {
    json_response(
        StatusCode::OK,
        serde_json::json!({"code": code, "msg": msg, "data": null}).to_string(),
        false,
    )
}

/// Parses `UTC+8`, `UTC-05:30`, `UTC`.
pub fn parse_timezone(text: &str) -> Option<FixedOffset> {
    let t = text.trim();
    let rest = t.strip_prefix("UTC").or_else(|| t.strip_prefix("GMT"))?;
    if rest.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, body) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (body.parse::<i32>().ok()?, 0),
    };
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss` in the request's zone. `end` gives the exclusive end:
/// the next day for a date, the next second for a time.
pub fn parse_bound(text: &str, zone: FixedOffset, end: bool) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let day = if end { d.succ_opt()? } else { d };
        return zone
            .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|x| x.with_timezone(&Utc));
    }
    let n = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok()?;
    let n = if end { n + Duration::seconds(1) } else { n };
    zone.from_local_datetime(&n)
        .single()
        .map(|x| x.with_timezone(&Utc))
}

/// Checks `Api-Key` and the `Timestamp` rule. `Err` is the response to send.
fn check_key_and_clock(state: &State, h: &HeaderMap) -> Result<(), Response<Body>> {
    if !state
        .options
        .credentials
        .accepts(super::API_KEY.env, header(h, "Api-Key"))
    {
        return Err(err(40101, "invalid Api-Key"));
    }
    let ts = header(h, "Timestamp").and_then(|t| t.trim().parse::<i64>().ok());
    let now = Utc::now().timestamp_millis();
    match ts {
        None => Err(err(
            40103,
            "Timestamp header missing or not Unix milliseconds",
        )),
        Some(ts) if ts > now => Err(err(40103, "Timestamp is in the future")),
        Some(ts) if now - ts > 60_000 => Err(err(
            40103,
            "Timestamp differs from server time by more than 60 seconds",
        )),
        Some(_) => Ok(()),
    }
}

fn check_token(state: &State, h: &HeaderMap) -> Result<(), Response<Body>> {
    match header(h, "Access-Token").map(|t| state.use_token(t)) {
        Some(Ok(())) => Ok(()),
        Some(Err(true)) => Err(err(40102, "Access-Token expired")),
        _ => Err(err(40102, "invalid Access-Token")),
    }
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    api_secret: String,
}

async fn token(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = check_key_and_clock(&state, &h) {
        return r;
    }
    let b: TokenBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return err(40001, &format!("invalid body: {e}")),
    };
    if !state
        .options
        .credentials
        .accepts(super::API_SECRET.env, Some(&b.api_secret))
    {
        return err(40101, "invalid api_secret");
    }
    let t = state.issue_token("ks", std::time::Duration::from_secs(7200));
    json_response(StatusCode::OK, serde_json::json!({"code": 0, "msg": "Success", "data": {"access_token": t, "expires_in": 7200}}).to_string(), truncate)
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    consume_no: String,
    #[serde(default)]
    card_no: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    size: Option<i64>,
}

async fn list(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = check_key_and_clock(&state, &h).and_then(|_| check_token(&state, &h)) {
        return r;
    }
    let zone = match parse_timezone(header(&h, "Timezone").unwrap_or("UTC+8")) {
        Some(z) => z,
        None => return err(40001, "Timezone must look like UTC+8"),
    };
    let b: ListBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return err(40001, &format!("invalid body: {e}")),
    };
    let (Some(from), Some(to)) = (
        parse_bound(&b.start_time, zone, false),
        parse_bound(&b.end_time, zone, true),
    ) else {
        return err(
            40001,
            "start_time and end_time must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss",
        );
    };
    if to <= from {
        return err(40001, "end_time is before start_time");
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return err(
            40001,
            "the interval between start_time and end_time must be at most 90 days",
        );
    }
    let page = b.page.unwrap_or(0);
    let size = b.size.unwrap_or(10);
    if page < 0 || !(1..=MAX_SIZE).contains(&size) {
        return err(40001, "page starts at 0; size is 1..100");
    }
    state.count_list_request(LIST);
    let matching = state
        .visible_in(LIST, from, to)
        .filter(|r| b.consume_no.is_empty() || r.id == b.consume_no)
        .filter(|r| b.card_no.is_empty() || r.class == b.card_no);
    let page_items = matching
        .skip((page * size) as usize)
        .take(size as usize)
        .map(|r| r.json.as_str());
    let list = json_array(page_items, state.options.faults.extra_fields);
    json_response(
        StatusCode::OK,
        serde_json::json!({"code": 0, "msg": "Success", "data": {"list": list}}).to_string(),
        truncate,
    )
}

async fn info(
    AxState(state): AxState<Arc<State>>,
    Path(consume_no): Path<String>,
    h: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", b"").await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = check_key_and_clock(&state, &h).and_then(|_| check_token(&state, &h)) {
        return r;
    }
    match state
        .store
        .list(LIST)
        .iter()
        .find(|r| r.id == consume_no && state.visible(LIST, r))
    {
        Some(r) => {
            let data = json_array(
                std::iter::once(r.detail.as_str()),
                state.options.faults.extra_fields,
            );
            let data = data.get(0).cloned().unwrap_or_default();
            json_response(
                StatusCode::OK,
                serde_json::json!({"code": 0, "msg": "Success", "data": data}).to_string(),
                truncate,
            )
        }
        None => err(40401, "consume_no not found"),
    }
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
        store.push(
            LIST,
            Served {
                at: r.occurred_at,
                id: r.tx_id,
                class: r.card_ref.unwrap_or_default(),
                json: list_shape(value),
                detail: line.to_string(),
                hidden,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_header_and_bounds() {
        let z = parse_timezone("UTC+8").unwrap();
        assert_eq!(z.local_minus_utc(), 8 * 3600);
        assert_eq!(
            parse_timezone("UTC-05:30").unwrap().local_minus_utc(),
            -(5 * 3600 + 1800)
        );
        assert_eq!(parse_timezone("UTC").unwrap().local_minus_utc(), 0);
        assert!(parse_timezone("Asia/Shanghai").is_none());
        let from = parse_bound("2026-01-01", z, false).unwrap();
        let to = parse_bound("2026-03-31", z, true).unwrap();
        assert_eq!(from.to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(
            (to - from).num_days(),
            90,
            "the document's own example is exactly 90 days"
        );
        assert_eq!(
            parse_bound("2026-01-01 10:00:00", z, true)
                .unwrap()
                .to_rfc3339(),
            "2026-01-01T02:00:01+00:00"
        );
    }
}
