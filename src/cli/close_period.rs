//! `cardrecon close-period`: say a period is done. Refused (exit 1, listing them) while any of
//! its items is open, unless `--force` with a note; once closed, a run or reconcile of the
//! period against the store needs `--reopen-period`.

use std::process::ExitCode;

use clap::Args;

use super::args::{now_text, out, runtime, StoreArgs};

/// Open items listed when a close is refused; `items` lists them all.
const SHOWN: usize = 50;
use crate::error::{Error, Result};
use crate::period::Period;

#[derive(Debug, Args)]
pub struct ClosePeriodArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The period, YYYY-MM.
    #[arg(value_name = "YYYY-MM")]
    pub period: String,
    /// Close even with open items (needs --note).
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub note: Option<String>,
    /// Who closes it (default: the operating-system user).
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(a: ClosePeriodArgs) -> Result<ExitCode> {
    let period = Period::parse(&a.period)?;
    if a.force && a.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(Error::input(
            "--force",
            "needs --note saying why the period is closed with open items",
        ));
    }
    let by =
        a.by.clone()
            .unwrap_or_else(crate::pipeline::stored::os_user);
    let outcome = runtime()?.block_on(async {
        let store = a.store.open_for_decisions().await?;
        store
            .close_period(&period, a.force, a.note.as_deref(), &by, &now_text())
            .await
    })?;
    match outcome {
        Ok(left_open) => {
            let mut text = format!("{} closed by {by}\n", period.label());
            if !left_open.is_empty() {
                text.push_str(&format!(
                    "{} item{} left open, handed on:\n",
                    left_open.len(),
                    if left_open.len() == 1 { " is" } else { "s are" }
                ));
                for line in super::items::at_stake_lines(&left_open) {
                    text.push_str(&format!("{line}\n"));
                }
            }
            out(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(open) => {
            let mut text = format!(
                "{} cannot be closed: {} item{} still open (accept them, or --force --note):\n",
                period.label(),
                open.len(),
                if open.len() == 1 { " is" } else { "s are" }
            );
            for i in open.iter().take(SHOWN) {
                let currency = i.currency.as_deref().unwrap_or("");
                text.push_str(&format!(
                    "  {}  {:<20} {:<10} at stake {:>14} {}\n",
                    i.item_id,
                    i.category.as_str(),
                    i.provider.as_deref().unwrap_or("-"),
                    i.exposure
                        .at_stake
                        .map(|a| crate::money::display(a, currency).0)
                        .unwrap_or_default(),
                    currency,
                ));
            }
            for line in super::items::at_stake_lines(&open) {
                text.push_str(&format!("{line}\n"));
            }
            if open.len() > SHOWN {
                text.push_str(&format!(
                    "  … and {} more: cardrecon items --store URL --period {}\n",
                    open.len() - SHOWN,
                    period.label()
                ));
            }
            out(&text)?;
            Ok(ExitCode::from(1))
        }
    }
}
