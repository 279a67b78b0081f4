//! Signing in and out.
//!
//! **Why one message.** An unknown user, a wrong password and a disabled user all get "the user
//! name or password is not right": the page must not tell a guesser which names exist.
//!
//! **Why the throttle counts before checking the password.** After [`MAX_FAILURES`] failed
//! sign-ins in [`THROTTLE_MINUTES`] for a user name (or [`MAX_FAILURES_PER_ADDRESS`] from an
//! address), sign-in is refused
//! for both without looking at the password, so a guesser learns nothing more by trying on.

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum_csrf::CsrfToken;
use serde::Deserialize;
use tower_sessions::Session;

use super::form::Posted;
use super::person::{client_address, Person};
use super::render::{failure, page};
use super::sessions::{SIGNED_IN_AT, USER};
use super::App;
use crate::period::{instant_text, now_text};
use crate::store::sessions::SIGN_IN_FAILED;

/// Failed sign-ins for one user name before sign-in as them is refused.
pub const MAX_FAILURES: i64 = 5;
/// Failed sign-ins from one address (an office behind one NAT is many people) before sign-in
/// from it is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// How far back failures count, and so how long a refusal lasts.
pub const THROTTLE_MINUTES: i64 = 15;

const WRONG: &str = "The user name or password is not right.";

#[derive(Deserialize)]
pub struct SignInQuery {
    why: Option<String>,
}

fn sign_in_form(app: &App, token: CsrfToken, message: Option<&str>, name: &str) -> Response {
    page(
        app,
        "sign_in.html",
        None,
        token,
        minijinja::context! { message => message, name => name },
    )
}

pub async fn sign_in_page(
    State(app): State<App>,
    token: CsrfToken,
    Query(q): Query<SignInQuery>,
) -> Response {
    let message = match q.why.as_deref() {
        Some("expired") => Some("Your session ended; sign in again."),
        Some("signed-out") => Some("Sign in to continue."),
        Some("bye") => Some("You are signed out."),
        _ => None,
    };
    sign_in_form(&app, token, message, "")
}

pub async fn sign_in(
    State(app): State<App>,
    token: CsrfToken,
    session: Session,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Posted,
) -> Response {
    let name = form.get("name").unwrap_or("").to_string();
    let password = form.all("password").into_iter().next().unwrap_or_default();
    let origin = format!(
        "workspace, address {}",
        client_address(&app, &headers, Some(peer))
    );
    let since = instant_text(chrono::Utc::now() - chrono::Duration::minutes(THROTTLE_MINUTES));
    let (by_user, by_address) = match app.store.failed_sign_ins(&name, &origin, &since).await {
        Ok(n) => n,
        Err(e) => return failure(&e),
    };
    if by_user >= MAX_FAILURES || by_address >= MAX_FAILURES_PER_ADDRESS {
        if let Err(e) = app
            .store
            .sign_in_event(SIGN_IN_FAILED, &name, &origin, &now_text())
            .await
        {
            return failure(&e);
        }
        return sign_in_form(
            &app,
            token,
            Some(&format!(
                "Too many failed sign-ins: sign-in is paused for {THROTTLE_MINUTES} minutes."
            )),
            &name,
        );
    }
    let user = if name.is_empty() || password.is_empty() {
        None
    } else {
        match app.store.verify_password(&name, &password).await {
            Ok(u) => u.filter(|u| u.enabled),
            Err(e) => return failure(&e),
        }
    };
    let Some(user) = user else {
        if let Err(e) = app
            .store
            .sign_in_event(SIGN_IN_FAILED, &name, &origin, &now_text())
            .await
        {
            return failure(&e);
        }
        return sign_in_form(&app, token, Some(WRONG), &name);
    };
    // A new session id at sign-in: an id planted before it is worth nothing after.
    if let Err(e) = session.cycle_id().await {
        tracing::warn!("renewing the session id: {e}");
    }
    let stored = async {
        session.insert(USER, &user.name).await?;
        session
            .insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())
            .await
    };
    if let Err(e) = stored.await {
        tracing::warn!("writing the session: {e}");
        return sign_in_form(&app, token, Some("Signing in failed; try again."), &name);
    }
    if let Err(e) = app
        .store
        .sign_in_event("signed in", &user.name, &origin, &now_text())
        .await
    {
        return failure(&e);
    }
    Redirect::to("/periods").into_response()
}

pub async fn sign_out(
    State(app): State<App>,
    session: Session,
    Extension(person): Extension<Person>,
    _form: Posted,
) -> Response {
    let _ = session.flush().await;
    if let Err(e) = app
        .store
        .sign_in_event("signed out", &person.name, &person.origin, &now_text())
        .await
    {
        return failure(&e);
    }
    Redirect::to("/sign-in?why=bye").into_response()
}
