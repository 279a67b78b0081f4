//! The access policy as data: every route with the least role it needs. The router is built
//! from [`ROUTES`] and its guard reads the same entry, so what the table says is what the
//! server does (the route × role test walks every cell).

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::pages;
use super::person::{client_address, Person};
use super::sessions::{standing, Standing, StoreSessions, LAST_SEEN, SIGNED_IN_AT, USER};
use super::{auth, App};
use crate::store::users::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One route: its method and path (axum's `{name}` captures) and the least role it needs
/// (`None`: open to anyone, signed in or not).
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub role: Option<Role>,
}

const fn open(method: Method, path: &'static str) -> Route {
    Route {
        method,
        path,
        role: None,
    }
}

const fn needs(method: Method, path: &'static str, role: Role) -> Route {
    Route {
        method,
        path,
        role: Some(role),
    }
}

use Method::{Get, Post};
use Role::{Admin, Approver, Preparer, Viewer};

/// Every route of the workspace.
pub const ROUTES: &[Route] = &[
    open(Get, "/sign-in"),
    open(Post, "/sign-in"),
    open(Get, "/static/workspace.css"),
    open(Get, "/static/workspace.js"),
    needs(Post, "/sign-out", Viewer),
    needs(Get, "/", Viewer),
    needs(Get, "/periods", Viewer),
    needs(Get, "/periods/{period}", Viewer),
    needs(Post, "/periods/{period}/close", Approver),
    needs(Post, "/periods/{period}/reopen", Approver),
    needs(Get, "/runs/{run_id}/{file}", Viewer),
    needs(Get, "/items", Viewer),
    needs(Get, "/items.csv", Viewer),
    needs(Post, "/items/propose", Preparer),
    needs(Get, "/items/{id}", Viewer),
    needs(Post, "/items/{id}/propose", Preparer),
    needs(Post, "/items/{id}/comment", Preparer),
    needs(Get, "/search", Viewer),
    needs(Get, "/approvals", Viewer),
    needs(Post, "/approvals/approve", Approver),
    needs(Post, "/approvals/{id}/reject", Approver),
    needs(Post, "/approvals/{id}/withdraw", Preparer),
    needs(Get, "/audit", Viewer),
    needs(Get, "/audit.csv", Viewer),
    needs(Get, "/users", Admin),
    needs(Post, "/users", Admin),
    needs(Post, "/users/{name}/disable", Admin),
    needs(Post, "/users/{name}/role", Admin),
];

/// The handler of a route of [`ROUTES`].
fn handler(r: &Route) -> Option<MethodRouter<App>> {
    Some(match (r.method, r.path) {
        (Get, "/sign-in") => get(auth::sign_in_page),
        (Post, "/sign-in") => post(auth::sign_in),
        (Get, "/static/workspace.css") => get(pages::assets::css),
        (Get, "/static/workspace.js") => get(pages::assets::js),
        (Post, "/sign-out") => post(auth::sign_out),
        (Get, "/") => get(|| async { Redirect::to("/periods") }),
        (Get, "/periods") => get(pages::periods::list),
        (Get, "/periods/{period}") => get(pages::periods::one),
        (Post, "/periods/{period}/close") => post(pages::periods::close),
        (Post, "/periods/{period}/reopen") => post(pages::periods::reopen),
        (Get, "/runs/{run_id}/{file}") => get(pages::downloads::run_file),
        (Get, "/items") => get(pages::items::list),
        (Get, "/items.csv") => get(pages::items::csv),
        (Post, "/items/propose") => post(pages::items::propose_many),
        (Get, "/items/{id}") => get(pages::item::show),
        (Post, "/items/{id}/propose") => post(pages::item::propose),
        (Post, "/items/{id}/comment") => post(pages::item::comment),
        (Get, "/search") => get(pages::item::search),
        (Get, "/approvals") => get(pages::approvals::list),
        (Post, "/approvals/approve") => post(pages::approvals::approve),
        (Post, "/approvals/{id}/reject") => post(pages::approvals::reject),
        (Post, "/approvals/{id}/withdraw") => post(pages::approvals::withdraw),
        (Get, "/audit") => get(pages::audit::list),
        (Get, "/audit.csv") => get(pages::audit::csv),
        (Get, "/users") => get(pages::users::list),
        (Post, "/users") => post(pages::users::add),
        (Post, "/users/{name}/disable") => post(pages::users::disable),
        (Post, "/users/{name}/role") => post(pages::users::set_role),
        _ => return None,
    })
}

