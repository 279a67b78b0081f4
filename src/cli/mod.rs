//! The command line: argument parsing (clap derive) and one file per command (qsv's layout),
//! each with its arguments and its body. Commands print for people on stdout; errors come back
//! to `main.rs`, which prints them and exits 2. What several commands share (the configuration
//! and month arguments, the runtime, the exit code) is in [`args`].

/// `println!` for a command's output: a closed pipe (`cardrecon generate … | head`) comes back
/// as an I/O error, which `main` treats as a normal end, instead of the panic `println!` gives.
/// For use in a function that returns `crate::error::Result`.
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::cli::args::out(&format!("{}\n", format_args!($($t)*)))?
    };
}

/// `print!` for a command's output, as [`outln`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::args::out(&format!($($t)*))?
    };
}

pub mod accept;
pub mod args;
pub mod check_ledger;
pub mod close_pack;
pub mod close_period;
pub mod deliver;
pub mod demo;
pub mod explain;
pub mod export;
pub mod fetch;
pub mod generate;
pub mod history;
pub mod init;
pub mod items;
pub mod journal;
pub mod reconcile;
pub mod reject;
mod reopen;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod serve;
pub mod sql;
pub mod user;
pub mod verify_log;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Result;

#[derive(Debug, Parser)]
#[command(
    name = "cardrecon",
    version,
    about = "Reconcile card-issuing providers' records against your ledger"
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reconcile provider wire files against a ledger file, offline.
    Reconcile(reconcile::ReconcileArgs),
    /// Write a synthetic month (all four providers, a ledger, labels of every seeded difference).
    Generate(generate::GenerateArgs),
    /// Fetch every configured provider, reconcile against the ledger, write a run directory.
    Run(run::RunArgs),
    /// Serve all four provider APIs on loopback from wire files, with optional faults.
    Sandbox(sandbox::SandboxArgs),
    /// Write a commented configuration file (credentials as ${ENV} references).
    Init(init::InitArgs),
    /// Everything a run knows about one tx id, order id or ledger entry id.
    Explain(explain::ExplainArgs),
    /// Generate a month, serve it from the sandbox, fetch and reconcile it: no setup needed.
    Demo(demo::DemoArgs),
    /// Fetch every configured provider into an archive directory, without reconciling.
    Fetch(fetch::FetchArgs),
    /// Read and check a ledger file: entries, unreadable rows, totals per currency.
    CheckLedger(check_ledger::CheckLedgerArgs),
    /// The store's items (open ones by default) as a table, CSV or JSON.
    Items(items::ItemsArgs),
    /// Accept open items with a reason code and a note.
    Accept(accept::AcceptArgs),
    /// Return an item to open, with a note.
    Reopen(reopen::ReopenArgs),
    /// Reject a suggested match: both sides stay unmatched, the pair is not suggested again.
    Reject(reject::RejectArgs),
    /// An item's events, oldest first.
    History(history::HistoryArgs),
    /// Close a period (refused while any of its items is open).
    ClosePeriod(close_period::ClosePeriodArgs),
    /// The people who sign in to the workspace: add, list, disable, set-password, set-role.
    User(user::UserArgs),
    /// The review workspace in a browser: sign-in, items, proposals and approvals, close, audit
    /// log, over the configuration's store and runs.
    Serve(serve::ServeArgs),
    /// Send a finished run's reports as `[delivery]` says: email, drop directory (exit 3 when
    /// that fails; the run stays complete).
    Deliver(deliver::DeliverArgs),
    /// Write the canonical tables as hive-partitioned Parquet (provider=…/accounting_day=…), for
    /// Spark, DuckDB or polars.
    Export(export::ExportArgs),
    /// Print the classification (stages 1-5) as one SQL statement for Spark or DuckDB, over the
    /// exported tables, with the config's tolerances and margin.
    Sql(sql::SqlArgs),
    /// Write the usual outputs from a results table computed elsewhere (`sql` on Spark or
    /// DuckDB), byte-identical to a local run's.
    Report(report::ReportArgs),
    /// A period's accepted items as adjusting journal entries for the ERP, by `[journal]`'s
    /// rules (journal.csv; unbooked.csv lists what no rule books).
    Journal(journal::JournalArgs),
    /// A closed period's pack for the auditor: close.xlsx, decisions, events, the final run's
    /// reports, the journal and every file's SHA-256, in a folder and a .zip, the same bytes
    /// every time.
    ClosePack(close_pack::ClosePackArgs),
    /// Recompute the store's event log, a hash chain: exit 0 when every event is as written,
    /// 1 naming the first that is not (edited, deleted, inserted or re-ordered).
    VerifyLog(verify_log::VerifyLogArgs),
}

/// Runs a parsed command line. `Ok` carries the exit code (0, or 1 for discrepancies found).
pub fn run(cli: Cli) -> Result<ExitCode> {
    init_logging(cli.verbose);
    match cli.command {
        Command::Reconcile(a) => reconcile::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Run(a) => run::run(a),
        Command::Sandbox(a) => sandbox::run(a),
        Command::Init(a) => init::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Fetch(a) => fetch::run(a),
        Command::CheckLedger(a) => check_ledger::run(a),
        Command::Items(a) => items::run(a),
        Command::Accept(a) => accept::run(a),
        Command::Reopen(a) => reopen::run(a),
        Command::Reject(a) => reject::run(a),
        Command::History(a) => history::run(a),
        Command::ClosePeriod(a) => close_period::run(a),
        Command::User(a) => user::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Deliver(a) => deliver::run(a),
        Command::Export(a) => export::run(a),
        Command::Sql(a) => sql::run(a),
        Command::Report(a) => report::run(a),
        Command::Journal(a) => journal::run(a),
        Command::ClosePack(a) => close_pack::run(a),
        Command::VerifyLog(a) => verify_log::run(a),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
