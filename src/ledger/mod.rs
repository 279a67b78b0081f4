//! Ledger: the company's own books, from CSV, XLSX (calamine) or Parquet, into the canonical
//! `ledger_entries` table.
//!
//! | column | dtype | |
//! |---|---|---|
//! | entry_id | str | required |
//! | provider, kind, tx_id, order_id | str? | |
//! | amount | decimal(38,8) | as booked (compared by magnitude) |
//! | currency | str | upper-cased, required |
//! | fee | decimal? | |
//! | status | str | canonical vocabulary, required |
//! | booked_at | datetime[μs] | UTC instant |
//! | accounting_day | date | business timezone |
//! | source | str | `file:row` |
//!
//! Default column names are the canonical ones; `[ledger.columns]` maps the export's names and
//! `[ledger.values.<column>]` maps its words (`"Settled" = "success"`). `booked_at` is
//! `YYYY-MM-DD HH:MM:SS[.fff]` (naive: read in the ledger's timezone; an ambiguous DST time is the
//! earlier instant), RFC 3339 with an offset, a date alone (midnight), an Excel date cell or date
//! serial, or `booked_at_format`, in the years 1900 to 2199 (anything else is refused as a data
//! error). Amounts are decimal text or numbers; an Excel number cell is read from its shortest
//! exact text (what Excel shows), never rounded.
//!
//! Every file reads into one cell model ([`Cell`]), so all three formats obey the same rules and
//! give the same errors: file, row (as a spreadsheet shows it; the line for CSV) and column. The
//! pipeline's [`load_frame`] takes a shortcut for Parquet ledgers whose columns are already
//! typed ([`parquet`]): the same table, column by column, and the row loader whenever in doubt.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::columns::{instant_col, money_col, opt_str_col, str_col};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::{Kind, LedgerEntry, Status};
use crate::period::local_to_utc;

pub mod dialect;
mod parquet;
mod xlsx;

/// Canonical ledger columns, in table order, and whether each is required.
pub const COLUMNS: [(&str, bool); 10] = [
    ("entry_id", true),
    ("provider", false),
    ("kind", false),
    ("tx_id", false),
    ("order_id", false),
    ("amount", true),
    ("currency", true),
    ("fee", false),
    ("status", true),
    ("booked_at", true),
];

/// One cell as any of the three formats gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// A binary floating-point number as the file stores it (XLSX, Parquet float columns).
    Float(f64),
    /// An exact decimal (Parquet decimal columns), as text.
    Decimal(String),
    /// A wall-clock time with no zone (Excel dates, naive Parquet timestamps).
    Naive(NaiveDateTime),
    /// An instant (Parquet timestamps with a zone).
    Instant(DateTime<Utc>),
}

/// A row skipped under `skip_bad_rows`, listed in the summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkippedRow {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// The share of rows `[ledger] max_skipped_share` allows to be skipped by default.
pub const MAX_SKIPPED_SHARE: f64 = 0.01;

/// Refuses a ledger read under `skip_bad_rows` that skipped more than `max_share` of its rows,
/// or every row: a month reconciled against a fraction of its ledger is not a month (a file
/// with decimal commas, or split on the wrong delimiter, skips every row). The error names the
/// count, the first reasons, and the setting that likely fixes it.
pub fn judge_skipped(
    path: &Path,
    kept: usize,
    skipped: &[SkippedRow],
    max_share: f64,
) -> Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let total = kept + skipped.len();
    // Counts of rows, compared as a share: no money here.
    let share = skipped.len() as f64 / total as f64;
    if kept > 0 && share <= max_share {
        return Ok(());
    }
    let why = if kept == 0 {
        "every row was skipped".to_string()
    } else {
        format!(
            "{:.1}% of the rows were skipped, more than [ledger] max_skipped_share = {} allows",
            share * 100.0,
            max_share
        )
    };
    let amounts_with_commas = skipped
        .iter()
        .filter(|r| r.message.contains(',') && r.message.contains("amount"))
        .count();
    let hint = if amounts_with_commas * 2 > skipped.len() {
        " The amounts look written with a decimal comma: set [ledger] decimal_separator = \",\" (and thousands_separator = \".\" if they group thousands)."
    } else {
        ""
    };
    Err(file_err(
        path,
        format!(
            "{} of {total} rows could not be read ({why}); first: {}.{hint}",
            skipped.len(),
            skipped_reasons(path, skipped, 3)
        ),
    ))
}

