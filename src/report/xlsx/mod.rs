//! `report.xlsx`: the workbook that goes to accounting, in narrated steps.
//!
//! 1. **Summary** ([`summary`]): one printed page, the headline, a category × provider grid of
//!    counts with the amount at stake per currency, the roll-forward, the run's facts.
//! 2. **Discrepancies**: provider and ledger side by side, the differing cells highlighted, the
//!    category as a coloured label, the difference in words. With summary journals, then
//!    **Summaries**: each line with the records it covers under it.
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

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_xlsxwriter::{Workbook, XlsxError};

mod cards;
mod close;
mod daily;
mod fetch;
mod formats;
mod frame;
mod links;
mod pack;
mod page;
mod result_list;
mod series;
mod summary;

// What the sheets' files share, named here so each finds it as `super::…`.
use daily::daily_sheet;
pub use formats::excel_number;
use formats::{write_money, Formats};
use frame::frame_sheet;
pub use pack::write_close_workbook;
use page::{fit_wrapped, list_sheet, page_header, page_setup, print_setup, LINE_POINTS};
use result_list::{result_sheet, Print};
use series::{SheetSeries, Widths};

use super::layout;
use super::summary::Summary;
use super::ResultRows;
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

fn xerr(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    }
}

/// A count as an Excel number (exact: counts stay far below 2^32 here).
fn count(n: u64) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

fn local(t: DateTime<Utc>, zone: Tz) -> chrono::NaiveDateTime {
    t.with_timezone(&zone).naive_local()
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

/// Writes the workbook to a temporary name, then into place.
///
/// rust_xlsxwriter writes each sheet through a temporary file and panics when a write to it
/// fails ("Couldn't write to xml file": a full disk, a file size limit). That is an error of
/// this output here, naming the workbook, not a crash of the run with the other outputs
/// half-written.
pub fn write(path: &Path, input: &Input<'_>) -> Result<()> {
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sheets(path, input)));
    written.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("the workbook writer stopped");
        let _ = std::fs::remove_file(path.with_extension("xlsx.tmp"));
        Err(crate::error::Error::Output {
            path: path.to_path_buf(),
            message: format!("the workbook could not be written: {why}"),
            cause: None,
        })
    })
}

fn sheets(path: &Path, input: &Input<'_>) -> Result<()> {
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
    // The summary journals: each line with its records under it (in the results' order).
    if input.rows.has_summaries() {
        result_sheet(
            &mut wb,
            input,
            &f,
            path,
            layout::SUMMARIES_SHEET,
            layout::SUMMARIES_COLUMNS,
            Category::is_summary,
            Some(Print {
                widths: &layout::SUMMARIES_PRINT_WIDTHS,
                order: None,
            }),
        )?;
    }
    if let Some(view) = &input.summary.close {
        close::open_items_sheet(&mut wb, &view.open_items, &f, path)?;
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

#[cfg(test)]
mod tests {
    use super::formats::{FINE_COLOUR, HIGHLIGHT};
    use super::*;
    use rust_xlsxwriter::{Color, Format, FormatBorder};

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
