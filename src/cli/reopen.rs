//! `cardrecon reopen`: return an accepted, resolved or cleared item to open, with a note.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime, StoreArgs};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct ReopenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(value_name = "ITEM_ID")]
    pub item: String,
    /// Why it is reopened.
    #[arg(long)]
    pub note: String,
    /// Who decides (default: the operating-system user).
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(a: ReopenArgs) -> Result<ExitCode> {
    if a.note.trim().is_empty() {
        return Err(Error::input("--note", "say why the item is reopened"));
    }
    let by =
        a.by.clone()
            .unwrap_or_else(crate::pipeline::stored::os_user);
    let item = runtime()?.block_on(async {
        let store = a.store.open().await?;
        store.reopen(&a.item, &a.note, &by, &now_text()).await
    })?;
    println!(
        "reopened {} ({} of {}) by {by}",
        item.item_id,
        item.category.as_str(),
        item.period
    );
    Ok(ExitCode::SUCCESS)
}
