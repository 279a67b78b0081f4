//! Report: the writers of a run's outputs, all reading the same [`ResultRows`] view of the
//! matching result, so every output says the same thing in the same words.
//!
//! - [`csv`]: `results.csv` and `discrepancies.csv` (fixed columns, plain decimals, RFC 3339
//!   times in the business timezone, formula-looking text neutralised).
//! - [`summary`]: `summary.json` and the summary table printed on the terminal.

pub mod cards;
pub mod csv;
pub mod daily;
pub mod fetch;
pub mod html;
pub mod layout;
pub mod links;
pub mod manifest;
pub mod shown_text;
pub mod summary;
pub mod thresholds;
pub mod xlsx;

// The result rows every writer reads, and the store's view of a run, live in `crate::results`
// (the store reads them too, and must not depend on the reports); the writers name them here.
/// Writes `bytes` to a temporary name beside `path` (`summary.json.tmp`), then renames it into
/// place: a reader never sees half a file, and a run killed midway leaves no truncated one.
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> crate::error::Result<()> {
    let ext = path
        .extension()
        .map(|e| format!("{}.tmp", e.to_string_lossy()))
        .unwrap_or_else(|| "tmp".into());
    let tmp = path.with_extension(ext);
    std::fs::write(&tmp, bytes).map_err(|e| crate::error::Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| crate::error::Error::io(path, e))
}

pub use crate::results::{
    close, exposure, format_time, Diffs, ResultRow, ResultRows, RESULT_COLUMNS, STORE_NOTE, WEIGHT,
};
