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
    Reconcile(ReconcileArgs),
    /// Write a synthetic month (all four providers, a ledger, labels of every seeded difference).
    Generate(GenerateArgs),
    /// Fetch every configured provider, reconcile against the ledger, write a run directory.
    Run(RunArgs),
    /// Serve all four provider APIs on loopback from wire files, with optional faults.
    Sandbox(SandboxArgs),
    /// Write a commented configuration file (credentials as ${ENV} references).
    Init(InitArgs),
    /// Everything a run knows about one tx id, order id or ledger entry id.
    Explain(ExplainArgs),
    /// Generate a month, serve it from the sandbox, fetch and reconcile it: no setup needed.
    Demo(DemoArgs),
    /// Fetch every configured provider into an archive directory, without reconciling.
    Fetch(FetchArgs),
    /// Read and check a ledger file: entries, unreadable rows, totals per currency.
    CheckLedger(CheckLedgerArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Configuration file (TOML); `cardrecon init` writes one.
    #[arg(long)]
    pub config: PathBuf,
    /// Period: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the config's).
    #[arg(long)]
    pub period: Option<String>,
    /// Resume or name a particular run (default: resume the newest unfinished run of the period,
    /// else start a new one).
    #[arg(long)]
    pub run_id: Option<String>,
    /// Exit 0 even when discrepancies are found.
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Directory of wire files: DIR/<provider>/*.jsonl.
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Seed of the fault decisions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of requests answered with a 5xx (0.0..1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_5xx: f64,
    /// Share of requests answered 429 with Retry-After.
    #[arg(long, default_value_t = 0.0)]
    pub fault_429: f64,
    /// Seconds in Retry-After.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Tokens expire after this many uses.
    #[arg(long)]
    pub token_uses: Option<u64>,
    /// Hide 1 record in 50 until this many list requests were served, then insert them.
    #[arg(long)]
    pub page_drift_after: Option<u64>,
    /// Share of responses cut off half-way.
    #[arg(long, default_value_t = 0.0)]
    pub fault_truncate: f64,
    /// Add unknown fields to every record.
    #[arg(long)]
    pub extra_fields: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run directory (from `run`) or a `reconcile --out` directory.
    #[arg(long)]
    pub run: PathBuf,
    /// Where the provider files were, for a `reconcile` directory (a run has them in raw/).
    #[arg(long)]
    pub provider_data: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// A provider tx id, an order id or a ledger entry id.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the configuration.
    #[arg(long, default_value = "cardrecon.toml")]
    pub out: PathBuf,
    /// Point every provider at a sandbox base URL (e.g. http://127.0.0.1:8080).
    #[arg(long)]
    pub sandbox: Option<String>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Directory with one subdirectory per provider (DIR/<provider>/*.jsonl, such as a run's
    /// raw/), or a provider_records .parquet table (a run's normalized/provider_records.parquet).
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
    /// Outputs to write, comma-separated: csv, json, xlsx (Summary, Discrepancies, Daily),
    /// xlsx-lists (xlsx plus the Matched, Provider records and Ledger entries sheets), html,
    /// parquet; or all.
    #[arg(long, default_value = "all")]
    pub outputs: String,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Configuration file (TOML); `cardrecon init` writes one.
    #[arg(long)]
    pub config: PathBuf,
    /// Period: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the config's).
    #[arg(long)]
    pub period: Option<String>,
    /// Directory for the archive (DIR/<provider>/pages/*.json and DIR/<provider>/*.jsonl); a
    /// directory with pages from an interrupted fetch is resumed.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckLedgerArgs {
    /// Ledger file: .csv, .xlsx or .parquet.
    pub ledger: PathBuf,
    /// Configuration file (TOML) with the [ledger] column mapping.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Business timezone for local times in the file (default: the config's, else UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// List unreadable rows and go on, instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
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
    /// Share of records drawn from the discrepancy scenarios (0.0..1.0); default: the realistic
    /// mix, about 12% (benchmarks of discrepancy-heavy months use 1.0).
    #[arg(long)]
    pub discrepancy_share: Option<f64>,
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
        Command::Run(a) => run_command(a),
        Command::Sandbox(a) => sandbox(a),
        Command::Init(a) => init(a).map(|_| ExitCode::SUCCESS),
        Command::Explain(a) => {
            let e = crate::explain::explain(&a.run, &a.id, a.provider_data.as_deref())?;
            if a.json {
                let text = serde_json::to_string_pretty(&e)
                    .map_err(|err| Error::input("explain", err.to_string()))?;
                println!("{text}");
            } else {
                print!("{}", crate::explain::render(&e));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(a) => demo(a),
        Command::Fetch(a) => fetch(a),
        Command::CheckLedger(a) => check_ledger(a),
    }
}

/// The period from the flag, else from the configuration.
fn resolve_period(flag: Option<&str>, settings: &Settings) -> Result<Period> {
    match (flag, settings.period) {
        (Some(p), _) => Period::parse(p),
        (None, Some(p)) => Ok(p),
        (None, None) => Err(Error::input(
            "period",
            "not given: pass --period YYYY-MM or set `period` in the config",
        )),
    }
}

/// Exit 1 when there is something to explain (unless `--exit-zero`), else 0.
fn exit_code(summary: &summary::Summary, exit_zero: bool) -> ExitCode {
    if summary.discrepancies > 0 && !exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))
}

fn run_command(a: RunArgs) -> Result<ExitCode> {
    let (_file, settings) = load_settings(Some(&a.config))?;
    let period = resolve_period(a.period.as_deref(), &settings)?;
    let ledger = match &settings.ledger.path {
        Some(p) => a.config.parent().unwrap_or(Path::new(".")).join(p),
        None => {
            return Err(Error::config(
                a.config.display().to_string(),
                "ledger.path",
                "is required for `run`",
            ))
        }
    };
    let mut settings = settings;
    if settings.output_dir.is_relative() {
        settings.output_dir = a
            .config
            .parent()
            .unwrap_or(Path::new("."))
            .join(&settings.output_dir);
    }
    let job = pipeline::RunJob {
        settings,
        config_path: Some(a.config.clone()),
        period,
        ledger,
        run_id: a.run_id.clone(),
        progress: true,
    };
    let done = runtime()?.block_on(pipeline::run(&job))?;
    if done.resumed {
        println!("resumed the unfinished run in {}", done.run_dir.display());
    }
    print!("{}", summary::render_table(&done.outcome.summary));
    println!("run directory: {}", done.run_dir.display());
    Ok(exit_code(&done.outcome.summary, a.exit_zero))
}

fn fetch(a: FetchArgs) -> Result<ExitCode> {
    let (_file, settings) = load_settings(Some(&a.config))?;
    let period = resolve_period(a.period.as_deref(), &settings)?;
    pipeline::require_connections(&settings)?;
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let started = std::time::Instant::now();
    let stats = runtime()?.block_on(pipeline::fetch_all(&settings, &a.out, &period, true))?;
    let seconds = started.elapsed().as_secs_f64();
    let records: u64 = stats.iter().map(|s| s.records).sum();
    for s in &stats {
        println!(
            "{:<10} {:>9} records {:>7} requests {:>5} retries",
            s.provider, s.records, s.requests, s.retries
        );
    }
    println!(
        "fetched {records} records in {seconds:.2} s into {}",
        a.out.display()
    );
    println!(
        "reconcile with: cardrecon reconcile --provider-data {} --ledger LEDGER --out DIR",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_ledger(a: CheckLedgerArgs) -> Result<ExitCode> {
    let (_file, mut settings) = load_settings(a.config.as_deref())?;
    if let Some(z) = &a.timezone {
        settings.timezone = parse_zone(z)?;
    }
    if a.skip_bad_rows {
        settings.ledger.skip_bad_rows = Some(true);
    }
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
    println!(
        "{}: {} entries, {} unreadable rows",
        a.ledger.display(),
        ledger.entries.len(),
        ledger.skipped.len()
    );
    for ((currency, kind), (n, sum)) in &totals {
        println!(
            "  {currency} {kind:<12} {n:>9} entries  {:>20}",
            crate::money::format(*sum)
        );
    }
    for s in &ledger.skipped {
        println!(
            "  skipped: row {} field `{}`: {}",
            s.row, s.column, s.message
        );
    }
    Ok(if ledger.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn sandbox(a: SandboxArgs) -> Result<ExitCode> {
    let options = crate::sandbox::SandboxOptions {
        seed: a.seed,
        faults: crate::sandbox::Faults {
            server_errors: a.fault_5xx,
            rate_limited: a.fault_429,
            retry_after_secs: a.retry_after,
            latency: std::time::Duration::from_millis(a.latency_ms),
            token_uses: a.token_uses,
            page_drift_after: a.page_drift_after,
            truncated: a.fault_truncate,
            extra_fields: a.extra_fields,
        },
        credentials: crate::sandbox::Credentials::default(),
    };
    let store = crate::sandbox::load_store(
        &a.data,
        options.seed,
        options.faults.page_drift_after.is_some(),
    )?;
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.addr).await.map_err(|e| Error::io(&a.addr, e))?;
        let addr = listener.local_addr().map_err(|e| Error::io(&a.addr, e))?;
        println!("sandbox serving {} on http://{addr} (/keysecure, /txv3, /cardapp, /usertrans); Ctrl-C stops it", a.data.display());
        let state = std::sync::Arc::new(crate::sandbox::State::new(store, options));
        crate::sandbox::run(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The commented configuration `init` writes. With a sandbox URL, every provider points at it.
pub fn config_template(
    sandbox: Option<&str>,
    timezone: &str,
    period: Option<&str>,
    ledger: &str,
) -> String {
    let url = |provider: &str, real: &str| match sandbox {
        Some(s) => format!("\"{}/{provider}\"", s.trim_end_matches('/')),
        None => format!("\"{real}\""),
    };
    format!(
        r#"# cardrecon configuration (`cardrecon init`). Credentials are ${{ENV_VAR}} references: set the
# variables in the environment; never write the values here.
timezone = "{timezone}"        # business timezone: where accounting days begin and end
{period_line}
margin_days = 3                   # days read on each side of the period, so cut-offs are recognised

[tolerance]
amount = "0.00"                   # amounts closer than this are equal
fee = "0.00"

[providers.keysecure]
base_url = {ks}
api_key = "${{CARDRECON_KEYSECURE_API_KEY}}"
api_secret = "${{CARDRECON_KEYSECURE_API_SECRET}}"
account_currency = "USD"          # the card account's currency: keysecure amounts carry none
{rate}# max_concurrency = 4             # windows (and details) fetched at once
# requests_per_second = 20        # the default cap; ask your provider for its limit
# fetch_details = true            # each consumption's detail (fees, original amount)

[providers.txv3]
base_url = {tx}
{rate}api_key = "${{CARDRECON_TXV3_API_KEY}}"
account_currency = "USD"          # currency of service fees (business_type 10)

[providers.cardapp]
base_url = {ca}
{rate}version = "v1"
customer_id = 10000011
app_id = 100001
key = "${{CARDRECON_CARDAPP_KEY}}"
wire_timezone = "Asia/Shanghai"   # zone of its datetime strings

[providers.usertrans]
base_url = {ut}
{rate}app_key = "${{CARDRECON_USERTRANS_APP_KEY}}"
app_secret = "${{CARDRECON_USERTRANS_APP_SECRET}}"

[ledger]
path = "{ledger}"
# timezone = "{timezone}"        # zone of naive booked_at times (default: the business timezone)
# skip_bad_rows = false
# [ledger.columns]                # canonical name = your export's column name
# amount = "Amount"
# [ledger.values.status]          # your word = canonical status
# "Settled" = "success"

[output]
dir = "runs"                      # run directories: runs/<period>/<run-id>/
"#,
        period_line = match period {
            Some(p) => format!("period = \"{p}\""),
            None => "# period = \"2026-03\"            # or pass --period".to_string(),
        },
        // The sandbox on loopback can take far more than a real API's default cap.
        rate = if sandbox.is_some() {
            "requests_per_second = 2000      # the sandbox on loopback\nmax_concurrency = 8\n"
        } else {
            ""
        },
        ks = url("keysecure", "https://openplatform.keysecure.io"),
        tx = url("txv3", "https://YOUR-TXV3-HOST"),
        ca = url("cardapp", "https://YOUR-CARDAPP-HOST"),
        ut = url("usertrans", "https://YOUR-USERTRANS-HOST"),
    )
}

/// The sandbox's default credentials as the environment variables the template names.
pub const SANDBOX_ENV: [(&str, &str); 6] = [
    ("CARDRECON_KEYSECURE_API_KEY", "sandbox-keysecure-key"),
    ("CARDRECON_KEYSECURE_API_SECRET", "sandbox-keysecure-secret"),
    ("CARDRECON_TXV3_API_KEY", "sandbox-txv3-key"),
    ("CARDRECON_CARDAPP_KEY", "sandbox-cardapp-key"),
    ("CARDRECON_USERTRANS_APP_KEY", "sandbox-usertrans-key"),
    ("CARDRECON_USERTRANS_APP_SECRET", "sandbox-usertrans-secret"),
];

fn init(a: InitArgs) -> Result<()> {
    if a.out.exists() && !a.force {
        return Err(Error::input(
            a.out.display().to_string(),
            "exists already; pass --force to overwrite",
        ));
    }
    let text = config_template(a.sandbox.as_deref(), "Europe/London", None, "ledger.csv");
    std::fs::write(&a.out, text).map_err(|e| Error::io(&a.out, e))?;
    println!("wrote {}; set the CARDRECON_* environment variables it names, then `cardrecon run --config {}`", a.out.display(), a.out.display());
    Ok(())
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
    let period = resolve_period(a.period.as_deref(), &settings)?;
    let ledger = match (&a.ledger, &settings.ledger.path) {
        (Some(l), _) => l.clone(),
        (None, Some(p)) => {
            // A relative path in the config is relative to the config file.
            let base = a
                .config
                .as_deref()
                .and_then(Path::parent)
                .unwrap_or(Path::new("."));
            base.join(p)
        }
        (None, None) => {
            return Err(Error::input(
                "ledger",
                "not given: pass --ledger FILE or set [ledger] path in the config",
            ))
        }
    };
    let outputs = pipeline::Outputs::parse(&a.outputs)?;
    let job = ReconcileJob {
        provider_data: a.provider_data,
        ledger,
        out: a.out.clone(),
        period,
        settings,
        fetch_stats: Vec::new(),
        run: None,
        outputs,
    };
    let outcome = pipeline::reconcile(&job)?;
    print!("{}", summary::render_table(&outcome.summary));
    println!("outputs in {}:", a.out.display());
    for f in &outcome.files {
        println!("  {}", f.display());
    }
    Ok(exit_code(&outcome.summary, a.exit_zero))
}

fn generate(a: GenerateArgs) -> Result<crate::generate::GenerateReport> {
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
    let seeded: Vec<String> = report
        .labels
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("seeded differences (labels.csv): {}", seeded.join(", "));
    if !report.xlsx_written {
        println!("ledger.xlsx not written: more rows than one Excel sheet holds; ledger.csv has them all");
    }
    Ok(report)
}

fn demo(a: DemoArgs) -> Result<ExitCode> {
    let data = a.out.join("data");
    println!("1/3 generating a synthetic month into {}", data.display());
    generate(GenerateArgs {
        out: data.clone(),
        records: a.records,
        seed: a.seed,
        period: "2026-03".into(),
        timezone: "Europe/London".into(),
        discrepancy_share: None,
    })?;
    let rt = runtime()?;
    let done = rt.block_on(async {
        let (url, handle) = crate::sandbox::start(
            &data.join("providers"),
            crate::sandbox::SandboxOptions::default(),
        )
        .await?;
        println!(
            "\n2/3 provider sandbox serving on {url} (/keysecure, /txv3, /cardapp, /usertrans)"
        );
        let config = a.out.join("cardrecon.toml");
        let ledger = std::path::absolute(data.join("ledger.csv"))
            .map_err(|e| Error::io(data.join("ledger.csv"), e))?;
        std::fs::write(
            &config,
            config_template(
                Some(&url),
                "Europe/London",
                Some("2026-03"),
                &ledger.display().to_string(),
            ),
        )
        .map_err(|e| Error::io(&config, e))?;
        println!(
            "\n3/3 fetching the month from the sandbox and reconciling it (config: {})",
            config.display()
        );
        // The demo's credentials are the sandbox's, given the way real ones are (the
        // configuration's `${ENV}` references), through a lookup of their own: nothing is set
        // in the process environment.
        let file = ConfigFile::load(&config)?;
        let mut settings = Settings::resolve_with(
            &file,
            &config.display().to_string(),
            &crate::secret::Vars::new(SANDBOX_ENV),
        )?;
        settings.output_dir = a.out.join("runs");
        let period = Period::parse("2026-03")?;
        let job = pipeline::RunJob {
            settings,
            config_path: Some(config.clone()),
            period,
            ledger,
            run_id: None,
            progress: true,
        };
        let done = pipeline::run(&job).await;
        handle.stop().await;
        done
    })?;
    print!("{}", summary::render_table(&done.outcome.summary));
    println!("\nreports in {}:", done.run_dir.display());
    for f in &done.outcome.files {
        println!("  {}", f.display());
    }
    println!("  {}", done.run_dir.join("manifest.json").display());
    println!("\nThe generator seeded every kind of difference on purpose: compare discrepancies.csv with {}.", data.join("labels.csv").display());
    Ok(ExitCode::SUCCESS)
}
