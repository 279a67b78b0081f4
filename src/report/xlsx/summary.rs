//! The Summary sheet, laid out to be read at a glance and signed on one printed page, and the
//! Breakdown sheet that keeps the detail it leaves out.
//!
//! A controller asks, in this order: how much is unexplained, where (which provider, which
//! category) and for how much money in each currency; then how the open items moved; then the
//! facts of the run. So the Summary is the headline, a category × provider grid of counts with
//! the amount at stake per currency beside it, the roll-forward (with a store), and the facts,
//! fit to one landscape page. The provider × kind × category × currency list (hundreds of lines
//! for a real month, three printed pages) is the Breakdown sheet, with its filter and totals.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Workbook, Worksheet};

use super::{close, count, list_sheet, page_setup, write_money, xerr, Formats, Input};
use crate::error::Result;
use crate::matching::Category;
use crate::report::layout;
use crate::report::shown_text::for_xlsx;
use crate::report::summary::Group;

/// The grid's numbers: counts per category and provider, amounts at stake per category and
/// currency, and the totals.
#[derive(Debug, Default)]
struct Grid {
    providers: Vec<String>,
    currencies: Vec<String>,
    categories: Vec<Category>,
    counts: BTreeMap<(Category, String), u64>,
    amounts: BTreeMap<(Category, String), Decimal>,
    /// Provider amounts per currency: all rows, matched rows (the match rate by amount).
    by_amount: BTreeMap<String, (Decimal, Decimal)>,
}

impl Grid {
    fn of(groups: &[Group], agreeing: &[crate::report::summary::SummaryCount]) -> Grid {
        let mut g = Grid::default();
        let (mut providers, mut currencies, mut categories) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for x in groups {
            providers.insert(x.provider.clone());
            currencies.insert(x.currency.clone());
            categories.insert(x.category);
            *g.counts
                .entry((x.category, x.provider.clone()))
                .or_default() += x.count;
            *g.amounts
                .entry((x.category, x.currency.clone()))
                .or_default() += x.amount_at_stake();
            let a = g.by_amount.entry(x.currency.clone()).or_default();
            a.0 += x.provider_amount;
            if x.category == Category::Matched {
                a.1 += x.provider_amount;
            }
        }
        // Records under a summary line that agrees are reconciled as a matched record is.
        for c in agreeing {
            for (currency, amount) in &c.agreeing_amount {
                g.by_amount.entry(currency.clone()).or_default().1 += *amount;
            }
        }
        g.providers = providers.into_iter().collect();
        g.currencies = currencies.into_iter().collect();
        g.categories = Category::ALL
            .into_iter()
            .filter(|c| categories.contains(c))
            .collect();
        g
    }

    fn count(&self, keep: impl Fn(Category) -> bool, provider: Option<&str>) -> u64 {
        self.counts
            .iter()
            .filter(|((c, p), _)| keep(*c) && provider.is_none_or(|x| x == p))
            .map(|(_, n)| n)
            .sum()
    }

    fn amount(&self, keep: impl Fn(Category) -> bool, currency: &str) -> Decimal {
        self.amounts
            .iter()
            .filter(|((c, cur), _)| keep(*c) && cur == currency)
            .map(|(_, a)| *a)
            .sum()
    }
}

/// A line of the grid: one category, every row, or the discrepancies.
#[derive(Debug, Clone, Copy)]
enum Line {
    One(Category),
    All,
    Discrepancies,
}

