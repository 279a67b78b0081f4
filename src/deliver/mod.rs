//! Delivery (issue 16): a finished run's reports, sent by email and/or copied into a drop
//! directory, by `cardrecon deliver --run DIR` or at the end of `run` with `[delivery]`.
//!
//! Delivery reads only the run directory (`summary.json`, `report.xlsx`, `report.html`), never
//! the engine's state, so it can be run again for any finished run: a mail server that refused
//! the login or went away mid-message costs a retry, not the month. That is also why `run`
//! delivers last, after everything is written and committed, and why a failed delivery leaves
//! the run complete (exit 3, the reason on stderr, `cardrecon deliver` to retry).
//!
//! - [`headline`]: the message's subject and plain-text body, from `summary.json`.
//! - [`email`]: the message (body, attachments or a size-limited fallback) and SMTP with lettre.
//! - [`drop_dir`]: the copy into a directory another system watches, one atomic rename.
//!
//! What to deliver where is `[delivery]` in the configuration ([`crate::config::delivery`]).
//! Credentials are `${ENV}` references resolved into [`crate::secret::Secret`]s; nothing here
//! writes them to a message, a log line or an error.

pub mod drop_dir;
pub mod email;
pub mod headline;

use std::path::{Path, PathBuf};

pub use crate::config::delivery::{Delivery, Email, Security};
use crate::error::Result;

/// What a delivery did, for the terminal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivered {
    /// Recipients the server accepted the message for.
    pub emailed_to: Vec<String>,
    /// Files attached to the message.
    pub attached: Vec<String>,
    /// Files too large to attach, named by path in the message.
    pub not_attached: Vec<String>,
    /// The directory the reports were copied into.
    pub dropped_into: Option<PathBuf>,
}

/// Delivers a finished run: the drop directory first (local, cheap), then email. Both are
/// tried; the first failure is returned after the other has had its chance.
pub async fn deliver(run_dir: &Path, delivery: &Delivery) -> Result<Delivered> {
    // The message names paths a recipient can find: absolute ones.
    let absolute = std::fs::canonicalize(run_dir).unwrap_or_else(|_| run_dir.to_path_buf());
    let run_dir = absolute.as_path();
    let head = headline::Headline::read(run_dir)?;
    let mut done = Delivered::default();
    let mut failure = None;
    if let Some(dir) = &delivery.drop_dir {
        match drop_dir::copy(run_dir, &head, dir) {
            Ok(path) => done.dropped_into = Some(path),
            Err(e) => failure = Some(e),
        }
    }
    if let Some(e) = &delivery.email {
        match email::send(run_dir, &head, e).await {
            Ok(sent) => {
                done.emailed_to = sent.recipients;
                done.attached = sent.attached;
                done.not_attached = sent.not_attached;
            }
            Err(err) => {
                // Say what did reach its place, so a retry is not a surprise.
                let err = match (err, &done.dropped_into) {
                    (crate::error::Error::Delivery { to, message, cause }, Some(dir)) => {
                        crate::error::Error::Delivery {
                            to,
                            message: format!(
                                "{message} (the reports were copied into {})",
                                dir.display()
                            ),
                            cause,
                        }
                    }
                    (err, _) => err,
                };
                failure.get_or_insert(err);
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(done),
    }
}
