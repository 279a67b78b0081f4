//! `summary.json` and the terminal summary: counts and amounts by provider × kind × category ×
//! currency, the check that every in-period item is in exactly one row, and what reading the
//! inputs found. Nothing here depends on the wall clock, so the same inputs give the same bytes.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use super::ResultRows;
use crate::error::{Error, Result};
use crate::ledger::SkippedRow;
use crate::matching::Category;
use crate::money;
use crate::normalize::ReadStats;
use crate::providers::http::FetchStats;

/// Amounts serialize as the exact decimal text every output writes (`120.00`).
use crate::money::serialize_text as money_text;

fn category_name<S: serde::Serializer>(c: &Category, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

fn category_of<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Category, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Category::parse(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a category")))
}

/// Counts and amounts of one provider × kind × category × currency. Amounts are exact
/// decimals, formatted only when written (and read back exactly: delivery reads a run's
/// `summary.json`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Group {
    pub provider: String,
    pub kind: String,
    #[serde(serialize_with = "category_name", deserialize_with = "category_of")]
    pub category: Category,
    pub currency: String,
    pub count: u64,
    #[serde(
        serialize_with = "money_text",
        deserialize_with = "money::deserialize_text"
    )]
    pub provider_amount: Decimal,
    /// Magnitudes (a signed ledger's debits count as positive).
    #[serde(
        serialize_with = "money_text",
        deserialize_with = "money::deserialize_text"
    )]
    pub ledger_amount: Decimal,
}

impl Group {
    /// The amount at stake in the group's rows: the provider's amount where the rows have one,
    /// else the ledger's (rows with no provider record).
    pub fn amount_at_stake(&self) -> Decimal {
        if self.provider_amount.is_zero() {
            self.ledger_amount
        } else {
            self.provider_amount
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Balance {
    /// Rows that hold a provider record / a ledger entry / both.
    pub rows: u64,
    pub provider_items: u64,
    pub ledger_items: u64,
    pub pairs: u64,
    /// Provider records held by a summary's group row beyond its first (a group with no line
    /// is one row for all of its records).
    #[serde(skip_serializing_if = "is_zero")]
    pub folded: u64,
    /// `rows + folded == provider_items + ledger_items - pairs`: every item is in exactly one
    /// row.
    pub balanced: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LedgerStats {
    pub file: String,
    pub entries: usize,
    pub skipped_rows: Vec<SkippedRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub tool: String,
    pub period: String,
    pub timezone: String,
    pub margin_days: u32,
    #[serde(serialize_with = "money_text")]
    pub amount_tolerance: Decimal,
    /// The whole amount rule in words (per-currency figures, relative part).
    pub tolerance: String,
    pub results: u64,
    pub discrepancies: u64,
    pub by_category: BTreeMap<String, u64>,
    /// Matched share of in-period provider records, by count, in percent (two places); the
    /// records under a summary line that agrees count as matched.
    #[serde(serialize_with = "money_text")]
    pub matched_rate_by_count: Decimal,
    pub balance: Balance,
    pub groups: Vec<Group>,
    pub provider_read: ReadStats,
    pub ledger_read: LedgerStats,
    /// Whether the run has fetch evidence, in words (see [`super::fetch`]).
    pub fetch_evidence: super::fetch::FetchEvidence,
    /// Per provider fetched over HTTP (empty for an offline `reconcile`), with every window's
    /// evidence (`window_checks`).
    pub fetch: Vec<FetchStats>,
    /// Per provider, accounting day and currency: the records fetched and their sum (empty for
    /// an offline `reconcile`).
    pub fetched_by_day: Vec<super::fetch::FetchedDay>,
    /// The links check (refunds and fees against their originals): counts and findings by
    /// kind; the findings themselves are in `links.csv`. They count for the exit code.
    pub links: crate::links::LinkStats,
    /// The card roll-forward (cardapp's card list against its records): counts and findings by
    /// kind; the rows are in `cards.csv`. They count for the exit code.
    pub cards: crate::cards::CardStats,
    /// The thresholds the run was held to and what crossed them (only when some were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<ThresholdCheck>,
    /// With a store: what the run did to it, the roll-forward and the open items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<super::close::CloseView>,
    /// Per configured summary journal (`[[matching.summaries]]`), in order: its lines that
    /// agree and differ, its groups without a line, its records (only when configured).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub summaries: Vec<SummaryCount>,
    /// Per configured rule (`[[matching.rules]]`), in order: the pairs it made and the provider
    /// records it left with several candidates (only when rules are configured).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::matching::ledger_rules::RuleCount>,
    /// With `[fx]`: per currency pair (provider's → ledger's), the pairs converted and their FX
    /// difference (booked − converted, in the ledger's currency): what accounting books as FX
    /// gain or loss.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fx: Vec<FxLine>,
}

/// One currency pair's FX difference.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FxLine {
    pub provider_currency: String,
    pub ledger_currency: String,
    pub pairs: u64,
    #[serde(serialize_with = "money_text")]
    pub difference: Decimal,
}

/// What `summary.json` records of the thresholds: the limits, the open amounts per currency,
/// and every limit crossed, in words. An empty `crossed` is a run within bounds (exit 0).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThresholdCheck {
    pub max_discrepancies: Option<u64>,
    /// By currency (`*` for every currency without a limit of its own).
    pub max_open_amount: BTreeMap<String, String>,
    pub min_match_rate: Option<String>,
    pub open_amount: BTreeMap<String, String>,
    pub crossed: Vec<String>,
}

/// Facts about the run that the summary repeats.
pub struct RunFacts {
    pub period: String,
    pub timezone: String,
    pub margin_days: u32,
    pub amount_tolerance: Decimal,
    pub tolerance: String,
}

/// Each configured rule's pairs and the provider records it left ambiguous, counted from the
/// result rows (so the figure is the rows', whatever made them).
pub fn rule_counts<'n>(
    rows: &ResultRows<'_>,
    names: impl Iterator<Item = &'n str>,
) -> Vec<crate::matching::ledger_rules::RuleCount> {
    let mut counts: Vec<crate::matching::ledger_rules::RuleCount> = names
        .map(|name| crate::matching::ledger_rules::RuleCount {
            name: name.to_string(),
            ..Default::default()
        })
        .collect();
    for i in 0..rows.len() {
        let Some((name, candidates)) = rows.rule(i) else {
            continue;
        };
        let Some(c) = counts.iter_mut().find(|c| c.name == name) else {
            continue;
        };
        match candidates {
            None => c.paired += rows.weight(i),
            Some(_) if rows.keys(i).0.is_some() => c.ambiguous += rows.weight(i),
            Some(_) => {}
        }
    }
    counts
}

/// How one summary journal (`[[matching.summaries]]`) did, for `summary.json` and the Summary
/// sheet.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SummaryCount {
    pub name: String,
    pub lines_agree: u64,
    pub lines_differ: u64,
    /// Groups of records with no line (one row each).
    pub groups_without_line: u64,
    /// Records under a line, agreeing or not.
    pub records_in_lines: u64,
    /// Records under a line that agrees: reconciled, as a matched record is.
    pub records_in_agreeing_lines: u64,
    /// Their amounts, per currency.
    #[serde(serialize_with = "money_map")]
    pub agreeing_amount: BTreeMap<String, Decimal>,
}

