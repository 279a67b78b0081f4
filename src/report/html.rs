//! `report.html`: one self-contained page (no network) rendered with minijinja from
//! `templates/report.html`: the summary figures, a daily chart as inline SVG, and the
//! discrepancy table with client-side filtering. minijinja escapes every value for HTML, so
//! provider text such as a merchant called `<script>` shows as text.

use std::path::Path;

use serde::Serialize;

use super::daily::{chart_currency, DailyRow};
use super::layout;
use super::shown_text::{for_html, for_label};
use super::summary::Summary;
use super::xlsx::RunInfo;
use super::ResultRows;
use crate::error::{Error, Result};
use crate::matching::Category;
use crate::money;

/// The template, compiled into the binary so the report needs no files at run time.
pub const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Rows shown in the page; the CSV and the workbook carry all of them.
pub const MAX_ROWS: usize = 5_000;

/// The store's part of the page: the roll-forward and the open items.
#[derive(Serialize)]
struct CloseHtml {
    store: String,
    counts: String,
    balances: bool,
    lines: Vec<RollHtml>,
    decisions: Vec<DecisionHtml>,
    items: Vec<OpenItemHtml>,
    open_total: usize,
}

/// A person's decision among the roll-forward's movements.
#[derive(Serialize)]
struct DecisionHtml {
    item_id: String,
    period: String,
    provider: String,
    movement: String,
    amount: (String, bool),
    currency: String,
    reason: String,
    by: String,
    at: String,
}

#[derive(Serialize)]
struct RollHtml {
    provider: String,
    currency: String,
    /// (count, amount shown, finer than the minor units) for start, new, reopened, cleared,
    /// resolved, accepted, end.
    cells: Vec<(u64, String, bool)>,
    balances: bool,
}

#[derive(Serialize)]
struct OpenItemHtml {
    item_id: String,
    period: String,
    category: &'static str,
    label: &'static str,
    provider: String,
    tx_id: String,
    ledger_entry_id: String,
    provider_amount: (String, bool),
    ledger_amount: (String, bool),
    difference: (String, bool),
    at_stake: (String, bool),
    currency: String,
    age_days: String,
    age_bucket: String,
    last_event: String,
}

fn close_html(view: &super::close::CloseView) -> CloseHtml {
    let text = |s: &str| for_html(s).into_owned();
    let shown = |a: Option<rust_decimal::Decimal>, currency: &str| {
        a.map(|a| money::display(a, currency)).unwrap_or_default()
    };
    let decisions = view
        .decisions
        .iter()
        .map(|d| DecisionHtml {
            item_id: text(&d.item_id),
            period: text(&d.period),
            provider: text(&d.provider),
            movement: d.movement.clone(),
            amount: shown(d.amount, &d.currency),
            currency: text(&d.currency),
            reason: text(&d.reason),
            by: text(&d.by),
            at: text(&d.at),
        })
        .collect();
    let lines = view
        .roll_forward
        .iter()
        .map(|l| RollHtml {
            provider: text(&l.provider),
            currency: text(&l.currency),
            cells: l
                .tallies()
                .iter()
                // A sum of many items' amounts: its decimals shown, but not flagged as a value
                // finer than the currency's units (the flag is for one value).
                .map(|t| (t.count, money::display(t.amount, &l.currency).0, false))
                .collect(),
            balances: l.balances,
        })
        .collect();
    let items = view
        .open_items
        .iter()
        .take(MAX_ROWS)
        .map(|i| {
            let category = Category::parse(&i.category);
            OpenItemHtml {
                item_id: text(&i.item_id),
                period: text(&i.period),
                category: category.map(|c| c.as_str()).unwrap_or(""),
                label: category.map(layout::category_label).unwrap_or(""),
                provider: text(&i.provider),
                tx_id: text(if i.tx_id.is_empty() {
                    &i.order_id
                } else {
                    &i.tx_id
                }),
                ledger_entry_id: text(&i.ledger_entry_id),
                provider_amount: shown(i.provider_amount, &i.currency),
                ledger_amount: shown(i.ledger_amount, &i.currency),
                difference: shown(i.amount_difference, &i.currency),
                at_stake: shown(i.at_stake, &i.currency),
                currency: text(&i.currency),
                age_days: i.age_days.map(|d| d.to_string()).unwrap_or_default(),
                age_bucket: i.age_bucket.clone(),
                last_event: text(&i.last_event),
            }
        })
        .collect();
    CloseHtml {
        store: text(&view.store),
        counts: format!(
            "this run opened {} items, saw {} again, cleared {}, resolved {}, reopened {}; {} rows clear an earlier item",
            view.new_items, view.seen_again, view.cleared, view.resolved, view.reopened, view.cleared_prior_rows
        ),
        balances: view.roll_forward_balances,
        lines,
        decisions,
        items,
        open_total: view.open_items.len(),
    }
}

