//! Spreadsheet ledgers: XLSX streamed, XLS/XLSB/ODS through calamine's ranges.
//!
//! An XLSX ledger of a million rows is 10 million cells. Reading it as a calamine `Range` first
//! holds every cell twice over (calamine's sparse cells, then the dense range, then our rows) and
//! converts only once the whole sheet is parsed. Instead the sheet's XML is read by calamine's
//! cell reader on one thread and sent in batches of rows to the converter on the other, so the
//! two cores overlap parsing with validation and no sheet-sized buffer is ever built.
//!
//! The rules are the range reader's: the header is the first row with a cell; columns count from
//! the header's first cell (a cell left of it has no header, so no column could name it); a
//! whitespace-only text cell is empty; rows are numbered as the spreadsheet shows them. Rows
//! reach the converter in file order, so the first bad row is the one reported, and a parse error
//! further down never hides an earlier bad row.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{open_workbook_auto, Data, DataRef, Reader, Sheets, Xlsx, XlsxError};

use super::{convert, file_err, guarded, header_name, Cell, Converter, Ledger, RawTable};
use crate::config::Settings;
use crate::error::Result;

/// Rows per message from the parsing thread: large enough that the channel costs nothing,
/// small enough that the converter starts at once.
const BATCH: usize = 4096;

const EMPTY: &str = "is empty: expected a header row and entries";

pub(super) fn load(path: &Path, settings: &Settings) -> Result<Ledger> {
    guarded(path, "a workbook", || {
        let sheet = settings.ledger.sheet.as_deref();
        let wb = open_workbook_auto(path).map_err(|e| {
            file_err(path, format!("cannot be opened as a workbook: {e}")).because(e)
        })?;
        match wb {
            Sheets::Xlsx(wb) => stream(path, wb, sheet, settings),
            mut other => convert(path, range_table(path, &mut other, sheet)?, settings),
        }
    })
}

/// What the parsing thread sends: the header row's texts, then batches of numbered rows.
enum Message {
    Header(Vec<String>),
    Rows(Batch),
}

/// Rows of cells laid flat, their texts in one buffer. The parsing thread is the critical path;
/// built this way it allocates nothing per cell, and every `String` the converter makes is
/// allocated and freed on the converter's own thread (glibc's cross-thread frees cost the
/// parser a third of its time when each cell was sent as its own `String`).
#[derive(Default)]
struct Batch {
    text: String,
    slots: Vec<Slot>,
    /// Spreadsheet row number and the row's first slot; a row ends where the next begins.
    rows: Vec<(usize, usize)>,
}

#[derive(Clone, Copy)]
enum Slot {
    Empty,
    /// A range of [`Batch::text`].
    Text(usize, usize),
    Int(i64),
    Float(f64),
    Naive(chrono::NaiveDateTime),
}

impl Slot {
    fn cell(self, text: &str) -> Cell {
        match self {
            Slot::Empty => Cell::Empty,
            Slot::Text(a, b) => Cell::Text(text[a..b].to_string()),
            Slot::Int(v) => Cell::Int(v),
            Slot::Float(v) => Cell::Float(v),
            Slot::Naive(t) => Cell::Naive(t),
        }
    }
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Each row's cells in the shared cell model, in order.
    fn for_each_row(&self, mut f: impl FnMut(usize, &[Cell]) -> Result<()>) -> Result<()> {
        let mut cells = Vec::new();
        for (i, &(row, start)) in self.rows.iter().enumerate() {
            let end = self.rows.get(i + 1).map_or(self.slots.len(), |r| r.1);
            cells.clear();
            cells.extend(
                self.slots[start..end]
                    .iter()
                    .map(|slot| slot.cell(&self.text)),
            );
            f(row, &cells)?;
        }
        Ok(())
    }
}

