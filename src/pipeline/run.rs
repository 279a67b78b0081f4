//! `run`'s whole job: take the period's lock and run directory, open the store, fetch every
//! provider, reconcile, commit, and write `manifest.json` last.

use std::path::{Path, PathBuf};

use super::stored::{open_store, os_user, reconcile_in, store_url, StoreJob};
use super::{Outcome, Outputs, ReconcileJob};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::providers::http::{Archive, FetchStats};
use crate::report;

/// What `run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunJob {
    pub settings: Settings,
    /// The config file, copied (redacted) into the manifest.
    pub config_path: Option<PathBuf>,
    pub period: Period,
    pub ledger: PathBuf,
    /// Use this run id (to resume a particular run); default: resume the newest unfinished run
    /// of the period, or start a new one.
    pub run_id: Option<String>,
    pub progress: bool,
    /// Limits for unattended runs (cron).
    pub thresholds: report::thresholds::Thresholds,
    /// Run a closed period again (`--reopen-period`).
    pub reopen_period: bool,
    /// Ignore the store's fetch cache: ask the providers for every detail again.
    pub refresh: bool,
    /// Also write the canonical tables, hive-partitioned, under this directory (`--export`).
    pub export: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run_dir: PathBuf,
    pub outcome: Outcome,
    pub resumed: bool,
}

/// The run directory: `<output>/<period>/<run-id>/`. An unfinished one (no `manifest.json`) is
/// resumed, so a killed run started again picks up its archived pages.
pub fn run_dir(
    settings: &Settings,
    period: &Period,
    run_id: Option<&str>,
) -> Result<(PathBuf, bool)> {
    let base = settings.output_dir.join(period.label());
    if let Some(id) = run_id {
        let dir = base.join(id);
        let resumed = dir.is_dir();
        return Ok((dir, resumed));
    }
    if base.is_dir() {
        let mut unfinished: Vec<PathBuf> = std::fs::read_dir(&base)
            .map_err(|e| Error::io(&base, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && !p.join(crate::run_dir::MANIFEST_JSON).exists())
            .collect();
        unfinished.sort();
        if let Some(last) = unfinished.pop() {
            return Ok((last, true));
        }
    }
    let id = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    Ok((base.join(id), false))
}

/// Holds `<output>/<period>/.lock` for a run's whole life, so two runs of one period cannot write
/// into one run directory at once. The operating system releases the lock when the process ends,
/// however it ends, so a killed run never leaves a stale lock behind.
pub fn lock_period(settings: &Settings, period: &Period) -> Result<std::fs::File> {
    let base = settings.output_dir.join(period.label());
    std::fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let path = base.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Input {
            what: path.display().to_string(),
            message: format!("another `cardrecon run` of {} is in progress (it holds this lock); wait for it to finish", period.label()),
            cause: None,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

/// Refuses a configuration with nothing to fetch (no provider has a `base_url`).
pub fn require_connections(settings: &Settings) -> Result<()> {
    if settings.providers.values().any(|p| p.connection.is_some()) {
        Ok(())
    } else {
        Err(Error::config(
            &settings.source_name,
            "providers",
            "no provider has a base_url: nothing to fetch (see `cardrecon init`)",
        ))
    }
}

/// Fetches every provider that has a connection, concurrently, into `raw_dir`.
pub async fn fetch_all(
    settings: &Settings,
    raw_dir: &Path,
    period: &Period,
    progress: bool,
    details: Option<&dyn crate::providers::spec::DetailCache>,
) -> Result<Vec<FetchStats>> {
    let (from, to) = period
        .with_margin(settings.margin_days)
        .instants(settings.timezone);
    let bars = if progress && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        Some(indicatif::MultiProgress::new())
    } else {
        None
    };
    let jobs = settings.providers.values().filter_map(|inst| inst.connection.as_ref().map(|c| (inst, c))).map(|(inst, conn)| {
        let archive = Archive::new(raw_dir, &inst.name);
        let bar = bars.as_ref().map(|m| {
            let b = m.add(indicatif::ProgressBar::new_spinner());
            b.set_style(indicatif::ProgressStyle::with_template("{spinner} {prefix:>10} {pos:>9} records {elapsed}").unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()));
            b.set_prefix(inst.name.clone());
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        });
        async move {
            tracing::info!(provider = %inst.name, url = %conn.base_url, "fetching");
            let fetched = (inst.spec.fetch)(crate::providers::spec::FetchJob {
                instance: &inst.name,
                connection: conn,
                options: &inst.options,
                from,
                to,
                archive: &archive,
                progress: &bar,
                details,
            })
            .await?;
            for (stem, lines) in &fetched.files {
                archive.write_records(stem, lines)?;
            }
            if let Some(b) = &bar {
                b.finish();
            }
            tracing::info!(provider = %inst.name, records = fetched.stats.records, requests = fetched.stats.requests, retries = fetched.stats.retries, "fetched");
            Ok::<_, Error>(fetched.stats)
        }
    });
    let stats = futures::future::try_join_all(jobs).await?;
    // The evidence goes with the files, so a later `reconcile --provider-data` of this archive
    // can still show it.
    super::evidence::write(raw_dir, (from, to), &stats)?;
    Ok(stats)
}

/// `run`: fetch, reconcile, and write the run directory, `manifest.json` last.
pub async fn run(job: &RunJob) -> Result<RunOutcome> {
    require_connections(&job.settings)?;
    let started = chrono::Utc::now();
    let _lock = lock_period(&job.settings, &job.period)?;
    let (dir, resumed) = run_dir(&job.settings, &job.period, job.run_id.as_deref())?;
    let raw = dir.join("raw");
    std::fs::create_dir_all(&raw).map_err(|e| Error::io(&raw, e))?;
    if resumed {
        tracing::info!(dir = %dir.display(), "resuming an unfinished run from its archive");
    }
    // The store first: a closed period is refused before anything is fetched, and the fetch
    // asks only for details the store does not already hold.
    let store = StoreJob {
        url: store_url(&job.settings),
        by: os_user(),
        reopen_period: job.reopen_period,
    };
    let (st, snapshot) = open_store(&store, &job.period).await?;
    let cache = st.fetch_cache(job.refresh).await?;
    tracing::info!(details = cache.len(), "fetch cache loaded");
    let stats = fetch_all(&job.settings, &raw, &job.period, job.progress, Some(&cache)).await?;
    let rjob = ReconcileJob {
        provider_data: raw.clone(),
        ledger: job.ledger.clone(),
        out: dir.clone(),
        period: job.period,
        settings: job.settings.clone(),
        fetch_stats: stats.clone(),
        fetch_evidence: None,
        fetched_until: None,
        run: Some((
            dir.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            started.to_rfc3339(),
        )),
        outputs: Outputs::ALL,
        thresholds: job.thresholds.clone(),
        external: crate::pipeline::External {
            export: job.export.clone(),
            results: None,
        },
    };
    // The store is written before the manifest: a run killed before it wrote the store is still
    // unfinished and resumes; the store write itself is one transaction.
    let run_id = rjob.run.as_ref().map(|r| r.0.clone()).unwrap_or_default();
    let outcome = reconcile_in(&rjob, &store, &run_id, &st, snapshot, cache.into_new()).await?;
    crate::report::manifest::write(
        &dir,
        &crate::report::manifest::RunFacts {
            period: job.period,
            timezone: job.settings.timezone,
            ledger: &job.ledger,
            config: job.config_path.as_deref(),
            fetch: &stats,
            started,
        },
    )?;
    Ok(RunOutcome {
        run_dir: dir,
        outcome,
        resumed,
    })
}