impl Line {
    fn keeps(self, c: Category) -> bool {
        match self {
            Line::One(x) => x == c,
            Line::All => true,
            Line::Discrepancies => c.is_discrepancy(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Line::One(c) => layout::category_label(c),
            Line::All => "All rows",
            Line::Discrepancies => "Of which discrepancies",
        }
    }
}

/// The widths of the Summary's columns: labels, then numbers (the grid's and the
/// roll-forward's share the columns).
const LABEL_WIDTH: f64 = 34.0;
const NUMBER_WIDTH: f64 = 14.0;
const AMOUNT_WIDTH: f64 = 22.0;

pub(super) fn summary_sheet(
    wb: &mut Workbook,
    input: &Input<'_>,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let s = input.summary;
    let ws = wb
        .add_worksheet()
        .set_name(layout::SUMMARY_SHEET)
        .map_err(xerr(path))?;
    page_setup(ws, f, false, path)?;
    // One page: wide and tall. The layout keeps it readable at the scale that takes.
    ws.set_print_fit_to_pages(1, 1);
    let e = xerr(path);
    ws.write_string_with_format(
        0,
        0,
        format!("{} — {}", layout::REPORT_TITLE, s.period),
        &f.title,
    )
    .map_err(&e)?;
    let rate = s.matched_rate_by_count / Decimal::ONE_HUNDRED;
    ws.write_string_with_format(2, 0, "Result rows", &f.label)
        .map_err(&e)?;
    ws.write_number_with_format(2, 1, count(s.results), &f.integer)
        .map_err(&e)?;
    ws.write_string_with_format(3, 0, "Discrepancies", &f.label)
        .map_err(&e)?;
    ws.write_number_with_format(3, 1, count(s.discrepancies), &f.integer)
        .map_err(&e)?;
    ws.write_string_with_format(4, 0, "Matched (share of provider records)", &f.label)
        .map_err(&e)?;
    write_money(ws, 4, 1, rate, None, &f.percent).map_err(&e)?;
    let g = Grid::of(&s.groups, &s.summaries);
    let mut row = grid(ws, 6, &g, f, path)?;
    if let Some(view) = &s.close {
        row = close::roll_forward(ws, row, view, f, path)?;
    }
    row = rules_and_fx(ws, row, s, f, path)?;
    facts(ws, row, input, f, path)?;
    ws.set_column_width(0, LABEL_WIDTH).map_err(&e)?;
    // Every number column is as wide as the widest amount the sheet shows in any of them (the
    // grid's and the roll-forward's share the columns), so no cell shows `###`.
    let shown = |a: Decimal, cur: &str| crate::money::display(a, cur).0.chars().count();
    let mut widest = g
        .amounts
        .iter()
        .map(|((_, cur), a)| shown(*a, cur))
        .chain(
            g.currencies
                .iter()
                .map(|cur| shown(g.amount(|_| true, cur), cur)),
        )
        .max()
        .unwrap_or(0);
    if let Some(view) = &s.close {
        for l in &view.roll_forward {
            for t in l.tallies() {
                widest = widest.max(shown(t.amount, &l.currency));
            }
        }
        for d in &view.decisions {
            widest = widest.max(d.item_id.len().max(d.at.len()));
        }
    }
    // Bold totals and the sign take a few characters more than the digits.
    let number_width = NUMBER_WIDTH.max(widest as f64 + 4.0);
    for c in 1..=16 {
        ws.set_column_width(c, number_width).map_err(&e)?;
    }
    let first_currency = 2 + g.providers.len() as u16;
    for i in 0..g.currencies.len() as u16 {
        ws.set_column_width(first_currency + i, AMOUNT_WIDTH.max(number_width))
            .map_err(&e)?;
    }
    Ok(())
}

/// With `[[matching.summaries]]`: each journal's lines and records. With `[[matching.rules]]`:
/// what each rule paired and left ambiguous. With `[fx]`: the FX
/// difference per currency pair (booked − converted), what accounting books as FX gain or loss.
/// Returns the next free row.
fn rules_and_fx(
    ws: &mut Worksheet,
    mut row: u32,
    s: &crate::report::summary::Summary,
    f: &Formats,
    path: &Path,
) -> Result<u32> {
    let e = xerr(path);
    if !s.summaries.is_empty() {
        let headers = [
            "Summary journal",
            "Lines agree",
            "Lines differ",
            "Groups, no line",
            "Records in lines",
            "In agreeing lines",
        ];
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &f.header)
                .map_err(&e)?;
        }
        row += 1;
        for x in &s.summaries {
            ws.write_string_with_format(row, 0, for_xlsx(&x.name), &f.label)
                .map_err(&e)?;
            let figures = [
                x.lines_agree,
                x.lines_differ,
                x.groups_without_line,
                x.records_in_lines,
                x.records_in_agreeing_lines,
            ];
            for (c, n) in figures.iter().enumerate() {
                ws.write_number_with_format(row, 1 + c as u16, count(*n), &f.integer)
                    .map_err(&e)?;
            }
            row += 1;
        }
        ws.write_string_with_format(
            row,
            0,
            "The records under a line that agrees count as matched in the shares above.",
            &f.label,
        )
        .map_err(&e)?;
        row += 2;
    }
    if !s.rules.is_empty() {
        for (c, h) in ["Rule", "Pairs made", "Left ambiguous"].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &f.header)
                .map_err(&e)?;
        }
        row += 1;
        for r in &s.rules {
            ws.write_string_with_format(row, 0, for_xlsx(&r.name), &f.label)
                .map_err(&e)?;
            ws.write_number_with_format(row, 1, count(r.paired), &f.integer)
                .map_err(&e)?;
            ws.write_number_with_format(row, 2, count(r.ambiguous), &f.integer)
                .map_err(&e)?;
            row += 1;
        }
        row += 1;
    }
    if !s.fx.is_empty() {
        for (c, h) in ["FX (provider → ledger currency)", "Pairs", "FX difference"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, c as u16, *h, &f.header)
                .map_err(&e)?;
        }
        row += 1;
        for l in &s.fx {
            let pair = format!("{} → {}", l.provider_currency, l.ledger_currency);
            ws.write_string_with_format(row, 0, for_xlsx(&pair), &f.label)
                .map_err(&e)?;
            ws.write_number_with_format(row, 1, count(l.pairs), &f.integer)
                .map_err(&e)?;
            let money = f.money_for(Some(&l.ledger_currency), l.difference, false, false);
            write_money(ws, row, 2, l.difference, Some(&l.ledger_currency), money).map_err(&e)?;
            row += 1;
        }
        row += 1;
    }
    Ok(row)
}