/// A link finding as the page shows it: the label, then the fields of `links.csv` as text.
#[derive(Serialize)]
struct LinkView {
    finding: &'static str,
    label: &'static str,
    cells: Vec<(String, &'static str)>,
}

/// A findings row's fields after its first (the finding, which the label shows), each with its
/// cell class: `num` for the table's amount columns (right-aligned, never wrapped), `text` for
/// lists that may grow long (wrapped), `words` for the last one, the sentence saying what was
/// found (wrapped at a readable width); other cells do not wrap, so ids and days stay on one
/// line.
fn finding_cells(
    texts: &[String],
    amounts: &[usize],
    lists: &[usize],
) -> Vec<(String, &'static str)> {
    let last = texts.len().saturating_sub(1);
    texts
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, t)| {
            let class = if amounts.contains(&i) {
                "num"
            } else if lists.contains(&i) {
                "text"
            } else if i == last {
                "words"
            } else {
                ""
            };
            (for_html(t).into_owned(), class)
        })
        .collect()
}

fn link_views(findings: &[crate::links::Finding]) -> Vec<LinkView> {
    findings
        .iter()
        .take(MAX_ROWS)
        .map(|f| LinkView {
            finding: f.finding.as_str(),
            label: layout::finding_label(f.finding),
            // Every field but the finding's name, which the label shows.
            cells: finding_cells(
                &super::links::texts(f),
                &super::links::AMOUNT_COLUMNS,
                &[super::links::REFUNDS_COLUMN],
            ),
        })
        .collect()
}

#[derive(Serialize)]
struct CategoryView {
    name: &'static str,
    label: &'static str,
    colour: String,
    count: u64,
    discrepancy: bool,
}

#[derive(Serialize)]
struct RowView {
    category: &'static str,
    label: &'static str,
    provider: String,
    kind: String,
    tx_id: String,
    order_id: String,
    entry: String,
    /// Each amount as shown, and whether it has more decimals than its currency's units.
    provider_amount: (String, bool),
    ledger_amount: (String, bool),
    difference: (String, bool),
    currency: String,
    status: String,
    days: String,
    card: String,
    description: String,
    detail: String,
    amount_diff: bool,
    currency_diff: bool,
    status_diff: bool,
    timing: bool,
    /// What the row puts at stake, as an integer of 10⁻⁸ units (empty: nothing), its currency
    /// and that currency's minor units: the filtered table's totals are added up from these.
    stake: String,
    stake_currency: String,
    units: u32,
}

#[derive(Serialize)]
struct Tick {
    x: i64,
    label: String,
}

#[derive(Serialize)]
struct ChartView {
    currency: String,
    width: i64,
    height: i64,
    max: String,
    provider_points: String,
    ledger_points: String,
    ticks: Vec<Tick>,
}

