//! The names of a run directory's files: the design's output contract, written in one place.
//! The pipeline writes them, the manifest lists them, `explain` and `deliver` read them, and
//! the demo points at them; none spells a name of its own, so renaming or adding a file is one
//! edit here (and the writer that makes it).

/// Every result row ([`crate::report::csv`]).
pub const RESULTS_CSV: &str = "results.csv";
/// Every row that is not matched.
pub const DISCREPANCIES_CSV: &str = "discrepancies.csv";
/// The links check's findings.
pub const LINKS_CSV: &str = "links.csv";
/// The card roll-forward's rows.
pub const CARDS_CSV: &str = "cards.csv";
/// The summary's figures, fetch statistics and the store's close view.
pub const SUMMARY_JSON: &str = "summary.json";
/// The workbook.
pub const REPORT_XLSX: &str = "report.xlsx";
/// The page.
pub const REPORT_HTML: &str = "report.html";
/// Inputs and outputs with their sha256, written last: a run without one is unfinished.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The canonical tables as Parquet, in a directory of their own.
pub const NORMALIZED_DIR: &str = "normalized";
pub const PROVIDER_RECORDS_PARQUET: &str = "provider_records.parquet";
pub const LEDGER_ENTRIES_PARQUET: &str = "ledger_entries.parquet";
