//! `report.xlsx`: the workbook that goes to accounting, in narrated steps.
//!
//! 1. **Summary** ([`summary`]): one printed page, the headline, a category × provider grid of
//!    counts with the amount at stake per currency, the roll-forward, the run's facts.
//! 2. **Discrepancies**: provider and ledger side by side, the differing cells highlighted, the
//!    category as a coloured label, the difference in words.
//! 3. **Matched**, **Provider records**, **Ledger entries**: full lists, continued on numbered
//!    sheets past Excel's 1,048,576 rows, written in constant-memory mode.
//! 4. **Daily**: per accounting day and currency, both sides and the difference, with a chart;
//!    then **Breakdown**: provider × kind × category × currency with totals per currency.
//! 5. With a store: the roll-forward on the Summary sheet and an **Open items** sheet after
//!    Discrepancies ([`close`]).
//! 6. **Links** ([`links`]), after Discrepancies and Open items: refunds and fees without their
//!    original, refunds above it; **Cards** ([`cards`]): the card list rolled forward; then
//!    **Fetch** ([`fetch`]): the fetch's evidence per provider,
//!    window and accounting day (or that the run has none).
//!
//! Every sheet has a frozen header, an autofilter and widths that fit. Amounts are numbers
//! where a double stands for the decimal exactly (at most 15 significant digits: the double
//! Excel stores reads back as the same decimal), else the decimal's exact text, right-aligned
//! ([`write_money`]); shown with 2 to 8 places (0 for JPY-like currencies). Times are Excel dates in the business timezone. Text from provider or ledger data
//! is always written as a string, so a merchant called `=HYPERLINK(...)` stays text.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, Color, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

mod cards;
mod close;
mod fetch;
mod links;
mod summary;

use super::layout::{self, Field};
use super::shown_text::for_xlsx;
use super::summary::Summary;
use super::{ResultRow, ResultRows};
use crate::error::{Error, Result};
use crate::matching::Category;

/// Data rows per sheet: Excel's 1,048,576 rows less the header.
pub const MAX_DATA_ROWS: u32 = 1_048_575;

/// Facts for the Summary sheet that the summary itself does not carry.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub ledger_source: String,
    pub providers: Vec<String>,
    /// When the run was made; left out of `reconcile` outputs to keep them reproducible.
    pub run_time: Option<String>,
    pub run_id: Option<String>,
    /// The full lists were left out by default for a month of this many input rows.
    pub lists_left_out: Option<usize>,
}

pub struct Input<'a> {
    pub rows: &'a ResultRows<'a>,
    /// [`daily`] of the rows, computed once for the workbook and the page.
    pub daily: &'a [super::daily::DailyRow],
    pub provider: &'a DataFrame,
    pub ledger: &'a DataFrame,
    pub summary: &'a Summary,
    pub zone: Tz,
    pub info: RunInfo,
    /// The links check's findings (the Links sheet).
    pub links: &'a [crate::links::Finding],
    /// The card roll-forward's rows (the Cards sheet).
    pub cards: &'a [crate::cards::CardRow],
    /// Write the full lists (Matched, Provider records, Ledger entries); a very large month may
    /// leave them out and keep Summary, Discrepancies and Daily.
    pub lists: bool,
    /// The paper every sheet prints on, as Excel numbers it (9 A4, 1 Letter).
    pub paper: u8,
    /// The discrepancy rows in review order ([`crate::report::exposure::review_order`]),
    /// computed once for the workbook and the page.
    pub discrepancy_order: &'a [usize],
}

struct Formats {
    title: Format,
    header: Format,
    /// A header whose words wrap inside its column, for a table stacked under another that
    /// sets the column widths (its long headers must not run over the next column).
    header_wrap: Format,
    label: Format,
    /// Money by decimals shown (a currency's minor units), style and whether the value is
    /// finer than those units: see [`Formats::money_for`].
    money: Vec<Format>,
    integer: Format,
    percent: Format,
    datetime: Format,
    date: Format,
    hl_text: Format,
    /// Long text (a finding's words), wrapped within its column rather than across the page.
    wrap: Format,
    hl_datetime: Format,
    hl_date: Format,
    total_label: Format,
    total_integer: Format,
    categories: BTreeMap<Category, Format>,
    /// A group's match id, in one of two tints alternating from group to group, with a bar on
    /// the left: a group's rows stand out together and the next group is told apart.
    group: [Format; 2],
    /// The printed page header: the report, its period and run (see [`page_setup`]).
    page_header: String,
    /// Excel's paper code (see [`Input::paper`]).
    paper: u8,
}

const HIGHLIGHT: u32 = 0xFFF2CC;

