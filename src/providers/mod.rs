//! Provider adapters: one directory per provider API, each with its wire structs (exactly the
//! shapes of its API document), the conversion of one wire record into the canonical
//! [`ProviderRecord`], its endpoints and credentials, and one [`Spec`] value that is all the rest
//! of cardrecon knows of it ([`SPECS`] lists them). Wire structs are separate from the canonical
//! model, and secrets (`cvv`, `pin`) have no field in any of them, so they cannot survive
//! parsing.
//!
//! | provider | directory | tx_id | documented gaps decided there |
//! |---|---|---|---|
//! | `keysecure` | [`keysecure`] | `consume_no` | `type`/`status` tables; account currency (config, default USD) |
//! | `txv3` | [`txv3`] | `tx_id` | `tx_status` values; fee (type 10) currency (config, default USD) |
//! | `cardapp` | [`cardapp`] | `trade_id` / `order_no` | card-trade and order shapes; wall-clock zone (default Asia/Shanghai); money sent as floats |
//! | `usertrans` | [`usertrans`] | `trans_id` | record shape; `status` values; `created_at` is Unix seconds |
//!
//! Each directory also holds the provider's sandbox emulator (`sandbox.rs`).
//!
//! Shared by all: [`spec`] (the spec type, connections, credentials), [`emulator`] (what every
//! sandbox emulator shares), [`sample`] (what the
//! synthetic-month generator imitates of a provider), [`fetch`] (windows, the
//! paging stream, completeness), [`http`] (the client, retries, rate cap, archive), [`output`]
//! (what a fetch hands back), and in this file the wire value types ([`WireMoney`],
//! [`WireText`]) and field helpers.

pub mod cardapp;
pub mod emulator;
pub mod fetch;
pub mod http;
pub mod keysecure;
pub mod output;
pub mod sample;
pub mod spec;
pub mod txv3;
pub mod usertrans;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::model::ProviderRecord;

pub use spec::{Connection, Spec};

/// Every provider cardrecon speaks, in the order they are listed and fetched.
pub static SPECS: [&Spec; 4] = [
    &keysecure::SPEC,
    &txv3::SPEC,
    &cardapp::SPEC,
    &usertrans::SPEC,
];

/// The spec of the provider API named `name` (any case, trimmed).
pub fn by_name(name: &str) -> Option<&'static Spec> {
    let name = name.trim().to_ascii_lowercase();
    SPECS.iter().copied().find(|s| s.name == name)
}

/// The names of every provider, for messages (`keysecure, txv3, cardapp, usertrans`).
pub fn names() -> String {
    SPECS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// Per-provider settings for what the documents leave open. Defaults are the documented
/// choices; `[providers.<name>]` in the config overrides them.
#[derive(Debug, Clone)]
pub struct AdapterOptions {
    /// Currency of amounts the provider sends without one (keysecure `amount`, txv3 fees).
    pub account_currency: String,
    /// Zone of wall-clock datetime strings the provider sends without an offset (cardapp).
    pub wire_timezone: Tz,
}

impl Default for AdapterOptions {
    /// The documented choices: USD, and the UTC+8 the providers' documents default to.
    fn default() -> AdapterOptions {
        AdapterOptions {
            account_currency: "USD".into(),
            wire_timezone: chrono_tz::Asia::Shanghai,
        }
    }
}

/// Why one wire record could not be read: the field, and what is wrong with it. The caller adds
/// the file and line (or page and index).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Deserializes a wire struct, naming the failing field (`data.list[0].amount`) in the error.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, FieldError> {
    if !json.trim_start().starts_with('{') {
        let start: String = json.trim_start().chars().take(20).collect();
        return Err(FieldError::new(
            "(record)",
            format!("is not a JSON object (starts with `{start}`); one record per line"),
        ));
    }
    let mut de = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            // serde reports a missing field at its parent's path: name the field itself.
            let msg = inner.to_string();
            let field = match msg.split('`').nth(1) {
                Some(name) if msg.starts_with("missing field") => name.to_string(),
                _ if path == "." => "(record)".to_string(),
                _ => path,
            };
            let message = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            Err(FieldError::new(field, message))
        }
    }
}

