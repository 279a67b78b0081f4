//! Sandbox of the third-party transaction API (`usertrans`), under `/usertrans`.
//!
//! - `POST /thirdPartyLogin`: body `{"app_key", "app_secret"}` (not shown in the document; our
//!   decision) → `data.userToken`, `data.expires_in`.
//! - `GET /userTrans`: `Authorization: Bearer {userToken}`; `page` from 1, `page_num` 1..=100
//!   (default 20), `trans_type`, `card_binding_id`, `start_date`/`end_date` as `YYYY-MM-DD`
//!   (days in Asia/Shanghai, our decision) or a Unix timestamp in seconds, both inclusive.
//!   Response `data.total/page/page_num/list[]`.
//! - `GET /userTransRecord?transaction_id=` and `POST /getRecordDetail` (`trans_id` or `order_id`).
//!
//! Success is `code` 200 with `status` `"true"`; errors use the documented HTTP codes 400, 401,
//! 404, 500 with `{"code", "status": "false", "message"}`.

// The handlers' checks return `Err(response)`: the HTTP answer to send at once. Its size is an
// axum `Response`'s, and boxing it would only add an allocation to every refused request.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::model::ProviderRecord;
use crate::providers::emulator::{
    faults, field_is, header, json_array, json_response, FaultOutcome, Served, State, Store,
};
use crate::providers::WireText;

/// Its one list endpoint, `/userTrans`.
const LIST: &str = super::SPEC.name;

pub const MAX_PAGE_NUM: i64 = 100;
pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/thirdPartyLogin", post(login))
        .route("/userTrans", get(list))
        .route("/userTransRecord", get(record))
        .route("/getRecordDetail", post(detail))
}

fn err(code: StatusCode, message: &str) -> Response<Body> {
    json_response(
        code,
        serde_json::json!({"code": code.as_u16(), "status": "false", "message": message})
            .to_string(),
        false,
    )
}

fn ok(data: serde_json::Value, truncate: bool) -> Response<Body> {
    json_response(
        StatusCode::OK,
        serde_json::json!({"code": 200, "status": "true", "message": "success", "data": data})
            .to_string(),
        truncate,
    )
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    app_key: String,
    #[serde(default)]
    app_secret: String,
}

async fn login(AxState(state): AxState<Arc<State>>, uri: Uri, body: Bytes) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    let Ok(l) = serde_json::from_slice::<Login>(&body) else {
        return err(StatusCode::BAD_REQUEST, "invalid request body");
    };
    let c = &state.options.credentials;
    if !c.accepts(super::APP_KEY.env, Some(&l.app_key))
        || !c.accepts(super::APP_SECRET.env, Some(&l.app_secret))
    {
        return err(StatusCode::UNAUTHORIZED, "invalid app_key or app_secret");
    }
    let t = state.issue_token("ut", std::time::Duration::from_secs(3600));
    ok(
        serde_json::json!({"userToken": t, "expires_in": 3600}),
        truncate,
    )
}

fn authorize(state: &State, h: &HeaderMap) -> Result<(), Response<Body>> {
    let token = header(h, "Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token.map(|t| state.use_token(t)) {
        Some(Ok(())) => Ok(()),
        Some(Err(true)) => Err(err(
            StatusCode::UNAUTHORIZED,
            "token expired, call /thirdPartyLogin again",
        )),
        _ => Err(err(StatusCode::UNAUTHORIZED, "missing or invalid token")),
    }
}

/// `YYYY-MM-DD` (a day in the provider's zone) or Unix seconds; `end` gives the exclusive end.
fn bound(text: &str, end: bool) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let day = if end { d.succ_opt()? } else { d };
        return Some(crate::period::day_start(day, ZONE));
    }
    let secs: i64 = t.parse().ok()?;
    DateTime::<Utc>::from_timestamp(if end { secs + 1 } else { secs }, 0)
}

