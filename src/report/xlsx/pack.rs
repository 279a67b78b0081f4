//! `close.xlsx`, the close pack's print-ready workbook (`cardrecon close-pack`): a cover with
//! the facts of the close and the roll-forward, every decision on the period's items, the
//! items still open at its end, and every run with its manifest's SHA-256. The same pack gives
//! the same bytes: the creation time is the close's, never the wall clock.

use std::path::Path;

use rust_xlsxwriter::Workbook;

use super::close::{open_items_sheet, roll_forward_lines};
use super::{count, list_sheet, page_setup, xerr, Formats, Widths};
use crate::error::{Error, Result};
use crate::report::shown_text::for_xlsx;
use crate::results::close::ClosePack;

const DECISION_HEADERS: [&str; 12] = [
    "Item",
    "Category",
    "Provider",
    "Amount",
    "Currency",
    "State",
    "Reason",
    "Note",
    "Proposed by",
    "Approved by",
    "When",
    "Evidence (SHA-256)",
];
const RUN_HEADERS: [&str; 6] = [
    "Run",
    "Recorded at",
    "Result rows",
    "Discrepancies",
    "Inputs (SHA-256)",
    "manifest.json (SHA-256)",
];

pub fn write_close_workbook(path: &Path, pack: &ClosePack) -> Result<()> {
    let e = xerr(path);
    let mut wb = Workbook::new();
    let created = chrono::DateTime::parse_from_rfc3339(&pack.closed_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!("Close pack {}", pack.period))
            .set_creation_datetime(&created),
    );
    let mut f = Formats::new();
    f.page_header = super::page_header("Close pack", &pack.period, None);
    // The cover.
    let ws = wb.add_worksheet().set_name("Close").map_err(&e)?;
    page_setup(ws, &f, false, path)?;
    ws.write_string_with_format(0, 0, format!("Close pack — {}", pack.period), &f.title)
        .map_err(&e)?;
    let facts = [
        ("Period", pack.period.clone()),
        ("Status", "closed".to_string()),
        ("Closed by", pack.closed_by.clone()),
        ("Closed at", pack.closed_at.clone()),
        ("Note", pack.close_note.clone()),
        ("Decisions", pack.decisions.len().to_string()),
        ("Open at the end", pack.open_items.len().to_string()),
        ("Runs", pack.runs.len().to_string()),
        (
            "Final run",
            pack.runs
                .last()
                .map(|r| format!("{} ({})", r.run_id, r.recorded_at))
                .unwrap_or_else(|| "none".into()),
        ),
        ("Events in the pack", pack.events.to_string()),
        ("Chain head (last event's SHA-256)", pack.chain_head.clone()),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *k, &f.label)
            .map_err(&e)?;
        ws.write_string(row, 1, for_xlsx(v)).map_err(&e)?;
    }
    let row = 3 + facts.len() as u32;
    let last = roll_forward_lines(ws, row, &pack.roll_forward, &f, path)?;
    ws.write_string(
        last + 1,
        0,
        "The final run's roll-forward; decisions made after it are on the Decisions sheet, and count in the next period's.",
    )
    .map_err(&e)?;
    ws.set_column_width(0, 34).map_err(&e)?;
    // Wide enough for a month's total in any currency (a number too wide shows `###`).
    for c in 1..=16 {
        ws.set_column_width(c, 15).map_err(&e)?;
    }
    // Every decision.
    let ws = list_sheet(&mut wb, "Decisions", &DECISION_HEADERS, &f, path)?;
    let mut widths = Widths::new(&DECISION_HEADERS);
    for (i, d) in pack.decisions.iter().enumerate() {
        let row = 1 + i as u32;
        let texts = [
            (0u16, &d.item_id),
            (1, &d.category),
            (2, &d.provider),
            (4, &d.currency),
            (5, &d.state),
            (6, &d.reason),
            (7, &d.note),
            (8, &d.proposed_by),
            (9, &d.approved_by),
            (10, &d.at),
            (11, &d.evidence),
        ];
        for (c, v) in texts {
            ws.write_string(row, c, for_xlsx(v)).map_err(&e)?;
            widths.see(c as usize, v.chars().count().min(40));
        }
        if let Some(a) = d.amount {
            f.write_amount(ws, (row, 3), a, Some(&d.currency), false, false)
                .map_err(&e)?;
            widths.see(3, crate::money::format(a).len() + 2);
        }
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    widths.apply(ws, path)?;
    // What stayed open.
    open_items_sheet(&mut wb, &pack.open_items, &f, path)?;
    // Every run.
    let ws = list_sheet(&mut wb, "Runs", &RUN_HEADERS, &f, path)?;
    let mut widths = Widths::new(&RUN_HEADERS);
    for (i, r) in pack.runs.iter().enumerate() {
        let row = 1 + i as u32;
        for (c, v) in [
            (0u16, &r.run_id),
            (1, &r.recorded_at),
            (4, &r.inputs_sha256),
            (5, &r.manifest_sha256),
        ] {
            ws.write_string(row, c, for_xlsx(v)).map_err(&e)?;
            widths.see(c as usize, v.chars().count());
        }
        ws.write_number_with_format(row, 2, count(r.result_rows), &f.integer)
            .map_err(&e)?;
        ws.write_number_with_format(row, 3, count(r.discrepancies), &f.integer)
            .map_err(&e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    widths.apply(ws, path)?;
    let tmp = path.with_extension("xlsx.tmp");
    wb.save(&tmp).map_err(&e)?;
    std::fs::rename(&tmp, path).map_err(|err| Error::io(path, err))
}
