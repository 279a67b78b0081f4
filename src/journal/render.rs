//! `journal.csv` in the layout the team imports: a minijinja template over the journal's lines.
//! Two ship in `templates/journal/`: the generic CSV and Xero's manual journal import
//! (help.xero.com, "Import manual journals": `*Narration`, `*Date` as dd/mm/yyyy,
//! `Description`, `*AccountCode` — the code, not the name —, `*TaxRate`, `*Amount` positive for
//! a debit and negative for a credit, then the tracking columns).
//!
//! Text from people or the ledger (a note, an account's name) goes through the `csv` filter:
//! quoted as RFC 4180 says, and never a formula (`'` before `=`, `+`, `-`, `@`).

use minijinja::{context, Environment};

use super::{JournalSettings, Line, Template};
use crate::error::{Error, Result};

const GENERIC: &str = include_str!("../../templates/journal/generic.csv");
const XERO: &str = include_str!("../../templates/journal/xero.csv");

/// A field of a CSV row: guarded against formulas, quoted when it must be.
fn csv_field(value: String) -> String {
    let guarded = crate::formula_guard::guard_text(&value).into_owned();
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// An account's code: its first word (`6810 Card fees` → `6810`).
fn code(value: String) -> String {
    value
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The lines rendered by the configured template. `config_dir` finds a template file given
/// relative to the configuration.
pub fn render(
    lines: &[Line],
    settings: &JournalSettings,
    config_dir: &std::path::Path,
) -> Result<String> {
    let (name, text) = match &settings.template {
        Template::Generic => (
            "templates/journal/generic.csv".to_string(),
            GENERIC.to_string(),
        ),
        Template::Xero => ("templates/journal/xero.csv".to_string(), XERO.to_string()),
        Template::File(p) => {
            let path = if p.is_relative() {
                config_dir.join(p)
            } else {
                p.clone()
            };
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            (path.display().to_string(), text)
        }
    };
    let fail = |e: minijinja::Error| Error::Input {
        what: name.clone(),
        message: format!("rendering the journal template: {e}"),
        cause: Some(Box::new(e)),
    };
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.add_filter("csv", csv_field);
    env.add_filter("code", code);
    env.add_template_owned("journal", text).map_err(fail)?;
    let rows: Vec<minijinja::Value> = lines
        .iter()
        .map(|l| {
            let money = |d: Option<rust_decimal::Decimal>| {
                d.map(|d| super::show(d, &l.currency)).unwrap_or_default()
            };
            let signed = match (l.debit, l.credit) {
                (Some(d), _) => super::show(d, &l.currency),
                (_, Some(c)) => super::show(-c, &l.currency),
                _ => String::new(),
            };
            context! {
                journal_id => l.journal_id,
                entry_id => l.entry_id,
                date => l.date.to_string(),
                date_dmy => l.date.format("%d/%m/%Y").to_string(),
                account => l.account,
                debit => money(l.debit),
                credit => money(l.credit),
                signed => signed,
                currency => l.currency,
                memo => l.memo,
            }
        })
        .collect();
    env.get_template("journal")
        .and_then(|t| t.render(context! { lines => rows, tax_rate => settings.tax_rate }))
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_and_never_a_formula() {
        assert_eq!(csv_field("plain".into()), "plain");
        assert_eq!(csv_field("a, b".into()), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\"".into()), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)".into()), "'=HYPERLINK(1)");
        assert_eq!(code("6810 Card fees".into()), "6810");
    }
}
