//! `cardrecon reopen`: return an accepted, resolved or cleared item to open, with a note.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime, Signature, StoreArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ReopenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(value_name = "ITEM_ID")]
    pub item: String,
    #[command(flatten)]
    pub sign: Signature,
}

pub fn run(a: ReopenArgs) -> Result<ExitCode> {
    let (note, by) = a.sign.sign("say why the item is reopened")?;
    let item = runtime()?.block_on(async {
        let store = a.store.open_for_decisions().await?;
        store.reopen(&a.item, note, &by, &now_text()).await
    })?;
    outln!(
        "reopened {} ({} of {}) by {by}",
        item.item_id,
        item.category.as_str(),
        item.period
    );
    Ok(ExitCode::SUCCESS)
}
