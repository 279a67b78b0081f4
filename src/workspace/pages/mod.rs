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
