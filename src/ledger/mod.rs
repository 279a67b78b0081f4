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

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::LedgerEntry;

mod csv;
pub mod dialect;
mod frame;
mod mapping;
mod parquet;
mod parquet_rows;
mod time;
mod xlsx;

pub use frame::ledger_frame;
pub(crate) use mapping::{column_index, value_word};
use mapping::{convert, Converter};
pub(crate) use parquet_rows::micros;
use parquet_rows::parquet_cells;
pub use parquet_rows::read_parquet;
pub use time::{excel_serial, parse_instant_text, BOOKING_YEARS};
pub(crate) use time::{instant_from_text, naive_instant, plausible};

/// Canonical ledger columns, in table order, and whether each is required.
pub const COLUMNS: [(&str, bool); 13] = [
    ("entry_id", true),
    ("journal", false),
    ("provider", false),
    ("kind", false),
    ("tx_id", false),
    ("order_id", false),
    ("card", false),
    ("description", false),
    ("amount", true),
    ("currency", true),
    ("fee", false),
    ("status", true),
    ("booked_at", true),
];

/// The columns only a ledger booked from card statements has (matched by `[[matching.rules]]`);
/// a ledger that books per record with the provider's ids has the others.
pub const STATEMENT_COLUMNS: [&str; 2] = ["card", "description"];

/// The column only a general ledger of summary journals has: the journal an entry was booked
/// in (`settlement`), which `[[matching.summaries]]` reads as its `ledger_kind`. The entry's
/// `kind` is then what a line totals, when a summary groups by kind.
pub const SUMMARY_COLUMNS: [&str; 1] = ["journal"];

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
        "csv" | "txt" => return csv::load(path, settings),
        "xlsx" | "xlsm" | "xls" | "ods" => return xlsx::load(path, settings),
        "parquet" | "pq" => read_parquet(path)?,
        _ => {
            return Err(Error::LedgerFile {
                file: path.to_path_buf(),
                message: format!("unsupported ledger format `.{ext}`; use .csv, .xlsx or .parquet"),
                cause: None,
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
        cause: None,
    }
}

/// The dialect `[ledger]` describes (validated when the settings were resolved).
fn dialect_of(settings: &Settings) -> Result<dialect::Dialect> {
    dialect::Dialect::of(&settings.ledger)
        .map_err(|(key, why)| Error::config(&settings.source_name, key, why))
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
                cause: None,
            })
        }
    }
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
    if matches!(extension(path).as_str(), "csv" | "txt") {
        return csv::load_frame(path, settings, zone, crate::columns::TABLE_CHUNK_ROWS);
    }
    let ledger = load(path, settings)?;
    Ok((ledger_frame(&ledger.entries, zone)?, ledger.skipped))
}

/// [`load_frame`] of a CSV ledger with table chunks of `chunk_rows` rows (the table does not
/// depend on it; a test compares).
pub fn load_csv_frame_in_chunks(
    path: &Path,
    settings: &Settings,
    zone: Tz,
    chunk_rows: usize,
) -> Result<(DataFrame, Vec<SkippedRow>)> {
    csv::load_frame(path, settings, zone, chunk_rows)
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
