//! Parquet files from outside cardrecon (a ledger export, a `provider_records` table someone
//! kept): every page header is checked before polars decodes the file.
//!
//! Why: polars-parquet 0.55 trusts a data page's `num_values`. A negative count, cast to a size,
//! makes the validity decoder reserve 2⁶¹ bytes, and a failed allocation aborts the process; it is
//! not a panic and cannot be caught (found by `bench/fuzz.sh … ledger_parquet`, kept in
//! `tests/corpus/fuzz/ledger_parquet/`). The footer and page headers are small, so walking them
//! costs a few milliseconds even for a million-row ledger; the page bodies are not decompressed.
//! A file that passes is then read by polars with its panics caught ([`read`]).

use std::io::Cursor;
use std::path::Path;

use polars::prelude::{DataFrame, ParquetReader, SerReader};
use polars_buffer::Buffer;
use polars_parquet::parquet::page::{CompressedPage, DataPageHeader};
use polars_parquet::parquet::read::{get_page_iterator, read_metadata};

use crate::error::{Error, Result};

/// Reads a whole Parquet file into a DataFrame. An I/O failure is [`Error::Io`]; a file that is
/// not Parquet, or whose structure contradicts itself, goes to `malformed` with a reason that
/// names the row group, column and page where a check failed, for the caller's own error.
pub fn read(path: &Path, malformed: impl FnOnce(String) -> Error) -> Result<DataFrame> {
    read_columns(path, None, malformed)
}

/// [`read`], decoding only `columns` (all when `None`).
pub fn read_columns(
    path: &Path,
    columns: Option<&[&str]>,
    malformed: impl FnOnce(String) -> Error,
) -> Result<DataFrame> {
    let wanted = columns.map(|c| c.iter().map(|n| n.to_string()).collect());
    read_selected(path, |_| Ok(wanted), malformed)
}

/// [`read`], decoding only the columns `select` picks from the file's column names (all when it
/// gives `None`): a ledger export's columns that do not map to the canonical table are never
/// decoded.
pub fn read_selected(
    path: &Path,
    select: impl FnOnce(&[String]) -> Result<Option<Vec<String>>>,
    malformed: impl FnOnce(String) -> Error,
) -> Result<DataFrame> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let buffer = Buffer::from(bytes);
    // polars-parquet also panics on some malformed footers (`thrift bool field`), in the header
    // walk as much as in the decoder.
    let names = caught(|| {
        check_pages(&buffer)?;
        Ok(ParquetReader::new(Cursor::new(buffer.clone()))
            .schema()
            .map_err(|e| e.to_string())?
            .iter_names()
            .map(|n| n.to_string())
            .collect::<Vec<String>>())
    });
    let names = match names {
        Ok(n) => n,
        Err(why) => return Err(malformed(why)),
    };
    let columns = select(&names)?;
    caught(|| {
        ParquetReader::new(Cursor::new(buffer.clone()))
            .with_columns(columns)
            .finish()
            .map_err(|e| e.to_string())
    })
    .map_err(malformed)
}

/// Runs `f`, turning a panic inside polars-parquet into an error with its text.
fn caught<T>(f: impl FnOnce() -> std::result::Result<T, String>) -> std::result::Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(format!("the file is malformed ({})", panic_text(&*payload))),
    }
}

/// The text of a caught panic's payload.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

/// Walks the footer and every page header: counts must be non-negative and no page may hold
/// more values than its column chunk (nor a v2 page more rows than its row group).
pub fn check_pages(file: &Buffer<u8>) -> Result<(), String> {
    let limit = file.len().max(1024);
    let meta = read_metadata(&mut Cursor::new(file.clone()))
        .map_err(|e| format!("the footer is not valid Parquet ({e})"))?;
    for (g, group) in meta.row_groups.iter().enumerate() {
        let rows = group.num_rows();
        for chunk in group.parquet_columns() {
            let column = chunk.descriptor().path_in_schema.join(".");
            let at = |page: Option<usize>| match page {
                Some(p) => format!("row group {g}, column `{column}`, page {p}"),
                None => format!("row group {g}, column `{column}`"),
            };
            let chunk_values = chunk.num_values();
            if chunk_values < 0 || chunk.compressed_size() < 0 || chunk.uncompressed_size() < 0 {
                return Err(format!(
                    "{}: the column chunk's header has a negative count or size",
                    at(None)
                ));
            }
            let range = chunk.byte_range();
            if range.end > file.len() as u64 || range.start > range.end {
                return Err(format!(
                    "{}: the column chunk lies outside the file",
                    at(None)
                ));
            }
            let pages = get_page_iterator(chunk, Cursor::new(file.clone()), Vec::new(), limit)
                .map_err(|e| format!("{}: {e}", at(None)))?;
            let mut seen: i64 = 0;
            for (p, page) in pages.enumerate() {
                let page = page.map_err(|e| format!("{}: {e}", at(Some(p))))?;
                let CompressedPage::Data(data) = page else {
                    continue;
                };
                let (values, nulls, page_rows, levels) = match data.header() {
                    DataPageHeader::V1(h) => (h.num_values, 0, 0, 0),
                    DataPageHeader::V2(h) => (
                        h.num_values,
                        h.num_nulls,
                        h.num_rows,
                        h.definition_levels_byte_length
                            .min(h.repetition_levels_byte_length),
                    ),
                };
                if values < 0 || nulls < 0 || page_rows < 0 || levels < 0 {
                    return Err(format!(
                        "{}: the page header has a negative count ({values} values)",
                        at(Some(p))
                    ));
                }
                if nulls > values || page_rows as usize > rows {
                    return Err(format!(
                        "{}: the page header counts more nulls or rows than it holds",
                        at(Some(p))
                    ));
                }
                seen += i64::from(values);
                if seen > chunk_values {
                    return Err(format!(
                        "{}: the pages hold more values than the column chunk declares ({chunk_values})",
                        at(Some(p))
                    ));
                }
            }
        }
    }
    Ok(())
}
