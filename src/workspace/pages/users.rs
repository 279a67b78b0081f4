//! Users (admins only): add (with a generated password, shown once), disable, change role. The
//! store refuses to disable or demote the last enabled admin; disabling ends the person's
//! sessions at once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum_csrf::CsrfToken;

use super::super::form::Posted;
use super::super::person::Person;
use super::super::render::{failure, message, page};
use super::super::App;
use super::{now_text, refused, unusable};
use crate::store::users::Role;

pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
) -> Response {
    let users = match app.store.users().await {
        Ok(u) => u,
        Err(e) => return failure(&e),
    };
    page(
        &app,
        "users.html",
        Some(&me),
        token,
        minijinja::context! {
            nav => "users",
            users => users.iter().map(|u| minijinja::context! {
                name => u.name, role => u.role.as_str(), enabled => u.enabled,
                created_at => u.created_at, changed_at => u.changed_at,
            }).collect::<Vec<_>>(),
            roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        },
    )
}

pub async fn add(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    form: Posted,
) -> Response {
    let name = form.get("name").unwrap_or("").to_string();
    let Some(role) = form.get("role").and_then(Role::parse) else {
        return unusable(&app, &me, token, "Not added", "Choose a role.", "/users");
    };
    let password = crate::store::users::generated_password();
    match me.store(&app).add_user(&name, role, &password, &me.name, &now_text()).await {
        Ok(u) => message(&app, &me, token, StatusCode::OK, "User added", &[
            format!("{} can sign in as a {} with this password, shown only now:", u.name, u.role.as_str()),
            password,
            "Give it to them by a safe route; they can have it changed with `cardrecon user set-password`.".into(),
        ], "/users"),
        Err(e) => refused(&app, &me, token, &e, "/users"),
    }
}

pub async fn disable(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(name): Path<String>,
    _form: Posted,
) -> Response {
    match me
        .store(&app)
        .disable_user(&name, &me.name, &now_text())
        .await
    {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => refused(&app, &me, token, &e, "/users"),
    }
}

pub async fn set_role(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(name): Path<String>,
    form: Posted,
) -> Response {
    let Some(role) = form.get("role").and_then(Role::parse) else {
        return unusable(&app, &me, token, "Not changed", "Choose a role.", "/users");
    };
    match me
        .store(&app)
        .set_role(&name, role, &me.name, &now_text())
        .await
    {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => refused(&app, &me, token, &e, "/users"),
    }
}