/// The workspace's router: [`ROUTES`], each behind its guard, with sessions and security
/// headers on every response.
pub fn router(app: App) -> Router {
    let mut router: Router<App> = Router::new();
    for r in ROUTES {
        let Some(h) = handler(r) else {
            tracing::error!(path = r.path, "a route of the table has no handler");
            continue;
        };
        let guarded = h.route_layer(middleware::from_fn_with_state((app.clone(), r.role), guard));
        router = router.route(r.path, guarded);
    }
    let sessions = SessionManagerLayer::new(StoreSessions(app.store.clone()))
        .with_name("cardrecon_session")
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Strict)
        .with_secure(app.serve.secure_cookies())
        .with_expiry(Expiry::OnInactivity(Duration::minutes(i64::from(
            app.serve.idle_minutes,
        ))));
    router
        .fallback(|| async { (StatusCode::NOT_FOUND, "No such page.") })
        .layer(middleware::from_fn(security_headers))
        .layer(sessions)
        .with_state(app)
}

/// Lets a request through to its handler only if the route is open or its person may use it;
/// otherwise sign-in (not signed in, expired, disabled) or 403 (role too low).
async fn guard(
    State((app, role)): State<(App, Option<Role>)>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(role) = role else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let address = client_address(&app, req.headers(), peer);
    let to_sign_in = |why: &str| Redirect::to(&format!("/sign-in?why={why}")).into_response();
    let name = match session.get::<String>(USER).await {
        Ok(Some(n)) => n,
        Ok(None) => return to_sign_in("signed-out"),
        Err(e) => {
            tracing::warn!("reading a session: {e}");
            return to_sign_in("signed-out");
        }
    };
    let since = session.get::<i64>(SIGNED_IN_AT).await.ok().flatten();
    let last = session.get::<i64>(LAST_SEEN).await.ok().flatten();
    let now = chrono::Utc::now().timestamp();
    match standing(
        now,
        since,
        last,
        app.serve.session_hours,
        app.serve.idle_minutes,
    ) {
        Standing::Expired => {
            let _ = session.flush().await;
            return to_sign_in("expired");
        }
        Standing::Touch => {
            if let Err(e) = session.insert(LAST_SEEN, now).await {
                tracing::warn!("recording a session's activity: {e}");
            }
        }
        Standing::Fresh => {}
    }
    let user = match app.store.user(&name).await {
        Ok(Some(u)) if u.enabled => u,
        Ok(_) => {
            let _ = session.flush().await;
            return to_sign_in("signed-out");
        }
        Err(e) => return super::render::failure(&e),
    };
    if user.role < role {
        return (
            StatusCode::FORBIDDEN,
            format!(
                "{} is a {}; this needs a {} or above.",
                user.name,
                user.role.as_str(),
                role.as_str()
            ),
        )
            .into_response();
    }
    req.extensions_mut().insert(Person {
        name: user.name,
        role: user.role,
        origin: format!("workspace, address {address}"),
    });
    next.run(req).await
}

/// Headers on every response: no inline or foreign script, no framing, no MIME sniffing, no
/// referrer, and no caching of pages that hold the company's figures.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler_and_appears_once() {
        let mut seen = std::collections::BTreeSet::new();
        for r in ROUTES {
            assert!(handler(r).is_some(), "{:?} {}", r.method, r.path);
            assert!(seen.insert((r.method == Get, r.path)), "{} twice", r.path);
        }
    }

    #[test]
    fn only_sign_in_and_static_files_are_open() {
        for r in ROUTES.iter().filter(|r| r.role.is_none()) {
            assert!(
                r.path == "/sign-in" || r.path.starts_with("/static/"),
                "{} is open",
                r.path
            );
        }
    }
}
