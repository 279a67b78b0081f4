//! The Daily sheet: per currency and accounting day, both sides and their difference, with one
//! chart per currency.

use std::path::Path;

use rust_xlsxwriter::{Chart, ChartType, Workbook};

use super::{count, list_sheet, xerr, Formats, Input};
use crate::error::Result;
use crate::report::layout;
use crate::report::shown_text::for_xlsx;

/// The Daily sheet: per currency, then per accounting day, both sides' counts and amounts and
/// their difference; a day of the margin around the period is marked as such. One chart per
/// currency (amounts in different currencies do not share an axis), of the period's days only,
/// on a date axis.
pub(super) fn daily_sheet(
    wb: &mut Workbook,
    input: &Input<'_>,
    f: &Formats,
    path: &Path,
) -> Result<()> {
    let mut rows: Vec<&crate::report::daily::DailyRow> = input.daily.iter().collect();
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
        let cur = crate::report::shown_text::for_label(currency);
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
