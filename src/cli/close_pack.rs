//! `cardrecon close-pack`: a closed period's pack for the auditor (`crate::close_pack`), the
//! same bytes every time it is made.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{runtime, StoreArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ClosePackArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_name = "YYYY-MM")]
    pub period: String,
    /// The pack's folder; its archive is written beside it (`DIR.zip`).
    #[arg(long)]
    pub out: PathBuf,
    /// Where the runs' directories are (`<runs>/<period>/<run-id>/`); default: the
    /// configuration's output directory, else `runs`.
    #[arg(long)]
    pub runs: Option<PathBuf>,
}

pub fn run(a: ClosePackArgs) -> Result<ExitCode> {
    let period = crate::period::Period::parse(&a.period)?.label();
    let runs = match (&a.runs, &a.store.config) {
        (Some(r), _) => r.clone(),
        (None, Some(config)) => a.store.output_dir(config)?,
        (None, None) => PathBuf::from("runs"),
    };
    let written = runtime()?.block_on(async {
        let store = a.store.open().await?;
        crate::close_pack::make(&store, &period, &runs, &a.out).await
    })?;
    let p = &written.pack;
    let mut say = format!(
        "close pack of {period} (closed by {} at {}): {} decisions, {} items open at the end, {} runs, {} events (chain head {})\n",
        p.closed_by,
        p.closed_at,
        p.decisions.len(),
        p.open_items.len(),
        p.runs.len(),
        p.events,
        crate::store::chain::short(&p.chain_head),
    );
    for (name, sha) in &written.files {
        say.push_str(&format!("  {name}  {}\n", crate::store::chain::short(sha)));
    }
    say.push_str(&format!(
        "{}\n{}\n",
        written.dir.display(),
        written.zip.display()
    ));
    super::args::out(&say)?;
    Ok(ExitCode::SUCCESS)
}