/// The first `n` skipped rows of `file` in words: `line 2, column `amount`: …; …` (rows of a
/// spreadsheet).
pub fn skipped_reasons(file: &Path, skipped: &[SkippedRow], n: usize) -> String {
    let word = crate::error::row_word(file);
    skipped
        .iter()
        .take(n)
        .map(|r| format!("{word} {}, column `{}`: {}", r.row, r.column, r.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The result of loading one ledger file.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub file: PathBuf,
    pub entries: Vec<LedgerEntry>,
    pub skipped: Vec<SkippedRow>,
}

/// Loads a ledger file of any supported format (by extension).
pub fn load(path: &Path, settings: &Settings) -> Result<Ledger> {
    let ext = extension(path);
    let table = match ext.as_str() {
        "csv" | "txt" => read_csv(path, &dialect_of(settings)?)?,
        "xlsx" | "xlsm" | "xls" | "ods" => return xlsx::load(path, settings),
        "parquet" | "pq" => read_parquet(path)?,
        _ => {
            return Err(Error::LedgerFile {
                file: path.to_path_buf(),
                message: format!("unsupported ledger format `.{ext}`; use .csv, .xlsx or .parquet"),
            })
        }
    };
    convert(path, table, settings)
}

/// A file read into headers and rows of cells, each row with its spreadsheet row number.
pub struct RawTable {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// A header as every format reads it: without a byte-order mark, trimmed.
fn header_name(text: &str) -> String {
    text.trim_start_matches('\u{feff}').trim().to_string()
}

fn file_err(path: &Path, message: impl Into<String>) -> Error {
    Error::LedgerFile {
        file: path.to_path_buf(),
        message: message.into(),
    }
}

/// The dialect `[ledger]` describes (validated when the settings were resolved).
fn dialect_of(settings: &Settings) -> Result<dialect::Dialect> {
    dialect::Dialect::of(&settings.ledger)
        .map_err(|(key, why)| Error::config(&settings.source_name, key, why))
}

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

/// A CSV ledger in the export's dialect ([`dialect`]), each row with the file's own line
/// number (the header is line 1; a quoted field spanning lines counts its lines).
pub fn read_csv(path: &Path, d: &dialect::Dialect) -> Result<RawTable> {
    let (input, delimiter) = utf8_reader(path, d)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(input);
    let mut records = rdr.byte_records();
    let header = match records.next() {
        None => {
            return Err(file_err(
                path,
                "is empty: expected a header row and entries",
            ))
        }
        Some(h) => h.map_err(|e| file_err(path, format!("header row: {e}")))?,
    };
    let mut headers = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
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
    let mut rows = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| match e.position() {
            Some(p) => file_err(path, format!("line {}: {e}", p.line())),
            None => file_err(path, format!("{e}")),
        })?;
        let row = rec
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(rows.len() + 2);
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
        let mut cells = Vec::with_capacity(headers.len());
        for (i, f) in rec.iter().take(headers.len()).enumerate() {
            let text = std::str::from_utf8(f).map_err(|_| Error::LedgerRow {
                file: path.to_path_buf(),
                row,
                column: headers[i].clone(),
                message: "is not valid UTF-8 text: set [ledger] encoding (e.g. \"windows-1252\") or save the file as UTF-8".into(),
            })?;
            cells.push(if text.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(text.to_string())
            });
        }
        rows.push((row, cells));
    }
    Ok(RawTable { headers, rows })
}

