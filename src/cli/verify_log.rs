//! `cardrecon verify-log`: recomputes the store's event chain (`store::chain`) and says whether
//! the log is as it was written: exit 0, or 1 naming the first event that does not verify.

use std::process::ExitCode;

use clap::Args;

use super::args::{runtime, StoreArgs};
use crate::error::Result;
use crate::store::chain::{short, Verified};

#[derive(Debug, Args)]
pub struct VerifyLogArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(a: VerifyLogArgs) -> Result<ExitCode> {
    let verified = runtime()?.block_on(async {
        let store = a.store.open().await?;
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