impl Formats {
    fn new() -> Formats {
        let hl = |f: Format| {
            f.set_background_color(Color::RGB(HIGHLIGHT))
                .set_font_color(Color::RGB(0x9C0006))
                .set_bold()
        };
        let total = |f: Format| f.set_bold().set_border_top(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F4E78))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin),
            header_wrap: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F4E78))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            label: Format::new().set_bold(),
            money: (0..=MAX_UNITS)
                .flat_map(|units| {
                    MoneyStyle::ALL
                        .into_iter()
                        .flat_map(move |style| [false, true].map(|fine| (units, style, fine)))
                })
                .map(|(units, style, fine)| {
                    let mut f = Format::new().set_num_format(money_number_format(units, fine));
                    f = match style {
                        MoneyStyle::Plain | MoneyStyle::Sum => f,
                        MoneyStyle::Highlight => hl(f),
                        MoneyStyle::Total => total(f),
                    };
                    // The warning is for a single value finer than its currency's units; a sum
                    // of such values shows its decimals in the plain colour.
                    if fine && matches!(style, MoneyStyle::Plain | MoneyStyle::Highlight) {
                        f = f.set_italic().set_font_color(Color::RGB(FINE_COLOUR));
                    }
                    f
                })
                .collect(),
            integer: Format::new().set_num_format("#,##0"),
            percent: Format::new().set_num_format("0.00%"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            hl_text: hl(Format::new()),
            wrap: Format::new().set_text_wrap(),
            hl_datetime: hl(Format::new().set_num_format("yyyy-mm-dd hh:mm:ss")),
            hl_date: hl(Format::new().set_num_format("yyyy-mm-dd")),
            total_label: total(Format::new()),
            total_integer: total(Format::new().set_num_format("#,##0")),
            categories: Category::ALL
                .iter()
                .map(|c| {
                    (
                        *c,
                        Format::new()
                            .set_background_color(Color::RGB(layout::category_colour(*c)))
                            .set_border(FormatBorder::Thin),
                    )
                })
                .collect(),
            group: [0xDDEBF7, 0xE2EFDA].map(|tint| {
                Format::new()
                    .set_background_color(Color::RGB(tint))
                    .set_border_left(FormatBorder::Thick)
                    .set_border_left_color(Color::RGB(0x1F4E78))
            }),
            page_header: String::new(),
            paper: 9,
        }
    }

    /// The format for `value` in `currency`: the currency's ISO 4217 minor units (USD 2, JPY 0,
    /// BHD 3); a value with more decimals shows them all, in italic orange, so it is seen and
    /// never rounded away. The cell always holds the exact value.
    fn money_for(
        &self,
        currency: Option<&str>,
        value: Decimal,
        highlight: bool,
        total: bool,
    ) -> &Format {
        let style = if total {
            MoneyStyle::Total
        } else if highlight {
            MoneyStyle::Highlight
        } else {
            MoneyStyle::Plain
        };
        self.money_in(currency, value, style)
    }

    fn money_in(&self, currency: Option<&str>, value: Decimal, style: MoneyStyle) -> &Format {
        let units = crate::money::display_units(currency.unwrap_or("")).min(MAX_UNITS);
        let fine = value.normalize().scale() > units;
        let index =
            ((units as usize) * MoneyStyle::ALL.len() + style as usize) * 2 + usize::from(fine);
        &self.money[index.min(self.money.len() - 1)]
    }

    /// Writes a sum of amounts (a grid cell, a roll-forward figure, a day's total): its
    /// decimals shown in full like any amount, but not flagged as finer than the currency's
    /// units, since a sum of many values is not one value the provider sent.
    fn write_sum(
        &self,
        ws: &mut Worksheet,
        (row, col): (u32, u16),
        value: Decimal,
        currency: Option<&str>,
    ) -> std::result::Result<(), XlsxError> {
        let format = self.money_in(currency, value, MoneyStyle::Sum);
        write_money(ws, row, col, value, currency, format)
    }
}

impl Formats {
    /// Writes an amount of `currency` in its money format ([`Formats::money_for`]), as a number
    /// or, past a double's digits, as exact text ([`write_money`]).
    fn write_amount(
        &self,
        ws: &mut Worksheet,
        (row, col): (u32, u16),
        value: Decimal,
        currency: Option<&str>,
        highlight: bool,
        total: bool,
    ) -> std::result::Result<(), XlsxError> {
        let format = self.money_for(currency, value, highlight, total);
        write_money(ws, row, col, value, currency, format)
    }
}

/// The most decimals a currency's units have (ISO 4217's largest is 4).
const MAX_UNITS: u32 = 4;

/// The font colour of amounts finer than their currency's units.
const FINE_COLOUR: u32 = 0x9C5700;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MoneyStyle {
    Plain = 0,
    Highlight = 1,
    /// Bold with a rule above; a total is a sum, so never flagged as finer than its units.
    Total = 2,
    /// A sum in a plain cell.
    Sum = 3,
}

impl MoneyStyle {
    const ALL: [MoneyStyle; 4] = [
        MoneyStyle::Plain,
        MoneyStyle::Highlight,
        MoneyStyle::Total,
        MoneyStyle::Sum,
    ];
}

/// `#,##0.00` for two units; a fine value shows up to the eight places money is held to.
fn money_number_format(units: u32, fine: bool) -> String {
    let zeros = "0".repeat(units as usize);
    let hashes = if fine {
        "#".repeat((crate::money::SCALE - units) as usize)
    } else {
        String::new()
    };
    if zeros.is_empty() && hashes.is_empty() {
        "#,##0".to_string()
    } else {
        format!("#,##0.{zeros}{hashes}")
    }
}

/// How every sheet prints: landscape (every sheet is wide), fit to one page wide and as many
/// pages long as it takes, the header row repeated on each page, a page header naming the
/// report, period and run, and the sheet name with "page N of M" in the footer. Finance signs
/// off on paper or PDF.
fn page_setup(ws: &mut Worksheet, f: &Formats, header_row: bool, path: &Path) -> Result<()> {
    ws.set_landscape();
    ws.set_paper_size(f.paper);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_header(&f.page_header);
    ws.set_footer("&L&A&RPage &P of &N");
    if header_row {
        ws.set_repeat_rows(0, 0).map_err(xerr(path))?;
    }
    Ok(())
}

