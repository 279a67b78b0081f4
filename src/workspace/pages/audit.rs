//! The audit log: every event (runs, decisions, proposals and approvals, sign-ins and failed
//! sign-ins, closes, user changes), newest first, filtered by person, period and action, and
//! downloadable as CSV. Read-only: no route edits or deletes an event.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum_csrf::CsrfToken;
use serde::Deserialize;

use super::super::person::Person;
use super::super::render::{failure, page};
use super::super::App;
use super::{filled, page_link, with_query};
use crate::store::browse::EventQuery;

const PAGE_SIZE: u64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    by: Option<String>,
    period: Option<String>,
    event: Option<String>,
    page: Option<u64>,
}

impl Filters {
    fn query(&self) -> EventQuery {
        EventQuery {
            by: filled(&self.by),
            period: filled(&self.period),
            event: filled(&self.event),
        }
    }

    fn url_query(&self) -> String {
        let q = self.query();
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("by", &q.by), ("period", &q.period), ("event", &q.event)] {
            if let Some(v) = v {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Query(f): Query<Filters>,
) -> Response {
    let q = f.query();
    let page_no = f.page.unwrap_or(1).max(1);
    let (events, total) = match app
        .store
        .events_page(&q, (page_no - 1) * PAGE_SIZE, PAGE_SIZE)
        .await
    {
        Ok(x) => x,
        Err(e) => return failure(&e),
    };
    let kinds = match app.store.event_kinds().await {
        Ok(k) => k,
        Err(e) => return failure(&e),
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let base = f.url_query();
    let link = |p: u64| page_link("/audit", &base, p);
    page(
        &app,
        "audit.html",
        Some(&me),
        token,
        minijinja::context! {
            nav => "audit",
            events => events.iter().map(|(seq, e)| minijinja::context! {
                seq => seq, at => e.at, by => e.by, event => e.event, item_id => e.item_id,
                period => e.period, from => e.from_status, to => e.to_status, reason => e.reason,
                note => e.note, run_id => e.run_id, origin => e.origin,
            }).collect::<Vec<_>>(),
            total => total, page => page_no, pages => pages,
            prev => (page_no > 1).then(|| link(page_no - 1)),
            next => (page_no < pages).then(|| link(page_no + 1)),
            kinds => kinds,
            f => minijinja::context! { by => q.by, period => q.period, event => q.event },
            csv => with_query("/audit.csv", &base),
        },
    )
}

/// The audit log's columns as downloaded.
const COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "by",
    "event",
    "item_id",
    "period",
    "from_status",
    "to_status",
    "reason",
    "note",
    "run_id",
    "origin",
];

pub async fn csv(State(app): State<App>, Query(f): Query<Filters>) -> Response {
    let q = f.query();
    let mut out = Vec::new();
    let written: Result<(), String> = async {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS).map_err(|e| e.to_string())?;
        let mut offset = 0;
        loop {
            let (events, _) = app
                .store
                .events_page(&q, offset, 10_000)
                .await
                .map_err(|e| e.to_string())?;
            for (seq, e) in &events {
                let o = |v: &Option<String>| v.clone().unwrap_or_default();
                let row = [
                    seq.to_string(),
                    e.at.clone(),
                    e.by.clone(),
                    e.event.clone(),
                    o(&e.item_id),
                    o(&e.period),
                    o(&e.from_status),
                    o(&e.to_status),
                    o(&e.reason),
                    o(&e.note),
                    o(&e.run_id),
                    o(&e.origin),
                ];
                w.write_record(
                    row.iter()
                        .map(|v| crate::formula_guard::guard_text(v).into_owned()),
                )
                .map_err(|e| e.to_string())?;
            }
            if events.len() < 10_000 {
                break;
            }
            offset += 10_000;
        }
        w.flush().map_err(|e| e.to_string())
    }
    .await;
    if let Err(e) = written {
        tracing::error!("writing the audit log CSV: {e}");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the audit log could not be written",
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}
