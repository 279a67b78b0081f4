//! `cardrecon verify-log`: recomputes the store's event chain (`store::chain`) and says whether
//! the log is as it was written: exit 0, or 1 naming the first event that does not verify.
//! With `--pack DIR`, checks a close pack instead (its files against its manifest, its events'
//! hashes, its chain head), and, with a store too, that the store still holds its events.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::runtime;
use crate::error::{Error, Result};
use crate::store::chain::{short, Verified};

#[derive(Debug, Args)]
pub struct VerifyLogArgs {
    /// The store: sqlite:PATH or postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Or the configuration whose store `run` uses.
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub config: Option<PathBuf>,
    /// A close pack's folder (`cardrecon close-pack`) to check.
    #[arg(long, value_name = "DIR")]
    pub pack: Option<PathBuf>,
}

pub fn run(a: VerifyLogArgs) -> Result<ExitCode> {
    let store_args = super::args::StoreArgs {
        store: a.store.clone(),
        config: a.config.clone(),
    };
    let has_store = a.store.is_some() || a.config.is_some();
    if let Some(dir) = &a.pack {
        let store_events = if has_store {
            Some(runtime()?.block_on(async {
                let store = store_args.open().await?;
                store.chained_events().await.map(|(e, _)| e)
            })?)
        } else {
            None
        };
        let checked = crate::close_pack::check(dir, store_events.as_deref())?;
        let ok = checked.problems.is_empty();
        let text = if ok {
            format!(
                "the close pack verifies: every file as its manifest says, {} events each as hashed, ending at the manifest's chain head{}\n",
                checked.events,
                if has_store { ", and the store still holds them" } else { "" }
            )
        } else {
            format!(
                "the close pack does NOT verify:\n{}",
                checked
                    .problems
                    .iter()
                    .map(|p| format!("  {p}\n"))
                    .collect::<String>()
            )
        };
        super::args::out(&text)?;
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if !has_store {
        return Err(Error::input(
            "--store",
            "give --store URL, --config FILE or --pack DIR",
        ));
    }
    let verified = runtime()?.block_on(async {
        let store = store_args.open().await?;
        store.verify_log().await
    })?;
    let (text, ok) = render(&verified);
    super::args::out(&text)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What a person reads: how many events verified and the head, or the first break.
pub fn render(v: &Verified) -> (String, bool) {
    let head = v.head.as_deref().map(short).unwrap_or("none");
    match &v.broken {
        None => (
            format!(
                "the event log verifies: {} events, each chained onto the one before it; head {}\n",
                v.events,
                v.head.as_deref().unwrap_or("none (no events yet)")
            ),
            true,
        ),
        Some(b) => {
            let at = match b.seq {
                Some(seq) => format!("event {seq} ({}) does not verify: ", b.event),
                None => String::new(),
            };
            (
                format!(
                    "the event log does NOT verify: {at}{}\n{} events before it verify (head {head})\n",
                    b.why, v.events
                ),
                false,
            )
        }
    }
}