/// A list sheet: named, set up for printing with its header row repeated, the headers written
/// in row 0.
fn list_sheet<'w>(
    wb: &'w mut Workbook,
    name: &str,
    headers: &[&str],
    f: &Formats,
    path: &Path,
) -> Result<&'w mut Worksheet> {
    let e = xerr(path);
    let ws = wb.add_worksheet().set_name(name).map_err(&e)?;
    page_setup(ws, f, true, path)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)
            .map_err(&e)?;
    }
    Ok(ws)
}

/// Points per line of wrapped text: Excel's default row height for its default font.
const LINE_POINTS: f64 = 15.0;

/// Makes row `row` tall enough for the wrapped `texts` in it, each with the characters a line of
/// its column holds: LibreOffice does not grow a row for wrapped text when it opens the file.
fn fit_wrapped(ws: &mut Worksheet, row: u32, texts: &[(&str, usize)], path: &Path) -> Result<()> {
    let lines = texts
        .iter()
        .map(|(t, per_line)| t.chars().count().div_ceil((*per_line).max(1)))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        let lines = u32::try_from(lines).unwrap_or(u32::MAX);
        ws.set_row_height(row, LINE_POINTS * f64::from(lines))
            .map_err(xerr(path))?;
    }
    Ok(())
}

/// The page header's text: `&` starts a code in Excel headers, so text doubles it.
fn page_header(title: &str, period: &str, run: Option<&str>) -> String {
    let text = |t: &str| t.replace('&', "&&");
    let mut h = format!("&L&\"-,Bold\"{} — {}", text(title), text(period));
    if let Some(run) = run {
        h.push_str(&format!("&Rrun {}", text(run)));
    }
    h
}

fn xerr(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Excel holds numbers as doubles. A decimal of at most 15 significant digits has a nearest
/// double that Excel shows and reads back as the same decimal; that double, or `None` for a
/// longer decimal (an amount of 16 to 28 digits, which cardrecon accepts, or a month's total of
/// such amounts), which no double stands for.
pub fn excel_number(d: Decimal) -> Option<f64> {
    const DOUBLE_DIGITS: u128 = 1_000_000_000_000_000; // 10^15
    if d.normalize().mantissa().unsigned_abs() >= DOUBLE_DIGITS {
        return None;
    }
    // Rust's float parsing rounds correctly to the nearest double.
    crate::money::format(d).parse::<f64>().ok()
}

/// Writes an amount: an Excel number where one stands for it exactly ([`excel_number`]), so
/// the sheet sums it; otherwise its exact decimal text as the page shows it (separators, the
/// currency's units, finer values whole), right-aligned in the same format. No figure on a
/// sheet is ever a rounded one.
fn write_money(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: Decimal,
    currency: Option<&str>,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    match excel_number(d) {
        Some(n) => ws.write_number_with_format(row, col, n, format).map(|_| ()),
        None => {
            let text = match currency {
                Some(c) => crate::money::display(d, c).0,
                None => crate::money::format(d),
            };
            let right = format
                .clone()
                .set_align(rust_xlsxwriter::FormatAlign::Right);
            ws.write_string_with_format(row, col, text, &right)
                .map(|_| ())
        }
    }
}

/// A count as an Excel number (exact: counts stay far below 2^32 here).
fn count(n: u64) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

fn local(t: DateTime<Utc>, zone: Tz) -> chrono::NaiveDateTime {
    t.with_timezone(&zone).naive_local()
}

/// Tracks column widths from what is written (up to a sample), to fit them at the end.
struct Widths(Vec<usize>);

impl Widths {
    fn new(headers: &[&str]) -> Widths {
        Widths(headers.iter().map(|h| h.chars().count() + 2).collect())
    }
    fn see(&mut self, col: usize, chars: usize) {
        if let Some(w) = self.0.get_mut(col) {
            *w = (*w).max(chars + 2);
        }
    }
    fn apply(&self, ws: &mut Worksheet, path: &Path) -> Result<()> {
        for (c, w) in self.0.iter().enumerate() {
            ws.set_column_width(
                c as u16,
                f64::from(u16::try_from((*w).min(60)).unwrap_or(60)),
            )
            .map_err(xerr(path))?;
        }
        Ok(())
    }
}

/// A list that continues on `Name (2)`, `Name (3)`, … past the row limit.
struct SheetSeries<'h> {
    base: &'static str,
    max_rows: u32,
    headers: Vec<&'h str>,
    index: usize,
    sheet: usize,
    row: u32,
    widths: Widths,
    sampled: u32,
    /// The printed columns' widest widths (see [`result_sheet`]); `None`: all print.
    print: Option<&'static [usize]>,
}

