//! `cardrecon serve`: the review workspace over the configuration's store and output
//! directory (`crate::workspace`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, runtime};
use crate::config::{ConfigFile, Settings, Uses};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The configuration: its store (`[store] url`, else sqlite:<output dir>/cardrecon.db), its
    /// output directory (the runs people open) and its `[serve]` and `[review]` tables.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// host:port to listen on, over `[serve] addr` (default 127.0.0.1:8080; port 0: any free).
    #[arg(long)]
    pub addr: Option<String>,
}

pub fn run(a: ServeArgs) -> Result<ExitCode> {
    let file = ConfigFile::load(&a.config)?;
    let source = a.config.display().to_string();
    let dir = a
        .config
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut settings =
        Settings::resolve_for(&file, &source, &crate::secret::ProcessEnv, Uses::OFFLINE)?;
    settings.relative_to(&dir);
    let serve = file.serve.resolve(a.addr.as_deref(), &source, &dir)?;
    let review = file.review.resolve(&source)?;
    let url = crate::pipeline::stored::store_url(&settings);
    runtime()?.block_on(async {
        let store = crate::store::Store::open(url.expose()).await?;
        // `[review] cli_decisions` is kept in the store: the CLI can be given `--store`
        // without this configuration, and must still obey it.
        let wanted = if review.cli_decisions { "true" } else { "false" };
        if store.setting("cli_decisions").await?.as_deref().unwrap_or("true") != wanted {
            store
                .set_setting("cli_decisions", wanted, &format!("serve --config {source}"), &now_text())
                .await?;
        }
        let shown = store.shown().to_string();
        let users = store.users().await?;
        let app = crate::workspace::App::new(
            store,
            settings.output_dir.clone(),
            settings.timezone,
            serve,
            &review,
        )?;
        crate::workspace::serve(app, |url| {
            println!("cardrecon workspace on {url} (store {shown}; Ctrl-C stops it)");
            if users.iter().all(|u| !u.enabled) {
                println!("No one can sign in yet: add a user with `cardrecon user add NAME --role admin --store {shown}`.");
            }
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}
