//! `cardrecon reject`: a person says a suggested match is not one. Both sides stay unmatched
//! (each its own item), and the pair is never suggested again.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime, StoreArgs};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The suggested match (an id from `cardrecon items`).
    #[arg(value_name = "ITEM_ID")]
    pub item: String,
    /// Why they do not belong together.
    #[arg(long)]
    pub note: String,
    /// Who decides (default: the operating-system user).
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(a: RejectArgs) -> Result<ExitCode> {
    if a.note.trim().is_empty() {
        return Err(Error::input("--note", "say why the suggestion is rejected"));
    }
    let by =
        a.by.clone()
            .unwrap_or_else(crate::pipeline::stored::os_user);
    let item = runtime()?.block_on(async {
        let store = a.store.open().await?;
        store.reject(&a.item, &a.note, &by, &now_text()).await
    })?;
    println!(
        "rejected {} ({} of {}) by {by}: its two sides stay unmatched and are not suggested again",
        item.item_id,
        item.category.as_str(),
        item.period
    );
    Ok(ExitCode::SUCCESS)
}
