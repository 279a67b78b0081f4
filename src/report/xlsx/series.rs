//! Long lists: column widths fitted from a sample of what is written, and a sheet that
//! continues on `Name (2)`, `Name (3)`, … past Excel's row limit, in constant-memory mode.

use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet};

use super::{page_setup, print_setup, xerr, Formats, MAX_DATA_ROWS};
use crate::error::Result;

/// Tracks column widths from what is written (up to a sample), to fit them at the end.
pub(super) struct Widths(pub(super) Vec<usize>);

impl Widths {
    pub(super) fn new(headers: &[&str]) -> Widths {
        Widths(headers.iter().map(|h| h.chars().count() + 2).collect())
    }
    pub(super) fn see(&mut self, col: usize, chars: usize) {
        if let Some(w) = self.0.get_mut(col) {
            *w = (*w).max(chars + 2);
        }
    }
    pub(super) fn apply(&self, ws: &mut Worksheet, path: &Path) -> Result<()> {
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
pub(super) struct SheetSeries<'h> {
    pub(super) base: &'static str,
    pub(super) max_rows: u32,
    pub(super) headers: Vec<&'h str>,
    pub(super) index: usize,
    pub(super) sheet: usize,
    pub(super) row: u32,
    pub(super) widths: Widths,
    pub(super) sampled: u32,
    /// The printed columns' widest widths (see [`result_sheet`]); `None`: all print.
    pub(super) print: Option<&'static [usize]>,
}

impl<'h> SheetSeries<'h> {
    pub(super) fn start(
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

    pub(super) fn new_sheet(&mut self, wb: &mut Workbook, f: &Formats, path: &Path) -> Result<()> {
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
    pub(super) fn next<'w>(
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

    pub(super) fn sampling(&self) -> bool {
        self.sampled <= 2000
    }

    pub(super) fn finish(&mut self, wb: &mut Workbook, path: &Path) -> Result<()> {
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
