//! `cardrecon reject`: a person says a suggested match is not one. Both sides stay unmatched
//! (each its own item), and the pair is never suggested again.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime, Signature, StoreArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The suggested match (an id from `cardrecon items`).
    #[arg(value_name = "ITEM_ID")]
    pub item: String,
    #[command(flatten)]
    pub sign: Signature,
}

pub fn run(a: RejectArgs) -> Result<ExitCode> {
    let (note, by) = a.sign.sign("say why the suggestion is rejected")?;
    let item = runtime()?.block_on(async {
        let store = a.store.open_for_decisions().await?;
        store.reject(&a.item, note, &by, &now_text()).await
    })?;
    outln!(
        "rejected {} ({} of {}) by {by}: its two sides stay unmatched and are not suggested again",
        item.item_id,
        item.category.as_str(),
        item.period
    );
    Ok(ExitCode::SUCCESS)
}