/// The category × provider grid at `row`; returns the next free row.
fn grid(ws: &mut Worksheet, mut row: u32, g: &Grid, f: &Formats, path: &Path) -> Result<u32> {
    let e = xerr(path);
    ws.write_string_with_format(
        row,
        0,
        "Rows by category and provider, and the amount at stake per currency (the provider's amount; the ledger's where there is no provider record)",
        &f.label,
    )
    .map_err(&e)?;
    row += 1;
    let first_currency = 2 + g.providers.len() as u16;
    ws.write_string_with_format(row, 0, "Category", &f.header)
        .map_err(&e)?;
    for (i, p) in g.providers.iter().enumerate() {
        let name = if p.is_empty() { "(no provider)" } else { p };
        ws.write_string_with_format(row, 1 + i as u16, for_xlsx(name), &f.header)
            .map_err(&e)?;
    }
    ws.write_string_with_format(row, first_currency - 1, "Rows", &f.header)
        .map_err(&e)?;
    for (i, cur) in g.currencies.iter().enumerate() {
        ws.write_string_with_format(row, first_currency + i as u16, for_xlsx(cur), &f.header)
            .map_err(&e)?;
    }
    let mut lines: Vec<Line> = g.categories.iter().map(|&c| Line::One(c)).collect();
    lines.extend([Line::All, Line::Discrepancies]);
    for line in lines {
        row += 1;
        let keep = |c: Category| line.keeps(c);
        let (label_format, integer, total) = match line {
            Line::One(c) => (&f.categories[&c], &f.integer, false),
            _ => (&f.total_label, &f.total_integer, true),
        };
        ws.write_string_with_format(row, 0, line.label(), label_format)
            .map_err(&e)?;
        // Zero is left blank in a category's line, so the grid reads at a glance.
        for (i, p) in g.providers.iter().enumerate() {
            let n = g.count(keep, Some(p));
            if n > 0 || total {
                ws.write_number_with_format(row, 1 + i as u16, count(n), integer)
                    .map_err(&e)?;
            }
        }
        ws.write_number_with_format(
            row,
            first_currency - 1,
            count(g.count(keep, None)),
            &f.total_integer,
        )
        .map_err(&e)?;
        for (i, cur) in g.currencies.iter().enumerate() {
            let a = g.amount(keep, cur);
            if !a.is_zero() || total {
                let at = (row, first_currency + i as u16);
                if total {
                    f.write_amount(ws, at, a, Some(cur), false, true)
                } else {
                    f.write_sum(ws, at, a, Some(cur))
                }
                .map_err(&e)?;
            }
        }
    }
    // The match rate by amount, per currency (amounts in different currencies do not add up).
    row += 1;
    ws.write_string_with_format(row, 0, "Matched by amount", &f.label)
        .map_err(&e)?;
    for (i, cur) in g.currencies.iter().enumerate() {
        let (all, matched) = g.by_amount.get(cur).copied().unwrap_or_default();
        // A share to six places (0.01 of a percentage point beyond what the format shows).
        let r = if all.is_zero() {
            Decimal::ZERO
        } else {
            (matched / all).round_dp(6)
        };
        write_money(ws, row, first_currency + i as u16, r, None, &f.percent).map_err(&e)?;
    }
    Ok(row + 2)
}

