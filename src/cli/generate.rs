//! `cardrecon generate`: a synthetic month of any size, deterministic per seed, with every
//! category seeded and labelled.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::{Error, Result};
use crate::period::{parse_zone, Period};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of provider-side records (about as many ledger entries).
    #[arg(long, default_value_t = 10_000)]
    pub records: u64,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value = "2026-03")]
    pub period: String,
    #[arg(long, default_value = "Europe/London")]
    pub timezone: String,
    /// Share of records drawn from the discrepancy scenarios (0.0..1.0); default: the realistic
    /// mix, about 12% (benchmarks of discrepancy-heavy months use 1.0).
    #[arg(long)]
    pub discrepancy_share: Option<f64>,
    /// The previous month's `providers/cardapp/cards.jsonl` (another `generate`'s): card
    /// balances start from it, and one card is seeded off by 1.00 (`balance_mismatch`), so the
    /// two months reconciled with a store in turn roll forward.
    #[arg(long)]
    pub opening_cards: Option<PathBuf>,
    /// How the ledger books what the providers sent: `ids` (one entry per record with the
    /// provider's ids), `summary` (daily settlement journals), `statement` (card statements, no
    /// ids) or `fx` (USD spend booked in EUR, with `rates.csv`). The matching configuration for
    /// it is written to the month's `cardrecon.toml`.
    #[arg(long, value_enum, default_value = "ids")]
    pub ledger_style: crate::generate::LedgerStyle,
}

pub fn run(a: GenerateArgs) -> Result<ExitCode> {
    generate(a).map(|_| ExitCode::SUCCESS)
}

/// Generates the month and says what was written; the demo calls this too.
pub fn generate(a: GenerateArgs) -> Result<crate::generate::GenerateReport> {
    let opts = crate::generate::GenerateOptions {
        out: a.out.clone(),
        records: a.records,
        seed: a.seed,
        period: Period::parse(&a.period)?,
        timezone: parse_zone(&a.timezone)?,
        discrepancy_share: match a.discrepancy_share {
            Some(s) if !(0.0..=1.0).contains(&s) => {
                return Err(Error::input(
                    "--discrepancy-share",
                    format!("{s} is not between 0.0 and 1.0"),
                ))
            }
            s => s,
        },
        opening_cards: a.opening_cards.clone(),
        ledger_style: a.ledger_style,
    };
    let report = crate::generate::generate(&opts)?;
    outln!(
        "generated {} provider records and {} ledger entries for {} ({}) in {}",
        report.provider_records,
        report.ledger_entries,
        opts.period.label(),
        opts.timezone.name(),
        a.out.display()
    );
    let seeded: Vec<String> = report
        .labels
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    outln!("seeded differences (labels.csv): {}", seeded.join(", "));
    outln!(
        "seeded groups (several records matching one, not differences): {}",
        report.groups
    );
    let words = |m: &std::collections::BTreeMap<String, u64>| -> String {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    outln!(
        "seeded links findings (link_labels.csv): {}",
        words(&report.link_labels)
    );
    outln!(
        "seeded card findings (card_labels.csv): {}",
        words(&report.card_labels)
    );
    if !report.xlsx_written {
        outln!("ledger.xlsx not written: more rows than one Excel sheet holds; ledger.csv has them all");
    }
    Ok(report)
}
