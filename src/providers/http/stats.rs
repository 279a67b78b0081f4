//! What one provider's fetch did, counted while it runs (atomics shared by concurrent windows)
//! and reported in `summary.json` and `manifest.json`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Counters of one provider's fetch, for `summary.json` and `manifest.json`.
#[derive(Debug, Default)]
pub struct FetchCounters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub pages: AtomicU64,
    pub pages_from_archive: AtomicU64,
    pub token_refreshes: AtomicU64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FetchStats {
    pub provider: String,
    pub requests: u64,
    pub retries: u64,
    pub pages: u64,
    pub pages_from_archive: u64,
    pub token_refreshes: u64,
    pub records: u64,
    pub identical_repeats_dropped: u64,
    pub windows: u64,
    /// Windows whose record count was checked against a provider-reported total.
    pub completeness_checks: u64,
    /// Passes over the windows until one changed nothing (at least 2: every window is checked
    /// again after the first).
    pub passes: u64,
    /// Windows read again because their records changed while paging (page drift).
    pub windows_reread: u64,
    /// How completeness was established, in words: against the totals the API reports, or, for
    /// an API without totals, by short pages and re-reading until nothing changes.
    pub completeness: String,
    /// Every window: what the API said and what was kept.
    pub window_checks: Vec<WindowCheck>,
}

/// One fetch window's evidence: the provider's total where it gives one, the distinct records
/// kept, the pages of the read that was kept, how many times the window was read in full, and
/// the identical repeats (paging artefacts) dropped from it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WindowCheck {
    /// The window's archive key (query, class and range), e.g. `trades/20260225T000000-…`.
    pub window: String,
    /// `[from, to)`, RFC 3339 UTC; none for a query that is not a time range (a card list).
    pub from: Option<String>,
    pub to: Option<String>,
    /// The total the API reported (none for an API without totals).
    pub total: Option<u64>,
    pub fetched: u64,
    pub pages: u64,
    /// Full reads: 1, plus one per re-read after the window changed while it was paged.
    pub reads: u64,
    /// Identical repeats within the window's reads (a record two windows both sent is counted
    /// in the provider's `identical_repeats_dropped` only).
    pub repeats_dropped: u64,
}

/// The words for a fetch whose windows did (`true`) or did not report totals.
pub fn completeness_words(totals: bool) -> &'static str {
    if totals {
        "each window's distinct records checked against the total the API reports (every page's total the same), then every window's first page asked again until a pass changed nothing"
    } else {
        "the API reports no totals: a window ends at its first short page, and every window is read again in full until a pass changes nothing"
    }
}

impl FetchStats {
    /// Takes the request counters' final values (records and checks stay as they are).
    pub fn update_counters(&mut self, c: &FetchCounters) {
        self.requests = c.requests.load(Ordering::Relaxed);
        self.retries = c.retries.load(Ordering::Relaxed);
        self.pages = c.pages.load(Ordering::Relaxed);
        self.pages_from_archive = c.pages_from_archive.load(Ordering::Relaxed);
        self.token_refreshes = c.token_refreshes.load(Ordering::Relaxed);
    }
}
