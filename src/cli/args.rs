//! What several commands share: the flattened argument groups for the configuration and the
//! month (config file, timezone, period, ledger path), resolved once into [`Settings`], a
//! [`Period`] and a ledger path, and the small helpers every command body uses.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::config::{ConfigFile, Settings, Uses};
use crate::error::{Error, Result};
use crate::period::{parse_zone, Period};
use crate::report::summary;
use crate::report::thresholds::{OpenAmountLimit, Thresholds};
use crate::secret::ProcessEnv;

/// `--config` and `--timezone`: the configuration and the business day.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Configuration file (TOML); `cardrecon init` writes one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Business timezone, an IANA name such as Europe/London (default: the config's, else UTC).
    #[arg(long)]
    pub timezone: Option<String>,
}

/// `--skip-bad-rows`, only on the commands that read a ledger (a command that reads none does
/// not offer it).
#[derive(Debug, Clone, Args)]
pub struct SkipBadRows {
    /// Skip ledger rows that cannot be read, listing them in summary.json, instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl SkipBadRows {
    /// The flag over the configuration's `[ledger] skip_bad_rows`.
    pub fn apply(&self, settings: &mut Settings) {
        if self.skip_bad_rows {
            settings.ledger.skip_bad_rows = Some(true);
        }
    }
}

impl SettingsArgs {
    /// The configuration (or the defaults) with the flags applied over it, with the credentials
    /// the command `uses`.
    pub fn settings(&self, uses: Uses) -> Result<Settings> {
        let mut settings = match &self.config {
            Some(path) => Settings::resolve_for(
                &ConfigFile::load(path)?,
                &path.display().to_string(),
                &ProcessEnv,
                uses,
            )?,
            None => Settings::defaults(),
        };
        if let Some(z) = &self.timezone {
            settings.timezone = parse_zone(z)?;
        }
        Ok(settings)
    }

    /// The folder relative paths in the config are read from: the config file's own.
    pub fn config_dir(&self) -> &Path {
        self.config
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
    }

    /// The config file, for commands that cannot run without one (`run`, `fetch`).
    pub fn required_config(&self, command: &str) -> Result<&Path> {
        self.config.as_deref().ok_or_else(|| {
            Error::input(
                "--config",
                format!("`{command}` needs a configuration file (--config FILE; `cardrecon init` writes one)"),
            )
        })
    }
}

/// [`SettingsArgs`] plus `--period`: a month, for the commands that read no ledger (`fetch`,
/// `sql`).
#[derive(Debug, Clone, Args)]
pub struct PeriodArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Period: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the config's).
    #[arg(long)]
    pub period: Option<String>,
}

impl PeriodArgs {
    pub fn resolve(&self, uses: Uses) -> Result<(Settings, Period)> {
        let settings = self.settings.settings(uses)?;
        let period = match (&self.period, settings.period) {
            (Some(p), _) => Period::parse(p)?,
            (None, Some(p)) => p,
            (None, None) => {
                return Err(Error::input(
                    "period",
                    "not given: pass --period YYYY-MM or set `period` in the config",
                ))
            }
        };
        Ok((settings, period))
    }
}

/// [`PeriodArgs`] plus `--ledger` and `--skip-bad-rows`: one month of one ledger.
#[derive(Debug, Clone, Args)]
pub struct MonthArgs {
    #[command(flatten)]
    pub when: PeriodArgs,
    /// Ledger file: .csv, .xlsx or .parquet (default: [ledger] path in the config, relative to
    /// the config file).
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    #[command(flatten)]
    pub skip: SkipBadRows,
}

/// `--provider-data` plus [`MonthArgs`]: a month reconciled from files (`reconcile`, `report`,
/// `export`).
#[derive(Debug, Clone, Args)]
pub struct FilesArgs {
    /// Directory with one subdirectory per provider (DIR/<provider>/*.jsonl, such as a run's
    /// raw/), or a provider_records .parquet table (a run's normalized/provider_records.parquet).
    #[arg(long)]
    pub provider_data: PathBuf,
    #[command(flatten)]
    pub month: MonthArgs,
}