/// Runs a third-party file parser on a file we did not write. Fuzzing found inputs on which
/// calamine panics (an arithmetic overflow); such a panic becomes an error naming the file
/// instead of ending the process. Parquet has its own guard and header checks
/// ([`crate::parquet_input`]).
pub(crate) fn guarded<T>(
    path: &Path,
    format: &str,
    parse: impl FnOnce() -> Result<T>,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(result) => result,
        Err(payload) => {
            let why = crate::parquet_input::panic_text(&*payload);
            Err(Error::LedgerFile {
                file: path.to_path_buf(),
                message: format!("cannot be read as {format}: the file is malformed ({why})"),
            })
        }
    }
}

pub fn read_parquet(path: &Path) -> Result<RawTable> {
    guarded(path, "Parquet", || {
        parquet_cells(path, read_parquet_frame(path)?)
    })
}

/// The Parquet file as polars reads it, header-checked ([`crate::parquet_input`]).
fn read_parquet_frame(path: &Path) -> Result<DataFrame> {
    crate::parquet_input::read(path, |why| {
        file_err(path, format!("cannot be read as Parquet: {why}"))
    })
}

fn parquet_cells(path: &Path, mut df: DataFrame) -> Result<RawTable> {
    // One chunk per column, so reading row i does not search the row groups' chunks.
    df.rechunk_mut_par();
    let headers = column_names(&df);
    let series: Vec<Series> = df
        .columns()
        .iter()
        .map(|c| c.as_materialized_series().clone())
        .collect();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut cells = Vec::with_capacity(series.len());
        for s in &series {
            let v = s
                .get(i)
                .map_err(|e| file_err(path, format!("row {}: {e}", i + 2)))?;
            cells.push(any_to_cell(v));
        }
        rows.push((i + 2, cells));
    }
    Ok(RawTable { headers, rows })
}

/// The `ledger_entries` table of a ledger file (accounting days in `zone`) and the rows skipped
/// under `skip_bad_rows`. A Parquet ledger whose columns already have usable types is converted
/// column by column ([`parquet::typed_frame`]); any other file, or a Parquet file with a value
/// that path would not accept as is, goes through the row-by-row loader ([`load`]), which gives
/// the same table or the error naming row and column.
pub fn load_frame(
    path: &Path,
    settings: &Settings,
    zone: Tz,
) -> Result<(DataFrame, Vec<SkippedRow>)> {
    load_frame_with(path, settings, zone, true)
}

/// [`load_frame`]; without `source` (`file:row` for every entry) when the table is read from
/// Parquet and no report will show it (`reconcile --outputs json`).
pub fn load_frame_with(
    path: &Path,
    settings: &Settings,
    zone: Tz,
    source: bool,
) -> Result<(DataFrame, Vec<SkippedRow>)> {
    if matches!(extension(path).as_str(), "parquet" | "pq") {
        return guarded(path, "Parquet", || {
            // Only the columns that map to the canonical table are decoded (an export's other
            // columns, or a ledger_entries table's `source` and `accounting_day`, are not).
            let df = crate::parquet_input::read_selected(
                path,
                |names| {
                    let index = column_index(path, names, settings)?;
                    Ok(Some(index.values().map(|&i| names[i].clone()).collect()))
                },
                |why| file_err(path, format!("cannot be read as Parquet: {why}")),
            )?;
            let index = column_index(path, &column_names(&df), settings)?;
            let name = source.then(|| file_name(path));
            if let Some(frame) = parquet::typed_frame(&df, &index, settings, name.as_deref(), zone)
            {
                return Ok((frame, Vec::new()));
            }
            tracing::debug!(file = %path.display(), "Parquet ledger read row by row");
            let ledger = convert(path, parquet_cells(path, df)?, settings)?;
            Ok((ledger_frame(&ledger.entries, zone)?, ledger.skipped))
        });
    }
    let ledger = load(path, settings)?;
    Ok((ledger_frame(&ledger.entries, zone)?, ledger.skipped))
}

fn column_names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The file's name, as `source` (`name:row`) shows it.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// The exact text of a decimal stored as an integer and a scale (Parquet decimals may exceed
/// what `rust_decimal` holds; the text goes to [`crate::money::parse`], which judges the range).
pub(crate) fn decimal_text(v: i128, scale: usize) -> String {
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    format!("{sign}{int}.{frac}")
}

