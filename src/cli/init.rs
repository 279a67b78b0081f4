//! `cardrecon init`: write a commented configuration file, credentials as `${ENV}` references.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the configuration.
    #[arg(long, default_value = "cardrecon.toml")]
    pub out: PathBuf,
    /// Point every provider at a sandbox base URL (e.g. http://127.0.0.1:8080).
    #[arg(long)]
    pub sandbox: Option<String>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: InitArgs) -> Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(Error::input(
            a.out.display().to_string(),
            "exists already; pass --force to overwrite",
        ));
    }
    let text = crate::config::template::config_template(
        a.sandbox.as_deref(),
        "Europe/London",
        None,
        "ledger.csv",
    );
    std::fs::write(&a.out, text).map_err(|e| Error::io(&a.out, e))?;
    outln!("wrote {}; set the CARDRECON_* environment variables it names, then `cardrecon run --config {}`", a.out.display(), a.out.display());
    Ok(ExitCode::SUCCESS)
}