impl<'h> SheetSeries<'h> {
    fn start(
        wb: &mut Workbook,
        base: &'static str,
        headers: Vec<&'h str>,
        f: &Formats,
        path: &Path,
    ) -> Result<SheetSeries<'h>> {
        let mut s = SheetSeries {
            base,
            max_rows: MAX_DATA_ROWS,
            widths: Widths::new(&headers),
            headers,
            index: 0,
            sheet: 0,
            row: 0,
            sampled: 0,
            print: None,
        };
        s.new_sheet(wb, f, path)?;
        Ok(s)
    }

    fn new_sheet(&mut self, wb: &mut Workbook, f: &Formats, path: &Path) -> Result<()> {
        self.index += 1;
        let name = if self.index == 1 {
            self.base.to_string()
        } else {
            format!("{} ({})", self.base, self.index)
        };
        let ws = wb
            .add_worksheet_with_constant_memory()
            .map_err(xerr(path))?;
        ws.set_name(&name).map_err(xerr(path))?;
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)
                .map_err(xerr(path))?;
        }
        ws.set_freeze_panes(1, 0).map_err(xerr(path))?;
        page_setup(ws, f, true, path)?;
        if self.print.is_some() {
            print_setup(ws, &self.headers, f, path)?;
        }
        self.sheet = wb.worksheets().len() - 1;
        self.row = 0;
        Ok(())
    }

    /// The sheet for the next data row (a new one when this one is full) and that row's index.
    fn next<'w>(
        &mut self,
        wb: &'w mut Workbook,
        f: &Formats,
        path: &Path,
    ) -> Result<(&'w mut Worksheet, u32)> {
        if self.row >= self.max_rows {
            self.finish(wb, path)?;
            self.new_sheet(wb, f, path)?;
        }
        self.row += 1;
        self.sampled += 1;
        let ws = wb.worksheet_from_index(self.sheet).map_err(xerr(path))?;
        Ok((ws, self.row))
    }

    fn sampling(&self) -> bool {
        self.sampled <= 2000
    }

    fn finish(&mut self, wb: &mut Workbook, path: &Path) -> Result<()> {
        let ws = wb.worksheet_from_index(self.sheet).map_err(xerr(path))?;
        ws.autofilter(
            0,
            0,
            self.row.max(1),
            (self.headers.len().max(1) - 1) as u16,
        )
        .map_err(xerr(path))?;
        if let Some(widths) = self.print {
            ws.set_print_area(0, 0, self.row.max(1), (widths.len() - 1) as u16)
                .map_err(xerr(path))?;
            for (w, most) in self.widths.0.iter_mut().zip(widths) {
                *w = (*w).min(*most);
            }
            // The wrapped column is as wide as its lines are long.
            if let (Some(w), Some(most)) = (self.widths.0.get_mut(widths.len() - 1), widths.last())
            {
                *w = *most;
            }
        }
        self.widths.apply(ws, path)
    }
}

/// A sheet whose printed columns were chosen to fit the page width at a legible size: narrow
/// margins (left/right 0.3 in, top/bottom 0.6 in, header/footer 0.3 in), and headers that wrap
/// in their narrow columns (two lines) instead of running under the next one.
fn print_setup(ws: &mut Worksheet, headers: &[&str], f: &Formats, path: &Path) -> Result<()> {
    ws.set_margins(0.3, 0.3, 0.6, 0.6, 0.3, 0.3);
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header_wrap)
            .map_err(xerr(path))?;
    }
    ws.set_row_height(0, 2.0 * LINE_POINTS)
        .map_err(xerr(path))?;
    Ok(())
}

/// The workbook's document properties. Its creation time is the run's start, or, for a
/// reconciliation from files (no wall clock in its outputs), the end of the period: the same
/// inputs give the same workbook, byte for byte, as they give the same CSV and JSON.
fn properties(input: &Input<'_>) -> rust_xlsxwriter::DocProperties {
    let created = input
        .info
        .run_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            crate::period::Period::parse(&input.summary.period)
                .ok()
                .map(|p| p.instants(input.zone).1)
        })
        .unwrap_or_default();
    rust_xlsxwriter::DocProperties::new()
        .set_title(format!("{} {}", layout::REPORT_TITLE, input.summary.period))
        .set_creation_datetime(&created)
}

pub fn write(path: &Path, input: &Input<'_>) -> Result<()> {
    let tmp = path.with_extension("xlsx.tmp");
    let mut wb = Workbook::new();
    wb.set_properties(&properties(input));
    let mut f = Formats::new();
    f.paper = input.paper;
    f.page_header = page_header(
        layout::REPORT_TITLE,
        &input.summary.period,
        input.info.run_id.as_deref(),
    );
    summary::summary_sheet(&mut wb, input, &f, path)?;
    // One pass over the rows for the two result sheets would need both open at once; constant
    // memory mode writes one sheet at a time, so each gets its own pass.
    result_sheet(
        &mut wb,
        input,
        &f,
        path,
        layout::DISCREPANCIES_SHEET,
        layout::DISCREPANCY_COLUMNS,
        Category::is_discrepancy,
        Some(Print {
            widths: &layout::DISCREPANCY_PRINT_WIDTHS,
            order: Some(input.discrepancy_order),
        }),
    )?;
    if let Some(view) = &input.summary.close {
        close::open_items_sheet(&mut wb, view, &f, path)?;
    }
    links::links_sheet(&mut wb, input.links, &input.summary.links, &f, path)?;
    cards::cards_sheet(&mut wb, input.cards, &input.summary.cards, &f, path)?;
    fetch::fetch_sheet(&mut wb, input.summary, &f, path)?;
    if input.lists {
        result_sheet(
            &mut wb,
            input,
            &f,
            path,
            layout::MATCHED_SHEET,
            layout::MATCHED_COLUMNS,
            |c| c == Category::Matched,
            Some(Print {
                widths: &layout::MATCHED_PRINT_WIDTHS,
                order: None,
            }),
        )?;
    }
    daily_sheet(&mut wb, input, &f, path)?;
    summary::breakdown_sheet(&mut wb, input, &f, path)?;
    if input.lists {
        frame_sheet(
            &mut wb,
            input.provider,
            layout::PROVIDER_SHEET,
            input.zone,
            &f,
            path,
        )?;
        frame_sheet(
            &mut wb,
            input.ledger,
            layout::LEDGER_SHEET,
            input.zone,
            &f,
            path,
        )?;
    }
    wb.save(&tmp).map_err(xerr(path))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// How a list of result rows prints: its first columns, each at most as wide as `widths` says
/// (the rest stay on screen, outside the print area), the last printed one wrapped; and the
/// rows in `order` (the kept rows, as [`crate::report::exposure::review_order`] orders them),
/// or the results' order.
struct Print<'o> {
    widths: &'static [usize],
    order: Option<&'o [usize]>,
}

