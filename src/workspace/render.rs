//! Pages: minijinja templates compiled into the binary, with HTML escaping on for every value
//! (the templates end in `.html`, which turns minijinja's auto-escaping on), so a merchant name
//! like `<script>…</script>` is shown as text.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum_csrf::CsrfToken;

use super::person::Person;
use super::App;
use crate::error::{Error, Result};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("periods.html", include_str!("templates/periods.html")),
    ("period.html", include_str!("templates/period.html")),
    ("items.html", include_str!("templates/items.html")),
    ("item.html", include_str!("templates/item.html")),
    ("approvals.html", include_str!("templates/approvals.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("users.html", include_str!("templates/users.html")),
    ("message.html", include_str!("templates/message.html")),
];

/// The workspace's templates.
pub fn templates() -> Result<minijinja::Environment<'static>> {
    let mut env = minijinja::Environment::new();
    for (name, text) in TEMPLATES {
        env.add_template(name, text).map_err(|e| Error::Output {
            path: std::path::PathBuf::from(format!("workspace template {name}")),
            message: e.to_string(),
            cause: Some(Box::new(e)),
        })?;
    }
    Ok(env)
}

/// A page: `template` rendered with `ctx`, the signed-in person and the CSRF token every form
/// carries (the token also goes out as its cookie).
pub fn page(
    app: &App,
    template: &str,
    person: Option<&Person>,
    token: CsrfToken,
    ctx: minijinja::Value,
) -> Response {
    let csrf = match token.authenticity_token() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("making a CSRF token: {e}");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot make a form token",
            )
                .into_response();
        }
    };
    let who = person.map(|p| {
        minijinja::context! {
            name => p.name,
            role => p.role.as_str(),
            can_propose => p.role >= crate::store::users::Role::Preparer,
            can_approve => p.role >= crate::store::users::Role::Approver,
            is_admin => p.role >= crate::store::users::Role::Admin,
        }
    });
    let rendered = app.templates.get_template(template).and_then(|t| {
        t.render(minijinja::context! {
            me => who,
            csrf => csrf,
            ..ctx
        })
    });
    match rendered {
        Ok(body) => (token, Html(body)).into_response(),
        Err(e) => {
            tracing::error!("rendering {template}: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be drawn",
            )
                .into_response()
        }
    }
}

/// A short page saying what happened (a refused decision, a finished action), with a link on.
pub fn message(
    app: &App,
    person: &Person,
    token: CsrfToken,
    status: StatusCode,
    title: &str,
    lines: &[String],
    back: &str,
) -> Response {
    let mut res = page(
        app,
        "message.html",
        Some(person),
        token,
        minijinja::context! { title => title, lines => lines, back => back },
    );
    *res.status_mut() = status;
    res
}

/// A store failure: logged in full, shown without the store's URL details.
pub fn failure(e: &Error) -> Response {
    tracing::error!("workspace: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The store could not be read or written; the server's log says why. Nothing was changed.",
    )
        .into_response()
}

/// An amount as pages show it: as `items` and the CSV files write it (at least two places,
/// every digit the figure has).
pub fn money(a: Option<rust_decimal::Decimal>) -> String {
    a.map(crate::money::format).unwrap_or_default()
}
