//! `cardrecon check-ledger`: read a ledger as `reconcile` would and print its entries,
//! unreadable rows and totals per currency and kind: a check before the close.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{SettingsArgs, SkipBadRows};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct CheckLedgerArgs {
    /// Ledger file: .csv, .xlsx or .parquet.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub skip: SkipBadRows,
}

pub fn run(a: CheckLedgerArgs) -> Result<ExitCode> {
    let mut settings = a.settings.settings(crate::config::Uses::OFFLINE)?;
    a.skip.apply(&mut settings);
    let ledger = crate::ledger::load(&a.ledger, &settings)?;
    let mut totals: std::collections::BTreeMap<(&str, &str), (usize, rust_decimal::Decimal)> =
        Default::default();
    for e in &ledger.entries {
        let t = totals
            .entry((
                e.currency.as_str(),
                e.kind.map(|k| k.as_str()).unwrap_or("(no kind)"),
            ))
            .or_default();
        t.0 += 1;
        t.1 += e.amount;
    }
    outln!(
        "{}: {} entries, {} unreadable rows",
        a.ledger.display(),
        ledger.entries.len(),
        ledger.skipped.len()
    );
    for ((currency, kind), (n, sum)) in &totals {
        outln!(
            "  {currency} {kind:<12} {n:>9} entries  {:>20}",
            crate::money::format(*sum)
        );
    }
    let word = crate::error::row_word(&a.ledger);
    for s in &ledger.skipped {
        outln!(
            "  skipped: {word} {} field `{}`: {}",
            s.row,
            s.column,
            s.message
        );
    }
    Ok(if ledger.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
