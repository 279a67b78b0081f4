//! What one provider's fetch did, counted while it runs (atomics shared by concurrent windows)
//! and reported in `summary.json` and `manifest.json`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Counters of one provider's fetch, for `summary.json` and `manifest.json`.
#[derive(Debug, Default)]
pub struct FetchCounters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub pages: AtomicU64,
    pub pages_from_archive: AtomicU64,
    pub token_refreshes: AtomicU64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
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