async fn list(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), uri.query().unwrap_or(""), b"").await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = authorize(&state, &h) {
        return r;
    }
    let num = |k: &str, d: i64| {
        q.get(k)
            .map(|v| v.parse::<i64>().map_err(|_| ()))
            .unwrap_or(Ok(d))
    };
    let (Ok(page), Ok(page_num)) = (num("page", 1), num("page_num", 20)) else {
        return err(
            StatusCode::BAD_REQUEST,
            "page and page_num must be integers",
        );
    };
    if page < 1 || !(1..=MAX_PAGE_NUM).contains(&page_num) {
        return err(
            StatusCode::BAD_REQUEST,
            "page starts at 1; page_num is 1..100",
        );
    }
    let from = match q.get("start_date") {
        Some(s) => match bound(s, false) {
            Some(t) => t,
            None => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "start_date must be YYYY-MM-DD or a Unix timestamp",
                )
            }
        },
        None => DateTime::<Utc>::UNIX_EPOCH,
    };
    let to = match q.get("end_date") {
        Some(s) => match bound(s, true) {
            Some(t) => t,
            None => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "end_date must be YYYY-MM-DD or a Unix timestamp",
                )
            }
        },
        None => Utc::now() + Duration::days(36_500),
    };
    state.count_list_request(LIST);
    let trans_type = q.get("trans_type").filter(|t| !t.is_empty());
    let binding = q.get("card_binding_id").filter(|t| !t.is_empty());
    let matching: Vec<&str> = state
        .visible_in(LIST, from, to)
        .filter(|r| trans_type.is_none_or(|t| &r.class == t))
        .filter(|r| binding.is_none_or(|b| field_is(&r.json, "card_binding_id", b)))
        .map(|r| r.json.as_str())
        .collect();
    let total = matching.len();
    let list = json_array(
        matching
            .into_iter()
            .skip(((page - 1) * page_num) as usize)
            .take(page_num as usize),
        state.options.faults.extra_fields,
    );
    ok(
        serde_json::json!({"total": total, "page": page, "page_num": page_num, "list": list}),
        truncate,
    )
}

fn find(state: &State, pred: impl Fn(&serde_json::Value) -> bool) -> Option<serde_json::Value> {
    state
        .store
        .list(LIST)
        .iter()
        .filter(|r| state.visible(LIST, r))
        .find_map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.json).ok()?;
            pred(&v).then_some(v)
        })
}

async fn record(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), uri.query().unwrap_or(""), b"").await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = authorize(&state, &h) {
        return r;
    }
    let Some(id) = q.get("transaction_id") else {
        return err(StatusCode::BAD_REQUEST, "transaction_id is required");
    };
    match find(&state, |v| {
        v.get("transaction_id").and_then(|x| x.as_str()) == Some(id.as_str())
    }) {
        Some(j) => ok(j, truncate),
        None => err(StatusCode::NOT_FOUND, "transaction record not found"),
    }
}

#[derive(Deserialize)]
struct DetailReq {
    #[serde(default)]
    trans_id: Option<WireText>,
    #[serde(default)]
    order_id: Option<String>,
}

async fn detail(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), "", &body).await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    if let Err(r) = authorize(&state, &h) {
        return r;
    }
    let Ok(d) = serde_json::from_slice::<DetailReq>(&body) else {
        return err(StatusCode::BAD_REQUEST, "invalid request body");
    };
    let found = match (
        WireText::optional(&d.trans_id),
        d.order_id.filter(|o| !o.is_empty()),
    ) {
        (Some(t), _) => find(&state, |v| {
            v.get("trans_id")
                .map(|x| x.to_string().trim_matches('"').to_string())
                == Some(t.clone())
        }),
        (None, Some(o)) => find(&state, |v| {
            v.get("order_id").and_then(|x| x.as_str()) == Some(o.as_str())
        }),
        (None, None) => return err(StatusCode::BAD_REQUEST, "trans_id or order_id is required"),
    };
    match found {
        Some(j) => ok(j, truncate),
        None => err(StatusCode::NOT_FOUND, "transaction record not found"),
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
        let trans_type = value
            .get("trans_type")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        store.push(LIST, Served::listed(r, trans_type, line, hidden));
    }
}
