//! A canonical table (Provider records, Ledger entries) as a sheet.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_xlsxwriter::Workbook;

use super::{local, xerr, Formats, SheetSeries};
use crate::error::Result;
use crate::report::layout;
use crate::report::shown_text::for_xlsx;

/// A canonical table as a sheet: strings as text, decimals as numbers, instants and days as
/// Excel dates in the business timezone.
pub(super) fn frame_sheet(
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