/// A list of result rows, printed as `print` says (`None`: every column, in one page width).
#[allow(clippy::too_many_arguments)]
fn result_sheet(
    wb: &mut Workbook,
    input: &Input<'_>,
    f: &Formats,
    path: &Path,
    name: &'static str,
    columns: &[(&str, Field)],
    keep: impl Fn(Category) -> bool,
    print: Option<Print<'_>>,
) -> Result<()> {
    let review = print.as_ref().and_then(|p| p.order);
    let print = print.map(|p| p.widths);
    let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let mut series = SheetSeries::start(wb, name, headers, f, path)?;
    series.print = print;
    if print.is_some() {
        // The first sheet was set up before `print` was known.
        let ws = wb.worksheet_from_index(series.sheet).map_err(xerr(path))?;
        print_setup(ws, &series.headers, f, path)?;
    }
    let e = xerr(path);
    let order: Box<dyn Iterator<Item = usize>> = match review {
        Some(order) => Box::new(order.iter().copied()),
        None => Box::new((0..input.rows.len()).filter(|&i| keep(input.rows.category(i)))),
    };
    // A column's width counts digit-wide characters; words in a proportional font fit a little
    // more per line, less where a long id or amount cannot break.
    let wrapped = print.map(|w| (w.len() - 1, w[w.len() - 1] * 11 / 10));
    // On a printed list an id longer than its column wraps rather than being cut off by the
    // next column; ids are digits and capitals, about one to a width unit.
    // Only an id longer than its column gets the wrap format: rust_xlsxwriter hashes a cell's
    // format on every write, and most ids fit.
    let wraps_id = |field: Field, col: u16, text: &str| {
        print.is_some_and(|widths| {
            matches!(field, Field::TxId | Field::OrderId | Field::LedgerEntryId)
                && widths
                    .get(col as usize)
                    .is_some_and(|w| text.chars().count() >= *w)
        })
    };
    // The current group's match id and its tint (they alternate from group to group).
    let mut group: (Option<String>, usize) = (None, 1);
    for i in order {
        let r = input.rows.row(i);
        if r.match_size.is_some() && r.match_id != group.0 {
            group = (r.match_id.clone(), 1 - group.1);
        }
        let sampling = series.sampling();
        let (ws, row) = series.next(wb, f, path)?;
        let mut seen: Vec<(usize, usize)> = Vec::new();
        for (c, (_, field)) in columns.iter().enumerate() {
            let col = c as u16;
            let hl = highlighted(&r, *field);
            let text = |ws: &mut Worksheet, s: &Option<String>| -> Result<usize> {
                if let Some(s) = s {
                    // A plain cell needs no format; rust_xlsxwriter hashes a cell's format on
                    // every write, which was a tenth of the workbook's time.
                    if wraps_id(*field, col, s) {
                        ws.write_string_with_format(row, col, for_xlsx(s), &f.wrap)
                            .map_err(&e)?;
                    } else if hl {
                        ws.write_string_with_format(row, col, for_xlsx(s), &f.hl_text)
                            .map_err(&e)?;
                    } else {
                        ws.write_string(row, col, for_xlsx(s)).map_err(&e)?;
                    }
                    return Ok(if sampling { s.chars().count() } else { 0 });
                }
                Ok(0)
            };
            let money =
                |ws: &mut Worksheet, d: Option<Decimal>, cur: Option<&str>| -> Result<usize> {
                    if let Some(d) = d {
                        f.write_amount(ws, (row, col), d, cur, hl, false)
                            .map_err(&e)?;
                        // Widths come from a sample of rows: format only those.
                        return Ok(if sampling {
                            crate::money::format(d).len() + 3
                        } else {
                            0
                        });
                    }
                    Ok(0)
                };
            let width = match field {
                Field::Category => {
                    ws.write_string_with_format(
                        row,
                        col,
                        layout::category_label(r.category),
                        &f.categories[&r.category],
                    )
                    .map_err(&e)?;
                    layout::category_label(r.category).len()
                }
                Field::Provider => text(ws, &r.provider)?,
                Field::Kind => text(ws, &r.kind)?,
                Field::TxId => text(ws, &r.tx_id)?,
                Field::OrderId => text(ws, &r.order_id)?,
                Field::LedgerEntryId => text(ws, &r.ledger_entry_id)?,
                Field::ProviderAmount => money(ws, r.provider_amount, r.currency.as_deref())?,
                Field::LedgerAmount => money(
                    ws,
                    r.ledger_amount.map(|a| a.abs()),
                    r.ledger_currency.as_deref(),
                )?,
                Field::AmountDifference => money(ws, r.amount_difference, r.currency.as_deref())?,
                Field::Currency => text(ws, &r.currency)?,
                Field::LedgerCurrency => text(ws, &r.ledger_currency)?,
                Field::ProviderFee => money(ws, r.provider_fee, r.currency.as_deref())?,
                Field::LedgerFee => money(ws, r.ledger_fee, r.ledger_currency.as_deref())?,
                Field::ProviderStatus => text(ws, &r.provider_status)?,
                Field::LedgerStatus => text(ws, &r.ledger_status)?,
                Field::ProviderTime | Field::LedgerTime => {
                    let t = if *field == Field::ProviderTime {
                        r.provider_time
                    } else {
                        r.ledger_time
                    };
                    if let Some(t) = t {
                        ws.write_datetime_with_format(
                            row,
                            col,
                            local(t, input.zone),
                            if hl { &f.hl_datetime } else { &f.datetime },
                        )
                        .map_err(&e)?;
                    }
                    19
                }
                Field::ProviderDay | Field::LedgerDay => {
                    let d = if *field == Field::ProviderDay {
                        r.provider_day
                    } else {
                        r.ledger_day
                    };
                    if let Some(d) = d {
                        ws.write_datetime_with_format(
                            row,
                            col,
                            d,
                            if hl { &f.hl_date } else { &f.date },
                        )
                        .map_err(&e)?;
                    }
                    10
                }
                Field::Card => text(ws, &r.card)?,
                Field::Description => text(ws, &r.description)?,
                Field::Detail => {
                    if !r.detail.is_empty() {
                        match wrapped {
                            Some((c, _)) if c == col as usize => {
                                ws.write_string_with_format(row, col, for_xlsx(&r.detail), &f.wrap)
                                    .map_err(&e)?;
                            }
                            _ => {
                                ws.write_string(row, col, for_xlsx(&r.detail)).map_err(&e)?;
                            }
                        }
                    }
                    if sampling {
                        r.detail.chars().count()
                    } else {
                        0
                    }
                }
                Field::MatchId => match (&r.match_id, r.match_size) {
                    (Some(m), Some(_)) => {
                        ws.write_string_with_format(row, col, m, &f.group[group.1])
                            .map_err(&e)?;
                        m.len()
                    }
                    _ => text(ws, &r.match_id)?,
                },
                Field::ProviderSource => text(ws, &r.provider_source)?,
                Field::LedgerSource => text(ws, &r.ledger_source)?,
            };
            if sampling {
                seen.push((c, width));
            }
        }
        for (c, w) in seen {
            series.widths.see(c, w);
        }
        // The row as tall as its longest wrapped cell: LibreOffice does not grow it itself.
        if let (Some(widths), Some((detail_col, per_line))) = (print, wrapped) {
            let mut texts: Vec<(&str, usize)> = vec![(r.detail.as_str(), per_line)];
            for (c, (_, field)) in columns.iter().enumerate().take(widths.len()) {
                let id = match field {
                    Field::TxId => r.tx_id.as_deref(),
                    Field::OrderId => r.order_id.as_deref(),
                    Field::LedgerEntryId => r.ledger_entry_id.as_deref(),
                    _ => None,
                };
                if let (Some(id), true) = (id, c != detail_col) {
                    texts.push((id, widths[c].saturating_sub(1)));
                }
            }
            let ws = wb.worksheet_from_index(series.sheet).map_err(&e)?;
            fit_wrapped(ws, row, &texts, path)?;
        }
    }
    series.finish(wb, path)
}

