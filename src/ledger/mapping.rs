//! From a file's rows to ledger entries: where each canonical column is (`[ledger.columns]`),
//! how its words map (`[ledger.values]`), and each row converted, or skipped under
//! `skip_bad_rows`, or refused naming its row and column.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::time::{excel_serial, instant_from_text, naive_instant, plausible, BOOKING_YEARS};
use super::{
    dialect, dialect_of, file_err, file_name, ledger_frame, Cell, Ledger, RawTable, SkippedRow,
    COLUMNS,
};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::{Kind, LedgerEntry, Status};
use crate::period::local_to_utc;
use polars::prelude::DataFrame;

/// How each canonical column is found in the file and how its values are read.
///
/// Why slots and not the name map: a row reads a dozen cells, and looking each canonical name
/// up in [`column_index`]'s map compared strings a dozen times per row (a few percent of a
/// 10^6-row read). The names are resolved once, into one slot per entry of [`COLUMNS`].
struct Mapping<'a> {
    slots: [Slot<'a>; COLUMNS.len()],
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
    // Without an id, only the configured rules ([[matching.rules]]) and summaries
    // ([[matching.summaries]]) can pair an entry.
    if !index.contains_key("tx_id")
        && !index.contains_key("order_id")
        && settings.matching.rules.is_empty()
        && settings.matching.summaries.is_empty()
    {
        return Err(file_err(
            path,
            format!(
                "has neither a `tx_id` nor an `order_id` column, so no entry could be matched to a provider record; columns found: {}. Map one in [ledger.columns]",
                headers.join(", ")
            ),
        ));
    }
    // A summary's lines are the entries of its journal: without the column there are none.
    if !settings.matching.summaries.is_empty() && !index.contains_key("journal") {
        return Err(file_err(
            path,
            format!(
                "has no `journal` column, which [[matching.summaries]] reads to find its lines (`ledger_kind`); columns found: {}. Map it in [ledger.columns]",
                headers.join(", ")
            ),
        ));
    }
    for key in settings.ledger.columns.keys() {
        if !COLUMNS.iter().any(|(c, _)| c == key) {
            return Err(Error::config(
                &settings.source_name,
                format!("ledger.columns.{key}"),
                format!(
                    "is not a ledger column ({})",
                    COLUMNS.map(|(c, _)| c).join(", ")
                ),
            ));
        }
    }
    Ok(index)
}

pub(super) fn convert(path: &Path, table: RawTable, settings: &Settings) -> Result<Ledger> {
    let mut rows = Converter::new(path, &table.headers, settings)?;
    for (row, cells) in &table.rows {
        rows.push(*row, cells)?;
    }
    Ok(rows.finish())
}

/// Turns a file's rows, in file order, into entries (or skipped rows under `skip_bad_rows`).
/// Every format feeds it, the XLSX reader while it is still parsing ([`xlsx`]).
pub(super) struct Converter<'a> {
    path: &'a Path,
    mapping: Mapping<'a>,
    skip: bool,
    file_name: String,
    entries: Vec<LedgerEntry>,
    skipped: Vec<SkippedRow>,
    /// When the rows become the table as they are read ([`Converter::in_chunks`]).
    chunks: Option<Chunks>,
}

/// The table built a chunk at a time ([`crate::columns::TABLE_CHUNK_ROWS`]): the chunks done;
/// the converter's entries are the chunk in hand.
struct Chunks {
    zone: Tz,
    rows: usize,
    done: Vec<DataFrame>,
}

impl<'a> Converter<'a> {
    pub(super) fn new(
        path: &'a Path,
        headers: &'a [String],
        settings: &'a Settings,
    ) -> Result<Self> {
        let index = column_index(path, headers, settings)?;
        Ok(Converter {
            path,
            mapping: Mapping {
                slots: COLUMNS.map(|(canonical, _)| {
                    let at = index.get(canonical).copied();
                    Slot {
                        at,
                        header: at.map_or(canonical, |i| headers[i].as_str()),
                        values: settings.ledger.values.get(canonical),
                    }
                }),
                zone: settings.ledger_timezone(),
                format: settings.ledger.booked_at_format.as_deref(),
                number: dialect_of(settings)?.number,
            },
            skip: settings.ledger.skip_bad_rows.unwrap_or(false),
            file_name: file_name(path),
            entries: Vec::new(),
            skipped: Vec::new(),
            chunks: None,
        })
    }

    /// Turns the entries into `ledger_entries` table chunks of `rows` rows (accounting days in
    /// `zone`) as they are converted; [`Converter::finish_frame`] gives the table.
    pub(super) fn in_chunks(mut self, zone: Tz, rows: usize) -> Self {
        self.chunks = Some(Chunks {
            zone,
            rows: rows.max(1),
            done: Vec::new(),
        });
        self
    }

