//! `cardrecon explain`: everything a run knows about one tx id, order id or ledger entry id,
//! read from its output directory (no provider is called again).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run directory (from `run`) or a `reconcile --out` directory.
    #[arg(long)]
    pub run: PathBuf,
    /// Where the provider files were, for a `reconcile` directory (a run has them in raw/).
    #[arg(long)]
    pub provider_data: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// A provider tx id, an order id, a ledger entry id, or a store item id.
    pub id: String,
    /// The store to show the id's items and their history from (default: the store the run
    /// used, as its summary.json names it; a PostgreSQL password is never written there, so a
    /// store with one needs this option).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

pub fn run(a: ExplainArgs) -> Result<ExitCode> {
    let e = crate::explain::explain(&a.run, &a.id, a.provider_data.as_deref())?;
    let store_url = a.store.clone().or_else(|| store_of_run(&a.run));
    let items = match store_url.clone() {
        Some(url) => super::args::runtime()?.block_on(async {
            let store = crate::store::Store::open_existing(&url).await?;
            let mut out = Vec::new();
            for item in store.items_about(&a.id).await? {
                out.push(store.history(&item.item_id).await?);
            }
            Ok::<_, Error>(out)
        })?,
        None => Vec::new(),
    };
    if a.json {
        let mut value =
            serde_json::to_value(&e).map_err(|err| Error::input("explain", err.to_string()))?;
        if let (Some(obj), false) = (value.as_object_mut(), items.is_empty()) {
            let list: Vec<serde_json::Value> = items
                .iter()
                .map(|(item, events)| {
                    serde_json::json!({
                        "item_id": item.item_id,
                        "period": item.period,
                        "category": item.category.as_str(),
                        "status": item.state.as_str(),
                        "cleared_in": item.cleared_in,
                        "reason": item.reason,
                        "note": item.note,
                        "events": events.iter().map(|ev| serde_json::json!({
                            "at": ev.at, "by": ev.by, "event": ev.event,
                            "from": ev.from_status, "to": ev.to_status,
                            "run_id": ev.run_id, "reason": ev.reason, "note": ev.note,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            obj.insert("store_items".into(), serde_json::Value::Array(list));
        }
        let text = serde_json::to_string_pretty(&value)
            .map_err(|err| Error::input("explain", err.to_string()))?;
        outln!("{text}");
    } else {
        out!("{}", crate::explain::render(&e));
        if !items.is_empty() {
            outln!("\nIn the store:");
            for (item, events) in &items {
                out!("{}", super::history::render(item, events));
            }
            let store = store_url.as_deref().unwrap_or("URL");
            let commands: Vec<String> = items
                .iter()
                .flat_map(|(item, _)| decide_commands(item, store))
                .collect();
            if !commands.is_empty() {
                outln!("\nTo decide:");
                for c in commands {
                    outln!("  {c}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The commands that decide `item` on `store`, as a person types them.
fn decide_commands(item: &crate::store::StoredItem, store: &str) -> Vec<String> {
    use crate::store::item::{ItemState, Reason};
    let id = &item.item_id;
    let reasons = Reason::ALL
        .iter()
        .filter(|r| **r != Reason::MatchedManually)
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join("|");
    match (item.state, item.category) {
        (ItemState::Open, crate::matching::Category::SuggestedMatch) => vec![
            format!("cardrecon accept --store {store} {id} --reason matched_manually --note \"…\"   # confirm: the two are one"),
            format!("cardrecon reject --store {store} {id} --note \"…\"   # not the same: never suggested again"),
        ],
        (ItemState::Open, _) => vec![format!(
            "cardrecon accept --store {store} {id} --reason {reasons} --note \"…\""
        )],
        (ItemState::Accepted | ItemState::Resolved, _) => vec![format!(
            "cardrecon reopen --store {store} {id} --note \"…\""
        )],
        (ItemState::Cleared, _) => Vec::new(),
    }
}

/// The store a run used, from its summary.json (`close.store`), when it used one.
fn store_of_run(dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(crate::run_dir::SUMMARY_JSON)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = v.get("close")?.get("store")?.as_str()?;
    // A shown URL with its password replaced cannot connect; --store is needed then.
    (!url.contains(":***@")).then(|| url.to_string())
}
