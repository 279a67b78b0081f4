//! How a company's ledger export is written: the CSV delimiter, the text encoding and the way
//! amounts are written (`1.234,56` in Germany, `1 234,56` in France, `1'234.56` in
//! Switzerland). Accounting exports what its ERP writes; cardrecon reads it as it is, described
//! in `[ledger]`, instead of asking anyone to convert the file first.
//!
//! **Why the delimiter is detected from the header.** A European Excel saves "CSV" with `;`
//! (the comma is the decimal separator there), other systems with a tab or `|`. Split on the
//! wrong delimiter every row is one field and nothing can be read. The header row has no
//! amounts, so it is split (by the csv crate, quotes respected) with each candidate and the one
//! giving the most columns wins, the comma on a tie. `[ledger] delimiter` overrides it.
//!
//! **Why amounts are checked, not just stripped.** With `decimal_separator = ","` and
//! `thousands_separator = "."`, `1.234,56` is 1234.56. A grouping that is not in threes
//! (`12.34,5`) or a second decimal separator is an error for that cell, never a guess: a
//! misread amount would be a wrong figure in a signed report.

pub use crate::config::dialect::{Dialect, NumberFormat, DELIMITERS};

/// The delimiter that splits `header` (the file's first line) into the most columns, the
/// comma on a tie; quotes are respected (the csv crate splits it).
pub fn detect_delimiter(header: &[u8]) -> u8 {
    let mut best = (0usize, b',');
    for d in DELIMITERS {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(header);
        let fields = rdr
            .byte_records()
            .next()
            .and_then(|r| r.ok())
            .map_or(0, |r| r.len());
        if fields > best.0 {
            best = (fields, d);
        }
    }
    best.1
}

/// A delimiter that would split a one-column header, to suggest in the error.
pub fn suggest_delimiter(header: &str) -> Option<&'static str> {
    [(";", ';'), ("\\t", '\t'), ("|", '|'), (",", ',')]
        .into_iter()
        .find(|(_, c)| header.contains(*c))
        .map(|(name, _)| name)
}

/// `text` as plain decimal text (`-1234.56`) in the format `f`, or why it is not an amount
/// in it. The default format passes the text through unchanged (the decimal parser judges
/// it).
pub fn canonical<'t>(f: &NumberFormat, text: &'t str) -> Result<std::borrow::Cow<'t, str>, String> {
    if *f == NumberFormat::default() {
        return Ok(text.into());
    }
    let t = text.trim();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let mut parts = body.split(f.decimal);
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    if parts.next().is_some() {
        return Err(format!(
            "`{t}` has more than one decimal separator `{}`",
            f.decimal
        ));
    }
    let digits = match f.thousands {
        Some(sep) if int.contains(sep) => {
            let groups: Vec<&str> = int.split(sep).collect();
            let well_grouped = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
                && groups[1..].iter().all(|g| g.len() == 3)
                && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
            if !well_grouped {
                return Err(format!(
                        "`{t}` is not an amount written with `{}` between thousands and `{}` before the decimals",
                        sep, f.decimal
                    ));
            }
            groups.concat()
        }
        _ => int.to_string(),
    };
    if frac.is_some_and(|d| d.contains('.') || d.contains(',')) || digits.contains(['.', ',']) {
        return Err(format!(
            "`{t}` is not an amount written with `{}` before the decimals{}",
            f.decimal,
            match f.thousands {
                Some(s) => format!(" and `{s}` between thousands"),
                None => String::new(),
            }
        ));
    }
    Ok(match frac {
        Some(d) => format!("{sign}{digits}.{d}"),
        None => format!("{sign}{digits}"),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(decimal: char, thousands: Option<char>) -> NumberFormat {
        NumberFormat { decimal, thousands }
    }

    #[test]
    fn amounts_read_as_each_country_writes_them() {
        let de = format(',', Some('.'));
        let fr = format(',', Some(' '));
        let ch = format('.', Some('\''));
        let cases: [(NumberFormat, &str, Result<&str, ()>); 12] = [
            (de, "1.234,56", Ok("1234.56")),
            (de, "-1.234.567,5", Ok("-1234567.5")),
            (de, "12,00", Ok("12.00")),
            (de, "1234,56", Ok("1234.56")),
            (de, "12.34,5", Err(())),
            (de, "1,2,3", Err(())),
            (de, "1.234.56", Err(())),
            (fr, "1 234,56", Ok("1234.56")),
            (fr, "1 234 567", Ok("1234567")),
            (ch, "1'234.56", Ok("1234.56")),
            (ch, "1'23.5", Err(())),
            (NumberFormat::default(), "1,234.56", Ok("1,234.56")),
        ];
        for (f, text, want) in cases {
            let got = canonical(&f, text).map(|c| c.into_owned()).map_err(|_| ());
            assert_eq!(got, want.map(str::to_string), "{text} with {f:?}");
        }
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_header_most() {
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"Buchung;Betrag;W\xc3\xa4hrung\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c"), b'|');
        // Quotes are respected: the commas inside the name do not count.
        assert_eq!(detect_delimiter(b"\"x,y,z\";b;c"), b';');
        assert_eq!(detect_delimiter(b"single"), b',');
    }
}
