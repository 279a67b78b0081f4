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
    /// A provider tx id, an order id or a ledger entry id.
    pub id: String,
}

pub fn run(a: ExplainArgs) -> Result<ExitCode> {
    let e = crate::explain::explain(&a.run, &a.id, a.provider_data.as_deref())?;
    if a.json {
        let text = serde_json::to_string_pretty(&e)
            .map_err(|err| Error::input("explain", err.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", crate::explain::render(&e));
    }
    Ok(ExitCode::SUCCESS)
}