fn stream(
    path: &Path,
    mut wb: Xlsx<BufReader<File>>,
    sheet: Option<&str>,
    settings: &Settings,
) -> Result<Ledger> {
    let name = match sheet {
        Some(name) => name.to_string(),
        None => match wb.sheet_names().first() {
            Some(first) => first.clone(),
            None => return Err(file_err(path, "has no sheets")),
        },
    };
    let (tx, rx) = sync_channel(4);
    let (wb, name, named) = (&mut wb, name.as_str(), sheet.is_some());
    std::thread::scope(|scope| {
        // `tx` moves into the thread: its end is the channel's end.
        let parser = scope.spawn(move || {
            if let Err(e) = parse(wb, name, named, &tx) {
                // The converter may have stopped at a bad row already; then nobody listens.
                let _ = tx.send(Err(file_err(path, e)));
            }
        });
        let converted = receive(path, settings, rx);
        match parser.join() {
            Ok(()) => converted,
            Err(payload) => Err(file_err(
                path,
                format!(
                    "cannot be read as a workbook: the file is malformed ({})",
                    crate::parquet_input::panic_text(&*payload)
                ),
            )),
        }
    })
}

/// The converter's side: the header, then every row in order, stopping at the first error.
fn receive(path: &Path, settings: &Settings, rx: Receiver<Result<Message>>) -> Result<Ledger> {
    let headers = match rx.recv() {
        Ok(Ok(Message::Header(h))) => h,
        Ok(Err(e)) => return Err(e),
        Ok(Ok(Message::Rows(_))) | Err(_) => return Err(file_err(path, EMPTY)),
    };
    let mut rows = Converter::new(path, &headers, settings)?;
    for message in rx {
        if let Message::Rows(batch) = message? {
            batch.for_each_row(|row, cells| rows.push(row, cells))?;
        }
    }
    Ok(rows.finish())
}

type Sender = SyncSender<Result<Message>>;

/// The parsing thread: calamine's cell reader, cells gathered into rows. Returns calamine's
/// error as the message for the file; stops quietly when the converter has hung up.
fn parse(
    wb: &mut Xlsx<BufReader<File>>,
    name: &str,
    named: bool,
    tx: &Sender,
) -> std::result::Result<(), String> {
    let names = wb.sheet_names();
    let sheet_err = |e: XlsxError| {
        if named {
            format!("sheet `{name}`: {e} (sheets: {})", names.join(", "))
        } else {
            format!("first sheet: {e}")
        }
    };
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet has no cells, as calamine's range reader would say.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(sheet_err(e)),
    };
    let mut rows = Assembler::default();
    loop {
        match reader.next_cell() {
            Ok(Some(cell)) => {
                let value = cell.get_value();
                if matches!(value, DataRef::Empty) {
                    continue;
                }
                let (r, c) = cell.get_position();
                if !rows.cell(r, c, value, tx) {
                    return Ok(());
                }
            }
            Ok(None) => {
                rows.finish(tx);
                return Ok(());
            }
            Err(e) => {
                // Rows before the error still go first, so an earlier bad row is reported.
                if rows.finish(tx) {
                    return Err(sheet_err(e));
                }
                return Ok(());
            }
        }
    }
}

/// Gathers the cell stream into the header and numbered rows of cells.
#[derive(Default)]
struct Assembler {
    /// The header's row (0-based) and first column, once a cell has been seen.
    header: Option<(u32, u32)>,
    headers: Vec<String>,
    header_sent: bool,
    /// The row being gathered (0-based), whose cells are the batch's last slots.
    row: Option<u32>,
    batch: Batch,
}

impl Assembler {
    /// One non-empty cell, in stream order; false once the converter has hung up.
    fn cell(&mut self, r: u32, c: u32, value: &DataRef<'_>, tx: &Sender) -> bool {
        let (header_row, origin) = *self.header.get_or_insert((r, c));
        if c < origin {
            return true; // left of the header: no column names it
        }
        let at = (c - origin) as usize;
        if r == header_row {
            if self.headers.len() <= at {
                self.headers.resize(at + 1, String::new());
            }
            self.headers[at] = header_text(value);
            return true;
        }
        if self.row != Some(r) {
            if !self.flush(tx) {
                return false;
            }
            self.row = Some(r);
            let start = self.batch.slots.len();
            self.batch.rows.push((r as usize + 1, start));
        }
        let b = &mut self.batch;
        let start = b.rows.last().map_or(0, |row| row.1);
        if b.slots.len() <= start + at {
            b.slots.resize(start + at + 1, Slot::Empty);
        }
        b.slots[start + at] = slot(&mut b.text, value);
        true
    }

