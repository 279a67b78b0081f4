//! The Cards sheet: the card roll-forward (see [`crate::cards`]), a row per card of the run's
//! card lists, after Links. Written even without a card list, saying what was checked.

use std::path::Path;

use rust_xlsxwriter::Workbook;

use super::{fit_wrapped, list_sheet, xerr, Formats, Widths};
use crate::cards::{CardRow, CardStats};
use crate::error::Result;
use crate::report::cards::{texts, AMOUNT_COLUMNS};
use crate::report::layout;
use crate::report::shown_text::for_xlsx;

pub(super) fn cards_sheet(
    wb: &mut Workbook,
    rows: &[CardRow],
    stats: &CardStats,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let e = xerr(path);
    let headers = layout::CARD_HEADERS;
    let ws = list_sheet(wb, layout::CARDS_SHEET, &headers, f, path)?;
    let mut widths = Widths::new(&headers);
    let mut row = 0u32;
    for r in rows {
        row += 1;
        let t = texts(r);
        let amounts = [
            r.previous.as_ref().map(|p| p.1),
            r.previous.as_ref().map(|_| r.movements.recharges),
            r.previous.as_ref().map(|_| r.movements.refunds),
            r.previous.as_ref().map(|_| r.movements.consumption),
            r.previous.as_ref().map(|_| r.movements.fees),
            r.previous.as_ref().map(|_| r.movements.withdrawals),
            r.previous.as_ref().map(|_| r.movements.closures),
            r.expected,
            r.balance,
            r.difference,
        ];
        for (c, text) in t.iter().enumerate() {
            let col = c as u16;
            if let Some(k) = AMOUNT_COLUMNS.iter().position(|&a| a == c) {
                if let Some(a) = amounts[k] {
                    let hl = c == 15 && !a.is_zero();
                    f.write_amount(ws, (row, col), a, Some(&r.currency), hl, false)
                        .map_err(&e)?;
                    widths.see(c, text.len());
                }
            } else if c == 0 {
                match r.finding {
                    Some(finding) => {
                        ws.write_string_with_format(row, col, finding.label(), &f.hl_text)
                            .map_err(&e)?;
                        widths.see(c, finding.label().len());
                    }
                    None => {
                        ws.write_string(row, col, "ok").map_err(&e)?;
                    }
                }
            } else if c == 4 {
                if let Some(status) = r.status {
                    let words = crate::cards::status_words(status);
                    ws.write_string(row, col, &words).map_err(&e)?;
                    widths.see(c, words.len());
                }
            } else if c == 16 && !text.is_empty() {
                // The words: wrapped in a column of readable width.
                ws.write_string_with_format(row, col, for_xlsx(text), &f.wrap)
                    .map_err(&e)?;
                widths.see(c, text.chars().count().min(70));
                fit_wrapped(ws, row, &[(text, 56)], path)?;
            } else if !text.is_empty() {
                ws.write_string(row, col, for_xlsx(text)).map_err(&e)?;
                widths.see(c, text.chars().count().min(60));
            }
        }
    }
    row += 1;
    ws.write_string(row + 1, 0, format!("Checked: {}.", stats.note))
        .map_err(&e)?;
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    ws.autofilter(0, 0, (row - 1).max(1), (headers.len() - 1) as u16)
        .map_err(&e)?;
    widths.apply(ws, path)
}
