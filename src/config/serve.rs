//! `[serve]` and `[review]`: where the workspace listens and how decisions are reviewed.
//!
//! **Why a non-loopback address needs TLS or a proxy.** Passwords and session cookies cross the
//! network at sign-in: the same rule as provider URLs (`https` unless this machine). Listening
//! beyond loopback is refused unless the server holds a certificate (`tls_cert`/`tls_key`) or
//! `behind_proxy = true` says a proxy on the way terminates TLS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Result};

/// `[serve]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeFile {
    /// `host:port` (default `127.0.0.1:8080`).
    pub addr: Option<String>,
    /// The address people use (`https://recon.example.com`); https makes cookies `Secure`.
    pub public_url: Option<String>,
    /// A session ends this many hours after sign-in, whatever is done (default 12).
    pub session_hours: Option<u32>,
    /// A session ends after this many minutes without a request (default 30).
    pub idle_minutes: Option<u32>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// A proxy in front terminates TLS and sets `X-Forwarded-For`.
    pub behind_proxy: Option<bool>,
}

/// `[review]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewFile {
    /// `"USD=1000,EUR=1000"`: a proposal on an item at or below the amount in its currency
    /// takes effect at once (default: every decision needs an approver).
    pub approve_above: Option<String>,
    /// `false`: the CLI's `accept`, `reopen`, `reject` and `close-period` refuse, so every
    /// decision goes through signed-in people (kept in the store by `serve`).
    pub cli_decisions: Option<bool>,
}

/// Where and how the workspace serves.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeSettings {
    pub addr: SocketAddr,
    pub public_url: Option<String>,
    pub session_hours: u32,
    pub idle_minutes: u32,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub behind_proxy: bool,
}

impl ServeSettings {
    /// Cookies are `Secure` when the server speaks TLS or people reach it over https.
    pub fn secure_cookies(&self) -> bool {
        self.tls.is_some()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }
}

/// How decisions are reviewed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewSettings {
    pub approve_above: BTreeMap<String, Decimal>,
    pub cli_decisions: bool,
}

impl ServeFile {
    /// Resolves `[serve]`, with `addr` from the command line over the file's. `dir` is the
    /// configuration's folder (certificate paths are relative to it).
    pub fn resolve(&self, addr: Option<&str>, source: &str, dir: &Path) -> Result<ServeSettings> {
        let field = |f: &str, m: String| Error::config(source, format!("serve.{f}"), m);
        let text = addr.or(self.addr.as_deref()).unwrap_or("127.0.0.1:8080");
        let addr: SocketAddr = text.parse().map_err(|_| {
            field(
                "addr",
                format!("`{text}` is not host:port (e.g. 127.0.0.1:8080)"),
            )
        })?;
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(c), Some(k)) => Some((dir.join(c), dir.join(k))),
            (None, None) => None,
            _ => return Err(field("tls_cert", "tls_cert and tls_key go together".into())),
        };
        let behind_proxy = self.behind_proxy.unwrap_or(false);
        if !addr.ip().is_loopback() && tls.is_none() && !behind_proxy {
            return Err(field(
                "addr",
                format!("{addr} is reachable from other machines, and passwords and session cookies would cross the network unencrypted: set tls_cert and tls_key, or behind_proxy = true when a proxy in front terminates TLS (or listen on 127.0.0.1)"),
            ));
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(field(
                    "public_url",
                    format!("`{u}` is not an http(s) address"),
                ));
            }
        }
        let hours = self.session_hours.unwrap_or(12);
        if !(1..=24 * 7).contains(&hours) {
            return Err(field(
                "session_hours",
                format!("{hours} is not between 1 and 168"),
            ));
        }
        let idle = self.idle_minutes.unwrap_or(30);
        if !(1..=24 * 60).contains(&idle) {
            return Err(field(
                "idle_minutes",
                format!("{idle} is not between 1 and 1440"),
            ));
        }
        Ok(ServeSettings {
            addr,
            public_url: self.public_url.clone(),
            session_hours: hours,
            idle_minutes: idle,
            tls,
            behind_proxy,
        })
    }
}

impl ReviewFile {
    pub fn resolve(&self, source: &str) -> Result<ReviewSettings> {
        let mut approve_above = BTreeMap::new();
        if let Some(text) = &self.approve_above {
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let bad = |m: String| Error::config(source, "review.approve_above", m);
                let (ccy, amount) = part.split_once('=').ok_or_else(|| {
                    bad(format!("`{part}` is not CURRENCY=AMOUNT (e.g. USD=1000)"))
                })?;
                let ccy = ccy.trim().to_ascii_uppercase();
                if ccy.len() != 3 || !ccy.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(bad(format!("`{ccy}` is not a currency code")));
                }
                let value = crate::money::parse(amount.trim())
                    .map_err(|_| bad(format!("`{}` is not an amount", amount.trim())))?;
                if value.is_sign_negative() {
                    return Err(bad(format!("{ccy}: a limit cannot be negative")));
                }
                approve_above.insert(ccy, value);
            }
        }
        Ok(ReviewSettings {
            approve_above,
            cli_decisions: self.cli_decisions.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_beyond_loopback_needs_tls_or_a_proxy() {
        let dir = Path::new(".");
        let plain = ServeFile::default();
        assert_eq!(
            plain.resolve(None, "c.toml", dir).unwrap().addr,
            "127.0.0.1:8080".parse().unwrap()
        );
        let e = plain
            .resolve(Some("0.0.0.0:8080"), "c.toml", dir)
            .unwrap_err()
            .to_string();
        assert!(e.contains("serve.addr") && e.contains("unencrypted"), "{e}");
        let proxied = ServeFile {
            behind_proxy: Some(true),
            ..Default::default()
        };
        assert!(proxied.resolve(Some("0.0.0.0:8080"), "c.toml", dir).is_ok());
        let tls = ServeFile {
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            ..Default::default()
        };
        let s = tls.resolve(Some("[::]:8443"), "c.toml", dir).unwrap();
        assert!(s.secure_cookies());
        assert!(!plain.resolve(None, "c.toml", dir).unwrap().secure_cookies());
    }

    #[test]
    fn approve_above_is_per_currency_decimal() {
        let r = ReviewFile {
            approve_above: Some("USD=1000, eur=250.50".into()),
            cli_decisions: Some(false),
        }
        .resolve("c.toml")
        .unwrap();
        assert_eq!(r.approve_above["USD"], Decimal::new(1000, 0));
        assert_eq!(r.approve_above["EUR"], Decimal::new(25050, 2));
        assert!(!r.cli_decisions);
        for bad in ["USD", "US=1", "USD=abc", "USD=-1"] {
            let e = ReviewFile {
                approve_above: Some(bad.into()),
                cli_decisions: None,
            }
            .resolve("c.toml");
            assert!(e.is_err(), "{bad}");
        }
    }
}