/// Whether a field's cell shows a difference in this row.
fn highlighted(r: &ResultRow, field: Field) -> bool {
    let d = r.diffs;
    match field {
        Field::ProviderStatus | Field::LedgerStatus => d.status,
        Field::Currency | Field::LedgerCurrency => d.currency,
        Field::ProviderAmount | Field::LedgerAmount | Field::AmountDifference => d.amount,
        Field::ProviderFee | Field::LedgerFee => d.fee,
        Field::ProviderDay | Field::LedgerDay => d.timing,
        _ => false,
    }
}

/// The Daily sheet: per currency, then per accounting day, both sides' counts and amounts and
/// their difference; a day of the margin around the period is marked as such. One chart per
/// currency (amounts in different currencies do not share an axis), of the period's days only,
/// on a date axis.
fn daily_sheet(wb: &mut Workbook, input: &Input<'_>, f: &Formats, path: &Path) -> Result<()> {
    let mut rows: Vec<&super::daily::DailyRow> = input.daily.iter().collect();
    rows.sort_by(|a, b| (&a.currency, a.day).cmp(&(&b.currency, b.day)));
    let period = crate::period::Period::parse(&input.summary.period).ok();
    let in_period = |d: chrono::NaiveDate| period.is_none_or(|p| d >= p.first && d <= p.last);
    let e = xerr(path);
    let headers = [
        "Accounting day",
        "In the period",
        "Currency",
        "Provider records",
        "Provider amount",
        "Ledger entries",
        "Ledger amount",
        "Difference",
    ];
    let ws = list_sheet(wb, layout::DAILY_SHEET, &headers, f, path)?;
    // Per currency, the sheet rows of its in-period days (first, last).
    let mut ranges: Vec<(String, u32, u32)> = Vec::new();
    for (i, d) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_datetime_with_format(row, 0, d.day, &f.date)
            .map_err(&e)?;
        let inside = in_period(d.day);
        ws.write_string(row, 1, if inside { "yes" } else { "margin" })
            .map_err(&e)?;
        ws.write_string(row, 2, for_xlsx(&d.currency)).map_err(&e)?;
        ws.write_number_with_format(row, 3, count(d.provider_records), &f.integer)
            .map_err(&e)?;
        f.write_sum(ws, (row, 4), d.provider_amount, Some(&d.currency))
            .map_err(&e)?;
        ws.write_number_with_format(row, 5, count(d.ledger_entries), &f.integer)
            .map_err(&e)?;
        f.write_sum(ws, (row, 6), d.ledger_amount, Some(&d.currency))
            .map_err(&e)?;
        let diff = d.difference();
        if diff.is_zero() {
            f.write_sum(ws, (row, 7), diff, Some(&d.currency))
        } else {
            f.write_amount(ws, (row, 7), diff, Some(&d.currency), true, false)
        }
        .map_err(&e)?;
        if inside {
            match ranges.last_mut() {
                Some((cur, _, last)) if *cur == d.currency => *last = row,
                _ => ranges.push((d.currency.clone(), row, row)),
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    ws.autofilter(0, 0, (rows.len() as u32).max(1), 7)
        .map_err(&e)?;
    for (c, w) in [16.0, 13.0, 10.0, 17.0, 20.0, 15.0, 20.0, 16.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w).map_err(&e)?;
    }
    let sheet = layout::DAILY_SHEET;
    for (n, (currency, first, last)) in ranges.iter().enumerate() {
        let mut chart = Chart::new(ChartType::Column);
        let cur = super::shown_text::for_label(currency);
        chart
            .add_series()
            .set_name(&format!("Provider ({cur})"))
            .set_categories((sheet, *first, 0, *last, 0))
            .set_values((sheet, *first, 4, *last, 4));
        chart
            .add_series()
            .set_name(&format!("Ledger ({cur})"))
            .set_categories((sheet, *first, 0, *last, 0))
            .set_values((sheet, *first, 6, *last, 6));
        chart.title().set_name(&format!(
            "Daily amounts, {cur}, {}",
            for_xlsx(&input.summary.period)
        ));
        chart
            .x_axis()
            .set_name("Accounting day")
            .set_date_axis(true)
            .set_num_format("d mmm");
        chart.y_axis().set_name(cur.as_ref());
        chart.set_width(900).set_height(340);
        // Stacked down the sheet, each below the last (about 18 rows of 20 px).
        ws.insert_chart(1 + 19 * n as u32, 9, &chart).map_err(&e)?;
    }
    Ok(())
}

/// A canonical table as a sheet: strings as text, decimals as numbers, instants and days as
/// Excel dates in the business timezone.
fn frame_sheet(
    wb: &mut Workbook,
    df: &DataFrame,
    name: &'static str,
    zone: Tz,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| layout::column_words(s))
        .collect();
    let headers: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut series = SheetSeries::start(wb, name, headers, f, path)?;
    let e = xerr(path);
    let cols: Vec<&Column> = df.columns().iter().collect();
    let currency = df.column("currency").ok().and_then(|c| c.str().ok());
    for i in 0..df.height() {
        let sampling = series.sampling();
        let cur = currency.and_then(|c| c.get(i));
        let (ws, row) = series.next(wb, f, path)?;
        let mut seen = Vec::new();
        for (c, col) in cols.iter().enumerate() {
            let cc = c as u16;
            let w = match col.dtype() {
                DataType::String => match col.str()?.get(i) {
                    Some(s) => {
                        ws.write_string(row, cc, for_xlsx(s)).map_err(&e)?;
                        s.chars().count()
                    }
                    None => 0,
                },
                DataType::Decimal(_, _) => match col.decimal()?.physical().get(i) {
                    Some(units) => {
                        let d = crate::money::from_units(units);
                        f.write_amount(ws, (row, cc), d, cur, false, false)
                            .map_err(&e)?;
                        if sampling {
                            crate::money::format(d).len() + 3
                        } else {
                            0
                        }
                    }
                    None => 0,
                },
                DataType::Datetime(_, _) => {
                    if let Some(t) = col
                        .datetime()?
                        .physical()
                        .get(i)
                        .and_then(DateTime::<Utc>::from_timestamp_micros)
                    {
                        ws.write_datetime_with_format(row, cc, local(t, zone), &f.datetime)
                            .map_err(&e)?;
                    }
                    19
                }
                DataType::Date => {
                    if let Some(d) = col.date()?.physical().get(i) {
                        ws.write_datetime_with_format(
                            row,
                            cc,
                            crate::period::from_epoch_days(d),
                            &f.date,
                        )
                        .map_err(&e)?;
                    }
                    10
                }
                _ => 0,
            };
            if sampling {
                seen.push((c, w));
            }
        }
        for (c, w) in seen {
            series.widths.see(c, w);
        }
    }
    series.finish(wb, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_continue_on_numbered_sheets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("split.xlsx");
        let mut wb = Workbook::new();
        let f = Formats::new();
        let mut s = SheetSeries::start(&mut wb, "Matched", vec!["n"], &f, &path).unwrap();
        s.max_rows = 10;
        for i in 0..25u32 {
            let (ws, row) = s.next(&mut wb, &f, &path).unwrap();
            ws.write_number(row, 0, f64::from(i)).unwrap();
        }
        s.finish(&mut wb, &path).unwrap();
        wb.save(&path).unwrap();
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["Matched", "Matched (2)", "Matched (3)"]
        );
        let heights: Vec<usize> = ["Matched", "Matched (2)", "Matched (3)"]
            .iter()
            .map(|n| book.worksheet_range(n).unwrap().height())
            .collect();
        assert_eq!(heights, vec![11, 11, 6], "each with its header");
        let third = book.worksheet_range("Matched (3)").unwrap();
        assert_eq!(third.get((1, 0)), Some(&calamine::Data::Float(20.0)));
        assert_eq!(third.get((0, 0)).map(|c| c.to_string()), Some("n".into()));
    }

    /// An amount a double stands for is a number the sheet can sum; a longer one (cardrecon
    /// accepts up to 28 digits, and a month's total of 8-place amounts soon has 16) is written
    /// as its exact text instead of a rounded number.
    #[test]
    fn amounts_are_numbers_only_where_a_double_is_exact() {
        let d = |t: &str| crate::money::parse(t).unwrap();
        assert_eq!(excel_number(d("214690.50686161")), Some(214690.50686161));
        assert_eq!(excel_number(d("-0.00000001")), Some(-0.00000001));
        assert_eq!(excel_number(d("999999999999999")), Some(999999999999999.0));
        assert_eq!(
            excel_number(d("100.10000000")),
            Some(100.1),
            "trailing zeros"
        );
        assert_eq!(excel_number(d("12345678.12345678")), None);
        assert_eq!(excel_number(d("1000000000000000")), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("money.xlsx");
        let mut wb = Workbook::new();
        let f = Formats::new();
        let ws = wb.add_worksheet();
        for (row, t) in [
            "214690.50686161",
            "12345678.12345678",
            "-98765432109876543.21",
        ]
        .iter()
        .enumerate()
        {
            let a = d(t);
            f.write_amount(ws, (row as u32, 0), a, Some("USD"), false, false)
                .unwrap();
        }
        wb.save(&path).unwrap();
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let sheet = book.worksheet_range("Sheet1").unwrap();
        assert_eq!(
            sheet.get((0, 0)),
            Some(&calamine::Data::Float(214690.50686161))
        );
        assert_eq!(
            sheet.get((1, 0)),
            Some(&calamine::Data::String("12,345,678.12345678".into()))
        );
        assert_eq!(
            sheet.get((2, 0)),
            Some(&calamine::Data::String("-98,765,432,109,876,543.21".into()))
        );
    }

    #[test]
    fn money_is_shown_with_the_currencys_minor_units_and_finer_values_flagged() {
        let f = Formats::new();
        let d = |t: &str| crate::money::parse(t).unwrap();
        let plain = |fmt: &str| Format::new().set_num_format(fmt);
        let fine = |fmt: &str| {
            Format::new()
                .set_num_format(fmt)
                .set_italic()
                .set_font_color(Color::RGB(FINE_COLOUR))
        };
        assert_eq!(
            f.money_for(Some("USD"), d("120.5"), false, false),
            &plain("#,##0.00")
        );
        assert_eq!(
            f.money_for(Some("JPY"), d("1500"), false, false),
            &plain("#,##0")
        );
        assert_eq!(
            f.money_for(Some("BHD"), d("1.25"), false, false),
            &plain("#,##0.000")
        );
        assert_eq!(f.money_for(None, d("7"), false, false), &plain("#,##0.00"));
        assert_eq!(
            f.money_for(Some("USD"), d("120099.54939201"), false, false),
            &fine("#,##0.00######")
        );
        assert_eq!(
            f.money_for(Some("JPY"), d("1500.5"), false, false),
            &fine("#,##0.########")
        );
        // Highlight and total keep their own look.
        assert_eq!(
            f.money_for(Some("JPY"), d("5"), true, false),
            &Format::new()
                .set_num_format("#,##0")
                .set_background_color(Color::RGB(HIGHLIGHT))
                .set_font_color(Color::RGB(0x9C0006))
                .set_bold()
        );
        assert_eq!(
            f.money_for(Some("USD"), d("5"), false, true),
            &Format::new()
                .set_num_format("#,##0.00")
                .set_bold()
                .set_border_top(FormatBorder::Thin)
        );
    }

    #[test]
    fn the_page_header_names_period_and_run_and_escapes_ampersands() {
        assert_eq!(
            page_header("Card reconciliation", "2026-03", Some("R&D-1")),
            "&L&\"-,Bold\"Card reconciliation — 2026-03&Rrun R&&D-1"
        );
        assert_eq!(
            page_header("A & B", "2026-03", None),
            "&L&\"-,Bold\"A && B — 2026-03"
        );
    }
}