fn money_map<S: serde::Serializer>(
    m: &BTreeMap<String, Decimal>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(m.len()))?;
    for (k, v) in m {
        map.serialize_entry(k, &money::format(*v))?;
    }
    map.end()
}

/// Each configured summary's lines and records, counted from the result rows: a record under a
/// line that agrees is known by the line's match id.
pub fn summary_counts<'n>(
    rows: &ResultRows<'_>,
    names: impl Iterator<Item = &'n str>,
) -> Vec<SummaryCount> {
    let mut counts: Vec<SummaryCount> = names
        .map(|name| SummaryCount {
            name: name.to_string(),
            ..Default::default()
        })
        .collect();
    if counts.is_empty() {
        return counts;
    }
    let agreeing: hashbrown::HashSet<&str> = (0..rows.len())
        .filter(|&i| rows.category(i) == Category::SummaryMatched)
        .filter_map(|i| rows.match_id(i))
        .collect();
    for i in 0..rows.len() {
        let Some(name) = rows.summary(i) else {
            continue;
        };
        let Some(c) = counts.iter_mut().find(|c| c.name == name) else {
            continue;
        };
        match rows.category(i) {
            Category::SummaryMatched => c.lines_agree += 1,
            Category::SummaryMismatch => c.lines_differ += 1,
            Category::SummaryMissing => c.groups_without_line += 1,
            _ => {
                c.records_in_lines += 1;
                if rows.match_id(i).is_some_and(|m| agreeing.contains(m)) {
                    c.records_in_agreeing_lines += 1;
                    let ((_, currency), _) = rows.days_currencies(i);
                    *c.agreeing_amount
                        .entry(currency.unwrap_or_default().to_string())
                        .or_default() += rows.amounts(i).0.unwrap_or_default();
                }
            }
        }
    }
    counts
}

