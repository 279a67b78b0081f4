//! tinypay's sandbox emulator: its one list endpoint, its bearer token, its limits.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use cardrecon::model::ProviderRecord;
use cardrecon::providers::emulator::{
    faults, header, json_array, json_response, FaultOutcome, Served, State, Store,
};

const LIST: &str = super::NAME;

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/records", get(records))
}

fn refuse(code: StatusCode, message: &str) -> Response<Body> {
    json_response(
        code,
        serde_json::json!({ "error": message }).to_string(),
        false,
    )
}

async fn records(
    AxState(state): AxState<Arc<State>>,
    h: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let truncate = match faults(&state, uri.path(), uri.query().unwrap_or(""), b"").await {
        FaultOutcome::Respond(r) => return r,
        FaultOutcome::Proceed { truncate } => truncate,
    };
    let token = header(&h, "authorization").and_then(|a| a.strip_prefix("Bearer "));
    if !state.options.credentials.accepts(super::TOKEN.env, token) {
        return refuse(StatusCode::UNAUTHORIZED, "bad token");
    }
    let number = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let (Some(from), Some(to), Some(page), Some(size)) =
        (number("from"), number("to"), number("page"), number("size"))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "from, to, page and size are required",
        );
    };
    if to <= from || to - from > super::MAX_WINDOW_DAYS * 86_400 {
        return refuse(StatusCode::BAD_REQUEST, "a window is at most 7 days");
    }
    if page < 1 || !(1..=super::MAX_SIZE as i64).contains(&size) {
        return refuse(StatusCode::BAD_REQUEST, "page from 1, size 1..=50");
    }
    let (Some(from), Some(to)) = (
        DateTime::<Utc>::from_timestamp(from, 0),
        DateTime::<Utc>::from_timestamp(to, 0),
    ) else {
        return refuse(StatusCode::BAD_REQUEST, "from or to out of range");
    };
    state.count_list_request(LIST);
    let matching: Vec<&str> = state
        .visible_in(LIST, from, to)
        .map(|r| r.json.as_str())
        .collect();
    let total = matching.len();
    let list = json_array(
        matching
            .into_iter()
            .skip(((page - 1) * size) as usize)
            .take(size as usize),
        state.options.faults.extra_fields,
    );
    json_response(
        StatusCode::OK,
        serde_json::json!({ "records": list, "total": total }).to_string(),
        truncate,
    )
}

pub fn keep(
    store: &mut Store,
    record: Option<ProviderRecord>,
    _: &serde_json::Value,
    line: &str,
    hidden: bool,
) {
    if let Some(r) = record {
        store.push(LIST, Served::listed(r, String::new(), line, hidden));
    }
}
