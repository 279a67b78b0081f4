//! The command line: argument parsing (clap derive) and one function per command. Commands
//! print for people on stdout; errors come back to `main.rs`, which prints them and exits 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{ConfigFile, Settings};
use crate::error::{Error, Result};
use crate::period::{parse_zone, Period};
use crate::pipeline::{self, ReconcileJob};
use crate::report::summary;

#[derive(Debug, Parser)]
#[command(name = "cardrecon", version, about = "Reconcile card-issuing providers' records against your ledger")]
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
    Reconcile(ReconcileArgs),
    /// Write a synthetic month (all four providers, a ledger, labels of every seeded difference).
    Generate(GenerateArgs),
    /// Generate a month and reconcile it: see what cardrecon does, with no setup.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Directory with one subdirectory per provider: DIR/<provider>/*.jsonl.
    #[arg(long)]
    pub provider_data: PathBuf,
    /// Ledger file: .csv, .xlsx or .parquet (default: [ledger] path in the config).
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// Period: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the config's).
    #[arg(long)]
    pub period: Option<String>,
    /// Business timezone, an IANA name such as Europe/London (default: the config's, else UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Configuration file (TOML).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Skip ledger rows that cannot be read, listing them in summary.json, instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Exit 0 even when discrepancies are found (default: exit 1 so cron and CI can gate on it).
    #[arg(long)]
    pub exit_zero: bool,
}

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
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of provider-side records to generate.
    #[arg(long, default_value_t = 20_000)]
    pub records: u64,
    /// Where the generated data and the reports go.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Runs a parsed command line. `Ok` carries the exit code (0, or 1 for discrepancies found).
pub fn run(cli: Cli) -> Result<ExitCode> {
    init_logging(cli.verbose);
    match cli.command {
        Command::Reconcile(a) => reconcile(a),
        Command::Generate(a) => generate(a).map(|_| ExitCode::SUCCESS),
        Command::Demo(a) => demo(a),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn load_settings(config: Option<&Path>) -> Result<(ConfigFile, Settings)> {
    match config {
        Some(path) => {
            let file = ConfigFile::load(path)?;
            let settings = Settings::resolve(&file, &path.display().to_string())?;
            Ok((file, settings))
        }
        None => Ok((ConfigFile::default(), Settings::defaults())),
    }
}

fn reconcile(a: ReconcileArgs) -> Result<ExitCode> {
    let (_file, mut settings) = load_settings(a.config.as_deref())?;
    if let Some(z) = &a.timezone {
        settings.timezone = parse_zone(z)?;
    }
    if a.skip_bad_rows {
        settings.ledger.skip_bad_rows = Some(true);
    }
    let period = match (&a.period, settings.period) {
        (Some(p), _) => Period::parse(p)?,
        (None, Some(p)) => p,
        (None, None) => return Err(Error::input("period", "not given: pass --period YYYY-MM or set `period` in the config")),
    };
    let ledger = match (&a.ledger, &settings.ledger.path) {
        (Some(l), _) => l.clone(),
        (None, Some(p)) => {
            // A relative path in the config is relative to the config file.
            let base = a.config.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
            base.join(p)
        }
        (None, None) => return Err(Error::input("ledger", "not given: pass --ledger FILE or set [ledger] path in the config")),
    };
    let job = ReconcileJob { provider_data: a.provider_data, ledger, out: a.out.clone(), period, settings };
    let outcome = pipeline::reconcile(&job)?;
    print!("{}", summary::render_table(&outcome.summary));
    println!("outputs in {}:", a.out.display());
    for f in &outcome.files {
        println!("  {}", f.display());
    }
    if outcome.summary.discrepancies > 0 && !a.exit_zero {
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

fn generate(a: GenerateArgs) -> Result<crate::generate::GenerateReport> {
    let opts = crate::generate::GenerateOptions {
        out: a.out.clone(),
        records: a.records,
        seed: a.seed,
        period: Period::parse(&a.period)?,
        timezone: parse_zone(&a.timezone)?,
    };
    let report = crate::generate::generate(&opts)?;
    println!(
        "generated {} provider records and {} ledger entries for {} ({}) in {}",
        report.provider_records,
        report.ledger_entries,
        opts.period.label(),
        opts.timezone.name(),
        a.out.display()
    );
    let seeded: Vec<String> = report.labels.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("seeded differences (labels.csv): {}", seeded.join(", "));
    if !report.xlsx_written {
        println!("ledger.xlsx not written: more rows than one Excel sheet holds; ledger.csv has them all");
    }
    Ok(report)
}

fn demo(a: DemoArgs) -> Result<ExitCode> {
    let data = a.out.join("data");
    let report_dir = a.out.join("report");
    println!("1/2 generating a synthetic month into {}", data.display());
    generate(GenerateArgs {
        out: data.clone(),
        records: a.records,
        seed: a.seed,
        period: "2026-03".into(),
        timezone: "Europe/London".into(),
    })?;
    println!("\n2/2 reconciling it into {}", report_dir.display());
    let code = reconcile(ReconcileArgs {
        provider_data: data.join("providers"),
        ledger: Some(data.join("ledger.csv")),
        period: Some("2026-03".into()),
        timezone: Some("Europe/London".into()),
        out: report_dir.clone(),
        config: None,
        skip_bad_rows: false,
        exit_zero: true,
    })?;
    println!("\nThe generator seeded every kind of difference on purpose: compare {} with {}.", report_dir.join("discrepancies.csv").display(), data.join("labels.csv").display());
    Ok(code)
}
