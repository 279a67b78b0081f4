//! Periods: each with its state, its runs (and their files), its roll-forward as the latest
//! run issued it, its open items by age, what waits for approval; close and reopen.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum_csrf::CsrfToken;
use serde_json::Value;

use super::super::form::Posted;
use super::super::person::Person;
use super::super::render::{failure, message, page};
use super::super::App;
use super::{now_text, refused, unusable};
use crate::period::Period;
use crate::store::browse::{ItemQuery, StateFilter, AGE_BUCKETS};
use crate::store::item::ItemState;

/// The files of a run a person may download, in the order the page lists them.
pub const RUN_FILES: [&str; 8] = [
    crate::run_dir::REPORT_XLSX,
    crate::run_dir::REPORT_HTML,
    crate::run_dir::DISCREPANCIES_CSV,
    crate::run_dir::RESULTS_CSV,
    crate::run_dir::LINKS_CSV,
    crate::run_dir::CARDS_CSV,
    crate::run_dir::SUMMARY_JSON,
    crate::run_dir::MANIFEST_JSON,
];

fn run_context(app: &App, r: &crate::store::browse::RunRow) -> minijinja::Value {
    let dir = app.runs_dir.join(&r.period).join(&r.run_id);
    let files: Vec<&str> = RUN_FILES
        .iter()
        .copied()
        .filter(|f| dir.join(f).is_file())
        .collect();
    minijinja::context! {
        run_id => r.run_id, recorded_at => r.recorded_at, result_rows => r.result_rows,
        discrepancies => r.discrepancies, new_items => r.new_items,
        cleared_items => r.cleared_items, resolved_items => r.resolved_items, files => files,
    }
}

pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
) -> Response {
    let periods = match app.store.periods_overview().await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let pending = match app.store.pending_proposals(None).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let open = match app.store.open_items_by_period().await {
        Ok(o) => o,
        Err(e) => return failure(&e),
    };
    let mut rows = Vec::new();
    for p in &periods {
        let open = open.get(&p.period).copied().unwrap_or(0);
        rows.push(minijinja::context! {
            period => p.period,
            closed => p.status.as_ref().is_some_and(|s| s.closed),
            changed_by => p.status.as_ref().map(|s| s.changed_by.clone()),
            changed_at => p.status.as_ref().map(|s| s.changed_at.clone()),
            runs => p.runs.len(),
            latest => p.runs.first().map(|r| run_context(&app, r)),
            open => open,
            waiting => pending.iter().filter(|w| w.period == p.period).count(),
        });
    }
    page(
        &app,
        "periods.html",
        Some(&me),
        token,
        minijinja::context! { nav => "periods", periods => rows },
    )
}

/// The roll-forward lines of a run's `summary.json` (as the run issued them).
fn roll_forward(app: &App, period: &str, run_id: &str) -> Vec<minijinja::Value> {
    let path = app
        .runs_dir
        .join(period)
        .join(run_id)
        .join(crate::run_dir::SUMMARY_JSON);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let lines = json
        .pointer("/close/roll_forward")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tally = |l: &Value, k: &str| {
        let t = l.get(k);
        minijinja::context! {
            count => t.and_then(|t| t.get("count")).map(|v| v.to_string()).unwrap_or_default(),
            amount => t.and_then(|t| t.get("amount")).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).unwrap_or_default(),
        }
    };
    lines
        .iter()
        .map(|l| {
            minijinja::context! {
                provider => l.get("provider").and_then(Value::as_str).unwrap_or(""),
                currency => l.get("currency").and_then(Value::as_str).unwrap_or(""),
                open_at_start => tally(l, "open_at_start"),
                new => tally(l, "new"),
                reopened => tally(l, "reopened"),
                cleared => tally(l, "cleared"),
                resolved => tally(l, "resolved"),
                accepted => tally(l, "accepted"),
                open_at_end => tally(l, "open_at_end"),
                balances => l.get("balances").and_then(Value::as_bool).unwrap_or(false),
            }
        })
        .collect()
}

