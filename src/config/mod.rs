//! Configuration: one TOML file (`cardrecon init` writes a commented one). Everything has a
//! default, so `reconcile` runs with no config at all; command-line flags override the file.
//!
//! ```toml
//! timezone = "Europe/London"     # business timezone: where accounting days begin and end
//! period = "2026-03"             # YYYY-MM or YYYY-MM-DD..YYYY-MM-DD
//! margin_days = 3                # days loaded on each side so cut-off items are recognised
//!
//! [tolerance]                    # |provider − ledger| ≤ amount + relative × |provider|
//! amount = "0.00"                # decimal text; differences up to this are equal
//! relative = "0"                 # a fraction of the provider amount (0.001 = 0.1%)
//! fee = "0.00"
//! fee_relative = "0"
//!
//! [tolerance.currency]           # per currency, replacing `amount`
//! JPY = "1"
//!
//! [tolerance.fee_currency]       # per currency, replacing `fee`
//! JPY = "1"
//!
//! [matching]                     # stage 6
//! groups = true                  # several records summing to one match as a group
//! suggest = true                 # unique loose candidates become `suggested_match` rows
//! suggest_window_days = 3        # how far apart a suggestion's two times may be
//! links = true                   # stage 7: refunds and fees against their originals (links.csv)
//!
//! [providers.keysecure]          # table name = instance name (the `provider` column)
//! type = "keysecure"             # defaults to the instance name
//! account_currency = "USD"       # currency of amounts sent without one
//!
//! [providers.cardapp]
//! wire_timezone = "Asia/Shanghai" # zone of datetime strings sent without an offset
//!
//! [output]
//! dir = "runs"                   # run directories: runs/<period>/<run-id>/
//! paper = "a4"                   # or "letter" (default: letter in the Americas' timezones)
//!
//! [ledger]
//! path = "ledger.csv"            # .csv, .xlsx or .parquet
//! timezone = "Europe/London"     # zone of naive booked_at times (default: business zone)
//! skip_bad_rows = false          # true: bad rows are skipped and listed instead of stopping
//! max_skipped_share = 0.01       # with skip_bad_rows: more skipped than this share fails the run
//! delimiter = ";"                # CSV: `,` `;` `\t` `|` (default: detected from the header)
//! encoding = "windows-1252"      # CSV: default UTF-8 (UTF-16 with a byte-order mark is recognised)
//! decimal_separator = ","        # amounts as `1.234,56` (default `.`)
//! thousands_separator = "."      # `.`, `,`, `'` or " " (default: none)
//! sheet = "Ledger"               # XLSX sheet (default: the first)
//! amount_sign = "magnitude"      # or "signed": debits negative, credits positive
//! booked_at_format = "%d.%m.%Y %H:%M"  # optional strftime for booked_at text
//!
//! [ledger.columns]               # canonical name = the export's column name
//! entry_id = "Buchungsnummer"
//! amount = "Betrag"
//!
//! [ledger.values.status]         # the export's word = canonical status
//! "Settled" = "success"
//! ```
//!
//! Secrets are never part of this file's values: credentials (issue: fetchers) are `${ENV}`
//! references, and `Debug`/reports never print them.

pub mod delivery;
pub mod dialect;
mod journal;
mod matching;
pub use journal::{JournalFile, JournalRuleFile};
pub use matching::{MatchingFile, MatchingSettings, RuleFile, SummaryFile};
pub mod serve;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::period::{parse_zone, Period};
use crate::providers::spec::{ApiTable, Place};
use crate::providers::{AdapterOptions, Connection, Spec, SPECS};
use crate::secret::{Env, ProcessEnv};
use crate::tolerance::Tolerance;

/// Whether an `http://` URL points at this machine (the sandbox), where clear text is harmless.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or("");
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    is_loopback_host(host)
}

