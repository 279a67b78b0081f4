//! `cardrecon sql`: the classification of stages 1-5 as one SQL statement for Spark or DuckDB,
//! generated from the engine's rules and the configuration's tolerances (`crate::sql`).

use std::process::ExitCode;

use clap::Args;

use super::args::PeriodArgs;
use crate::error::{Error, Result};
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
    if !s.matching.rules.is_empty() {
        return Err(Error::input(
            "[[matching.rules]]",
            format!(
                "the generated statement does not express the configured rules yet ({}): reconcile this month with `cardrecon reconcile`, or leave the rules out of the configuration given here",
                rule_names(s)
            ),
        ));
    }
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
        println!(
            "-- [fx] ({}) is left to `cardrecon report --results`, which compares the pairs in two currencies at the day's rate",
            fx.rates.display()
        );
    }
    print!("{}", crate::sql::statement(&o, a.dialect)?);
    Ok(ExitCode::SUCCESS)
}

/// The configured rules' names, for the message.
fn rule_names(s: &crate::config::Settings) -> String {
    s.matching
        .rules
        .iter()
        .map(|r| format!("`{}`", r.name))
        .collect::<Vec<_>>()
        .join(", ")
}
