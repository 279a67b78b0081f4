//! The store's part of the workbook: the roll-forward on the Summary sheet and the Open items
//! sheet (every item still open at the end of the period, from any period, with its age).

use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet};

use super::{count, list_sheet, xerr, Formats, Widths};
use crate::error::Result;
use crate::report::close::{CloseView, Tally};
use crate::report::layout;
use crate::report::shown_text::for_xlsx;

/// Writes the roll-forward at `row` of the Summary sheet; returns the next free row.
pub(super) fn roll_forward(
    ws: &mut Worksheet,
    row: u32,
    view: &CloseView,
    f: &Formats,
    path: &Path,
) -> Result<u32> {
    let e = xerr(path);
    let mut row = roll_forward_lines(ws, row, &view.roll_forward, f, path)?;
    row += 1;
    ws.write_string(
        row,
        0,
        for_xlsx(&format!(
            "Store {}: this run opened {} items, saw {} again, cleared {}, resolved {}, reopened {}; {} rows clear an earlier item",
            view.store,
            view.new_items,
            view.seen_again,
            view.cleared,
            view.resolved,
            view.reopened,
            view.cleared_prior_rows
        )),
    )
    .map_err(&e)?;
    if !view.decisions.is_empty() {
        row += 2;
        ws.write_string_with_format(
            row,
            0,
            "Decisions counted in this roll-forward (made after the report the period opened from)",
            &f.label,
        )
        .map_err(&e)?;
        row += 1;
        for (c, h) in layout::DECISION_COLUMNS.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &f.header)
                .map_err(&e)?;
        }
        for d in &view.decisions {
            row += 1;
            for (c, v) in [
                (0u16, &d.item_id),
                (1, &d.period),
                (2, &d.provider),
                (3, &d.movement),
                (5, &d.currency),
                (6, &d.reason),
                (7, &d.by),
                (8, &d.at),
            ] {
                ws.write_string(row, c, for_xlsx(v)).map_err(&e)?;
            }
            if let Some(a) = d.amount {
                f.write_amount(ws, (row, 4), a, Some(&d.currency), false, false)
                    .map_err(&e)?;
            }
        }
    }
    Ok(row + 2)
}

/// The Open items sheet.
pub(super) fn open_items_sheet(
    wb: &mut Workbook,
    open_items: &[crate::results::close::OpenItem],
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let e = xerr(path);
    let headers: Vec<&str> = layout::OPEN_ITEM_COLUMNS.to_vec();
    let ws = list_sheet(wb, layout::OPEN_ITEMS_SHEET, &headers, f, path)?;
    let mut widths = Widths::new(&headers);
    let mut row = 0u32;
    for i in open_items {
        row += 1;
        let texts = [
            (0u16, &i.item_id),
            (1, &i.period),
            (3, &i.provider),
            (4, &i.kind),
            (5, &i.tx_id),
            (6, &i.order_id),
            (7, &i.ledger_entry_id),
            (12, &i.currency),
            (14, &i.age_bucket),
            (15, &i.last_event),
        ];
        for (c, v) in texts {
            ws.write_string(row, c, for_xlsx(v)).map_err(&e)?;
            widths.see(c as usize, v.chars().count());
        }
        let category = crate::matching::Category::parse(&i.category);
        match category {
            Some(c) => ws
                .write_string_with_format(row, 2, layout::category_label(c), &f.categories[&c])
                .map_err(&e)?,
            None => ws.write_string(row, 2, for_xlsx(&i.category)).map_err(&e)?,
        };
        widths.see(2, i.category.len());
        let amounts = [
            (8u16, i.provider_amount),
            (9, i.ledger_amount),
            (10, i.amount_difference),
            (11, i.at_stake),
        ];
        for (c, a) in amounts {
            if let Some(a) = a {
                f.write_amount(ws, (row, c), a, Some(&i.currency), false, false)
                    .map_err(&e)?;
                widths.see(c as usize, a.to_string().len() + 2);
            }
        }
        // Ages are whole days, never negative (`store::item::age`): a count like the others.
        if let Some(d) = i.age_days.and_then(|d| u64::try_from(d).ok()) {
            ws.write_number_with_format(row, 13, count(d), &f.integer)
                .map_err(&e)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    ws.autofilter(0, 0, row.max(1), (headers.len() - 1) as u16)
        .map_err(&e)?;
    widths.apply(ws, path)
}

/// The roll-forward's title, headers and lines at `row` (of the Summary sheet or the close
/// pack's cover); returns the row of its last line.
pub(super) fn roll_forward_lines(
    ws: &mut Worksheet,
    mut row: u32,
    lines: &[crate::results::close::RollLine],
    f: &Formats,
    path: &Path,
) -> Result<u32> {
    let e = xerr(path);
    ws.write_string_with_format(
        row,
        0,
        "Roll-forward: open at start + new + reopened − cleared − resolved − accepted = open at end",
        &f.label,
    )
    .map_err(&e)?;
    row += 1;
    for (c, h) in layout::ROLL_FORWARD_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)
            .map_err(&e)?;
    }
    for l in lines {
        row += 1;
        ws.write_string(row, 0, for_xlsx(&l.provider)).map_err(&e)?;
        ws.write_string(row, 1, for_xlsx(&l.currency)).map_err(&e)?;
        let tallies: [Tally; 7] = l.tallies();
        for (k, t) in tallies.iter().enumerate() {
            let c = 2 + 2 * k as u16;
            ws.write_number_with_format(row, c, count(t.count), &f.integer)
                .map_err(&e)?;
            f.write_sum(ws, (row, c + 1), t.amount, Some(&l.currency))
                .map_err(&e)?;
        }
        ws.write_string(row, 16, if l.balances { "yes" } else { "NO" })
            .map_err(&e)?;
    }
    Ok(row)
}