/// The run's facts at `row`, label and value.
fn facts(
    ws: &mut Worksheet,
    mut row: u32,
    input: &Input<'_>,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let s = input.summary;
    let e = xerr(path);
    let mut facts: Vec<(&str, String)> = vec![
        ("Period", s.period.clone()),
        ("Business timezone", s.timezone.clone()),
        ("Providers", input.info.providers.join(", ")),
        ("Ledger", input.info.ledger_source.clone()),
        ("Amount tolerance", s.tolerance.clone()),
        ("Margin (days each side)", s.margin_days.to_string()),
        (
            "Amounts",
            "exact values, shown with each currency's minor units; italic orange: more decimals than that, shown in full".to_string(),
        ),
        (
            "Detail",
            "the Breakdown sheet: provider × kind × category × currency, with totals".to_string(),
        ),
        ("Tool", s.tool.clone()),
    ];
    if let Some(id) = &input.info.run_id {
        facts.push(("Run", id.clone()));
    }
    if let Some(t) = &input.info.run_time {
        // RFC 3339 in the file; on paper, the business timezone's wall clock.
        let local = chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| {
                t.with_timezone(&input.zone)
                    .format("%-d %B %Y, %H:%M:%S (%Z)")
                    .to_string()
            })
            .unwrap_or_else(|_| t.clone());
        facts.push(("Run time", local));
    }
    if let Some(n) = input.info.lists_left_out {
        facts.push((
            "Full lists",
            format!(
                "left out for a month of {n} provider records and ledger entries; results.csv and normalized/*.parquet hold every row (--outputs all,xlsx-lists writes them here)"
            ),
        ));
    }
    for (k, v) in &facts {
        ws.write_string_with_format(row, 0, *k, &f.label)
            .map_err(&e)?;
        ws.write_string(row, 1, for_xlsx(v)).map_err(&e)?;
        row += 1;
    }
    Ok(())
}

/// The Breakdown sheet: provider × kind × category × currency, with a total per currency that
/// adds up the rows above it.
pub(super) fn breakdown_sheet(
    wb: &mut Workbook,
    input: &Input<'_>,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let s = input.summary;
    let headers = [
        "Provider",
        "Kind",
        "Category",
        "Currency",
        "Count",
        "Provider amount",
        "Ledger amount",
    ];
    let ws = list_sheet(wb, layout::BREAKDOWN_SHEET, &headers, f, path)?;
    let e = xerr(path);
    let mut groups = s.groups.clone();
    groups.sort_by(|a, b| {
        (&a.currency, &a.provider, &a.kind, a.category.as_str()).cmp(&(
            &b.currency,
            &b.provider,
            &b.kind,
            b.category.as_str(),
        ))
    });
    let mut totals: BTreeMap<String, (u64, Decimal, Decimal)> = BTreeMap::new();
    let mut row = 0u32;
    for g in &groups {
        row += 1;
        ws.write_string(row, 0, for_xlsx(&g.provider)).map_err(&e)?;
        ws.write_string(row, 1, for_xlsx(&g.kind)).map_err(&e)?;
        ws.write_string_with_format(
            row,
            2,
            layout::category_label(g.category),
            &f.categories[&g.category],
        )
        .map_err(&e)?;
        ws.write_string(row, 3, for_xlsx(&g.currency)).map_err(&e)?;
        ws.write_number_with_format(row, 4, count(g.count), &f.integer)
            .map_err(&e)?;
        let (p, l) = (g.provider_amount, g.ledger_amount);
        f.write_sum(ws, (row, 5), p, Some(&g.currency))
            .map_err(&e)?;
        f.write_sum(ws, (row, 6), l, Some(&g.currency))
            .map_err(&e)?;
        let t = totals
            .entry(g.currency.clone())
            .or_insert((0, Decimal::ZERO, Decimal::ZERO));
        t.0 += g.count;
        t.1 += p;
        t.2 += l;
    }
    let last_data = row;
    for (cur, (n, p, l)) in &totals {
        row += 1;
        ws.write_string_with_format(row, 0, for_xlsx(&format!("Total {cur}")), &f.total_label)
            .map_err(&e)?;
        for c in 1..=3 {
            ws.write_string_with_format(row, c, "", &f.total_label)
                .map_err(&e)?;
        }
        ws.write_number_with_format(row, 4, count(*n), &f.total_integer)
            .map_err(&e)?;
        f.write_amount(ws, (row, 5), *p, Some(cur), false, true)
            .map_err(&e)?;
        f.write_amount(ws, (row, 6), *l, Some(cur), false, true)
            .map_err(&e)?;
    }
    ws.autofilter(0, 0, last_data.max(1), 6).map_err(&e)?;
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    for (c, w) in [36.0, 28.0, 24.0, 18.0, 10.0, 20.0, 20.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w).map_err(&e)?;
    }
    Ok(())
}