    /// Between rows: sends the header first, and the batch when it is full.
    fn flush(&mut self, tx: &Sender) -> bool {
        if !self.header_sent && self.header.is_some() {
            self.header_sent = true;
            if tx
                .send(Ok(Message::Header(std::mem::take(&mut self.headers))))
                .is_err()
            {
                return false;
            }
        }
        if self.batch.rows.len() >= BATCH {
            return tx
                .send(Ok(Message::Rows(std::mem::take(&mut self.batch))))
                .is_ok();
        }
        true
    }

    /// Sends what is left; false when the converter has hung up.
    fn finish(&mut self, tx: &Sender) -> bool {
        if !self.flush(tx) {
            return false;
        }
        let batch = std::mem::take(&mut self.batch);
        batch.is_empty() || tx.send(Ok(Message::Rows(batch))).is_ok()
    }
}

/// A header cell's text, as calamine displays the value.
fn header_text(value: &DataRef<'_>) -> String {
    header_name(&Data::from(value.clone()).to_string())
}

/// A data cell, its text appended to the batch's buffer.
fn slot(text: &mut String, value: &DataRef<'_>) -> Slot {
    let mut push = |s: &str| {
        if s.trim().is_empty() {
            return Slot::Empty;
        }
        let a = text.len();
        text.push_str(s);
        Slot::Text(a, text.len())
    };
    match value {
        DataRef::Empty => Slot::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => push(s),
        DataRef::SharedString(s) => push(s),
        DataRef::Int(v) => Slot::Int(*v),
        DataRef::Float(v) => Slot::Float(*v),
        DataRef::Bool(b) => push(if *b { "true" } else { "false" }),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) => Slot::Naive(t),
            None => push(&d.to_string()),
        },
        DataRef::Error(e) => push(&format!("#ERROR {e:?}")),
    }
}

/// XLS, XLSB and ODS: calamine's range, then the same cell model.
fn range_table<R: std::io::Read + std::io::Seek>(
    path: &Path,
    wb: &mut Sheets<R>,
    sheet: Option<&str>,
) -> Result<RawTable> {
    let range = match sheet {
        Some(name) => wb.worksheet_range(name).map_err(|e| {
            file_err(
                path,
                format!(
                    "sheet `{name}`: {e} (sheets: {})",
                    wb.sheet_names().join(", ")
                ),
            )
        })?,
        None => match wb.worksheet_range_at(0) {
            Some(r) => r.map_err(|e| file_err(path, format!("first sheet: {e}")).because(e))?,
            None => return Err(file_err(path, "has no sheets")),
        },
    };
    let (start_row, _) = range.start().unwrap_or((0, 0));
    let mut it = range.rows();
    let header = it.next().ok_or_else(|| file_err(path, EMPTY))?;
    let headers = header.iter().map(|c| header_name(&c.to_string())).collect();
    let rows = it
        .enumerate()
        .map(|(i, r)| {
            let cells = r
                .iter()
                .map(|c| {
                    let mut text = String::new();
                    slot(&mut text, &borrowed(c)).cell(&text)
                })
                .collect();
            (start_row as usize + i + 2, cells)
        })
        .collect();
    Ok(RawTable { headers, rows })
}

/// A range's cell as the streaming reader sees it (text borrowed, not copied).
fn borrowed(d: &Data) -> DataRef<'_> {
    match d {
        Data::Empty => DataRef::Empty,
        Data::String(s) => DataRef::SharedString(s),
        Data::Int(v) => DataRef::Int(*v),
        Data::Float(v) => DataRef::Float(*v),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(t) => DataRef::DateTime(*t),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
    }
}
