//! Who is asking, and from where: the signed-in person a guarded handler serves
//! ([`crate::workspace::routes`] puts them in the request), and the address their events
//! record.

use super::App;
use crate::store::users::Role;

/// The signed-in person a guarded handler serves.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub role: Role,
    /// Where the request came from (`workspace, address 127.0.0.1`), stamped on their events.
    pub origin: String,
}

impl Person {
    /// The store as this person acts on it (their events say where they came from).
    pub fn store(&self, app: &App) -> crate::store::Store {
        app.store.acting_from(self.origin.clone())
    }
}

/// Where a request came from: the peer, or behind a proxy the last address it forwarded (the
/// proxy's own view of the client; earlier entries are whatever the client claimed).
pub fn client_address(
    app: &App,
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> String {
    if app.serve.behind_proxy {
        if let Some(last) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            return last.to_string();
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}