/// Whether a host is this machine: `localhost` or a loopback address (`127.0.0.1`, `::1`,
/// bracketed or not). Provider URLs and the mail server (`[delivery.email]`) are held to it.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One `[providers.<instance>]` table: the provider's own keys are read and checked by its spec
/// (credentials only when it has a `base_url`, that is when `run` fetches it); the connection
/// settings every provider shares are read here.
fn connection(
    env: &dyn Env,
    source_name: &str,
    name: &str,
    spec: &'static Spec,
    p: &ProviderFile,
    uses: Uses,
) -> Result<Option<Connection>> {
    let connecting = p.base_url.is_some() && uses.fetch;
    let place = Place {
        source_name,
        instance: name,
        provider: spec.name,
        env,
        connecting,
    };
    let (Some(url), true) = (&p.base_url, connecting) else {
        (spec.connect)(&p.api, &place)?;
        return Ok(None);
    };
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(place.error("base_url", format!("`{url}` is not an http(s) URL")));
    }
    if url.starts_with("http://")
        && !is_loopback_url(&url)
        && !p.allow_insecure_http.unwrap_or(false)
    {
        return Err(place.error(
            "base_url",
            format!("`{url}` is plain http to another machine: credentials would travel unencrypted. Use https, or set allow_insecure_http = true"),
        ));
    }
    let credentials = (spec.connect)(&p.api, &place)?;
    let limits = spec.limits;
    let size = p.page_size.unwrap_or(limits.default_page_size);
    if !(limits.min_page_size..=limits.max_page_size).contains(&size) {
        return Err(place.error(
            "page_size",
            format!(
                "{size} is outside what the API accepts ({}..{})",
                limits.min_page_size, limits.max_page_size
            ),
        ));
    }
    Ok(Some(Connection {
        base_url: url,
        page_size: size,
        concurrency: p.max_concurrency.unwrap_or(4).clamp(1, 64),
        requests_per_second: p.requests_per_second.unwrap_or(20).max(1),
        timeout: std::time::Duration::from_secs(p.timeout_secs.unwrap_or(30).max(1)),
        credentials,
    }))
}

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub timezone: Option<String>,
    pub period: Option<String>,
    pub margin_days: Option<u32>,
    #[serde(default)]
    pub tolerance: ToleranceFile,
    #[serde(default)]
    pub matching: MatchingFile,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderFile>,
    #[serde(default)]
    pub ledger: LedgerFile,
    #[serde(default)]
    pub output: OutputFile,
    #[serde(default)]
    pub store: StoreFile,
    #[serde(default)]
    pub delivery: delivery::DeliveryFile,
    #[serde(default)]
    pub serve: serve::ServeFile,
    #[serde(default)]
    pub review: serve::ReviewFile,
    /// `[fx]`: bookings in another currency, compared at the day's rate.
    pub fx: Option<FxFile>,
    /// `[journal]`: accepted items as adjusting journal entries.
    pub journal: Option<JournalFile>,
}

/// `[fx]`: a rates file and how far a converted amount may be from the booked one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FxFile {
    /// `date,base,quote,rate` (1 base = rate quote), the ECB's reference rates' shape.
    pub rates: Option<PathBuf>,
    /// Default 0.005 (half a percent).
    pub tolerance_relative: Option<String>,
    /// Default 7: a weekend or a holiday takes the last rate before it.
    pub max_rate_age_days: Option<u32>,
}

/// `[fx]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FxSettings {
    pub rates: PathBuf,
    pub tolerance_relative: Decimal,
    pub max_rate_age_days: u32,
}

/// `[store]`: where the memory across periods lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreFile {
    /// `sqlite:PATH` or `postgres://user:${PASSWORD_VAR}@host/db` (default for `run`:
    /// `sqlite:<output dir>/cardrecon.db`).
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputFile {
    /// Where `run` creates `<dir>/<period>/<run-id>/` (default `runs`).
    pub dir: Option<PathBuf>,
    /// The paper the workbook prints on: `a4` or `letter` (default: letter where the business
    /// timezone is in the Americas, A4 elsewhere).
    pub paper: Option<String>,
}

