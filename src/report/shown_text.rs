//! Text as the workbook and the page can show it.
//!
//! Provider and ledger text has no length limit: an id, a merchant name or a free-text field
//! from either side may be any length. An Excel cell holds at most 32,767 characters (counted in
//! UTF-16 units, as Excel and rust_xlsxwriter count them), and a page row with 100,000
//! characters is unreadable. No single value may stop a month's run, so the workbook and the
//! page shorten such text here, with a visible marker that says how long it was and where it is
//! whole: the CSV and Parquet outputs, which carry every value as read.

use std::borrow::Cow;

/// Excel's limit on one cell's text, in UTF-16 units.
pub const XLSX_CELL_LIMIT: usize = 32_767;

/// The longest text one cell of the HTML page shows, in characters.
pub const HTML_CELL_LIMIT: usize = 2_000;

/// The longest text a chart title or legend shows, in characters.
pub const LABEL_LIMIT: usize = 120;

/// `s` as a workbook cell can hold it.
pub fn for_xlsx(s: &str) -> Cow<'_, str> {
    shorten(s, XLSX_CELL_LIMIT, char::len_utf16)
}

/// `s` as a cell of the HTML page shows it.
pub fn for_html(s: &str) -> Cow<'_, str> {
    shorten(s, HTML_CELL_LIMIT, |_| 1)
}

/// `s` as a chart title or legend shows it (a currency code, say).
pub fn for_label(s: &str) -> Cow<'_, str> {
    shorten(s, LABEL_LIMIT, |_| 1)
}

/// `s` whole when its `units` add up to at most `limit`; else its start, then the marker, the
/// two together within `limit`.
fn shorten(s: &str, limit: usize, units: fn(char) -> usize) -> Cow<'_, str> {
    // No character takes fewer bytes than units: a short string needs no count (the hot path).
    if s.len() <= limit || s.chars().map(units).sum::<usize>() <= limit {
        return Cow::Borrowed(s);
    }
    let marker = marker(s.chars().count());
    let room = limit.saturating_sub(marker.chars().map(units).sum());
    let mut used = 0;
    let end = s
        .char_indices()
        .find(|(_, c)| {
            used += units(*c);
            used > room
        })
        .map_or(s.len(), |(i, _)| i);
    Cow::Owned(format!("{}{marker}", &s[..end]))
}

/// What a shortened text ends with: how long it was, and where it is whole.
pub fn marker(chars: usize) -> String {
    format!(
        " … [shortened: {} characters in all; the CSV and Parquet outputs hold the full text]",
        thousands(chars)
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn text_at_the_limit_is_whole_and_above_it_is_shortened_with_the_marker() {
        let at = "é".repeat(XLSX_CELL_LIMIT);
        assert!(matches!(for_xlsx(&at), Cow::Borrowed(_)));

        let above = "x".repeat(XLSX_CELL_LIMIT + 1);
        let shown = for_xlsx(&above);
        assert_eq!(utf16(&shown), XLSX_CELL_LIMIT);
        assert!(shown.ends_with(&marker(XLSX_CELL_LIMIT + 1)));
        assert!(
            shown.contains("32,768 characters in all"),
            "{}",
            &shown[32_000..]
        );

        // Characters outside the BMP count twice in UTF-16; a pair is never split.
        let emoji = "😀".repeat(100_000);
        let shown = for_xlsx(&emoji);
        assert!(utf16(&shown) <= XLSX_CELL_LIMIT);
        assert!(utf16(&shown) >= XLSX_CELL_LIMIT - 1);
        assert!(shown.contains("100,000 characters in all"));

        let page = for_html(&above);
        assert_eq!(page.chars().count(), HTML_CELL_LIMIT);
        assert!(page.starts_with("xxxx"));
        assert_eq!(for_html("short"), "short");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
