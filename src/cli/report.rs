//! `cardrecon report`: the usual outputs (CSV, JSON, workbook, page) from a results table
//! computed elsewhere, such as `cardrecon sql`'s statement run on Spark or DuckDB over the
//! tables `cardrecon export` wrote. The inputs are the ones the tables were exported from: each
//! result row's records are found again by position.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::reconcile::{self, ReconcileArgs};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results table: a Parquet file, or a directory of them (Spark's `part-*.parquet`).
    #[arg(long)]
    pub results: PathBuf,
    #[command(flatten)]
    pub reconcile: ReconcileArgs,
}

pub fn run(a: ReportArgs) -> Result<ExitCode> {
    reconcile::run_with(a.reconcile, Some(a.results))
}
