//! `[delivery]`: where a finished run's reports go (issue 16), as written and resolved. The
//! sending is [`crate::deliver`]'s; this is only what the configuration says, checked when it
//! is read, so a typo in an address fails the configuration rather than the end of a run.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::{Env, Secret};

/// A mailbox (`Name <a@b>` or `a@b`), or why it is not one.
pub fn mailbox(text: &str) -> std::result::Result<Mailbox, String> {
    text.parse::<Mailbox>()
        .map_err(|e| format!("`{text}` is not an email address: {e}"))
}

/// `[delivery]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    /// Copy the reports into `<drop_dir>/cardrecon-<period>-<run id>/`, atomically.
    pub drop_dir: Option<PathBuf>,
    pub email: Option<EmailFile>,
}

/// `[delivery.email]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS, port 465), or `none` (loopback only).
    pub security: Option<String>,
    pub username: Option<Secret>,
    pub password: Option<Secret>,
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// Attachments above this many bytes together are not attached: the message then carries
    /// the page only (if it fits) and the workbook's path. Default 10 MB.
    pub max_attachment_bytes: Option<u64>,
    /// A PEM file of a private certificate authority to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    pub timeout_secs: Option<u64>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; refused if the server cannot (no downgrade).
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only to a server on this machine.
    None,
}

/// `[delivery.email]` resolved and checked.
#[derive(Debug, Clone)]
pub struct Email {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User and password, both resolved from `${ENV}` references.
    pub credentials: Option<(Secret, Secret)>,
    /// Parsed when the configuration is read, so a typo fails it, not the end of a run.
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub max_attachment_bytes: u64,
    pub ca_file: Option<PathBuf>,
    pub timeout: std::time::Duration,
}

/// `[delivery]` resolved: where a run's reports go.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub drop_dir: Option<PathBuf>,
    pub email: Option<Email>,
}

impl Delivery {
    pub fn is_empty(&self) -> bool {
        self.drop_dir.is_none() && self.email.is_none()
    }

    /// Relative paths (drop directory, certificate authority) read from `dir`, the config
    /// file's folder.
    pub fn relative_to(&mut self, dir: &Path) {
        let under = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        if let Some(d) = &mut self.drop_dir {
            under(d);
        }
        if let Some(ca) = self.email.as_mut().and_then(|e| e.ca_file.as_mut()) {
            under(ca);
        }
    }

    /// Checks `[delivery]` and resolves its credentials through `env`.
    pub fn resolve(file: &DeliveryFile, env: &dyn Env, source_name: &str) -> Result<Delivery> {
        let email = match &file.email {
            None => None,
            Some(e) => Some(resolve_email(e, env, source_name)?),
        };
        Ok(Delivery {
            drop_dir: file.drop_dir.clone(),
            email,
        })
    }
}

fn resolve_email(e: &EmailFile, env: &dyn Env, source_name: &str) -> Result<Email> {
    let cfg = |field: &str, message: String| {
        Error::config(source_name, format!("delivery.email.{field}"), message)
    };
    let host = e
        .host
        .clone()
        .filter(|h| !h.trim().is_empty())
        .ok_or_else(|| cfg("host", "is required to send email".into()))?;
    let security = match e.security.as_deref().unwrap_or("starttls") {
        "starttls" => Security::StartTls,
        "tls" => Security::Tls,
        "none" => Security::None,
        other => {
            return Err(cfg(
                "security",
                format!("`{other}` is not `starttls`, `tls` or `none`"),
            ))
        }
    };
    if security == Security::None && !super::is_loopback_host(&host) {
        return Err(cfg(
            "security",
            format!("`none` sends the password and the reports unencrypted: allowed only to a server on this machine, not `{host}`"),
        ));
    }
    let credentials = match (&e.username, &e.password) {
        (None, None) => None,
        (Some(u), Some(p)) => Some((
            crate::secret::expand(u, env, source_name, "delivery.email.username")?,
            crate::secret::expand(p, env, source_name, "delivery.email.password")?,
        )),
        _ => {
            return Err(cfg(
                "username",
                "give both `username` and `password`, or neither".into(),
            ))
        }
    };
    let from = e
        .from
        .as_deref()
        .ok_or_else(|| cfg("from", "is required to send email".into()))?;
    if e.to.is_empty() {
        return Err(cfg("to", "names no recipient".into()));
    }
    let mailboxes = |field: &str, list: &[String]| -> Result<Vec<Mailbox>> {
        list.iter()
            .map(|a| mailbox(a).map_err(|m| cfg(field, m)))
            .collect()
    };
    Ok(Email {
        port: e.port.unwrap_or(match security {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }),
        host,
        security,
        credentials,
        from: mailbox(from).map_err(|m| cfg("from", m))?,
        to: mailboxes("to", &e.to)?,
        cc: mailboxes("cc", &e.cc)?,
        max_attachment_bytes: e.max_attachment_bytes.unwrap_or(10_000_000),
        ca_file: e.ca_file.clone(),
        timeout: std::time::Duration::from_secs(e.timeout_secs.unwrap_or(60).max(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(mailbox("Finance <finance@example.com>").is_ok());
        assert!(mailbox("finance@example.com").is_ok());
        let e = mailbox("finance.example.com").unwrap_err();
        assert!(
            e.contains("`finance.example.com` is not an email address"),
            "{e}"
        );
    }
}
