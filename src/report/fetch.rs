//! Fetch completeness, shown (design stage 7): what each provider's API said and what the run
//! kept, per window (`FetchStats::window_checks`, made while fetching) and per provider,
//! accounting day and currency (counted here from the records the run fetched). In
//! `summary.json`, on the workbook's Fetch sheet and in the page; a run reconciled offline from
//! files says it has no fetch evidence.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::Result;
use crate::money;
use crate::period::from_epoch_days;

/// The records fetched for one provider, accounting day and currency, and their sum.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FetchedDay {
    pub provider: String,
    pub day: String,
    pub currency: String,
    pub records: u64,
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub amount: Decimal,
}

/// Whether a run shows fetch evidence: the words for the figures it shows, or why it has none.
/// In `summary.json` it is one text (`none: <why>` for the latter); the Fetch sheet and the
/// page say the reason as a sentence ([`FetchEvidence::missing_note`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FetchEvidence {
    Shown(String),
    Missing(String),
}

/// Why a run reconciled from files that carry no evidence shows none.
pub const OFFLINE: &str = "this run was reconciled offline from files";

impl FetchEvidence {
    /// What the Fetch sheet and the page say when there is no evidence.
    pub fn missing_note(&self) -> Option<String> {
        match self {
            FetchEvidence::Shown(_) => None,
            FetchEvidence::Missing(why) => Some(format!("No fetch evidence: {why}.")),
        }
    }
}

impl Serialize for FetchEvidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            FetchEvidence::Shown(words) => s.serialize_str(words),
            FetchEvidence::Missing(why) => s.serialize_str(&format!("none: {why}")),
        }
    }
}

/// What it says when the run fetched its provider records.
pub const FETCHED: &str = "the provider records were fetched by this run: per provider its requests, pages and checks, per window the API's total and the records kept, per accounting day the records and their sum";

/// Per provider, accounting day and currency: the records and their sum (magnitudes), in that
/// order.
pub fn fetched_by_day(provider: &DataFrame) -> Result<Vec<FetchedDay>> {
    let p = provider.column("provider")?.str()?;
    let c = provider.column("currency")?.str()?;
    let d = provider.column("accounting_day")?.date()?.physical();
    let a = provider.column("amount")?.decimal()?.physical();
    let mut by: BTreeMap<(&str, i32, &str), (u64, i128)> = BTreeMap::new();
    for (((p, c), d), a) in p.iter().zip(c.iter()).zip(d.iter()).zip(a.iter()) {
        let e = by
            .entry((p.unwrap_or(""), d.unwrap_or(0), c.unwrap_or("")))
            .or_default();
        e.0 += 1;
        e.1 += a.unwrap_or(0);
    }
    Ok(by
        .into_iter()
        .map(|((p, d, c), (n, units))| FetchedDay {
            provider: p.to_string(),
            day: from_epoch_days(d).to_string(),
            currency: c.to_string(),
            records: n,
            amount: money::from_units(units),
        })
        .collect())
}