/// The paper size the reports print on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    /// The paper's number in a workbook's page setup (Excel's codes).
    pub fn excel_code(self) -> u8 {
        match self {
            Paper::Letter => 1,
            Paper::A4 => 9,
        }
    }

    /// US Letter where the business timezone is in the Americas (the US, Canada and most of
    /// Latin America print on it), A4 everywhere else.
    pub fn default_for(zone: Tz) -> Paper {
        let name = zone.name();
        if ["America/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            Paper::Letter
        } else {
            Paper::A4
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToleranceFile {
    pub amount: Option<String>,
    pub relative: Option<String>,
    pub fee: Option<String>,
    pub fee_relative: Option<String>,
    #[serde(default)]
    pub currency: BTreeMap<String, String>,
    #[serde(default)]
    pub fee_currency: BTreeMap<String, String>,
}

impl FxSettings {
    fn resolve(file: &FxFile, source_name: &str) -> Result<FxSettings> {
        let cfg = |field: &str, message: String| Error::config(source_name, field, message);
        let rates = file.rates.clone().ok_or_else(|| {
            cfg(
                "fx.rates",
                "is required: the rates file (date,base,quote,rate)".into(),
            )
        })?;
        let tolerance_relative = match &file.tolerance_relative {
            None => Decimal::new(5, 3),
            Some(t) => {
                let d = crate::money::parse(t).map_err(|m| cfg("fx.tolerance_relative", m))?;
                if d.is_sign_negative() {
                    return Err(cfg(
                        "fx.tolerance_relative",
                        "a tolerance cannot be negative".into(),
                    ));
                }
                d
            }
        };
        Ok(FxSettings {
            rates,
            tolerance_relative,
            max_rate_age_days: file.max_rate_age_days.unwrap_or(7),
        })
    }
}

/// A `[providers.<instance>]` table: the keys every provider has, and the provider's own (its
/// credentials and API settings) in `api`, which its spec reads and checks.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProviderFile {
    #[serde(rename = "type")]
    pub provider_type: Option<String>,
    pub account_currency: Option<String>,
    pub wire_timezone: Option<String>,
    /// Where the API is; without it the provider is not fetched by `run`.
    pub base_url: Option<String>,
    /// Allow a non-loopback `http://` base URL (credentials would travel in clear text).
    pub allow_insecure_http: Option<bool>,
    pub page_size: Option<usize>,
    pub max_concurrency: Option<usize>,
    pub requests_per_second: Option<u32>,
    pub timeout_secs: Option<u64>,
    /// Everything else: the provider's own keys (`${ENV}` references for credentials).
    #[serde(flatten)]
    pub api: ApiTable,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerFile {
    pub path: Option<PathBuf>,
    pub timezone: Option<String>,
    pub skip_bad_rows: Option<bool>,
    /// Under `skip_bad_rows`: the share of rows that may be skipped before the run fails
    /// (default 0.01); a ledger whose every row is skipped always fails.
    pub max_skipped_share: Option<f64>,
    /// CSV: `,`, `;`, `\t` or `|` (default: detected from the header).
    pub delimiter: Option<String>,
    /// CSV: `utf-8` (default; UTF-16 with its byte-order mark is recognised), `windows-1252`, …
    pub encoding: Option<String>,
    /// Amounts in text: `.` (default) or `,`.
    pub decimal_separator: Option<String>,
    /// Amounts in text: `.`, `,`, `'` or a space between thousands (default: none).
    pub thousands_separator: Option<String>,
    pub sheet: Option<String>,
    pub amount_sign: Option<String>,
    pub booked_at_format: Option<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A configured provider instance: its name (the `provider` column), API and options.
#[derive(Debug, Clone)]
pub struct ProviderInstance {
    pub name: String,
    pub spec: &'static Spec,
    pub options: AdapterOptions,
    /// Set when the provider has a `base_url`: `run` fetches it.
    pub connection: Option<Connection>,
}

/// Resolved settings every stage reads.
#[derive(Debug, Clone)]
pub struct Settings {
    pub source_name: String,
    pub timezone: Tz,
    pub period: Option<Period>,
    pub margin_days: u32,
    /// `[store] url` with its `${ENV}` references filled in.
    pub store_url: Option<crate::secret::Secret>,
    pub amount_tolerance: Tolerance,
    pub fee_tolerance: Tolerance,
    /// `[matching]`: groups and suggestions.
    pub matching: MatchingSettings,
    pub providers: BTreeMap<String, ProviderInstance>,
    pub ledger: LedgerFile,
    pub output_dir: PathBuf,
    /// `[output] paper`, when set ([`Settings::paper`]).
    pub paper: Option<Paper>,
    /// `[delivery]`: where `run` sends its reports at the end (empty: nowhere).
    pub delivery: delivery::Delivery,
    /// `[fx]`: bookings in another currency.
    pub fx: Option<FxSettings>,
    /// `[journal]`: how accepted items are booked (`cardrecon journal`).
    pub journal: Option<crate::journal::JournalSettings>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let line_of = |e: &toml::de::Error| {
            e.span()
                .map(|s| text[..s.start.min(text.len())].lines().count())
                .map(|l| format!("line {}", l.max(1)))
                .unwrap_or_default()
        };
        let de = toml::Deserializer::parse(&text).map_err(|e| {
            Error::config(
                path.display().to_string(),
                line_of(&e),
                e.message().to_string(),
            )
            .because(e)
        })?;
        // The key path (`providers.txv3.page_size`) names the field; the line finds it.
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let field = match (key.as_str(), line_of(&inner)) {
                (".", l) | ("", l) => l,
                (k, l) if l.is_empty() => k.to_string(),
                (k, l) => format!("{k} ({l})"),
            };
            let message = inner.message().to_string();
            Error::config(path.display().to_string(), field, message).because(inner)
        })
    }
}

