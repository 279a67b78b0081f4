//! What a provider fetch hands back: the wire records per file name and the statistics.

use super::http::FetchStats;

#[derive(Debug, Default)]
pub struct ProviderFetch {
    /// `(file stem, records)`: written as `raw/<instance>/<stem>.jsonl`.
    pub files: Vec<(String, Vec<String>)>,
    pub stats: FetchStats,
}

/// Where a fetch reports progress (records so far); `None` on a non-terminal.
pub type Progress = Option<indicatif::ProgressBar>;

pub fn tick(progress: &Progress, n: usize) {
    if let Some(p) = progress {
        p.inc(n as u64);
    }
}
