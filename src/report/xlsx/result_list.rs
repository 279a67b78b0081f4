//! The lists of result rows: Discrepancies (in review order, its printed columns chosen for
//! the page) and Matched, both sides of each row side by side, the differing cells highlighted.

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Workbook, Worksheet};

use super::{fit_wrapped, local, print_setup, xerr, Formats, Input, SheetSeries};
use crate::error::Result;
use crate::matching::Category;
use crate::report::layout::{self, Field};
use crate::report::shown_text::for_xlsx;
use crate::report::{ResultRow, ResultRows};
use crate::results::PART_ROWS;

/// How a list of result rows prints: its first columns, each at most as wide as `widths` says
/// (the rest stay on screen, outside the print area), the last printed one wrapped; and the
/// rows in `order` (the kept rows, as [`crate::report::exposure::review_order`] orders them),
/// or the results' order.
pub(super) struct Print<'o> {
    pub(super) widths: &'static [usize],
    pub(super) order: Option<&'o [usize]>,
}

/// A list of result rows, printed as `print` says (`None`: every column, in one page width).
#[allow(clippy::too_many_arguments)]
pub(super) fn result_sheet(
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
    // The review order as given (not copied), or the kept rows in the results' order.
    let order: std::borrow::Cow<'_, [usize]> = match review {
        Some(order) => order.into(),
        None => (0..input.rows.len())
            .filter(|&i| keep(input.rows.category(i)))
            .collect::<Vec<usize>>()
            .into(),
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
    // A part of the rows at a time, its columns gathered together (`ResultRows::gather`).
    for positions in order.chunks(PART_ROWS) {
        let part = input.rows.gather(positions)?;
        let rows = ResultRows::new(&part)?;
        for i in 0..rows.len() {
            let r = rows.borrowed(i);
            if r.match_size.is_some() && r.match_id != group.0.as_deref() {
                group = (r.match_id.map(str::to_string), 1 - group.1);
            }
            let sampling = series.sampling();
            let (ws, row) = series.next(wb, f, path)?;
            let mut seen: Vec<(usize, usize)> = Vec::new();
            for (c, (_, field)) in columns.iter().enumerate() {
                let col = c as u16;
                let hl = highlighted(&r, *field);
                let text = |ws: &mut Worksheet, s: Option<&str>| -> Result<usize> {
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
                    Field::Provider => text(ws, r.provider)?,
                    Field::Kind => text(ws, r.kind)?,
                    Field::TxId => text(ws, r.tx_id)?,
                    Field::OrderId => text(ws, r.order_id)?,
                    Field::LedgerEntryId => text(ws, r.ledger_entry_id)?,
                    Field::ProviderAmount => money(ws, r.provider_amount, r.currency)?,
                    Field::LedgerAmount => {
                        money(ws, r.ledger_amount.map(|a| a.abs()), r.ledger_currency)?
                    }
                    Field::AmountDifference => money(ws, r.amount_difference, r.currency)?,
                    Field::Currency => text(ws, r.currency)?,
                    Field::LedgerCurrency => text(ws, r.ledger_currency)?,
                    Field::ProviderFee => money(ws, r.provider_fee, r.currency)?,
                    Field::LedgerFee => money(ws, r.ledger_fee, r.ledger_currency)?,
                    Field::ProviderStatus => text(ws, r.provider_status)?,
                    Field::LedgerStatus => text(ws, r.ledger_status)?,
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
                    Field::Card => text(ws, r.card)?,
                    Field::Description => text(ws, r.description)?,
                    Field::Detail => {
                        if !r.detail.is_empty() {
                            match wrapped {
                                Some((c, _)) if c == col as usize => {
                                    ws.write_string_with_format(
                                        row,
                                        col,
                                        for_xlsx(&r.detail),
                                        &f.wrap,
                                    )
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
                    Field::MatchId => match (r.match_id, r.match_size) {
                        (Some(m), Some(_)) => {
                            ws.write_string_with_format(row, col, m, &f.group[group.1])
                                .map_err(&e)?;
                            m.len()
                        }
                        _ => text(ws, r.match_id)?,
                    },
                    Field::ProviderSource => text(ws, r.provider_source)?,
                    Field::LedgerSource => text(ws, r.ledger_source)?,
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
                        Field::TxId => r.tx_id,
                        Field::OrderId => r.order_id,
                        Field::LedgerEntryId => r.ledger_entry_id,
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
    }
    series.finish(wb, path)
}

/// Whether a field's cell shows a difference in this row.
fn highlighted<S>(r: &ResultRow<S>, field: Field) -> bool {
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