fn chart(daily: &[DailyRow]) -> Option<ChartView> {
    let main = chart_currency(daily)?.to_string();
    let days: Vec<&DailyRow> = daily.iter().filter(|d| d.currency == main).collect();
    let max = days
        .iter()
        .map(|d| d.provider_amount.max(d.ledger_amount))
        .max()?;
    if days.is_empty() || max.is_zero() {
        return None;
    }
    let (w, h) = (900i64, 220i64);
    let gaps = i64::try_from(days.len().saturating_sub(1))
        .unwrap_or(1)
        .max(1);
    let scale = |v: rust_decimal::Decimal| -> i64 {
        let ratio = (v / max).round_dp(4);
        h - rust_decimal::prelude::ToPrimitive::to_i64(
            &(ratio * rust_decimal::Decimal::from(h - 10)).round(),
        )
        .unwrap_or(0)
    };
    // Pixel positions in whole pixels.
    let x = |i: usize| 40 + i64::try_from(i).unwrap_or(0) * (w - 60) / gaps;
    let points = |sel: fn(&DailyRow) -> rust_decimal::Decimal| {
        days.iter()
            .enumerate()
            .map(|(i, d)| format!("{},{}", x(i), scale(sel(d))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let every = days.len().div_ceil(10).max(1);
    Some(ChartView {
        currency: for_label(&main).into_owned(),
        width: w,
        height: h,
        // An axis label: the scale at the currency's units, not an amount to reconcile.
        max: money::display(max.round_dp(money::display_units(&main)), &main).0,
        provider_points: points(|d| d.provider_amount),
        ledger_points: points(|d| d.ledger_amount),
        ticks: days
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, d)| Tick {
                x: x(i),
                label: d.day.format("%m-%d").to_string(),
            })
            .collect(),
    })
}

/// The discrepancies as the page shows them, in the workbook's order (by category, the most at
/// stake first), at most [`MAX_ROWS`]; and whether more were left out.
fn row_views(rows: &ResultRows<'_>, order: &[usize]) -> (Vec<RowView>, bool) {
    // Amounts at the currency's minor units, finer values in full and flagged.
    let show = |d: Option<rust_decimal::Decimal>, currency: &Option<String>| -> (String, bool) {
        d.map(|d| money::display(d, currency.as_deref().unwrap_or("")))
            .unwrap_or_default()
    };
    // Every text cell through `for_html`: a value of any length shows, shortened, with a marker.
    let text = |s: &str| for_html(s).into_owned();
    let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
    let mut views = Vec::new();
    let mut truncated = false;
    for &i in order {
        if views.len() == MAX_ROWS {
            truncated = true;
            break;
        }
        let r = rows.row(i);
        let stake = super::exposure::Exposure::of(&r, r.category).at_stake;
        // The row's currency is the provider's, else the ledger's (`ResultRows::values`).
        let stake_currency = r.currency.clone().unwrap_or_default();
        let day =
            |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        views.push(RowView {
            category: r.category.as_str(),
            label: layout::category_label(r.category),
            provider: opt(&r.provider),
            kind: opt(&r.kind),
            tx_id: opt(&r.tx_id),
            order_id: opt(&r.order_id),
            entry: opt(&r.ledger_entry_id),
            provider_amount: show(r.provider_amount, &r.currency),
            ledger_amount: show(r.ledger_amount.map(|a| a.abs()), &r.ledger_currency),
            difference: show(r.amount_difference, &r.currency),
            currency: match (&r.currency, &r.ledger_currency) {
                (Some(a), Some(b)) if a != b => format!("{} / {}", text(a), text(b)),
                (a, b) => opt(&a.clone().or_else(|| b.clone())),
            },
            status: format!(
                "{} / {}",
                r.provider_status
                    .as_deref()
                    .map(text)
                    .as_deref()
                    .unwrap_or("—"),
                r.ledger_status
                    .as_deref()
                    .map(text)
                    .as_deref()
                    .unwrap_or("—")
            ),
            days: format!("{} / {}", day(r.provider_day), day(r.ledger_day)),
            card: opt(&r.card),
            description: opt(&r.description),
            detail: text(&r.detail),
            stake: stake.map(super::exposure::scaled_text).unwrap_or_default(),
            units: money::display_units(&stake_currency),
            stake_currency: text(&stake_currency),
            amount_diff: r.diffs.amount,
            currency_diff: r.diffs.currency,
            status_diff: r.diffs.status,
            timing: r.diffs.timing,
        });
    }
    (views, truncated)
}

/// `order`: the discrepancy rows in review order ([`super::exposure::review_order`], computed
/// once for the page and the workbook).
#[allow(clippy::too_many_arguments)]
pub fn write(
    path: &Path,
    summary: &Summary,
    rows: &ResultRows<'_>,
    order: &[usize],
    daily: &[DailyRow],
    links: &[crate::links::Finding],
    cards: &[crate::cards::CardRow],
    info: &RunInfo,
) -> Result<()> {
    let (views, truncated) = row_views(rows, order);
    let categories: Vec<CategoryView> = Category::ALL
        .iter()
        .map(|c| CategoryView {
            name: c.as_str(),
            label: layout::category_label(*c),
            colour: format!("{:06x}", layout::category_colour(*c)),
            count: summary.by_category.get(c.as_str()).copied().unwrap_or(0),
            discrepancy: c.is_discrepancy(),
        })
        .collect();
    let mut env = minijinja::Environment::new();
    let render_err = |e: minijinja::Error| Error::Output {
        path: path.to_path_buf(),
        message: format!("rendering templates/report.html: {e}"),
        cause: Some(Box::new(e)),
    };
    env.add_template("report.html", TEMPLATE)
        .map_err(render_err)?;
    let html = env
        .get_template("report.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                title => layout::REPORT_TITLE,
                summary => summary,
                no_fetch_note => summary.fetch_evidence.missing_note(),
                providers => info.providers.join(", "),
                ledger => info.ledger_source,
                run_id => info.run_id,
                categories => categories,
                rows => views,
                truncated => truncated,
                chart => chart(daily),
                close => summary.close.as_ref().map(close_html),
                links => link_views(links),
                fetch_days => summary
                    .fetched_by_day
                    .iter()
                    .map(|d| minijinja::context! {
                        provider => for_html(&d.provider).into_owned(),
                        day => d.day,
                        currency => for_label(&d.currency).into_owned(),
                        records => d.records,
                        // A day's sum: not flagged as one value finer than its units.
                        amount => (money::display(d.amount, &d.currency).0, false),
                    })
                    .collect::<Vec<_>>(),
                link_headers => &layout::LINK_HEADERS[1..],
                card_headers => &layout::CARD_HEADERS[1..],
                cards => cards
                    .iter()
                    .take(MAX_ROWS)
                    .map(|r| minijinja::context! {
                        finding => r.finding.map(|f| f.label()).unwrap_or(""),
                        cells => finding_cells(&super::cards::texts(r), &super::cards::AMOUNT_COLUMNS, &[]),
                    })
                    .collect::<Vec<_>>(),
            })
        })
        .map_err(render_err)?;
    super::write_whole(path, html.as_bytes())
}