fn any_to_cell(v: AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::Empty,
        AnyValue::String(s) => Cell::Text(s.to_string()),
        AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
        AnyValue::Boolean(b) => Cell::Text(b.to_string()),
        AnyValue::Int8(x) => Cell::Int(x.into()),
        AnyValue::Int16(x) => Cell::Int(x.into()),
        AnyValue::Int32(x) => Cell::Int(x.into()),
        AnyValue::Int64(x) => Cell::Int(x),
        AnyValue::UInt8(x) => Cell::Int(x.into()),
        AnyValue::UInt16(x) => Cell::Int(x.into()),
        AnyValue::UInt32(x) => Cell::Int(x.into()),
        AnyValue::UInt64(x) => i64::try_from(x)
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::Text(x.to_string())),
        AnyValue::Float32(x) => Cell::Float(x.into()),
        AnyValue::Float64(x) => Cell::Float(x),
        AnyValue::Decimal(v, _p, s) => Cell::Decimal(decimal_text(v, s)),
        AnyValue::Date(d) => {
            Cell::Naive(crate::period::from_epoch_days(d).and_time(chrono::NaiveTime::MIN))
        }
        AnyValue::Datetime(v, unit, tz) => {
            match DateTime::<Utc>::from_timestamp_micros(micros(v, unit)) {
                Some(t) if tz.is_some() => Cell::Instant(t),
                Some(t) => Cell::Naive(t.naive_utc()),
                None => Cell::Text(v.to_string()),
            }
        }
        AnyValue::DatetimeOwned(v, unit, tz) => {
            any_to_cell(AnyValue::Datetime(v, unit, tz.as_deref()))
        }
        other => Cell::Text(other.to_string()),
    }
}

/// How each canonical column is found in the file and how its values are read.
struct Mapping<'a> {
    index: BTreeMap<&'static str, usize>,
    headers: &'a [String],
    values: &'a BTreeMap<String, BTreeMap<String, String>>,
    zone: Tz,
    format: Option<&'a str>,
    /// How amounts are written in text cells (`[ledger] decimal_separator`, …).
    number: dialect::NumberFormat,
}

/// Where each canonical column is in the file (`[ledger.columns]` names first, then the
/// canonical name; case-insensitive), refusing a file without the required ones or with a
/// column given twice.
pub(crate) fn column_index(
    path: &Path,
    headers: &[String],
    settings: &Settings,
) -> Result<BTreeMap<&'static str, usize>> {
    let mut index = BTreeMap::new();
    for (canonical, required) in COLUMNS {
        let wanted = settings
            .ledger
            .columns
            .get(canonical)
            .map(String::as_str)
            .unwrap_or(canonical);
        let pos = headers
            .iter()
            .position(|h| h == wanted)
            .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(wanted)));
        match pos {
            Some(p) => {
                let twice = headers.iter().enumerate().any(|(i, h)| i != p && h.eq_ignore_ascii_case(wanted));
                if twice {
                    return Err(file_err(path, format!("has the column `{wanted}` (for `{canonical}`) more than once: which one is meant is unclear")));
                }
                index.insert(canonical, p);
            }
            None if required => {
                return Err(file_err(
                    path,
                    format!(
                        "has no `{wanted}` column (for `{canonical}`); columns found: {}. Map it in [ledger.columns]",
                        headers.join(", ")
                    ),
                ))
            }
            None => {}
        }
    }
    if !index.contains_key("tx_id") && !index.contains_key("order_id") {
        return Err(file_err(
            path,
            format!(
                "has neither a `tx_id` nor an `order_id` column, so no entry could be matched to a provider record; columns found: {}. Map one in [ledger.columns]",
                headers.join(", ")
            ),
        ));
    }
    for key in settings.ledger.columns.keys() {
        if !COLUMNS.iter().any(|(c, _)| c == key) {
            return Err(Error::config(&settings.source_name, format!("ledger.columns.{key}"), "is not a ledger column (entry_id, provider, kind, tx_id, order_id, amount, currency, fee, status, booked_at)"));
        }
    }
    Ok(index)
}

