//! How sheets print: page setup, the page header, wrapped rows LibreOffice does not grow by
//! itself, and the narrow layout of a sheet whose printed columns were chosen for the page.

use std::path::Path;

use rust_xlsxwriter::{Workbook, Worksheet};

use super::{xerr, Formats};
use crate::error::Result;

/// How every sheet prints: landscape (every sheet is wide), fit to one page wide and as many
/// pages long as it takes, the header row repeated on each page, a page header naming the
/// report, period and run, and the sheet name with "page N of M" in the footer. Finance signs
/// off on paper or PDF.
pub(super) fn page_setup(
    ws: &mut Worksheet,
    f: &Formats,
    header_row: bool,
    path: &Path,
) -> Result<()> {
    ws.set_landscape();
    ws.set_paper_size(f.paper);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_header(&f.page_header);
    ws.set_footer("&L&A&RPage &P of &N");
    if header_row {
        ws.set_repeat_rows(0, 0).map_err(xerr(path))?;
    }
    Ok(())
}

/// A list sheet: named, set up for printing with its header row repeated, the headers written
/// in row 0.
pub(super) fn list_sheet<'w>(
    wb: &'w mut Workbook,
    name: &str,
    headers: &[&str],
    f: &Formats,
    path: &Path,
) -> Result<&'w mut Worksheet> {
    let e = xerr(path);
    let ws = wb.add_worksheet().set_name(name).map_err(&e)?;
    page_setup(ws, f, true, path)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)
            .map_err(&e)?;
    }
    Ok(ws)
}

/// Points per line of wrapped text: Excel's default row height for its default font.
pub(super) const LINE_POINTS: f64 = 15.0;

/// Makes row `row` tall enough for the wrapped `texts` in it, each with the characters a line of
/// its column holds: LibreOffice does not grow a row for wrapped text when it opens the file.
pub(super) fn fit_wrapped(
    ws: &mut Worksheet,
    row: u32,
    texts: &[(&str, usize)],
    path: &Path,
) -> Result<()> {
    let lines = texts
        .iter()
        .map(|(t, per_line)| t.chars().count().div_ceil((*per_line).max(1)))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        let lines = u32::try_from(lines).unwrap_or(u32::MAX);
        ws.set_row_height(row, LINE_POINTS * f64::from(lines))
            .map_err(xerr(path))?;
    }
    Ok(())
}

/// The page header's text: `&` starts a code in Excel headers, so text doubles it.
pub(super) fn page_header(title: &str, period: &str, run: Option<&str>) -> String {
    let text = |t: &str| t.replace('&', "&&");
    let mut h = format!("&L&\"-,Bold\"{} — {}", text(title), text(period));
    if let Some(run) = run {
        h.push_str(&format!("&Rrun {}", text(run)));
    }
    h
}

/// A sheet whose printed columns were chosen to fit the page width at a legible size: narrow
/// margins (left/right 0.3 in, top/bottom 0.6 in, header/footer 0.3 in), and headers that wrap
/// in their narrow columns (two lines) instead of running under the next one.
pub(super) fn print_setup(
    ws: &mut Worksheet,
    headers: &[&str],
    f: &Formats,
    path: &Path,
) -> Result<()> {
    ws.set_margins(0.3, 0.3, 0.6, 0.6, 0.3, 0.3);
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header_wrap)
            .map_err(xerr(path))?;
    }
    ws.set_row_height(0, 2.0 * LINE_POINTS)
        .map_err(xerr(path))?;
    Ok(())
}
