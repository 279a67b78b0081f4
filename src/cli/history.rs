//! `cardrecon history`: one item and its events, oldest first.

use std::process::ExitCode;

use clap::Args;

use super::args::{runtime, StoreArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(value_name = "ITEM_ID")]
    pub item: String,
}

pub fn run(a: HistoryArgs) -> Result<ExitCode> {
    let (item, events) = runtime()?.block_on(async {
        let store = a.store.open().await?;
        store.history(&a.item).await
    })?;
    super::args::out(&render(&item, &events))?;
    Ok(ExitCode::SUCCESS)
}

/// The item in one line, then one line per event (also used by `explain`).
pub fn render(item: &crate::store::StoredItem, events: &[crate::store::Event]) -> String {
    let o = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let mut out = format!(
        "item {} ({} of {}): {} {} {} {}, tx {}, order {}, ledger entry {}; now {}\n",
        item.item_id,
        item.category.as_str(),
        item.period,
        o(&item.provider),
        o(&item.kind),
        item.amount
            .map(crate::money::format)
            .unwrap_or_else(|| "-".into()),
        o(&item.currency),
        o(&item.tx_id),
        o(&item.order_id),
        o(&item.ledger_entry_id),
        item.state.as_str(),
    );
    for e in events {
        out.push_str(&format!(
            "  {}  {:<9} {} → {}  by {}{}{}{}{}\n",
            e.at,
            e.event,
            o(&e.from_status),
            o(&e.to_status),
            e.by,
            e.origin
                .as_ref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            e.run_id
                .as_ref()
                .map(|r| format!(", run {r}"))
                .unwrap_or_default(),
            e.reason
                .as_ref()
                .map(|r| format!(", reason {r}"))
                .unwrap_or_default(),
            e.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default(),
        ));
    }
    out
}