fn convert(path: &Path, table: RawTable, settings: &Settings) -> Result<Ledger> {
    let mut rows = Converter::new(path, &table.headers, settings)?;
    for (row, cells) in &table.rows {
        rows.push(*row, cells)?;
    }
    Ok(rows.finish())
}

/// Turns a file's rows, in file order, into entries (or skipped rows under `skip_bad_rows`).
/// Every format feeds it, the XLSX reader while it is still parsing ([`xlsx`]).
struct Converter<'a> {
    path: &'a Path,
    mapping: Mapping<'a>,
    skip: bool,
    file_name: String,
    entries: Vec<LedgerEntry>,
    skipped: Vec<SkippedRow>,
}

impl<'a> Converter<'a> {
    fn new(path: &'a Path, headers: &'a [String], settings: &'a Settings) -> Result<Self> {
        let index = column_index(path, headers, settings)?;
        Ok(Converter {
            path,
            mapping: Mapping {
                index,
                headers,
                values: &settings.ledger.values,
                zone: settings.ledger_timezone(),
                format: settings.ledger.booked_at_format.as_deref(),
                number: dialect_of(settings)?.number,
            },
            skip: settings.ledger.skip_bad_rows.unwrap_or(false),
            file_name: file_name(path),
            entries: Vec::new(),
            skipped: Vec::new(),
        })
    }

    /// One row (its number as a spreadsheet shows it); the first bad row is the error unless
    /// bad rows are skipped.
    fn push(&mut self, row: usize, cells: &[Cell]) -> Result<()> {
        if cells.iter().all(|c| *c == Cell::Empty) {
            return Ok(()); // blank (often trailing) rows
        }
        match self
            .mapping
            .entry(cells, format!("{}:{row}", self.file_name))
        {
            Ok(e) => self.entries.push(e),
            Err((column, message)) if self.skip => self.skipped.push(SkippedRow {
                row,
                column,
                message,
            }),
            Err((column, message)) => {
                return Err(Error::LedgerRow {
                    file: self.path.to_path_buf(),
                    row,
                    column,
                    message,
                })
            }
        }
        Ok(())
    }

    fn finish(self) -> Ledger {
        Ledger {
            file: self.path.to_path_buf(),
            entries: self.entries,
            skipped: self.skipped,
        }
    }
}

type CellResult<T> = std::result::Result<T, (String, String)>;

