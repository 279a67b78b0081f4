//! The fetch's evidence kept with its archive: `fetch-evidence.json` beside the provider
//! directories of `cardrecon fetch --out DIR` and of a run's `raw/`.
//!
//! Why: an auditor's question "did we fetch everything?" is answered by what the APIs said while
//! fetching (`FetchStats`: totals, pages, re-reads). A run shows it; but the documented flow
//! `fetch`, then `reconcile --provider-data DIR` (or re-reconciling a run's `raw/`) used to
//! answer "no fetch evidence", though the files were fetched. The evidence is now written with
//! the files, and a reconciliation from the archive shows it, but only while it still describes
//! those files: each record file's sha256 is kept, and a file added, removed or changed since
//! the fetch, or a reconciliation window the fetch did not cover, makes the run say why it has
//! no evidence instead of showing figures about other data.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::providers::http::FetchStats;
use crate::report::manifest::sha256_file;

/// The file's name, beside the provider directories.
pub const FILE: &str = "fetch-evidence.json";

/// What `fetch-evidence.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Archived {
    /// When the fetch ended (UTC).
    fetched_at: String,
    /// The instants fetched, `[from, to)`: the period and its margin in the business timezone.
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// Every record file (`<provider>/<stem>.jsonl`, `/`-separated) with its sha256.
    files: BTreeMap<String, String>,
    providers: Vec<FetchStats>,
}

/// The evidence a reconciliation from an archive may show.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The archive has no evidence file (provider files from elsewhere).
    Absent,
    /// The evidence describes these files: the fetch's statistics, and the words for
    /// `summary.json`'s `fetch_evidence`.
    Valid(Vec<FetchStats>, String),
    /// The evidence is there but no longer describes the files: why.
    Stale(String),
    /// The archive was fetched for a window that does not cover the reconciliation's: why,
    /// and where the fetched window ended (its card list is no closing list of a period that
    /// ends later).
    OtherWindow { why: String, to: DateTime<Utc> },
}

/// The record files under `dir`, keyed by `<provider>/<file>`, with their sha256.
fn record_files(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for (provider, sub) in crate::normalize::provider_dirs(dir)? {
        for file in crate::normalize::jsonl_files(&sub)? {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            files.insert(format!("{provider}/{name}"), sha256_file(&file)?.1);
        }
    }
    Ok(files)
}

/// Writes `dir/fetch-evidence.json` for the fetch of `[from, to)` that just wrote `dir`'s
/// record files (through a temporary name, so a half-written file never stands as evidence).
pub fn write(
    dir: &Path,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    stats: &[FetchStats],
) -> Result<()> {
    let archived = Archived {
        fetched_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        from,
        to,
        files: record_files(dir)?,
        providers: stats.to_vec(),
    };
    let path = dir.join(FILE);
    let mut text = serde_json::to_string_pretty(&archived).map_err(|e| Error::Output {
        path: path.clone(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    })?;
    text.push('\n');
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

/// The evidence of the archive `dir` for a reconciliation of `[from, to)`. A provider_records
/// table (a file) has none.
pub fn read(dir: &Path, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> Result<Found> {
    let path = dir.join(FILE);
    if !dir.is_dir() || !path.is_file() {
        return Ok(Found::Absent);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let archived: Archived = match serde_json::from_str(&text) {
        Ok(a) => a,
        Err(e) => {
            return Ok(Found::Stale(format!(
                "{} cannot be read ({e}), so it is not shown",
                path.display()
            )))
        }
    };
    if from < archived.from || to > archived.to {
        return Ok(Found::OtherWindow {
            to: archived.to,
            why: format!(
            "the archive was fetched for {} .. {}, which does not cover this reconciliation's {} .. {}",
            archived.from.to_rfc3339_opts(SecondsFormat::Secs, true),
            archived.to.to_rfc3339_opts(SecondsFormat::Secs, true),
            from.to_rfc3339_opts(SecondsFormat::Secs, true),
            to.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
        });
    }
    let now = record_files(dir)?;
    if let Some(changed) = archived
        .files
        .iter()
        .find(|(name, sha)| now.get(*name) != Some(*sha))
        .map(|(name, _)| name)
        .or_else(|| now.keys().find(|name| !archived.files.contains_key(*name)))
    {
        return Ok(Found::Stale(format!(
            "{changed} in the archive is not the file fetched on {} (changed, added or removed since), so the fetch's figures do not describe these records",
            archived.fetched_at
        )));
    }
    let words = format!(
        "the provider records were fetched by cardrecon on {} into this archive, and its {} record files are unchanged since (sha256): per provider its requests, pages and checks, per window the API's total and the records kept, per accounting day the records and their sum",
        archived.fetched_at,
        archived.files.len()
    );
    Ok(Found::Valid(archived.providers, words))
}
