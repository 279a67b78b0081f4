//! `manifest.json`: what a run was made from (inputs with sha256), what it wrote, the tool
//! version and the configuration with secrets redacted. It is written last, through a temporary
//! name, so a run directory with a manifest is complete.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::period::Period;
use crate::providers::http::FetchStats;

/// The facts of a run the manifest records, given by whoever ran it (the report layer does
/// not reach back into the pipeline for them).
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    pub period: Period,
    pub timezone: chrono_tz::Tz,
    /// The ledger file read: hashed into the inputs.
    pub ledger: &'a Path,
    /// The configuration file: copied, credentials redacted.
    pub config: Option<&'a Path>,
    pub fetch: &'a [FetchStats],
    pub started: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: String,
    pub run_id: String,
    pub period: String,
    pub timezone: String,
    pub started_at: String,
    pub finished_at: String,
    pub inputs: Vec<FileEntry>,
    pub outputs: Vec<FileEntry>,
    pub fetch: Vec<FetchStats>,
    /// The configuration file with every credential value that is not an `${ENV}` reference
    /// replaced by `***`.
    pub config: Option<String>,
}

pub fn sha256_file(path: &Path) -> Result<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let got = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if got == 0 {
            break;
        }
        h.update(&buf[..got]);
        n += got as u64;
    }
    let digest = h.finalize();
    Ok((n, digest.iter().map(|b| format!("{b:02x}")).collect()))
}

const SECRET_KEYS: [&str; 5] = ["api_key", "api_secret", "key", "app_key", "app_secret"];

/// Replaces credential values in a TOML text by `***`, keeping `${ENV}` references.
pub fn redact_config(text: &str) -> String {
    text.lines()
        .map(|line| {
            let Some((k, v)) = line.split_once('=') else {
                return line.to_string();
            };
            let key = k.trim();
            let value = v.trim().trim_matches('"');
            if SECRET_KEYS.contains(&key) && !(value.starts_with("${") && value.ends_with('}')) {
                format!("{k}= \"***\"")
            } else if key == "url" && !value.contains("${") {
                // `[store] url` with a password written in it.
                format!("{k}= \"{}\"", crate::secret::url_without_password(value))
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn entries(dir: &Path, files: &[PathBuf]) -> Result<Vec<FileEntry>> {
    let mut out = Vec::new();
    for f in files {
        let (bytes, sha256) = sha256_file(f)?;
        let path = f.strip_prefix(dir).unwrap_or(f).display().to_string();
        out.push(FileEntry {
            path,
            bytes,
            sha256,
        });
    }
    Ok(out)
}

/// Every provider's record files (`DIR/<provider>/*.jsonl`) under a provider-data directory
/// such as a run's `raw/`, in order.
pub fn record_files(raw: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(raw)
        .map_err(|e| Error::io(raw, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut v = Vec::new();
    for d in dirs {
        v.extend(crate::normalize::jsonl_files(&d)?);
    }
    Ok(v)
}

pub fn write(dir: &Path, run: &RunFacts<'_>) -> Result<()> {
    let mut inputs = entries(dir, &record_files(&dir.join("raw"))?)?;
    let (bytes, sha256) = sha256_file(run.ledger)?;
    inputs.push(FileEntry {
        path: run.ledger.display().to_string(),
        bytes,
        sha256,
    });
    let mut outputs_list: Vec<PathBuf> = [
        crate::run_dir::RESULTS_CSV,
        crate::run_dir::DISCREPANCIES_CSV,
        crate::run_dir::SUMMARY_JSON,
        crate::run_dir::REPORT_XLSX,
        crate::run_dir::REPORT_HTML,
        "normalized/provider_records.parquet",
        "normalized/ledger_entries.parquet",
    ]
    .iter()
    .map(|f| dir.join(f))
    .filter(|p| p.exists())
    .collect();
    outputs_list.sort();
    let config = match run.config {
        Some(p) => Some(redact_config(
            &std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
        )),
        None => None,
    };
    let m = Manifest {
        tool: format!("cardrecon {}", env!("CARGO_PKG_VERSION")),
        run_id: dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        period: run.period.label(),
        timezone: run.timezone.name().to_string(),
        started_at: run.started.to_rfc3339(),
        finished_at: Utc::now().to_rfc3339(),
        inputs,
        outputs: entries(dir, &outputs_list)?,
        fetch: run.fetch.to_vec(),
        config,
    };
    let path = dir.join(crate::run_dir::MANIFEST_JSON);
    let tmp = dir.join("manifest.json.tmp");
    let text = serde_json::to_string_pretty(&m).map_err(|e| Error::Output {
        path: path.clone(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    })?;
    std::fs::write(&tmp, text + "\n").map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_literal_credentials_only() {
        let text = "[providers.txv3]\nbase_url = \"https://x\"\napi_key = \"abc123\"\n[providers.usertrans]\napp_secret = \"${UT_SECRET}\"\nkey = \"k\"";
        let r = super::redact_config(text);
        assert!(!r.contains("abc123") && !r.contains("\"k\""), "{r}");
        assert!(r.contains("${UT_SECRET}") && r.contains("https://x"), "{r}");
        let store = "[store]\nurl = \"postgres://recon:hunter2@db/books\"\n";
        let r = super::redact_config(store);
        assert!(
            !r.contains("hunter2") && r.contains("postgres://recon:***@db/books"),
            "{r}"
        );
        let r = super::redact_config("[store]\nurl = \"postgres://recon:${PW}@db/books\"\n");
        assert!(r.contains("${PW}"), "{r}");
    }
}