impl<'a> Mapping<'a> {
    /// The cell for a canonical column and the file's name for that column (for errors).
    fn cell<'c>(&self, cells: &'c [Cell], canonical: &'static str) -> (&'c Cell, &'a str) {
        match self.index.get(canonical) {
            Some(&i) => (
                cells.get(i).unwrap_or(&Cell::Empty),
                self.headers[i].as_str(),
            ),
            None => (&Cell::Empty, canonical),
        }
    }

    /// The cell as text after `[ledger.values.<column>]`, or None when empty.
    fn text(&self, cells: &[Cell], canonical: &'static str) -> CellResult<Option<String>> {
        let (cell, header) = self.cell(cells, canonical);
        let raw: std::borrow::Cow<'_, str> = match cell {
            Cell::Empty => return Ok(None),
            Cell::Text(t) | Cell::Decimal(t) => t.into(),
            Cell::Int(v) => v.to_string().into(),
            Cell::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => format!("{v:.0}").into(),
            Cell::Float(v) => {
                return Err((header.to_string(), format!("is the number {v}, which Excel may have rounded; store identifiers and codes as text")))
            }
            Cell::Naive(t) => t.to_string().into(),
            Cell::Instant(t) => t.to_rfc3339().into(),
        };
        Ok(value_word(self.values.get(canonical), &raw).map(str::to_string))
    }

    fn required_text(&self, cells: &[Cell], canonical: &'static str) -> CellResult<String> {
        self.text(cells, canonical)?.ok_or_else(|| {
            (
                self.cell(cells, canonical).1.to_string(),
                "is empty".to_string(),
            )
        })
    }

    fn money(&self, cells: &[Cell], canonical: &'static str) -> CellResult<Option<Decimal>> {
        let (cell, header) = self.cell(cells, canonical);
        let text = match cell {
            Cell::Empty => return Ok(None),
            Cell::Text(t) if t.trim().is_empty() => return Ok(None),
            Cell::Text(t) => dialect::canonical(&self.number, t.trim())
                .map_err(|m| (header.to_string(), m))?
                .into_owned(),
            Cell::Decimal(t) => t.trim().to_string(),
            Cell::Int(v) => v.to_string(),
            // Rust prints the shortest text that reads back as the same double: what Excel shows.
            Cell::Float(v) if v.is_finite() => format!("{v}"),
            other => return Err((header.to_string(), format!("{other:?} is not an amount"))),
        };
        crate::money::parse(&text)
            .map(Some)
            .map_err(|m| (header.to_string(), m))
    }

    fn instant(&self, cells: &[Cell]) -> CellResult<DateTime<Utc>> {
        let (cell, header) = self.cell(cells, "booked_at");
        let bad = |t: &str| {
            (header.to_string(), format!("`{t}` is not a date-time (expected YYYY-MM-DD HH:MM:SS, RFC 3339, or an Excel date)"))
        };
        let t = match cell {
            Cell::Empty => return Err((header.to_string(), "is empty".into())),
            Cell::Instant(t) => *t,
            Cell::Naive(t) => naive_instant(*t, self.zone).ok_or_else(|| bad(&t.to_string()))?,
            Cell::Float(v) => excel_serial(*v)
                .map(|t| local_to_utc(t, self.zone))
                .ok_or_else(|| bad(&v.to_string()))?,
            Cell::Int(v) => i32::try_from(*v)
                .ok()
                .and_then(|days| excel_serial(f64::from(days)))
                .map(|t| local_to_utc(t, self.zone))
                .ok_or_else(|| bad(&v.to_string()))?,
            Cell::Text(t) | Cell::Decimal(t) => {
                let t = t.trim();
                match self.format {
                    Some(f) => instant_from_text(t, self.zone, Some(f)).ok_or_else(|| {
                        (
                            header.to_string(),
                            format!("`{t}` does not match booked_at_format `{f}`"),
                        )
                    })?,
                    None => instant_from_text(t, self.zone, None).ok_or_else(|| bad(t))?,
                }
            }
        };
        if !plausible(t) {
            return Err((
                header.to_string(),
                format!(
                    "{} is not a plausible booking time (years {}..={} are accepted)",
                    t.to_rfc3339(),
                    BOOKING_YEARS.start(),
                    BOOKING_YEARS.end()
                ),
            ));
        }
        Ok(t)
    }

    fn entry(&self, cells: &[Cell], source: String) -> CellResult<LedgerEntry> {
        let entry_id = self.required_text(cells, "entry_id")?;
        let kind = match self.text(cells, "kind")? {
            None => None,
            Some(k) => Some(Kind::parse(&k).ok_or_else(|| {
                (self.cell(cells, "kind").1.to_string(), format!("`{k}` is not a kind (consumption, refund, recharge, fee, withdrawal, card_closure, open_card, buy_coin, other); map it in [ledger.values.kind]"))
            })?),
        };
        let status_text = self.required_text(cells, "status")?;
        let status = Status::parse(&status_text).ok_or_else(|| {
            (self.cell(cells, "status").1.to_string(), format!("`{status_text}` is not a status (success, pending, failed, reversed, unknown); map it in [ledger.values.status]"))
        })?;
        let amount = self.money(cells, "amount")?.ok_or_else(|| {
            (
                self.cell(cells, "amount").1.to_string(),
                "is empty".to_string(),
            )
        })?;
        let currency = crate::money::currency_code(&self.required_text(cells, "currency")?);
        Ok(LedgerEntry {
            entry_id,
            provider: self.text(cells, "provider")?,
            kind,
            tx_id: self.text(cells, "tx_id")?,
            order_id: self.text(cells, "order_id")?,
            amount,
            currency,
            fee: self.money(cells, "fee")?,
            status,
            booked_at: self.instant(cells)?,
            source,
        })
    }
}