/// A month's arguments resolved: settings, period and, where one is named, the ledger.
pub struct Month {
    pub settings: Settings,
    pub period: Period,
    pub ledger: Option<PathBuf>,
}

impl MonthArgs {
    /// The configuration and timezone arguments.
    pub fn settings(&self) -> &SettingsArgs {
        &self.when.settings
    }

    pub fn resolve(&self, uses: Uses) -> Result<Month> {
        let (mut settings, period) = self.when.resolve(uses)?;
        self.skip.apply(&mut settings);
        settings.inputs_relative_to(self.settings().config_dir());
        let ledger = match (&self.ledger, &settings.ledger.path) {
            (Some(l), _) => Some(l.clone()),
            (None, Some(p)) => Some(self.settings().config_dir().join(p)),
            (None, None) => None,
        };
        Ok(Month {
            settings,
            period,
            ledger,
        })
    }
}

impl Month {
    /// The ledger, or an error saying how to name one.
    pub fn required_ledger(&self) -> Result<PathBuf> {
        self.ledger.clone().ok_or_else(|| {
            Error::input(
                "ledger",
                "not given: pass --ledger FILE or set [ledger] path in the config",
            )
        })
    }
}

/// `--max-discrepancies`, `--max-open-amount`, `--min-match-rate`: limits for unattended runs.
/// With any of them, the exit code is 1 only when one is crossed.
#[derive(Debug, Clone, Default, Args)]
pub struct ThresholdArgs {
    /// Exit 1 only when there are more than N discrepancies.
    #[arg(long, value_name = "N")]
    pub max_discrepancies: Option<u64>,
    /// Exit 1 only when the amount at stake in discrepancies exceeds this, per currency:
    /// AMOUNT for every currency, or CUR=AMOUNT[,CUR=AMOUNT] (e.g. USD=1000,JPY=150000).
    #[arg(long, value_name = "AMOUNT")]
    pub max_open_amount: Option<String>,
    /// Exit 1 only when less than PCT percent of provider records matched (e.g. 98.5).
    #[arg(long, value_name = "PCT")]
    pub min_match_rate: Option<String>,
}

impl ThresholdArgs {
    pub fn resolve(&self) -> Result<Thresholds> {
        let min_match_rate = match &self.min_match_rate {
            None => None,
            Some(t) => {
                let pct =
                    crate::money::parse(t).map_err(|m| Error::input("--min-match-rate", m))?;
                if pct.is_sign_negative() || pct > rust_decimal::Decimal::ONE_HUNDRED {
                    return Err(Error::input(
                        "--min-match-rate",
                        format!("{t} is not a percentage between 0 and 100"),
                    ));
                }
                Some(pct)
            }
        };
        Ok(Thresholds {
            max_discrepancies: self.max_discrepancies,
            max_open_amount: match &self.max_open_amount {
                Some(t) => OpenAmountLimit::parse(t)?,
                None => OpenAmountLimit::default(),
            },
            min_match_rate,
        })
    }
}

/// The exit code of a finished run: with thresholds, 1 only when one was crossed (the reasons
/// in one line on stderr); without, 1 when there is something to explain (a discrepancy or a
/// link finding). `--exit-zero`: 0.
pub fn exit_code(summary: &summary::Summary, exit_zero: bool) -> ExitCode {
    let fail = match &summary.thresholds {
        Some(check) => {
            if !check.crossed.is_empty() {
                eprintln!("cardrecon: threshold crossed: {}", check.crossed.join("; "));
            }
            !check.crossed.is_empty()
        }
        // Link findings (orphan refunds and fees, refunds above the original) and card findings
        // are discrepancies too, kept in their own tables.
        None => {
            summary.discrepancies > 0 || summary.links.findings > 0 || summary.cards.findings > 0
        }
    };
    if fail && !exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))
}

