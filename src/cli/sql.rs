//! `cardrecon sql`: the classification of stages 1-5 as one SQL statement for Spark or DuckDB,
//! generated from the engine's rules and the configuration's tolerances (`crate::sql`).

use std::process::ExitCode;

use clap::Args;

use super::args::PeriodArgs;
use crate::error::Result;
use crate::sql::{Dialect, Source, SqlOptions};

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    #[command(flatten)]
    pub month: PeriodArgs,
    /// Read the tables from the directory `cardrecon export` wrote, instead of tables named by
    /// --provider-table and --ledger-table.
    #[arg(long)]
    pub data: Option<String>,
    /// The provider records' table or view.
    #[arg(long, default_value = "provider_records")]
    pub provider_table: String,
    /// The ledger entries' table or view.
    #[arg(long, default_value = "ledger_entries")]
    pub ledger_table: String,
}

pub fn run(a: SqlArgs) -> Result<ExitCode> {
    let (settings, period) = a.month.resolve(crate::config::Uses::OFFLINE)?;
    let s = &settings;
    let o = SqlOptions {
        period,
        margin_days: s.margin_days,
        amount_tolerance: s.amount_tolerance.clone(),
        fee_tolerance: s.fee_tolerance.clone(),
        signed_ledger: s.signed_ledger(),
        source: match a.data {
            Some(dir) => Source::Export(dir),
            None => Source::Tables {
                provider: a.provider_table,
                ledger: a.ledger_table,
            },
        },
    };
    if let Some(fx) = &s.fx {
        // The statement flags pairs in two currencies; `report --results` compares them at the
        // day's rate, as the engine does.
        outln!(
            "-- [fx] ({}) is left to `cardrecon report --results`, which compares the pairs in two currencies at the day's rate",
            fx.rates.display()
        );
    }
    for line in left_to_report(s) {
        outln!("{line}");
    }
    out!("{}", crate::sql::statement(&o, a.dialect)?);
    Ok(ExitCode::SUCCESS)
}

/// A comment line per summary journal and rule the statement leaves to `report --results`,
/// in the order the engine runs them: the key pairs come from the statement, these passes run
/// locally over what it left.
fn left_to_report(s: &crate::config::Settings) -> Vec<String> {
    let summaries = s.matching.summaries.iter().map(|x| {
        format!(
            "-- [[matching.summaries]] `{}` is left to `cardrecon report --results`, which runs it locally after this statement's key pairs",
            x.name
        )
    });
    let rules = s.matching.rules.iter().map(|x| {
        format!(
            "-- [[matching.rules]] `{}` is left to `cardrecon report --results`, which runs it locally after this statement's key pairs (and the summaries)",
            x.name
        )
    });
    summaries.chain(rules).collect()
}