/// A text value as every ledger format reads it: trimmed, empty as missing, then the word
/// `[ledger.values.<column>]` maps it to (`map` is that column's table), if any.
pub(crate) fn value_word<'a>(
    map: Option<&'a BTreeMap<String, String>>,
    text: &'a str,
) -> Option<&'a str> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Some(map.and_then(|m| m.get(t)).map_or(t, String::as_str))
}

/// A Parquet timestamp in microseconds (nanoseconds truncated, milliseconds saturating).
pub(crate) fn micros(v: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => v / 1000,
        TimeUnit::Microseconds => v,
        TimeUnit::Milliseconds => v.saturating_mul(1000),
    }
}

/// An Excel date serial (days since 1899-12-30, fraction = time of day) as a wall-clock time.
/// Only plausible business dates (1954..2173) are accepted.
pub fn excel_serial(v: f64) -> Option<NaiveDateTime> {
    if !(20_000.0..100_000.0).contains(&v) {
        return None;
    }
    let millis = (v * 86_400_000.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    epoch.checked_add_signed(Duration::milliseconds(millis))
}

/// Years a booking time may fall in; anything else is a data error (and keeps day arithmetic
/// far from chrono's limits).
pub const BOOKING_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

pub(crate) fn plausible(t: DateTime<Utc>) -> bool {
    BOOKING_YEARS.contains(&chrono::Datelike::year(&t))
}

/// A wall-clock time read in `zone`, when its year is plausible.
pub(crate) fn naive_instant(t: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    BOOKING_YEARS
        .contains(&chrono::Datelike::year(&t))
        .then(|| local_to_utc(t, zone))
}

/// `booked_at` text: with `booked_at_format` (a wall-clock format, or one with an offset), or
/// else the forms of [`parse_instant_text`].
pub(crate) fn instant_from_text(t: &str, zone: Tz, format: Option<&str>) -> Option<DateTime<Utc>> {
    match format {
        Some(f) => NaiveDateTime::parse_from_str(t, f)
            .ok()
            .and_then(|n| naive_instant(n, zone))
            .or_else(|| {
                DateTime::parse_from_str(t, f)
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            }),
        None => parse_instant_text(t, zone),
    }
}

/// Text forms of `booked_at`: RFC 3339 (with an offset) is an instant; the rest are wall-clock
/// times in `zone`.
pub fn parse_instant_text(t: &str, zone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return naive_instant(n, zone);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return naive_instant(d.and_time(chrono::NaiveTime::MIN), zone);
    }
    None
}

/// The `ledger_entries` table, accounting days in `zone`.
pub fn ledger_frame(entries: &[LedgerEntry], zone: Tz) -> Result<DataFrame> {
    let e = entries;
    let columns = vec![
        str_col("entry_id", e.iter().map(|x| x.entry_id.as_str())),
        opt_str_col("provider", e.iter().map(|x| x.provider.as_deref())),
        opt_str_col("kind", e.iter().map(|x| x.kind.map(Kind::as_str))),
        opt_str_col("tx_id", e.iter().map(|x| x.tx_id.as_deref())),
        opt_str_col("order_id", e.iter().map(|x| x.order_id.as_deref())),
        money_col("amount", e.iter().map(|x| Some(x.amount))),
        str_col("currency", e.iter().map(|x| x.currency.as_str())),
        money_col("fee", e.iter().map(|x| x.fee)),
        str_col("status", e.iter().map(|x| x.status.as_str())),
        instant_col("booked_at", e.iter().map(|x| x.booked_at)),
        crate::columns::accounting_days_col("accounting_day", e.iter().map(|x| x.booked_at), zone),
        str_col("source", e.iter().map(|x| x.source.as_str())),
    ];
    Ok(DataFrame::new(e.len(), columns)?)
}