    /// One row (its number as a spreadsheet shows it); the first bad row is the error unless
    /// bad rows are skipped.
    pub(super) fn push(&mut self, row: usize, cells: &[Cell]) -> Result<()> {
        if cells.iter().all(|c| *c == Cell::Empty) {
            return Ok(()); // blank (often trailing) rows
        }
        match self
            .mapping
            .entry(cells, format!("{}:{row}", self.file_name))
        {
            Ok(e) => {
                self.entries.push(e);
                if let Some(c) = &mut self.chunks {
                    if self.entries.len() >= c.rows {
                        c.done.push(ledger_frame(&self.entries, c.zone)?);
                        self.entries.clear();
                    }
                }
            }
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

    /// The table of every converted row (in file order), and the rows skipped.
    pub(super) fn finish_frame(self, zone: Tz) -> Result<(DataFrame, Vec<SkippedRow>)> {
        let mut chunks = self.chunks.map(|c| c.done).unwrap_or_default();
        chunks.push(ledger_frame(&self.entries, zone)?);
        let df = crate::columns::stack(ledger_frame(&[], zone)?, chunks)?;
        Ok((df, self.skipped))
    }

    pub(super) fn finish(self) -> Ledger {
        Ledger {
            file: self.path.to_path_buf(),
            entries: self.entries,
            skipped: self.skipped,
        }
    }
}

type CellResult<T> = std::result::Result<T, (String, String)>;

/// One canonical column of [`COLUMNS`], resolved for one file: where its cells are, the file's
/// name for it (errors name it), and its `[ledger.values.<column>]` words.
struct Slot<'a> {
    at: Option<usize>,
    header: &'a str,
    values: Option<&'a BTreeMap<String, String>>,
}

/// The position of a canonical column in [`COLUMNS`] (the slots' order), checked when the
/// crate is compiled.
const fn col(canonical: &str) -> usize {
    let mut i = 0;
    while i < COLUMNS.len() {
        if str_eq(COLUMNS[i].0, canonical) {
            return i;
        }
        i += 1;
    }
    panic!("not a canonical ledger column")
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const ENTRY_ID: usize = col("entry_id");
const JOURNAL: usize = col("journal");
const PROVIDER: usize = col("provider");
const KIND: usize = col("kind");
const TX_ID: usize = col("tx_id");
const ORDER_ID: usize = col("order_id");
const CARD: usize = col("card");
const DESCRIPTION: usize = col("description");
const AMOUNT: usize = col("amount");
const CURRENCY: usize = col("currency");
const FEE: usize = col("fee");
const STATUS: usize = col("status");
const BOOKED_AT: usize = col("booked_at");

impl<'a> Mapping<'a> {
    /// The cell for a canonical column ([`col`]) and the file's name for that column (for
    /// errors).
    fn cell<'c>(&self, cells: &'c [Cell], column: usize) -> (&'c Cell, &'a str) {
        let slot = &self.slots[column];
        match slot.at {
            Some(i) => (cells.get(i).unwrap_or(&Cell::Empty), slot.header),
            None => (&Cell::Empty, slot.header),
        }
    }

    /// The cell as text after `[ledger.values.<column>]`, or None when empty.
    fn text(&self, cells: &[Cell], column: usize) -> CellResult<Option<String>> {
        let (cell, header) = self.cell(cells, column);
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
        Ok(value_word(self.slots[column].values, &raw).map(str::to_string))
    }

    fn required_text(&self, cells: &[Cell], column: usize) -> CellResult<String> {
        self.text(cells, column)?.ok_or_else(|| {
            (
                self.cell(cells, column).1.to_string(),
                "is empty".to_string(),
            )
        })
    }

    fn money(&self, cells: &[Cell], column: usize) -> CellResult<Option<Decimal>> {
        let (cell, header) = self.cell(cells, column);
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
        let (cell, header) = self.cell(cells, BOOKED_AT);
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
        let entry_id = self.required_text(cells, ENTRY_ID)?;
        let kind = match self.text(cells, KIND)? {
            None => None,
            Some(k) => Some(Kind::parse(&k).ok_or_else(|| {
                (self.cell(cells, KIND).1.to_string(), format!("`{k}` is not a kind (consumption, refund, recharge, fee, withdrawal, card_closure, open_card, buy_coin, other); map it in [ledger.values.kind]"))
            })?),
        };
        let status_text = self.required_text(cells, STATUS)?;
        let status = Status::parse(&status_text).ok_or_else(|| {
            (self.cell(cells, STATUS).1.to_string(), format!("`{status_text}` is not a status (success, pending, failed, reversed, unknown); map it in [ledger.values.status]"))
        })?;
        let amount = self.money(cells, AMOUNT)?.ok_or_else(|| {
            (
                self.cell(cells, AMOUNT).1.to_string(),
                "is empty".to_string(),
            )
        })?;
        let currency = crate::money::currency_code(&self.required_text(cells, CURRENCY)?);
        Ok(LedgerEntry {
            entry_id,
            provider: self.text(cells, PROVIDER)?,
            journal: self.text(cells, JOURNAL)?,
            kind,
            tx_id: self.text(cells, TX_ID)?,
            order_id: self.text(cells, ORDER_ID)?,
            card: self
                .text(cells, CARD)?
                .as_deref()
                .and_then(crate::model::last_four),
            description: self.text(cells, DESCRIPTION)?,
            amount,
            currency,
            fee: self.money(cells, FEE)?,
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
