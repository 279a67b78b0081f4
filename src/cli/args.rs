//! What several commands share: the flattened argument groups for the configuration and the
//! month (config file, timezone, period, ledger path), resolved once into [`Settings`], a
//! [`Period`] and a ledger path, and the small helpers every command body uses.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::config::{ConfigFile, Settings};
use crate::error::{Error, Result};
use crate::period::{parse_zone, Period};
use crate::report::summary;

/// `--config`, `--timezone` and `--skip-bad-rows`: what settles how inputs are read.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Configuration file (TOML); `cardrecon init` writes one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Business timezone, an IANA name such as Europe/London (default: the config's, else UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Skip ledger rows that cannot be read, listing them in summary.json, instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl SettingsArgs {
    /// The configuration (or the defaults) with the flags applied over it.
    pub fn settings(&self) -> Result<Settings> {
        let mut settings = match &self.config {
            Some(path) => Settings::resolve(&ConfigFile::load(path)?, &path.display().to_string())?,
            None => Settings::defaults(),
        };
        if let Some(z) = &self.timezone {
            settings.timezone = parse_zone(z)?;
        }
        if self.skip_bad_rows {
            settings.ledger.skip_bad_rows = Some(true);
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

/// [`SettingsArgs`] plus `--period` and `--ledger`: one month of one ledger.
#[derive(Debug, Clone, Args)]
pub struct MonthArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Period: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the config's).
    #[arg(long)]
    pub period: Option<String>,
    /// Ledger file: .csv, .xlsx or .parquet (default: [ledger] path in the config, relative to
    /// the config file).
    #[arg(long)]
    pub ledger: Option<PathBuf>,
}

/// A month's arguments resolved: settings, period and, where one is named, the ledger.
pub struct Month {
    pub settings: Settings,
    pub period: Period,
    pub ledger: Option<PathBuf>,
}

impl MonthArgs {
    pub fn resolve(&self) -> Result<Month> {
        let settings = self.settings.settings()?;
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
        let ledger = match (&self.ledger, &settings.ledger.path) {
            (Some(l), _) => Some(l.clone()),
            (None, Some(p)) => Some(self.settings.config_dir().join(p)),
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

/// Exit 1 when there is something to explain (unless `--exit-zero`), else 0.
pub fn exit_code(summary: &summary::Summary, exit_zero: bool) -> ExitCode {
    if summary.discrepancies > 0 && !exit_zero {
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
