//! The review workspace (`cardrecon serve`): the close in a browser, over the store the runs
//! already write and the run directories they leave.
//!
//! **Invariants, each with a test in `tests/workspace.rs`.**
//! - Every route is in [`routes::ROUTES`] with the least role it needs; the router is built
//!   from that table and the guard checks it, so the table *is* the access policy (tested cell
//!   by cell). Only the sign-in page, the style sheet and the script are open.
//! - Every state-changing request is a form post whose CSRF token is checked before its handler
//!   runs ([`form::Posted`]).
//! - Sessions live in the store ([`sessions`]); a request is served only while its user exists,
//!   is enabled, and signed in less than `session_hours` ago, and within `idle_minutes` of their
//!   last request.
//! - A decision made here goes through the same store functions as the CLI's (maker-checker on
//!   top: [`crate::store::proposals`]), so `items`, `history`, `explain` and the reports show it
//!   the same way.
//! - Pages are minijinja templates with HTML escaping on for every value, served with a
//!   `Content-Security-Policy` that allows no inline script; provider and ledger text is text.
//!
//! Every action works as a plain HTML form; `workspace.js` only adds "select all".

pub mod auth;
pub mod form;
pub mod pages;
pub mod person;
pub mod render;
pub mod routes;
pub mod sessions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::FromRef;
use axum_csrf::{CsrfConfig, Key, SameSite};
use chrono_tz::Tz;

use crate::config::serve::{ReviewSettings, ServeSettings};
use crate::error::{Error, Result};
use crate::store::proposals::ApproveAbove;
use crate::store::Store;

/// What every request reads: the store, where the runs are, and the settings.
#[derive(Clone)]
pub struct App(pub Arc<Inner>);

pub struct Inner {
    pub store: Arc<Store>,
    /// The configuration's output directory: `<dir>/<period>/<run id>/`.
    pub runs_dir: PathBuf,
    pub timezone: Tz,
    pub serve: ServeSettings,
    pub approve_above: ApproveAbove,
    pub csrf: CsrfConfig,
    pub templates: minijinja::Environment<'static>,
    /// The items page's choices (periods, providers, currencies) and when they were read:
    /// three scans of the whole items table are not repeated for every page view.
    pub choices: tokio::sync::Mutex<Option<(std::time::Instant, [Vec<String>; 3])>>,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl FromRef<App> for CsrfConfig {
    fn from_ref(app: &App) -> CsrfConfig {
        app.csrf.clone()
    }
}

/// A random text for the CSRF token's HMAC salt (a new one at each start).
fn random_salt() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect()
}

impl App {
    pub fn new(
        store: Store,
        runs_dir: PathBuf,
        timezone: Tz,
        serve: ServeSettings,
        review: &ReviewSettings,
    ) -> Result<App> {
        let csrf = CsrfConfig::default()
            .with_key(Some(Key::generate()))
            .with_salt(random_salt())
            .with_cookie_name("cardrecon_csrf")
            .with_cookie_same_site(SameSite::Strict)
            .with_http_only(true)
            .with_secure(serve.secure_cookies());
        Ok(App(Arc::new(Inner {
            store: Arc::new(store),
            runs_dir,
            timezone,
            approve_above: ApproveAbove(review.approve_above.clone()),
            csrf,
            templates: render::templates()?,
            choices: tokio::sync::Mutex::new(None),
            serve,
        })))
    }
}

/// Serves the workspace until Ctrl-C: plain HTTP, or TLS with `[serve] tls_cert`/`tls_key`.
/// `ready` is called with the address people open once listening (the command prints it; with
/// port 0 the system chose the port).
pub async fn serve(app: App, ready: impl FnOnce(String)) -> Result<()> {
    let addr = app.serve.addr;
    let tls = app.serve.tls.clone();
    let router = routes::router(app.clone());
    let expiring = {
        let store = app.store.clone();
        tokio::spawn(async move {
            loop {
                let now = chrono::Utc::now().timestamp();
                if let Err(e) = store.sessions_expire(now).await {
                    tracing::warn!("removing expired sessions: {e}");
                }
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            }
        })
    };
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| Error::io(PathBuf::from(addr.to_string()), e))?;
            let local = listener
                .local_addr()
                .map_err(|e| Error::io(PathBuf::from(addr.to_string()), e))?;
            ready(format!("http://{local}/"));
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| Error::io(PathBuf::from(local.to_string()), e))
        }
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .map_err(|e| {
                    Error::input(
                        "serve.tls_cert",
                        format!("{} and {}: {e}", cert.display(), key.display()),
                    )
                })?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let server = tokio::spawn(
                axum_server::bind_rustls(addr, config)
                    .handle(handle.clone())
                    .serve(service),
            );
            match handle.listening().await {
                Some(local) => ready(format!("https://{local}/")),
                None => tracing::error!("the TLS listener did not start"),
            }
            match server.await {
                Ok(r) => r.map_err(|e| Error::io(PathBuf::from(addr.to_string()), e)),
                Err(e) => Err(Error::input("serve", e.to_string()).because(e)),
            }
        }
    };
    expiring.abort();
    served
}