pub async fn one(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(label): Path<String>,
) -> Response {
    let Ok(period) = Period::parse(&label) else {
        return (StatusCode::NOT_FOUND, "No such period.").into_response();
    };
    let overview = match app.store.periods_overview().await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let Some(p) = overview.into_iter().find(|p| p.period == label) else {
        return (StatusCode::NOT_FOUND, "No run has recorded this period.").into_response();
    };
    let mut ages = Vec::new();
    for (bucket, _, _) in AGE_BUCKETS {
        let q = ItemQuery {
            period: Some(label.clone()),
            state: Some(StateFilter::Is(ItemState::Open)),
            age: Some(bucket),
            as_of: Some(period.last),
            ..Default::default()
        };
        match app.store.items_page(&q, 0, 0).await {
            Ok(page) => ages.push(minijinja::context! { bucket => bucket, count => page.total }),
            Err(e) => return failure(&e),
        }
    }
    let pending = match app.store.pending_proposals(Some(&label)).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let runs: Vec<minijinja::Value> = p.runs.iter().map(|r| run_context(&app, r)).collect();
    let roll = p
        .runs
        .first()
        .map(|r| roll_forward(&app, &label, &r.run_id))
        .unwrap_or_default();
    page(
        &app,
        "period.html",
        Some(&me),
        token,
        minijinja::context! {
            nav => "periods",
            period => label,
            closed => p.status.as_ref().is_some_and(|s| s.closed),
            status => p.status.as_ref().map(|s| minijinja::context! {
                changed_by => s.changed_by, changed_at => s.changed_at, note => s.note,
            }),
            runs => runs,
            roll => roll,
            latest_run => p.runs.first().map(|r| r.run_id.clone()),
            ages => ages,
            waiting => pending.len(),
        },
    )
}

pub async fn close(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(label): Path<String>,
    form: Posted,
) -> Response {
    let back = format!("/periods/{label}");
    let Ok(period) = Period::parse(&label) else {
        return (StatusCode::NOT_FOUND, "No such period.").into_response();
    };
    let force = form.get("force") == Some("yes");
    let note = form.get("note");
    if force && note.is_none() {
        return unusable(
            &app,
            &me,
            token,
            "Not closed",
            "Closing with items open needs a note saying why.",
            &back,
        );
    }
    let pending = match app.store.pending_proposals(Some(&label)).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    if !pending.is_empty() && !force {
        let mut lines = vec![format!(
            "{label} has {} proposals waiting for approval: approve or reject them first, or close with force and a note.",
            pending.len()
        )];
        lines.extend(pending.iter().take(50).map(|p| {
            format!(
                "{} on {} by {} at {}",
                p.action.as_str(),
                p.item_id,
                p.proposed_by,
                p.proposed_at
            )
        }));
        return message(
            &app,
            &me,
            token,
            StatusCode::CONFLICT,
            "Not closed",
            &lines,
            "/approvals",
        );
    }
    let store = me.store(&app);
    match store
        .close_period(&period, force, note, &me.name, &now_text())
        .await
    {
        Ok(Ok(_)) => Redirect::to(&back).into_response(),
        Ok(Err(open)) => {
            let mut lines = vec![format!(
                "{label} has {} open items: accept or clear them first, or close with force and a note.",
                open.len()
            )];
            lines.extend(open.iter().take(50).map(|i| {
                format!(
                    "{} {} {} {}",
                    i.item_id,
                    i.category.as_str(),
                    i.provider.as_deref().unwrap_or(""),
                    super::super::render::money(i.amount)
                )
            }));
            if open.len() > 50 {
                lines.push(format!("… and {} more", open.len() - 50));
            }
            message(
                &app,
                &me,
                token,
                StatusCode::CONFLICT,
                "Not closed",
                &lines,
                &format!("/items?period={label}&state=open"),
            )
        }
        Err(e) => refused(&app, &me, token, &e, &back),
    }
}

pub async fn reopen(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(label): Path<String>,
    form: Posted,
) -> Response {
    let back = format!("/periods/{label}");
    let Ok(period) = Period::parse(&label) else {
        return (StatusCode::NOT_FOUND, "No such period.").into_response();
    };
    let Some(note) = form.get("note") else {
        return unusable(
            &app,
            &me,
            token,
            "Not reopened",
            "Reopening a period needs a note saying why.",
            &back,
        );
    };
    match me
        .store(&app)
        .reopen_period(&period, note, &me.name, &now_text())
        .await
    {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => refused(&app, &me, token, &e, &back),
    }
}