impl Summary {
    /// With summary journals: their counts, and the matched share counting the records under a
    /// line that agrees (reconciled as surely as a matched record; a controller reading 40%
    /// matched on a month whose every journal line agrees would be misled).
    pub fn with_summaries(&mut self, counts: Vec<SummaryCount>) {
        let agreeing: u64 = counts.iter().map(|c| c.records_in_agreeing_lines).sum();
        if agreeing > 0 && self.balance.provider_items > 0 {
            let matched = self.by_category.get("matched").copied().unwrap_or(0) + agreeing;
            self.matched_rate_by_count = (Decimal::from(matched) * Decimal::from(100)
                / Decimal::from(self.balance.provider_items))
            .round_dp(2);
        }
        self.summaries = counts;
    }
}

/// Per currency pair, the pairs `[fx]` converted and the sum of their FX differences.
pub fn fx_lines(rows: &ResultRows<'_>) -> Vec<FxLine> {
    let mut by: BTreeMap<(String, String), (u64, Decimal)> = BTreeMap::new();
    for i in 0..rows.len() {
        let Some(d) = rows.fx_difference(i) else {
            continue;
        };
        let ((_, from), (_, to)) = rows.days_currencies(i);
        let e = by
            .entry((
                from.unwrap_or_default().to_string(),
                to.unwrap_or_default().to_string(),
            ))
            .or_default();
        e.0 += rows.weight(i);
        e.1 += d;
    }
    by.into_iter()
        .map(
            |((provider_currency, ledger_currency), (pairs, difference))| FxLine {
                provider_currency,
                ledger_currency,
                pairs,
                difference,
            },
        )
        .collect()
}

pub fn build(
    rows: &ResultRows<'_>,
    facts: &RunFacts,
    provider_read: ReadStats,
    ledger_read: LedgerStats,
    fetch: Vec<FetchStats>,
) -> Summary {
    let mut by_category: BTreeMap<String, u64> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), 0))
        .collect();
    // Keys borrow the result table's text: no allocation per row.
    // (provider, kind, category, currency) → (count, provider amount, ledger amount)
    type Key<'k> = (&'k str, &'k str, &'k str, &'k str);
    // Hashed while counting (a million rows), ordered once at the end.
    let mut groups: hashbrown::HashMap<Key<'_>, (Category, u64, Decimal, Decimal)> =
        hashbrown::HashMap::new();
    let (mut p_items, mut l_items, mut pairs, mut discrepancies) = (0u64, 0u64, 0u64, 0u64);
    let mut folded = 0u64;
    // A row may stand for several (a summary-only result is added up already): its weight.
    let mut results = 0u64;
    for i in 0..rows.len() {
        let w = rows.weight(i);
        results += w;
        let category = rows.category(i);
        if let Some(n) = by_category.get_mut(category.as_str()) {
            *n += w;
        }
        if category.is_discrepancy() {
            discrepancies += w;
        }
        let (provider_amount, ledger_amount) = rows.amounts(i);
        let held = rows.records_held(i);
        let has_p = held > 0;
        let has_l = rows.has_ledger(i);
        p_items += w * held;
        l_items += w * u64::from(has_l);
        pairs += w * u64::from(has_p && has_l);
        folded += w * held.saturating_sub(1);
        let (provider, kind, currency) = rows.provider_kind_currency(i);
        let key = (
            provider.unwrap_or_default(),
            kind.unwrap_or_default(),
            category.as_str(),
            currency.unwrap_or_default(),
        );
        let g = groups
            .entry(key)
            .or_insert((category, 0, Decimal::ZERO, Decimal::ZERO));
        g.1 += w;
        g.2 += provider_amount.unwrap_or_default();
        g.3 += ledger_amount.map(|a| a.abs()).unwrap_or_default();
    }
    let matched = by_category.get("matched").copied().unwrap_or(0);
    let rate = if p_items == 0 {
        Decimal::ZERO
    } else {
        (Decimal::from(matched) * Decimal::from(100) / Decimal::from(p_items)).round_dp(2)
    };
    Summary {
        tool: format!("cardrecon {}", env!("CARGO_PKG_VERSION")),
        period: facts.period.clone(),
        timezone: facts.timezone.clone(),
        margin_days: facts.margin_days,
        amount_tolerance: facts.amount_tolerance,
        tolerance: facts.tolerance.clone(),
        results,
        discrepancies,
        by_category,
        matched_rate_by_count: rate,
        balance: Balance {
            rows: results,
            provider_items: p_items,
            ledger_items: l_items,
            pairs,
            folded,
            balanced: results + folded == p_items + l_items - pairs,
        },
        groups: groups
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .map(
                |((provider, kind, _, currency), (category, count, p, l))| Group {
                    provider: provider.to_string(),
                    kind: kind.to_string(),
                    category,
                    currency: currency.to_string(),
                    count,
                    provider_amount: p,
                    ledger_amount: l,
                },
            )
            .collect(),
        provider_read,
        ledger_read,
        fetch_evidence: if fetch.is_empty() {
            super::fetch::FetchEvidence::Missing(super::fetch::OFFLINE.to_string())
        } else {
            super::fetch::FetchEvidence::Shown(super::fetch::FETCHED.to_string())
        },
        fetch,
        fetched_by_day: Vec::new(),
        links: crate::links::LinkStats::default(),
        cards: crate::cards::CardStats::default(),
        thresholds: None,
        close: None,
        summaries: Vec::new(),
        rules: Vec::new(),
        fx: Vec::new(),
    }
}