/// What a command does with its settings. Credentials are resolved only for what it does, so
/// re-reconciling a run offline with the team's config needs no provider or mail secrets in
/// the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    /// It fetches from the providers that have a `base_url` (their credentials are read, and
    /// their connections made).
    pub fetch: bool,
    /// It delivers the reports (`[delivery]`'s credentials are read).
    pub deliver: bool,
}

impl Uses {
    /// `run`: fetch, reconcile, deliver.
    pub const ALL: Uses = Uses {
        fetch: true,
        deliver: true,
    };
    /// `fetch`: the providers only.
    pub const FETCH: Uses = Uses {
        fetch: true,
        deliver: false,
    };
    /// Everything that works from files and the store: no connection, no credential. A
    /// provider with a `base_url` is then read from files like any other (no connection).
    pub const OFFLINE: Uses = Uses {
        fetch: false,
        deliver: false,
    };
}

/// A config value and the key it was read from.
type Field<'f, T> = (&'f T, &'f str);

/// One tolerance (`[tolerance]`'s amount or fee): absolute, relative and per currency, none
/// negative, each currency a plausible code.
fn tolerance(
    source_name: &str,
    absolute: Field<'_, Option<String>>,
    relative: Field<'_, Option<String>>,
    currency: Field<'_, BTreeMap<String, String>>,
) -> Result<Tolerance> {
    let cfg = |field: &str, message: String| Error::config(source_name, field, message);
    let tol = |v: Option<&String>, field: &str| -> Result<Decimal> {
        match v {
            None => Ok(Decimal::ZERO),
            Some(t) => {
                let d = crate::money::parse(t).map_err(|m| cfg(field, m))?;
                if d.is_sign_negative() {
                    return Err(cfg(field, "a tolerance cannot be negative".into()));
                }
                Ok(d)
            }
        }
    };
    let mut per_currency = BTreeMap::new();
    for (code, v) in currency.0 {
        let field = format!("{}.{code}", currency.1);
        if !crate::money::is_plausible_currency(&crate::money::currency_code(code)) {
            return Err(cfg(&field, format!("`{code}` is not a currency code")));
        }
        per_currency.insert(crate::money::currency_code(code), tol(Some(v), &field)?);
    }
    Ok(Tolerance {
        absolute: tol(absolute.0.as_ref(), absolute.1)?,
        relative: tol(relative.0.as_ref(), relative.1)?,
        currency: per_currency,
    })
}

