//! `cardrecon accept`: a person explains open items (reason code, note, who). The evidence at
//! that moment is kept; a later run that sees different evidence reopens the item.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime, Signature, StoreArgs};
use crate::error::{Error, Result};
use crate::store::item::Reason;

#[derive(Debug, Args)]
pub struct AcceptArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The items to accept (ids from `cardrecon items`).
    #[arg(required = true, value_name = "ITEM_ID")]
    pub items: Vec<String>,
    /// timing, fee_unbooked, fx_rounding, write_off, provider_error, matched_manually (a
    /// suggested match confirmed: later runs pair the two) or other.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub sign: Signature,
}

pub fn run(a: AcceptArgs) -> Result<ExitCode> {
    let reason = Reason::parse(&a.reason).ok_or_else(|| {
        let all: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        Error::input(
            "--reason",
            format!("`{}` is not one of {}", a.reason, all.join(", ")),
        )
    })?;
    let (note, by) = a.sign.sign("say why the items are accepted")?;
    let done = runtime()?.block_on(async {
        let store = a.store.open_for_decisions().await?;
        store.accept(&a.items, reason, note, &by, &now_text()).await
    })?;
    for i in &done {
        outln!(
            "accepted {} ({} of {}, {}) by {by}",
            i.item_id,
            i.category.as_str(),
            i.period,
            reason.as_str()
        );
    }
    Ok(ExitCode::SUCCESS)
}