/// The settings of the configuration file at `path` for a command that reaches no provider,
/// its relative paths read from the file's own folder.
pub fn offline_settings(path: &Path) -> Result<Settings> {
    let mut settings = Settings::resolve_for(
        &ConfigFile::load(path)?,
        &path.display().to_string(),
        &ProcessEnv,
        Uses::OFFLINE,
    )?;
    settings.relative_to(path.parent().unwrap_or(Path::new(".")));
    Ok(settings)
}

/// `--store URL` or `--config FILE`: the store the item and user commands read and write.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The store: sqlite:PATH (a run's default is sqlite:<output dir>/cardrecon.db) or
    /// postgres://user@host/db.
    #[arg(long, value_name = "URL", required_unless_present = "config")]
    pub store: Option<String>,
    /// Or the configuration whose store `run` uses (`[store] url`, else
    /// sqlite:<output dir>/cardrecon.db).
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub config: Option<PathBuf>,
}

impl StoreArgs {
    /// The store's URL: `--store`, or the configuration's.
    pub fn url(&self) -> Result<crate::secret::Secret> {
        if let Some(url) = &self.store {
            return Ok(crate::secret::Secret::new(url.clone()));
        }
        let Some(path) = &self.config else {
            return Err(Error::input("--store", "give --store URL or --config FILE"));
        };
        Ok(crate::pipeline::stored::store_url(&offline_settings(path)?))
    }

    /// The output directory of the configuration at `path` (its runs' directories).
    pub fn output_dir(&self, path: &Path) -> Result<PathBuf> {
        Ok(offline_settings(path)?.output_dir)
    }

    /// Opens the store (bringing its schema up to date); it must exist.
    pub async fn open(&self) -> Result<crate::store::Store> {
        crate::store::Store::open_existing(self.url()?.expose()).await
    }

    /// Opens the store for a person's decision from the command line: its events say so, with
    /// the operating-system account that ran it (`--by` is free text).
    /// Refused when the store says every decision goes through the workspace (`[review]
    /// cli_decisions = false`, which `serve` keeps in the store).
    pub async fn open_for_decisions(&self) -> Result<crate::store::Store> {
        let store = self.open().await?;
        if !store.cli_decisions_allowed().await? {
            return Err(Error::input(
                "--store",
                format!("{} takes decisions only from signed-in people in the workspace (`[review] cli_decisions = false`): use `cardrecon serve`", store.shown()),
            ));
        }
        Ok(store.with_origin(cli_origin()))
    }

    /// The store for managing users from the command line (allowed whatever `cli_decisions`
    /// says: it is how the first admin is made), its events saying so.
    pub async fn open_for_users(&self) -> Result<crate::store::Store> {
        Ok(self.open().await?.with_origin(cli_origin()))
    }

    /// [`StoreArgs::open_for_users`], creating a SQLite store that does not exist yet (the
    /// first user may come before the first run).
    pub async fn create_for_decisions(&self) -> Result<crate::store::Store> {
        Ok(crate::store::Store::open(self.url()?.expose())
            .await?
            .with_origin(cli_origin()))
    }
}

/// Where a decision made with a command came from, for its event.
fn cli_origin() -> String {
    format!(
        "command line, os user {}",
        crate::pipeline::stored::os_user()
    )
}

impl StoreArgs {}

/// `--note` and `--by`: what every decision on an item is signed with.
#[derive(Debug, Clone, Args)]
pub struct Signature {
    /// Why, in words (kept in the item's history).
    #[arg(long)]
    pub note: String,
    /// Who decides (default: the operating-system user).
    #[arg(long)]
    pub by: Option<String>,
}

impl Signature {
    /// The note and who signs; an empty note is refused with `missing` (what to say).
    pub fn sign(&self, missing: &str) -> Result<(&str, String)> {
        if self.note.trim().is_empty() {
            return Err(Error::input("--note", missing));
        }
        let by = self
            .by
            .clone()
            .unwrap_or_else(crate::pipeline::stored::os_user);
        Ok((&self.note, by))
    }
}

/// Writes `text` to stdout; a closed pipe (`| head`) comes back as an I/O error, which `main`
/// treats as a normal end, instead of the panic `print!` gives.
pub fn out(text: &str) -> Result<()> {
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))
}

pub use crate::period::now_text;