/// Every provider instance: one per spec by its own name, then each `[providers.<instance>]`
/// table (its `type` looked up among `specs`, its options, and its connection when it has a
/// `base_url` and the command fetches).
fn provider_instances(
    file: &ConfigFile,
    source_name: &str,
    env: &dyn Env,
    uses: Uses,
    specs: &[&'static Spec],
) -> Result<BTreeMap<String, ProviderInstance>> {
    let cfg = |field: &str, message: String| Error::config(source_name, field, message);
    let mut providers = BTreeMap::new();
    for &spec in specs {
        providers.insert(
            spec.name.to_string(),
            ProviderInstance {
                name: spec.name.into(),
                spec,
                options: AdapterOptions::default(),
                connection: None,
            },
        );
    }
    for (name, p) in &file.providers {
        let field = |f: &str| format!("providers.{name}.{f}");
        let ty_name = p.provider_type.clone().unwrap_or_else(|| name.clone());
        let wanted = ty_name.trim().to_ascii_lowercase();
        let spec = specs
            .iter()
            .copied()
            .find(|s| s.name == wanted)
            .ok_or_else(|| {
                cfg(
                    &field("type"),
                    format!(
                        "`{ty_name}` is not a provider type ({})",
                        specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
        let mut options = AdapterOptions::default();
        if let Some(c) = &p.account_currency {
            options.account_currency = crate::money::currency_code(c);
        }
        if let Some(z) = &p.wire_timezone {
            options.wire_timezone =
                parse_zone(z).map_err(|e| cfg(&field("wire_timezone"), e.to_string()))?;
        }
        let connection = connection(env, source_name, name, spec, p, uses)?;
        providers.insert(
            name.clone(),
            ProviderInstance {
                name: name.clone(),
                spec,
                options,
                connection,
            },
        );
    }
    Ok(providers)
}

/// `[ledger]`'s values that can be checked before the file is read: its zone, dialect,
/// skipped share and amount sign.
fn check_ledger(ledger: &LedgerFile, source_name: &str) -> Result<()> {
    let cfg = |field: &str, message: String| Error::config(source_name, field, message);
    if let Some(z) = &ledger.timezone {
        parse_zone(z).map_err(|e| cfg("ledger.timezone", e.to_string()))?;
    }
    dialect::Dialect::of(ledger).map_err(|(key, why)| cfg(key, why))?;
    if let Some(share) = ledger.max_skipped_share {
        if !(0.0..=1.0).contains(&share) {
            return Err(cfg(
                "ledger.max_skipped_share",
                format!("{share} is not a share between 0 and 1 (0.01 is 1%)"),
            ));
        }
    }
    if let Some(s) = &ledger.amount_sign {
        if s != "magnitude" && s != "signed" {
            return Err(cfg(
                "ledger.amount_sign",
                format!("`{s}` is not `magnitude` or `signed`"),
            ));
        }
    }
    Ok(())
}

impl Settings {
    /// Resolves a config file (or the defaults) into settings, checking every value;
    /// credentials' `${NAME}` references are read from the process environment.
    pub fn resolve(file: &ConfigFile, source_name: &str) -> Result<Settings> {
        Settings::resolve_with(file, source_name, &ProcessEnv)
    }

    /// [`resolve`](Self::resolve) with `${NAME}` references read from `env` (the demo's
    /// sandbox credentials, tests): nothing needs to set process environment variables.
    pub fn resolve_with(file: &ConfigFile, source_name: &str, env: &dyn Env) -> Result<Settings> {
        Settings::resolve_for(file, source_name, env, Uses::ALL)
    }

    /// [`resolve_with`](Self::resolve_with) reading only the credentials that `uses` needs.
    pub fn resolve_for(
        file: &ConfigFile,
        source_name: &str,
        env: &dyn Env,
        uses: Uses,
    ) -> Result<Settings> {
        Settings::resolve_among(file, source_name, env, uses, &SPECS)
    }

    /// [`resolve_for`](Self::resolve_for) with the provider types `specs` instead of
    /// [`SPECS`]: a `[providers.<instance>]` table's `type` is looked up among them, and each
    /// is an instance of its own name by default. (A test's own provider is registered this
    /// way, without a line in `SPECS`.)
    pub fn resolve_among(
        file: &ConfigFile,
        source_name: &str,
        env: &dyn Env,
        uses: Uses,
        specs: &[&'static Spec],
    ) -> Result<Settings> {
        let cfg = |field: &str, message: String| Error::config(source_name, field, message);
        let timezone = match &file.timezone {
            Some(z) => parse_zone(z).map_err(|e| cfg("timezone", e.to_string()))?,
            None => chrono_tz::UTC,
        };
        let period = match &file.period {
            Some(p) => Some(Period::parse(p).map_err(|e| cfg("period", e.to_string()))?),
            None => None,
        };
        let providers = provider_instances(file, source_name, env, uses, specs)?;
        check_ledger(&file.ledger, source_name)?;
        let paper = match file.output.paper.as_deref().map(str::to_ascii_lowercase) {
            None => None,
            Some(p) if p == "a4" => Some(Paper::A4),
            Some(p) if p == "letter" => Some(Paper::Letter),
            Some(p) => {
                return Err(cfg(
                    "output.paper",
                    format!("`{p}` is not `a4` or `letter`"),
                ))
            }
        };
        Ok(Settings {
            paper,
            source_name: source_name.to_string(),
            timezone,
            period,
            margin_days: file.margin_days.unwrap_or(3),
            store_url: file
                .store
                .url
                .as_deref()
                .map(|u| crate::secret::interpolate(u, env, source_name, "store.url"))
                .transpose()?,
            amount_tolerance: tolerance(
                source_name,
                (&file.tolerance.amount, "tolerance.amount"),
                (&file.tolerance.relative, "tolerance.relative"),
                (&file.tolerance.currency, "tolerance.currency"),
            )?,
            fee_tolerance: tolerance(
                source_name,
                (&file.tolerance.fee, "tolerance.fee"),
                (&file.tolerance.fee_relative, "tolerance.fee_relative"),
                (&file.tolerance.fee_currency, "tolerance.fee_currency"),
            )?,
            matching: MatchingSettings {
                groups: file.matching.groups.unwrap_or(true),
                suggest_window_days: match file.matching.suggest {
                    Some(false) => None,
                    _ => Some(file.matching.suggest_window_days.unwrap_or(3)),
                },
                links: file.matching.links.unwrap_or(true),
                rules: matching::match_rules(&file.matching.rules, source_name, &providers)?,
                summaries: matching::match_summaries(&file.matching.summaries, source_name)?,
            },
            providers,
            ledger: file.ledger.clone(),
            output_dir: file
                .output
                .dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("runs")),
            delivery: if uses.deliver {
                delivery::Delivery::resolve(&file.delivery, env, source_name)?
            } else {
                delivery::Delivery::default()
            },
            fx: file
                .fx
                .as_ref()
                .map(|f| FxSettings::resolve(f, source_name))
                .transpose()?,
            journal: file
                .journal
                .as_ref()
                .map(|j| crate::journal::JournalSettings::resolve(j, source_name))
                .transpose()?,
        })
    }

    /// Relative paths of the config (output, drop directory, certificate authority) read from
    /// `dir`, the config file's own folder.
    pub fn relative_to(&mut self, dir: &Path) {
        if self.output_dir.is_relative() {
            self.output_dir = dir.join(&self.output_dir);
        }
        self.inputs_relative_to(dir);
        self.delivery.relative_to(dir);
    }

    /// The files the configuration names as inputs besides the ledger (`[fx]`'s rates) read
    /// from `dir`, the config file's own folder, when relative.
    pub fn inputs_relative_to(&mut self, dir: &Path) {
        if let Some(fx) = &mut self.fx {
            if fx.rates.is_relative() {
                fx.rates = dir.join(&fx.rates);
            }
        }
    }

    /// Settings with every default (no config file).
    pub fn defaults() -> Settings {
        // Resolving the empty file cannot fail: every value is a default.
        match Settings::resolve(&ConfigFile::default(), "(defaults)") {
            Ok(s) => s,
            Err(_) => unreachable!("the default configuration resolves"),
        }
    }

    /// The paper the workbook prints on: `[output] paper`, or the business timezone's usual
    /// one (decided here, since `--timezone` may change the zone after the file was read).
    pub fn paper(&self) -> Paper {
        self.paper
            .unwrap_or_else(|| Paper::default_for(self.timezone))
    }

    /// Whether the ledger books debits negative and credits positive (`amount_sign = "signed"`),
    /// so a wrong sign is an amount mismatch.
    pub fn signed_ledger(&self) -> bool {
        self.ledger.amount_sign.as_deref() == Some("signed")
    }

    /// The zone naive ledger times are read in.
    pub fn ledger_timezone(&self) -> Tz {
        self.ledger
            .timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(self.timezone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_is_letter_in_the_americas_and_a4_elsewhere_unless_set() {
        let resolve = |text: &str| {
            let f: ConfigFile = toml::from_str(text).unwrap();
            Settings::resolve(&f, "t.toml")
        };
        let paper = |text: &str| resolve(text).unwrap().paper();
        assert_eq!(paper("timezone = \"Europe/London\""), Paper::A4);
        assert_eq!(paper("timezone = \"America/New_York\""), Paper::Letter);
        assert_eq!(paper("timezone = \"America/Sao_Paulo\""), Paper::Letter);
        assert_eq!(paper("timezone = \"Asia/Shanghai\""), Paper::A4);
        assert_eq!(
            paper("timezone = \"America/Chicago\"\n[output]\npaper = \"a4\""),
            Paper::A4
        );
        // Decided at use: a --timezone given later still picks the zone's paper.
        let mut s = resolve("timezone = \"UTC\"").unwrap();
        s.timezone = chrono_tz::America::Toronto;
        assert_eq!(s.paper(), Paper::Letter);
        assert!(resolve("[output]\npaper = \"legal\"")
            .unwrap_err()
            .to_string()
            .contains("output.paper"));
        assert_eq!((Paper::A4.excel_code(), Paper::Letter.excel_code()), (9, 1));
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for (url, loopback) in [
            ("http://127.0.0.1:8080/v1", true),
            ("http://localhost/x", true),
            ("http://[::1]:9000/", true),
            ("http://127.0.0.2", true),
            ("http://10.0.0.1:80", false),
            ("http://127.example.com/", false),
            ("http://localhost.example.com", false),
            ("https://127.0.0.1", false),
        ] {
            assert_eq!(is_loopback_url(url), loopback, "{url}");
        }
        for (host, loopback) in [
            ("localhost", true),
            ("::1", true),
            ("[::1]", true),
            ("mail.example.com", false),
        ] {
            assert_eq!(is_loopback_host(host), loopback, "{host}");
        }
    }

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::defaults();
        assert_eq!(s.providers.len(), 4);
        assert_eq!(s.margin_days, 3);
        let f: ConfigFile = toml::from_str(
            "timezone = \"Europe/London\"\n[tolerance]\namount = \"0.01\"\n[providers.ks_eu]\ntype = \"keysecure\"\naccount_currency = \"eur\"\n",
        )
        .unwrap();
        let s = Settings::resolve(&f, "t.toml").unwrap();
        assert_eq!(s.providers["ks_eu"].spec.name, "keysecure");
        assert_eq!(s.providers["ks_eu"].options.account_currency, "EUR");
        assert_eq!(s.amount_tolerance.absolute.to_string(), "0.01");
    }

    #[test]
    fn tolerances_per_currency_and_relative_and_the_matching_passes() {
        let f: ConfigFile = toml::from_str(
            "[tolerance]\namount = \"0.01\"\nrelative = \"0.001\"\nfee = \"0.02\"\n\
             [tolerance.currency]\njpy = \"1\"\n[tolerance.fee_currency]\nBHD = \"0.001\"\n\
             [matching]\nsuggest_window_days = 5\n",
        )
        .unwrap();
        let s = Settings::resolve(&f, "t.toml").unwrap();
        let d = |t: &str| t.parse::<Decimal>().unwrap();
        assert_eq!(s.amount_tolerance.relative, d("0.001"));
        assert_eq!(
            s.amount_tolerance.currency["JPY"],
            d("1"),
            "codes upper-cased"
        );
        assert_eq!(s.fee_tolerance.absolute, d("0.02"));
        assert_eq!(s.fee_tolerance.currency["BHD"], d("0.001"));
        assert_eq!(
            s.matching,
            MatchingSettings {
                groups: true,
                suggest_window_days: Some(5),
                links: true,
                rules: Vec::new(),
                summaries: Vec::new(),
            }
        );
        let f: ConfigFile =
            toml::from_str("[matching]\ngroups = false\nsuggest = false\n").unwrap();
        let s = Settings::resolve(&f, "t.toml").unwrap();
        assert_eq!(
            s.matching,
            MatchingSettings {
                groups: false,
                suggest_window_days: None,
                links: true,
                rules: Vec::new(),
                summaries: Vec::new(),
            }
        );
        // Defaults: both passes on, three days.
        assert_eq!(Settings::defaults().matching.suggest_window_days, Some(3));
    }

    #[test]
    fn credentials_never_print() {
        let env = crate::secret::Vars::new([("CARDRECON_TEST_ONLY_SECRET", "s3cr3t-from-env")]);
        let f: ConfigFile = toml::from_str(
            "[providers.txv3]\nbase_url = \"https://txv3.example\"\napi_key = \"${CARDRECON_TEST_ONLY_SECRET}\"\n[providers.usertrans]\nbase_url = \"http://127.0.0.1:9\"\napp_key = \"literal-key\"\napp_secret = \"literal-secret\"\n",
        )
        .unwrap();
        let s = Settings::resolve_with(&f, "t.toml", &env).unwrap();
        let printed = format!("{f:?} {s:?}");
        for secret in ["s3cr3t-from-env", "literal-key", "literal-secret"] {
            assert!(!printed.contains(secret), "{secret} printed");
        }
        assert_eq!(
            s.providers["txv3"]
                .connection
                .as_ref()
                .unwrap()
                .credentials
                .get::<crate::providers::txv3::Credentials>("txv3")
                .unwrap()
                .api_key
                .expose(),
            "s3cr3t-from-env"
        );
        let missing: ConfigFile = toml::from_str("[providers.txv3]\nbase_url = \"https://x\"\napi_key = \"${CARDRECON_TEST_UNSET_VAR}\"\n").unwrap();
        let e = Settings::resolve_with(&missing, "t.toml", &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("providers.txv3.api_key") && e.contains("CARDRECON_TEST_UNSET_VAR"),
            "{e}"
        );
        let plain: ConfigFile =
            toml::from_str("[providers.txv3]\nbase_url = \"http://10.1.2.3\"\napi_key = \"k\"\n")
                .unwrap();
        let e = Settings::resolve(&plain, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("providers.txv3.base_url") && e.contains("https"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_the_field() {
        let bad = [
            ("timezone = \"Mars/Base\"", "timezone"),
            ("period = \"2026-13\"", "period"),
            ("[tolerance]\namount = \"-1\"", "tolerance.amount"),
            (
                "[providers.x]\naccount_currency = \"USD\"",
                "providers.x.type",
            ),
            ("[ledger]\namount_sign = \"both\"", "ledger.amount_sign"),
            ("[tolerance]\nrelative = \"-0.1\"", "tolerance.relative"),
            (
                "[tolerance.currency]\nJPY = \"one\"",
                "tolerance.currency.JPY",
            ),
            (
                "[tolerance.fee_currency]\nYEN1 = \"1\"",
                "tolerance.fee_currency.YEN1",
            ),
        ];
        for (text, field) in bad {
            let f: ConfigFile = toml::from_str(text).unwrap();
            match Settings::resolve(&f, "t.toml").unwrap_err() {
                Error::Config { field: got, .. } => assert_eq!(got, field, "{text}"),
                other => panic!("{other}"),
            }
        }
        assert!(
            toml::from_str::<ConfigFile>("timezon = \"UTC\"").is_err(),
            "typos are refused"
        );
    }

    #[test]
    fn each_provider_reads_its_own_keys() {
        // A misspelt key is refused, naming the table and the key, fetched or not.
        for text in [
            "[providers.txv3]\napi_kee = \"k\"\n",
            "[providers.txv3]\nbase_url = \"https://x\"\napi_kee = \"k\"\n",
        ] {
            let f: ConfigFile = toml::from_str(text).unwrap();
            let e = Settings::resolve(&f, "t.toml").unwrap_err().to_string();
            assert!(e.contains("providers.txv3") && e.contains("api_kee"), "{e}");
        }
        // Without a base_url nothing is fetched, so no credentials are needed.
        let f: ConfigFile =
            toml::from_str("[providers.cardapp]\nwire_timezone = \"UTC\"\n").unwrap();
        let s = Settings::resolve(&f, "t.toml").unwrap();
        assert!(s.providers["cardapp"].connection.is_none());
        // With one, cardapp's own requirements apply, in its own words.
        let f: ConfigFile = toml::from_str(
            "[providers.cardapp]\nbase_url = \"https://x\"\nkey = \"k\"\ncustomer_id = 1\n",
        )
        .unwrap();
        let e = Settings::resolve(&f, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("providers.cardapp.app_id") && e.contains("required for a cardapp provider"),
            "{e}"
        );
        // The limits are the provider's: txv3 pages are 10..200.
        let f: ConfigFile = toml::from_str(
            "[providers.txv3]\nbase_url = \"https://x\"\napi_key = \"k\"\npage_size = 5\n",
        )
        .unwrap();
        let e = Settings::resolve(&f, "t.toml").unwrap_err().to_string();
        assert!(e.contains("page_size") && e.contains("10..200"), "{e}");
    }
}
