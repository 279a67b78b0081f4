//! `cardrecon deliver`: send a finished run's reports as `[delivery]` says (email, drop
//! directory). The same as the end of `run`, for a delivery that failed or a run made without
//! one; it reads only the run directory, so it can be repeated.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::args::runtime;
use crate::config::delivery::Delivery;
use crate::config::ConfigFile;
use crate::deliver::Delivered;
use crate::error::{Error, Result};
use crate::secret::ProcessEnv;

/// The exit code of a run, or a `deliver`, whose delivery failed: the run itself is complete.
pub const DELIVERY_FAILED: u8 = 3;

#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The configuration file with the `[delivery]` table.
    #[arg(long)]
    pub config: PathBuf,
    /// The run directory (`runs/<period>/<run id>/`).
    #[arg(long)]
    pub run: PathBuf,
}

pub fn run(a: DeliverArgs) -> Result<ExitCode> {
    let source = a.config.display().to_string();
    // Only `[delivery]` is resolved: delivering needs no provider's credentials.
    let file = ConfigFile::load(&a.config)?;
    let mut delivery = Delivery::resolve(&file.delivery, &ProcessEnv, &source)?;
    if let Some(dir) = a.config.parent() {
        delivery.relative_to(dir);
    }
    if delivery.is_empty() {
        return Err(Error::config(
            source,
            "delivery",
            "names nowhere to deliver: add `[delivery] drop_dir` or a `[delivery.email]` table",
        ));
    }
    if !a.run.join(crate::run_dir::SUMMARY_JSON).is_file() {
        return Err(Error::input(
            a.run.display().to_string(),
            "is not a finished run directory (it has no summary.json)",
        ));
    }
    Ok(if send(&a.run, &delivery, "")? {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(DELIVERY_FAILED)
    })
}

/// Delivers `run_dir` and prints what was delivered, or the failure on stderr followed by
/// `retry` (what to do about it). Returns whether the delivery went through; `Err` only for
/// what stops the command itself (no runtime).
pub fn send(run_dir: &Path, delivery: &Delivery, retry: &str) -> Result<bool> {
    match runtime()?.block_on(crate::deliver::deliver(run_dir, delivery)) {
        Ok(d) => {
            print(&d)?;
            Ok(true)
        }
        Err(e) => {
            eprintln!("cardrecon: delivery failed: {e}{retry}");
            Ok(false)
        }
    }
}

/// What was delivered, for the terminal.
fn print(d: &Delivered) -> Result<()> {
    if let Some(dir) = &d.dropped_into {
        outln!("copied the reports into {}", dir.display());
    }
    if !d.emailed_to.is_empty() {
        let attached = if d.attached.is_empty() {
            "nothing attached".to_string()
        } else {
            d.attached.join(", ")
        };
        outln!("emailed to {} ({attached})", d.emailed_to.join(", "));
        if !d.not_attached.is_empty() {
            outln!(
                "  not attached, above the size limit (the message names their paths): {}",
                d.not_attached.join(", ")
            );
        }
    }
    Ok(())
}
