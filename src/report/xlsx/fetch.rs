//! The Fetch sheet: the run's fetch evidence (see [`crate::report::fetch`]) in three tables,
//! one under the other: per provider (requests, pages, checks, and how completeness was
//! established), per window (the API's total against the records kept), and per provider,
//! accounting day and currency (records and their sum). A run reconciled offline says it has
//! no fetch evidence.

use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet};

use super::{count, fit_wrapped, page_setup, xerr, Formats, Widths};
use crate::error::Result;
use crate::report::layout;
use crate::report::shown_text::for_xlsx;
use crate::report::summary::Summary;

const PROVIDER_HEADERS: [&str; 13] = [
    "Provider",
    "Requests",
    "Retries",
    "Pages",
    "Pages from archive",
    "Token refreshes",
    "Records kept",
    "Identical repeats dropped",
    "Windows",
    "Windows checked against a total",
    "Passes",
    "Windows re-read",
    "How completeness was established",
];

const WINDOW_HEADERS: [&str; 10] = [
    "Provider",
    "Window",
    "From (UTC)",
    "To (UTC)",
    "API total",
    "Records kept",
    "Pages",
    "Full reads",
    "Repeats dropped",
    "Agrees",
];

const DAY_HEADERS: [&str; 5] = [
    "Provider",
    "Accounting day",
    "Currency",
    "Records",
    "Amount",
];

/// The From cell of a window that is not a time range.
const WHOLE_LIST: &str = "whole list";

pub(super) fn fetch_sheet(wb: &mut Workbook, s: &Summary, f: &Formats, path: &Path) -> Result<()> {
    let e = xerr(path);
    let ws = wb
        .add_worksheet()
        .set_name(layout::FETCH_SHEET)
        .map_err(&e)?;
    page_setup(ws, f, false, path)?;
    let mut widths = Widths::new(&PROVIDER_HEADERS);
    ws.write_string_with_format(0, 0, "Fetch completeness", &f.title)
        .map_err(&e)?;
    if let Some(note) = s.fetch_evidence.missing_note() {
        ws.write_string(1, 0, for_xlsx(&note)).map_err(&e)?;
        return widths.apply(ws, path);
    }
    let mut row = 2u32;
    ws.write_string_with_format(row, 0, "Per provider", &f.label)
        .map_err(&e)?;
    row += 1;
    headers(ws, row, &PROVIDER_HEADERS, f, &mut widths, path)?;
    for p in &s.fetch {
        row += 1;
        ws.write_string(row, 0, for_xlsx(&p.provider)).map_err(&e)?;
        let numbers = [
            p.requests,
            p.retries,
            p.pages,
            p.pages_from_archive,
            p.token_refreshes,
            p.records,
            p.identical_repeats_dropped,
            p.windows,
            p.completeness_checks,
            p.passes,
            p.windows_reread,
        ];
        for (c, n) in numbers.into_iter().enumerate() {
            ws.write_number_with_format(row, c as u16 + 1, count(n), &f.integer)
                .map_err(&e)?;
        }
        ws.write_string_with_format(row, 12, &p.completeness, &f.wrap)
            .map_err(&e)?;
        widths.see(12, 60);
        fit_wrapped(ws, row, &[(&p.completeness, 48)], path)?;
    }
    row += 2;
    ws.write_string_with_format(
        row,
        0,
        "Per window: the API's total against the records kept",
        &f.label,
    )
    .map_err(&e)?;
    row += 1;
    headers(ws, row, &WINDOW_HEADERS, f, &mut widths, path)?;
    for p in &s.fetch {
        for w in &p.window_checks {
            row += 1;
            // A query that is not a time range (a card list) reads "whole list".
            let from = w.from.as_deref().unwrap_or(WHOLE_LIST);
            let to = w.to.as_deref().unwrap_or("");
            for (c, t) in [
                (0u16, p.provider.as_str()),
                (1, &w.window),
                (2, from),
                (3, to),
            ] {
                ws.write_string(row, c, for_xlsx(t)).map_err(&e)?;
                widths.see(c as usize, t.chars().count().min(50));
            }
            let agrees = match w.total {
                Some(t) => {
                    ws.write_number_with_format(row, 4, count(t), &f.integer)
                        .map_err(&e)?;
                    if t == w.fetched {
                        "yes"
                    } else {
                        "NO"
                    }
                }
                None => {
                    ws.write_string(row, 4, "none sent").map_err(&e)?;
                    "no total: re-read until unchanged"
                }
            };
            for (c, n) in [
                (5u16, w.fetched),
                (6, w.pages),
                (7, w.reads),
                (8, w.repeats_dropped),
            ] {
                ws.write_number_with_format(row, c, count(n), &f.integer)
                    .map_err(&e)?;
            }
            ws.write_string(row, 9, agrees).map_err(&e)?;
            widths.see(9, agrees.len());
        }
    }
    row += 2;
    ws.write_string_with_format(
        row,
        0,
        "Per provider, accounting day and currency: what was fetched",
        &f.label,
    )
    .map_err(&e)?;
    row += 1;
    headers(ws, row, &DAY_HEADERS, f, &mut widths, path)?;
    for d in &s.fetched_by_day {
        row += 1;
        for (c, t) in [(0u16, &d.provider), (2, &d.currency)] {
            ws.write_string(row, c, for_xlsx(t)).map_err(&e)?;
        }
        match d.day.parse::<chrono::NaiveDate>() {
            Ok(day) => ws.write_datetime_with_format(row, 1, day, &f.date),
            Err(_) => ws.write_string(row, 1, for_xlsx(&d.day)),
        }
        .map_err(&e)?;
        ws.write_number_with_format(row, 3, count(d.records), &f.integer)
            .map_err(&e)?;
        f.write_sum(ws, (row, 4), d.amount, Some(&d.currency))
            .map_err(&e)?;
        widths.see(4, d.amount.to_string().len());
    }
    widths.apply(ws, path)
}

fn headers(
    ws: &mut Worksheet,
    row: u32,
    names: &[&str],
    f: &Formats,
    widths: &mut Widths,
    path: &Path,
) -> Result<()> {
    // Three tables share the columns: a header wraps inside its own column (two lines at the
    // most), so each number stands under its own header on screen and on paper.
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header_wrap)
            .map_err(xerr(path))?;
        widths.see(c, h.chars().count().min(14));
    }
    ws.set_row_height(row, 2.0 * super::LINE_POINTS)
        .map_err(xerr(path))?;
    Ok(())
}