/// A money value as the wire sends it: a decimal string (`"100.00"`) or a JSON number
/// (`200.5`). Either way the text is parsed exactly; a JSON number never becomes an `f64`
/// (serde_json's `arbitrary_precision` keeps its text).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireMoney(pub String);

impl<'de> Deserialize<'de> for WireMoney {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(WireMoney(s)),
            serde_json::Value::Number(n) => Ok(WireMoney(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a decimal string or number, found {}",
                json_kind(&other)
            ))),
        }
    }
}

impl WireMoney {
    /// The amount, or a field error naming `field`.
    pub fn decimal(&self, field: &str) -> Result<Decimal, FieldError> {
        crate::money::parse(&self.0).map_err(|m| FieldError::new(field, m))
    }

    /// For money the provider's document declares a binary float: [`crate::money::parse_float`]
    /// in `currency`. A value read as a double's rendering of a decimal (`0.30000000000000004` →
    /// `0.30`) is noted in `rounded` (field, sent text and value) for the data-quality notes; the
    /// exact text stays in the wire file or the run's raw archive.
    pub fn float(
        &self,
        field: &str,
        currency: &str,
        rounded: &mut Vec<String>,
    ) -> Result<Decimal, FieldError> {
        match crate::money::parse_float(&self.0, currency) {
            Ok(crate::money::FloatRead::Exact(d)) => Ok(d),
            Ok(crate::money::FloatRead::Rounded(d)) => {
                rounded.push(format!(
                    "{field} `{}` read as {}",
                    self.0.trim(),
                    crate::money::format(d)
                ));
                Ok(d)
            }
            Err(m) => Err(FieldError::new(field, m)),
        }
    }

    /// [`float`](Self::float) for an optional value, with `""` (and `"--"`) read as absent.
    pub fn optional_float(
        this: &Option<WireMoney>,
        field: &str,
        currency: &str,
        rounded: &mut Vec<String>,
    ) -> Result<Option<Decimal>, FieldError> {
        WireMoney::present(this)
            .map(|m| m.float(field, currency, rounded))
            .transpose()
    }

    /// Like [`decimal`](Self::decimal), with `""` (and `"--"`) read as absent.
    pub fn optional(this: &Option<WireMoney>, field: &str) -> Result<Option<Decimal>, FieldError> {
        WireMoney::present(this)
            .map(|m| m.decimal(field))
            .transpose()
    }

    /// The value unless it is absent: missing, `""`, or `"--"` (how providers send "none").
    fn present(this: &Option<WireMoney>) -> Option<&WireMoney> {
        this.as_ref()
            .filter(|WireMoney(t)| !(t.trim().is_empty() || t.trim() == "--"))
    }
}

impl serde::Serialize for WireMoney {
    /// As a decimal string: what most documents send (cardapp's floats use [`json_number`]).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl serde::Serialize for WireText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A wire value whose text is what the provider sent.
pub trait WireValue {
    fn text(&self) -> &str;
}

impl WireValue for WireMoney {
    fn text(&self) -> &str {
        &self.0
    }
}

impl WireValue for WireText {
    fn text(&self) -> &str {
        &self.0
    }
}

/// `serialize_with` for a field the document sends as a JSON number (cardapp's money floats,
/// usertrans' integer ids): the exact text as a number, never through `f64` (serde_json's
/// `arbitrary_precision` keeps it). Text that is not a number is an error, not a guess.
pub fn json_number<T: WireValue, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    v.text()
        .parse::<serde_json::Number>()
        .map_err(|_| serde::ser::Error::custom(format!("`{}` is not a JSON number", v.text())))?
        .serialize(s)
}

/// [`json_number`] for an optional field (skipped when absent).
pub fn json_number_opt<T: WireValue, S: serde::Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => json_number(v, s),
        None => s.serialize_none(),
    }
}

/// An identifier the wire may send as a string or a number (`12345` or `"12345"`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireText(pub String);

