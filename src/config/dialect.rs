//! How a company's ledger export is written, as `[ledger]` describes it: the CSV delimiter,
//! the text encoding and the way amounts are written (`1.234,56` in Germany, `1 234,56` in
//! France, `1'234.56` in Switzerland). Checked when the settings are resolved, so a wrong
//! value is a configuration error before anything is read; the ledger reader
//! (`crate::ledger::dialect`) applies it.

use encoding_rs::Encoding;

use super::LedgerFile;

/// Delimiters tried when none is configured, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The export's dialect, from `[ledger]`.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// `None`: detected from the header.
    pub delimiter: Option<u8>,
    /// `None`: UTF-8, or UTF-16 when the file starts with its byte-order mark.
    pub encoding: Option<&'static Encoding>,
    pub number: NumberFormat,
}

/// How amounts are written in text cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    pub decimal: char,
    pub thousands: Option<char>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            decimal: '.',
            thousands: None,
        }
    }
}

/// A `[ledger]` value that is not valid: the key and why.
pub type Invalid = (&'static str, String);

impl Dialect {
    /// The dialect `[ledger]` describes.
    pub fn of(ledger: &LedgerFile) -> Result<Dialect, Invalid> {
        let delimiter = match ledger.delimiter.as_deref() {
            None => None,
            Some("\\t") | Some("tab") | Some("\t") => Some(b'\t'),
            Some(d) if d.len() == 1 && DELIMITERS.contains(&d.as_bytes()[0]) => {
                Some(d.as_bytes()[0])
            }
            Some(d) => {
                return Err((
                    "ledger.delimiter",
                    format!("`{d}` is not one of `,`, `;`, `\\t` (tab) or `|`"),
                ))
            }
        };
        let encoding = match ledger.encoding.as_deref() {
            None => None,
            Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                (
                    "ledger.encoding",
                    format!("`{label}` is not an encoding name (examples: utf-8, utf-16le, windows-1252)"),
                )
            })?),
        };
        let one = |key: &'static str, v: &str| -> Result<char, Invalid> {
            let mut chars = v.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err((key, format!("`{v}` is not a single character"))),
            }
        };
        let decimal = match ledger.decimal_separator.as_deref() {
            None => '.',
            Some(v) => match one("ledger.decimal_separator", v)? {
                c @ ('.' | ',') => c,
                _ => {
                    return Err((
                        "ledger.decimal_separator",
                        format!("`{v}` is not `.` or `,`"),
                    ))
                }
            },
        };
        let thousands = match ledger.thousands_separator.as_deref() {
            None | Some("") => None,
            Some(v) => {
                let c = one("ledger.thousands_separator", v)?;
                if !matches!(c, '.' | ',' | '\'' | ' ' | '\u{a0}' | '\u{202f}' | '’') {
                    return Err((
                        "ledger.thousands_separator",
                        format!("`{v}` is not `.`, `,`, `'` or a space"),
                    ));
                }
                if c == decimal {
                    return Err((
                        "ledger.thousands_separator",
                        format!("`{v}` is also the decimal separator"),
                    ));
                }
                Some(c)
            }
        };
        if delimiter.is_some_and(|d| char::from(d) == decimal) {
            return Err((
                "ledger.delimiter",
                "is the decimal separator too; amounts could not be told from columns".into(),
            ));
        }
        Ok(Dialect {
            delimiter,
            encoding,
            number: NumberFormat { decimal, thousands },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialect_is_refused_when_it_is_ambiguous() {
        let ledger = |d: Option<&str>, dec: Option<&str>, th: Option<&str>| LedgerFile {
            delimiter: d.map(str::to_string),
            decimal_separator: dec.map(str::to_string),
            thousands_separator: th.map(str::to_string),
            ..LedgerFile::default()
        };
        assert!(Dialect::of(&ledger(Some(";"), Some(","), Some("."))).is_ok());
        assert_eq!(
            Dialect::of(&ledger(Some(","), Some(","), None))
                .unwrap_err()
                .0,
            "ledger.delimiter"
        );
        assert_eq!(
            Dialect::of(&ledger(None, Some(","), Some(",")))
                .unwrap_err()
                .0,
            "ledger.thousands_separator"
        );
        assert_eq!(
            Dialect::of(&ledger(Some("::"), None, None)).unwrap_err().0,
            "ledger.delimiter"
        );
        let latin = LedgerFile {
            encoding: Some("windows-1252".into()),
            ..LedgerFile::default()
        };
        assert_eq!(
            Dialect::of(&latin).unwrap().encoding,
            Some(encoding_rs::WINDOWS_1252)
        );
    }
}
