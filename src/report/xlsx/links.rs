//! The Links sheet: the links check's findings (see [`crate::links`]), one row each, after
//! Discrepancies (and Open items). Written even when empty, saying so, so a reader knows the
//! check ran.

use std::path::Path;

use rust_xlsxwriter::Workbook;

use super::{fit_wrapped, list_sheet, xerr, Formats, Widths};
use crate::error::Result;
use crate::links::{Finding, LinkStats};
use crate::report::layout;
use crate::report::links::texts;
use crate::report::shown_text::for_xlsx;

pub(super) fn links_sheet(
    wb: &mut Workbook,
    findings: &[Finding],
    stats: &LinkStats,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let e = xerr(path);
    let headers = layout::LINK_HEADERS;
    let ws = list_sheet(wb, layout::LINKS_SHEET, &headers, f, path)?;
    let mut widths = Widths::new(&headers);
    let mut row = 0u32;
    for finding in findings {
        row += 1;
        let t = texts(finding);
        fit_wrapped(ws, row, &[(&t[13], 32), (&t[14], 56)], path)?;
        for (c, text) in t.iter().enumerate() {
            let col = c as u16;
            match c {
                0 => {
                    let label = layout::finding_label(finding.finding);
                    ws.write_string_with_format(row, col, label, &f.hl_text)
                        .map_err(&e)?;
                    widths.see(c, label.len());
                }
                5 => {
                    f.write_amount(
                        ws,
                        (row, col),
                        finding.amount,
                        Some(&finding.currency),
                        false,
                        false,
                    )
                    .map_err(&e)?;
                    widths.see(c, text.len());
                }
                10 => {
                    if let Some(o) = &finding.original {
                        f.write_amount(ws, (row, col), o.amount, Some(&o.currency), false, false)
                            .map_err(&e)?;
                        widths.see(c, text.len());
                    }
                }
                // The refunds list and the words: wrapped in a column of readable width.
                13 | 14 if !text.is_empty() => {
                    ws.write_string_with_format(row, col, for_xlsx(text), &f.wrap)
                        .map_err(&e)?;
                    widths.see(c, text.chars().count().min(if c == 14 { 70 } else { 40 }));
                }
                // The accounting day: a date, as on every other sheet.
                7 if text.parse::<chrono::NaiveDate>().is_ok() => {
                    if let Ok(day) = text.parse::<chrono::NaiveDate>() {
                        ws.write_datetime_with_format(row, col, day, &f.date)
                            .map_err(&e)?;
                    }
                    widths.see(c, 10);
                }
                _ if !text.is_empty() => {
                    ws.write_string(row, col, for_xlsx(text)).map_err(&e)?;
                    widths.see(c, text.chars().count().min(40));
                }
                _ => {}
            }
        }
    }
    if !stats.checked {
        row += 1;
        ws.write_string(
            row,
            0,
            "Not checked: the links check is off in this run's configuration ([matching] links = false).",
        )
        .map_err(&e)?;
    } else if findings.is_empty() {
        row += 1;
        let note = format!(
            "No findings: {} refunds and {} fees of the period were checked; each names an original that was found, and no original is refunded above its amount.",
            stats.refunds_checked, stats.fees_checked
        );
        ws.write_string(row, 0, note).map_err(&e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    ws.autofilter(0, 0, row.max(1), (headers.len() - 1) as u16)
        .map_err(&e)?;
    widths.apply(ws, path)
}
