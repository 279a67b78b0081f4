//! A CSV ledger as its export wrote it: decoded to UTF-8 (streamed when it already is), split on
//! its delimiter, each row numbered by the file's own line.

use std::path::Path;

use chrono_tz::Tz;
use polars::prelude::DataFrame;

use super::{dialect, dialect_of, file_err, header_name, Cell, Converter, Ledger, SkippedRow};
use crate::config::Settings;
use crate::error::{Error, Result};

/// The file as UTF-8, and the delimiter to split it on. A UTF-8 file (the usual case) is
/// streamed, without its byte-order mark; a file in another encoding (`[ledger] encoding`, or
/// UTF-16 recognised by its byte-order mark) is decoded into memory first. The delimiter is
/// `[ledger] delimiter`, or detected from the first line ([`dialect::detect_delimiter`]).
fn utf8_reader(path: &Path, d: &dialect::Dialect) -> Result<(Box<dyn std::io::Read>, u8)> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let start = reader.fill_buf().map_err(|e| Error::io(path, e))?;
    let bom = encoding_rs::Encoding::for_bom(start);
    let encoding = match (bom, d.encoding) {
        (Some((e, _)), _) if e != encoding_rs::UTF_8 => Some(e),
        (None, Some(e)) if e != encoding_rs::UTF_8 => Some(e),
        _ => None,
    };
    let first_line = |bytes: &[u8]| -> u8 {
        d.delimiter.unwrap_or_else(|| {
            dialect::detect_delimiter(bytes.split(|b| *b == b'\n').next().unwrap_or_default())
        })
    };
    match encoding {
        None => {
            let skip = bom.map_or(0, |(_, len)| len);
            reader.consume(skip);
            let delimiter = first_line(reader.fill_buf().map_err(|e| Error::io(path, e))?);
            Ok((Box::new(reader), delimiter))
        }
        Some(encoding) => {
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(path, e))?;
            // `decode` sniffs a byte-order mark first, so a UTF-16 file is read as UTF-16
            // whatever `encoding` says.
            let (text, used, malformed) = encoding.decode(&bytes);
            if malformed {
                return Err(file_err(
                    path,
                    format!(
                        "is not valid {} text; set [ledger] encoding to the file's encoding",
                        used.name()
                    ),
                ));
            }
            let text = text.into_owned().into_bytes();
            let delimiter = first_line(&text);
            Ok((Box::new(std::io::Cursor::new(text)), delimiter))
        }
    }
}

/// A CSV ledger in the export's dialect ([`dialect`]) converted row by row as it is read, each
/// row numbered by the file's own line (the header is line 1; a quoted field spanning lines
/// counts its lines).
///
/// Why streamed, into cells that are reused: reading the whole file into rows of owned cells
/// first held every field of a 10^6-row ledger twice (as cells, then as entries) and made and
/// freed ten million strings; the ledger was the slower of the two inputs read side by side.
/// One record and one row of cells are now reused, each text cell's buffer overwritten.
pub fn load(path: &Path, settings: &Settings) -> Result<Ledger> {
    convert(path, settings, None, |rows| Ok(rows.finish()))
}

/// [`load`] straight into the `ledger_entries` table, built `chunk_rows` rows at a time
/// (accounting days in `zone`), and the rows skipped.
pub fn load_frame(
    path: &Path,
    settings: &Settings,
    zone: Tz,
    chunk_rows: usize,
) -> Result<(DataFrame, Vec<SkippedRow>)> {
    convert(path, settings, Some((zone, chunk_rows)), |rows| {
        rows.finish_frame(zone)
    })
}

/// Every row of the file through a [`Converter`], into entries or, with `chunks`, into table
/// chunks; `finish` takes what it converted.
fn convert<T>(
    path: &Path,
    settings: &Settings,
    chunks: Option<(Tz, usize)>,
    finish: impl FnOnce(Converter<'_>) -> Result<T>,
) -> Result<T> {
    let (input, delimiter) = utf8_reader(path, &dialect_of(settings)?)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(input);
    let mut rec = csv::ByteRecord::new();
    let line_err = |e: csv::Error| {
        match e.position() {
            Some(p) => file_err(path, format!("line {}: {e}", p.line())),
            None => file_err(path, format!("{e}")),
        }
        .because(e)
    };
    let got_header = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| file_err(path, format!("header row: {e}")).because(e))?;
    if !got_header {
        return Err(file_err(
            path,
            "is empty: expected a header row and entries",
        ));
    }
    let mut headers = Vec::with_capacity(rec.len());
    for (i, h) in rec.iter().enumerate() {
        let text = std::str::from_utf8(h).map_err(|_| Error::LedgerRow {
            file: path.to_path_buf(),
            row: 1,
            column: format!("#{}", i + 1),
            message: "header is not valid UTF-8: set [ledger] encoding (e.g. \"windows-1252\") or save the file as UTF-8".into(),
        })?;
        headers.push(header_name(text));
    }
    if let [only] = headers.as_slice() {
        if let Some(d) = dialect::suggest_delimiter(only) {
            let used = match delimiter {
                b'\t' => "\\t".to_string(),
                other => char::from(other).to_string(),
            };
            return Err(file_err(
                path,
                format!(
                    "has a header of one column (`{only}`) when split on `{used}`: the file seems to use `{d}`; set [ledger] delimiter = \"{d}\""
                ),
            ));
        }
    }
    let mut rows = Converter::new(path, &headers, settings)?;
    if let Some((zone, chunk_rows)) = chunks {
        rows = rows.in_chunks(zone, chunk_rows);
    }
    let mut cells: Vec<Cell> = vec![Cell::Empty; headers.len()];
    let mut read = 0usize;
    while rdr.read_byte_record(&mut rec).map_err(line_err)? {
        read += 1;
        let row = rec
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(read + 1);
        let blank = rec.iter().all(|f| f.is_empty());
        if !blank
            && (rec.len() < headers.len()
                || rec.len() > headers.len()
                    && rec.iter().skip(headers.len()).any(|f| !f.is_empty()))
        {
            return Err(Error::LedgerRow {
                file: path.to_path_buf(),
                row,
                column: format!("#{}", rec.len().min(headers.len()) + 1),
                message: format!(
                    "row has {} fields but the header has {}",
                    rec.len(),
                    headers.len()
                ),
            });
        }
        for (i, cell) in cells.iter_mut().enumerate() {
            let f = rec.get(i).unwrap_or_default();
            let text = std::str::from_utf8(f).map_err(|_| Error::LedgerRow {
                file: path.to_path_buf(),
                row,
                column: headers[i].clone(),
                message: "is not valid UTF-8 text: set [ledger] encoding (e.g. \"windows-1252\") or save the file as UTF-8".into(),
            })?;
            if text.trim().is_empty() {
                *cell = Cell::Empty;
            } else if let Cell::Text(buffer) = cell {
                buffer.clear();
                buffer.push_str(text);
            } else {
                *cell = Cell::Text(text.to_string());
            }
        }
        rows.push(row, &cells)?;
    }
    finish(rows)
}