pub fn write_json(summary: &Summary, path: &Path) -> Result<()> {
    let mut text = serde_json::to_string_pretty(summary).map_err(|e| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    })?;
    text.push('\n');
    super::write_whole(path, text.as_bytes())
}

/// The line that ends a command's output: where the report a person reads is.
pub fn report_pointer(files: &[std::path::PathBuf]) -> Option<String> {
    let xlsx = files.iter().find(|f| {
        f.file_name()
            .is_some_and(|n| n == crate::run_dir::REPORT_XLSX)
    })?;
    Some(format!(
        "Read the month in {} (print-ready; report.html beside it for the screen).",
        xlsx.display()
    ))
}

/// The short table printed after a run.
pub fn render_table(s: &Summary) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "period {} ({}), {} result rows, {} discrepancies, matched {}% of provider records\n",
        s.period,
        s.timezone,
        s.results,
        s.discrepancies,
        money::format(s.matched_rate_by_count)
    ));
    let mut per_cat: BTreeMap<(&str, &str), (u64, Decimal)> = BTreeMap::new();
    for g in &s.groups {
        let e = per_cat
            .entry((g.category.as_str(), g.currency.as_str()))
            .or_insert((0, Decimal::ZERO));
        e.0 += g.count;
        e.1 += g.amount_at_stake();
    }
    out.push_str(&format!(
        "  {:<22} {:<8} {:>9} {:>22}\n",
        "category", "currency", "count", "amount"
    ));
    for c in Category::ALL {
        for ((cat, cur), (n, amt)) in per_cat.iter().filter(|((cat, _), _)| *cat == c.as_str()) {
            out.push_str(&format!(
                "  {:<22} {:<8} {:>9} {:>22}{}\n",
                cat,
                cur,
                n,
                money::display(*amt, cur).0,
                if c.is_discrepancy() {
                    ""
                } else {
                    "  (informational)"
                }
            ));
        }
    }
    for f in &s.fetch {
        out.push_str(&format!(
            "  fetched {:<10} {:>8} records, {:>6} requests, {:>4} retries, {:>3} duplicates dropped, {} pages from the archive\n",
            f.provider, f.records, f.requests, f.retries, f.identical_repeats_dropped, f.pages_from_archive
        ));
    }
    // The findings tables beside the result rows (they count for the exit code too).
    let nonzero = |m: &BTreeMap<String, u64>| -> String {
        m.iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (table, n, by) in [
        ("links", s.links.findings, &s.links.by_finding),
        ("cards", s.cards.findings, &s.cards.by_finding),
    ] {
        if n > 0 {
            out.push_str(&format!(
                "  {table}: {n} {} ({}), in {table}.csv\n",
                if n == 1 { "finding" } else { "findings" },
                nonzero(by)
            ));
        }
    }
    for note in &s.provider_read.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    if !s.ledger_read.skipped_rows.is_empty() {
        let n = s.ledger_read.skipped_rows.len();
        out.push_str(&format!(
            "  SKIPPED: {n} ledger row{} could not be read and {} not reconciled (all listed in summary.json); first: {}\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            crate::ledger::skipped_reasons(
                std::path::Path::new(&s.ledger_read.file),
                &s.ledger_read.skipped_rows,
                3
            )
        ));
    }
    if !s.balance.balanced {
        out.push_str("  WARNING: rows do not balance with items; please report this as a bug\n");
    }
    out
}