impl<'de> Deserialize<'de> for WireText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(WireText(s)),
            serde_json::Value::Number(n) => Ok(WireText(n.to_string())),
            serde_json::Value::Null => Ok(WireText(String::new())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string or number, found {}",
                json_kind(&other)
            ))),
        }
    }
}

impl WireText {
    /// The trimmed text, or an error naming `field` when it is empty.
    pub fn required(&self, field: &str) -> Result<String, FieldError> {
        let t = self.0.trim();
        if t.is_empty() {
            Err(FieldError::new(field, "is empty; every record needs an id"))
        } else {
            Ok(t.to_string())
        }
    }

    pub fn optional(this: &Option<WireText>) -> Option<String> {
        crate::model::non_empty(this.as_ref().map(|t| t.0.as_str()))
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A Unix timestamp in the given unit, as an instant; refuses values that are not plausible
/// (before 2000 or after 2100), which usually means seconds were sent as milliseconds or back.
pub(crate) fn unix_instant(
    value: i64,
    millis: bool,
    field: &str,
) -> Result<DateTime<Utc>, FieldError> {
    let ms = if millis {
        Some(value)
    } else {
        value.checked_mul(1000)
    };
    const LOW: i64 = 946_684_800_000; // 2000-01-01
    const HIGH: i64 = 4_102_444_800_000; // 2100-01-01
    match ms {
        Some(ms) if (LOW..HIGH).contains(&ms) => Utc
            .timestamp_millis_opt(ms)
            .single()
            .ok_or_else(|| FieldError::new(field, format!("{value} is not a valid timestamp"))),
        _ => Err(FieldError::new(
            field,
            format!(
                "{value} is not a plausible Unix timestamp in {} (expected 2000..2100)",
                if millis { "milliseconds" } else { "seconds" }
            ),
        )),
    }
}

/// A wall-clock `YYYY-MM-DD HH:MM:SS` string in a zone, as an instant.
pub(crate) fn wall_clock_instant(
    text: &str,
    zone: Tz,
    field: &str,
) -> Result<DateTime<Utc>, FieldError> {
    static FORMS: std::sync::LazyLock<Vec<crate::period::WallClock>> =
        std::sync::LazyLock::new(|| {
            ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"]
                .into_iter()
                .filter_map(crate::period::WallClock::new)
                .collect()
        });
    let naive = FORMS
        .iter()
        .find_map(|f| f.parse(text.trim()))
        .ok_or_else(|| {
            FieldError::new(field, format!("`{text}` is not a YYYY-MM-DD HH:MM:SS time"))
        })?;
    Ok(crate::period::local_to_utc(naive, zone))
}

/// The canonical currency for a wire currency field, or an error when it is empty.
pub(crate) fn currency(text: Option<&str>, field: &str) -> Result<String, FieldError> {
    match crate::model::non_empty(text) {
        Some(c) => Ok(crate::money::currency_code(&c)),
        None => Err(FieldError::new(
            field,
            "is empty; the amount's currency is needed",
        )),
    }
}

/// A raw list page (an archived answer, say) read all the way: the page shape, then every record
/// converted to canonical form. Errors name the page (`what`), the record's position and field.
/// The fuzz targets (`fuzz/`) drive this with arbitrary bytes.
pub fn read_page(
    spec: &Spec,
    what: &str,
    bytes: &[u8],
) -> crate::error::Result<Vec<ProviderRecord>> {
    let page = fetch::parse_page(spec.name, what, bytes, spec.page.list, spec.page.total)?;
    let options = AdapterOptions::default();
    let mut out = Vec::with_capacity(page.records.len());
    for (i, rec) in page.records.iter().enumerate() {
        let source = format!("{what} record {}", i + 1);
        match (spec.parse)(spec.name, &rec.to_string(), source, &options) {
            Ok(Some(r)) => out.push(r),
            Ok(None) => {}
            Err(e) => {
                return Err(crate::error::Error::Fetch {
                    provider: spec.name.to_string(),
                    what: format!("{what} record {}", i + 1),
                    message: format!("field `{}`: {}", e.field, e.message),
                    cause: None,
                })
            }
        }
    }
    Ok(out)
}
