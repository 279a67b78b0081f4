//! The approvals queue: what waits, oldest first; approve many at once, reject one with a note.
//! An approver cannot approve their own proposal (the store refuses it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum_csrf::CsrfToken;

use super::super::form::Posted;
use super::super::person::Person;
use super::super::render::{failure, message, money, page};
use super::super::App;
use super::{now_text, refused, unusable};

pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
) -> Response {
    let pending = match app.store.pending_proposals(None).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let mut rows = Vec::new();
    for p in &pending {
        let item = match app.store.item(&p.item_id).await {
            Ok(i) => i,
            Err(e) => return failure(&e),
        };
        rows.push(minijinja::context! {
            id => p.proposal_id, item_id => p.item_id, period => p.period,
            action => p.action.as_str(), reason => p.action.reason().map(|r| r.as_str()),
            note => p.note, by => p.proposed_by, at => p.proposed_at,
            mine => p.proposed_by == me.name,
            category => item.as_ref().map(|i| i.category.as_str()),
            provider => item.as_ref().and_then(|i| i.provider.clone()),
            amount => item.as_ref().map(|i| money(i.amount)),
            at_stake => item.as_ref().map(|i| money(i.exposure.at_stake)),
            currency => item.as_ref().and_then(|i| i.currency.clone()),
        });
    }
    page(
        &app,
        "approvals.html",
        Some(&me),
        token,
        minijinja::context! { nav => "approvals", proposals => rows },
    )
}

pub async fn approve(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    form: Posted,
) -> Response {
    let ids = form.all("proposal");
    if ids.is_empty() {
        return unusable(
            &app,
            &me,
            token,
            "Nothing approved",
            "Select at least one proposal.",
            "/approvals",
        );
    }
    let store = me.store(&app);
    let mut done = Vec::new();
    let mut refusals = Vec::new();
    for id in &ids {
        match store.approve(id, &me.name, &now_text()).await {
            Ok(item) => done.push(format!("{id}: {} is {}", item.item_id, item.state.as_str())),
            Err(crate::error::Error::Store { message, .. }) => refusals.push(message),
            Err(e) => return failure(&e),
        }
    }
    if refusals.is_empty() {
        return Redirect::to("/approvals").into_response();
    }
    let mut lines = vec![format!("{} approved, {} not:", done.len(), refusals.len())];
    lines.extend(refusals);
    lines.extend(done);
    message(
        &app,
        &me,
        token,
        StatusCode::CONFLICT,
        "Some proposals were not approved",
        &lines,
        "/approvals",
    )
}

async fn decline(
    app: App,
    me: Person,
    token: CsrfToken,
    id: String,
    form: Posted,
    own: bool,
) -> Response {
    let Some(note) = form.get("note") else {
        return unusable(
            &app,
            &me,
            token,
            "Not done",
            "Say why, in the note.",
            "/approvals",
        );
    };
    if own {
        match app.store.proposal(&id).await {
            Ok(Some(p)) if p.proposed_by == me.name => {}
            Ok(Some(_)) => {
                return message(
                    &app,
                    &me,
                    token,
                    StatusCode::FORBIDDEN,
                    "Not withdrawn",
                    &["Only its preparer can withdraw a proposal; an approver rejects it.".into()],
                    "/approvals",
                )
            }
            Ok(None) => return (StatusCode::NOT_FOUND, "No such proposal.").into_response(),
            Err(e) => return failure(&e),
        }
    }
    match me
        .store(&app)
        .reject_proposal(&id, note, &me.name, &now_text())
        .await
    {
        Ok(_) => Redirect::to("/approvals").into_response(),
        Err(e) => refused(&app, &me, token, &e, "/approvals"),
    }
}

pub async fn reject(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(id): Path<String>,
    form: Posted,
) -> Response {
    decline(app, me, token, id, form, false).await
}

pub async fn withdraw(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(id): Path<String>,
    form: Posted,
) -> Response {
    decline(app, me, token, id, form, true).await
}
