//! `[journal]`: how accepted items become adjusting journal entries (`crate::journal`), read
//! and checked.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::journal::{EntryDate, JournalRule, JournalSettings, Template};
use crate::store::item::Reason;

/// `[journal]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalFile {
    /// `period_end` (default) or `decision_day`.
    pub date: Option<String>,
    /// Where the difference between the rounded lines and the rounded total goes.
    pub rounding_account: Option<String>,
    /// `generic` (default), `xero`, or a minijinja template file (relative to the config).
    pub template: Option<String>,
    /// The tax rate name the Xero template puts on every line (its `*TaxRate` column).
    pub tax_rate: Option<String>,
    #[serde(default)]
    pub rules: Vec<JournalRuleFile>,
}

/// One `[[journal.rules]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalRuleFile {
    pub reason: Option<String>,
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub currency: Option<String>,
    pub debit: Option<String>,
    pub credit: Option<String>,
}

impl JournalSettings {
    /// `[journal]`, each rule checked: a known reason code, known kind, both accounts, and
    /// `{provider}`, `{kind}`, `{currency}` the only placeholders in an account.
    pub fn resolve(file: &JournalFile, source_name: &str) -> Result<JournalSettings> {
        let cfg = |field: String, message: String| Error::config(source_name, field, message);
        let date = match file.date.as_deref().map(str::trim) {
            None | Some("period_end") => EntryDate::PeriodEnd,
            Some("decision_day") => EntryDate::DecisionDay,
            Some(other) => {
                return Err(cfg(
                    "journal.date".into(),
                    format!("`{other}` is not `period_end` or `decision_day`"),
                ))
            }
        };
        let template = match file.template.as_deref().map(str::trim) {
            None | Some("generic") => Template::Generic,
            Some("xero") => Template::Xero,
            Some(path) => Template::File(path.into()),
        };
        let mut rules = Vec::new();
        for (n, r) in file.rules.iter().enumerate() {
            let field = |f: &str| format!("journal.rules[{n}].{f}");
            let reason = r.reason.as_deref().map(str::trim).unwrap_or_default();
            let reason = Reason::parse(reason).ok_or_else(|| {
                cfg(
                    field("reason"),
                    format!(
                        "`{reason}` is not a reason code ({})",
                        Reason::ALL.map(Reason::as_str).join(", ")
                    ),
                )
            })?;
            let account = |v: &Option<String>, f: &str| -> Result<String> {
                let a = v.as_deref().map(str::trim).unwrap_or_default();
                if a.is_empty() {
                    return Err(cfg(field(f), "is required: the account to book".into()));
                }
                let unknown = a
                    .split('{')
                    .skip(1)
                    .filter_map(|t| t.split('}').next())
                    .find(|p| !["provider", "kind", "currency"].contains(p));
                if let Some(p) = unknown {
                    return Err(cfg(
                        field(f),
                        format!(
                            "`{{{p}}}` is not a placeholder ({{provider}}, {{kind}}, {{currency}})"
                        ),
                    ));
                }
                Ok(a.to_string())
            };
            let kind = match r.kind.as_deref().map(str::trim) {
                None => None,
                Some(k) => Some(
                    crate::model::Kind::parse(k)
                        .ok_or_else(|| cfg(field("kind"), format!("`{k}` is not a kind")))?
                        .as_str()
                        .to_string(),
                ),
            };
            rules.push(JournalRule {
                reason,
                provider: r.provider.as_deref().map(|p| p.trim().to_string()),
                kind,
                currency: r.currency.as_deref().map(crate::money::currency_code),
                debit: account(&r.debit, "debit")?,
                credit: account(&r.credit, "credit")?,
            });
        }
        Ok(JournalSettings {
            date,
            rounding_account: file
                .rounding_account
                .clone()
                .unwrap_or_else(|| "Rounding differences".into()),
            template,
            tax_rate: file.tax_rate.clone().unwrap_or_else(|| "Tax Exempt".into()),
            rules,
        })
    }
}
