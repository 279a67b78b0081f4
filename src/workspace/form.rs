//! Every state-changing request is a form post checked for its CSRF token first.
//!
//! **Why one extractor.** A handler that changes anything takes [`Posted`], and `Posted` exists
//! only once the token matched: a handler cannot forget the check, and a request without the
//! token (or with another page's) is answered 403 before the handler runs, so nothing is
//! written. The token is axum_csrf's: an HMAC of a random value kept in a private (encrypted)
//! `SameSite=Strict` cookie, carried in each form's hidden `authenticity_token` field.
//!
//! Forms are parsed with `url`'s `application/x-www-form-urlencoded` reader, keeping repeated
//! fields (a list's checkboxes: `item=…&item=…`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_csrf::CsrfToken;

use super::App;

/// The form field carrying the CSRF token.
pub const TOKEN_FIELD: &str = "authenticity_token";

/// A posted form whose CSRF token was checked.
pub struct Posted {
    pairs: Vec<(String, String)>,
}

impl Posted {
    /// The first value of a field, trimmed; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from this workspace (CSRF check failed); nothing was changed. Go back, reload the page and try again.",
    )
        .into_response()
}

impl FromRequest<App> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let token = CsrfToken::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| forbidden())?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == TOKEN_FIELD)
            .map(|(_, v)| v.as_str());
        match sent {
            Some(t) if token.verify(t).is_ok() => Ok(Posted { pairs }),
            _ => Err(forbidden()),
        }
    }
}
