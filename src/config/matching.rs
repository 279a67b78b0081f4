//! `[matching]`: stage 6's passes, and the ledger's shapes the team describes — summary
//! journals (`[[matching.summaries]]`) and rules without the provider's id
//! (`[[matching.rules]]`) — read and checked.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ProviderInstance;
use crate::error::{Error, Result};

/// `[matching]` resolved: stage 6's passes (`matching::Loose`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingSettings {
    pub groups: bool,
    /// `None` when suggestions are off.
    pub suggest_window_days: Option<u32>,
    /// The links check (stage 7, `crate::links`).
    pub links: bool,
    /// `[[matching.rules]]`, in order.
    pub rules: Vec<crate::matching::ledger_rules::MatchRule>,
    /// `[[matching.summaries]]`, in order.
    pub summaries: Vec<crate::matching::summaries::MatchSummary>,
}

/// `[matching]`: stage 6's passes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingFile {
    pub groups: Option<bool>,
    pub suggest: Option<bool>,
    pub suggest_window_days: Option<u32>,
    pub links: Option<bool>,
    /// `[[matching.rules]]`: the team's own passes, in order.
    #[serde(default)]
    pub rules: Vec<RuleFile>,
    /// `[[matching.summaries]]`: the summary journals, in order.
    #[serde(default)]
    pub summaries: Vec<SummaryFile>,
}

/// One `[[matching.summaries]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryFile {
    pub name: Option<String>,
    pub ledger_kind: Option<String>,
    #[serde(default)]
    pub group_by: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
    pub tolerance: Option<String>,
}

/// One `[[matching.rules]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub name: Option<String>,
    #[serde(default)]
    pub match_on: Vec<String>,
    pub day_window: Option<u32>,
    pub amount_tolerance: Option<String>,
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
    pub action: Option<String>,
}

