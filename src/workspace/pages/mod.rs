//! One file per page (or group of a page's actions), as `cli/` has one file per command.

pub mod approvals;
pub mod assets;
pub mod audit;
pub mod downloads;
pub mod item;
pub mod items;
pub mod periods;
pub mod users;

use axum::http::StatusCode;
use axum::response::Response;
use axum_csrf::CsrfToken;

use super::person::Person;
use super::App;
use crate::error::Error;

pub use crate::period::now_text;

/// A filter's value as typed: trimmed, `None` when absent or blank.
pub fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `path` with the URL query `query` (none when it is empty).
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Page `p` of a paged list at `path` with its filters' `query`.
pub fn page_link(path: &str, query: &str, p: u64) -> String {
    if query.is_empty() {
        format!("{path}?page={p}")
    } else {
        format!("{path}?{query}&page={p}")
    }
}

/// A form that cannot be acted on (a field missing or not valid): 400, saying what, with
/// nothing changed.
pub fn unusable(
    app: &App,
    person: &Person,
    token: CsrfToken,
    title: &str,
    why: impl Into<String>,
    back: &str,
) -> Response {
    super::render::message(
        app,
        person,
        token,
        StatusCode::BAD_REQUEST,
        title,
        &[why.into()],
        back,
    )
}

/// A decision the store refused (the item changed, a rule says no): said to the person, with
/// the store's reason; any other failure is a server error.
pub fn refused(app: &App, person: &Person, token: CsrfToken, e: &Error, back: &str) -> Response {
    match e {
        Error::Store { message, .. } | Error::Input { message, .. } => super::render::message(
            app,
            person,
            token,
            StatusCode::CONFLICT,
            "Not done",
            &[message.clone(), "Nothing was changed.".to_string()],
            back,
        ),
        other => super::render::failure(other),
    }
}