/// `[[matching.rules]]`, each checked: a name, known fields to match on (at least one), a
/// tolerance that is a non-negative amount, known kinds, and an action of `match` or `suggest`.
pub(super) fn match_rules(
    rules: &[RuleFile],
    source_name: &str,
    instances: &BTreeMap<String, ProviderInstance>,
) -> Result<Vec<crate::matching::ledger_rules::MatchRule>> {
    use crate::matching::ledger_rules::{Action, Fields, MatchRule};
    // Rules are numbered in 16 bits on the engine's rows; a thousand is far past any team's.
    if rules.len() > 1000 {
        return Err(Error::config(
            source_name,
            "matching.rules",
            format!("{} rules; at most 1000", rules.len()),
        ));
    }
    let mut out: Vec<MatchRule> = Vec::new();
    for (n, r) in rules.iter().enumerate() {
        let field = |f: &str| format!("matching.rules[{n}].{f}");
        let cfg = |f: &str, message: String| Error::config(source_name, field(f), message);
        let name = match r.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => {
                return Err(cfg(
                    "name",
                    "is required: the rule's name is what its rows say".into(),
                ))
            }
        };
        if out.iter().any(|o| o.name == name) {
            return Err(cfg("name", format!("`{name}` names two rules")));
        }
        let on = Fields::parse(&r.match_on).map_err(|m| cfg("match_on", m))?;
        if on == Fields::default() {
            return Err(cfg(
                "match_on",
                format!(
                    "names no field; at least one of {}",
                    Fields::NAMES.join(", ")
                ),
            ));
        }
        let amount_tolerance = match &r.amount_tolerance {
            None => None,
            Some(t) => {
                let d = crate::money::parse(t).map_err(|m| cfg("amount_tolerance", m))?;
                if d.is_sign_negative() {
                    return Err(cfg(
                        "amount_tolerance",
                        "a tolerance cannot be negative".into(),
                    ));
                }
                Some(d)
            }
        };
        let mut kinds = Vec::new();
        for k in &r.kinds {
            let kind = crate::model::Kind::parse(k)
                .ok_or_else(|| cfg("kinds", format!("`{k}` is not a kind")))?;
            kinds.push(kind.as_str().to_string());
        }
        let action = match r.action.as_deref().map(str::trim) {
            None | Some("match") => Action::Match,
            Some("suggest") => Action::Suggest,
            Some(other) => {
                return Err(cfg(
                    "action",
                    format!("`{other}` is not `match` or `suggest`"),
                ))
            }
        };
        // A misspelt provider would make the rule match nothing, silently.
        let providers: Vec<String> = r.providers.iter().map(|p| p.trim().to_string()).collect();
        if let Some(p) = providers
            .iter()
            .find(|p| !instances.contains_key(p.as_str()))
        {
            return Err(cfg(
                "providers",
                format!(
                    "`{p}` is not a configured provider ({})",
                    instances.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        out.push(MatchRule {
            name,
            on,
            day_window: r.day_window.unwrap_or(0),
            amount_tolerance,
            providers,
            kinds,
            action,
        });
    }
    Ok(out)
}

/// `[[matching.summaries]]`, each checked: a name, the journal its lines are booked in, a
/// `group_by` with the day and the currency, known kinds, a tolerance that is a non-negative
/// amount.
pub(super) fn match_summaries(
    summaries: &[SummaryFile],
    source_name: &str,
) -> Result<Vec<crate::matching::summaries::MatchSummary>> {
    use crate::matching::summaries::MatchSummary;
    // Numbered in 16 bits on the engine's rows, as the rules are.
    if summaries.len() > 1000 {
        return Err(Error::config(
            source_name,
            "matching.summaries",
            format!("{} summaries; at most 1000", summaries.len()),
        ));
    }
    let mut out: Vec<MatchSummary> = Vec::new();
    for (n, s) in summaries.iter().enumerate() {
        let cfg = |f: &str, message: String| {
            Error::config(source_name, format!("matching.summaries[{n}].{f}"), message)
        };
        let name = match s.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => {
                return Err(cfg(
                    "name",
                    "is required: the summary's name is what its rows say".into(),
                ))
            }
        };
        if out.iter().any(|o| o.name == name) {
            return Err(cfg("name", format!("`{name}` names two summaries")));
        }
        let ledger_kind = match s.ledger_kind.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => k.to_string(),
            _ => {
                return Err(cfg(
                    "ledger_kind",
                    "is required: the ledger's `journal` value that marks the summary's lines (map the journal column in [ledger.columns])".into(),
                ))
            }
        };
        if let Some(o) = out.iter().find(|o| o.ledger_kind == ledger_kind) {
            return Err(cfg(
                "ledger_kind",
                format!(
                    "`{ledger_kind}` is already the lines of summary `{}`",
                    o.name
                ),
            ));
        }
        if s.group_by.is_empty() {
            return Err(cfg(
                "group_by",
                "is required: what one line totals, e.g. [\"provider\", \"day\", \"currency\", \"kind\"] (without \"kind\" a line is the day's net)".into(),
            ));
        }
        let (by_provider, by_kind) =
            MatchSummary::parse_group_by(&s.group_by).map_err(|m| cfg("group_by", m))?;
        let mut kinds = Vec::new();
        for k in &s.kinds {
            let kind = crate::model::Kind::parse(k)
                .ok_or_else(|| cfg("kinds", format!("`{k}` is not a kind")))?;
            kinds.push(kind.as_str().to_string());
        }
        let tolerance = match &s.tolerance {
            None => None,
            Some(t) => {
                let d = crate::money::parse(t).map_err(|m| cfg("tolerance", m))?;
                if d.is_sign_negative() {
                    return Err(cfg("tolerance", "a tolerance cannot be negative".into()));
                }
                Some(d)
            }
        };
        out.push(MatchSummary {
            name,
            ledger_kind,
            by_provider,
            by_kind,
            kinds,
            tolerance,
        });
    }
    Ok(out)
}
