//! A reconciliation against the store: open it (refusing a closed period), reconcile with
//! earlier periods' open items, and commit the run in one transaction.

use std::path::{Path, PathBuf};

use super::{reconcile_with, Outcome, ReconcileJob};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::store;

/// How a run or a reconcile uses a store.
#[derive(Debug, Clone)]
pub struct StoreJob {
    /// The store's URL (may hold a password: never printed; see [`crate::secret::url_without_password`]).
    pub url: crate::secret::Secret,
    /// Who runs it, for the event log.
    pub by: String,
    /// Run a closed period again, reopening it (an event).
    pub reopen_period: bool,
}

/// Reconciles against a store: reads it, reconciles with earlier periods' open items taking
/// part, writes the outputs, then commits the run to the store in one transaction. Refuses a
/// closed period unless `reopen_period`.
pub async fn reconcile_stored(job: &ReconcileJob, sj: &StoreJob, run_id: &str) -> Result<Outcome> {
    let (st, snapshot) = open_store(sj, &job.period).await?;
    reconcile_in(job, sj, run_id, &st, snapshot, Vec::new()).await
}

/// The inputs as a reconciliation of `period` against the store sees them: earlier periods'
/// open items carried in, and their rows (for `export --store`, so a statement run elsewhere
/// sees what the engine would).
pub async fn carried_inputs(
    url: &crate::secret::Secret,
    period: &Period,
    provider: &polars::prelude::DataFrame,
    ledger: &polars::prelude::DataFrame,
) -> Result<store::run::Carried> {
    let st = store::Store::open(url.expose()).await?;
    let snapshot = st.snapshot(period).await?;
    store::run::with_carried(provider, ledger, &snapshot, period)
}

/// Opens the store and reads what a run of `period` needs, refusing a closed period unless
/// `--reopen-period`: before any work is done.
pub(super) async fn open_store(
    sj: &StoreJob,
    period: &Period,
) -> Result<(store::Store, store::Snapshot)> {
    let st = store::Store::open(sj.url.expose()).await?;
    let snapshot = st.snapshot(period).await?;
    refuse_closed(&st, &snapshot, sj, period)?;
    Ok((st, snapshot))
}

/// A closed period is not run again unless `--reopen-period`.
fn refuse_closed(
    st: &store::Store,
    snapshot: &store::Snapshot,
    sj: &StoreJob,
    period: &Period,
) -> Result<()> {
    let label = period.label();
    if let Some(ps) = snapshot.period.as_ref().filter(|p| p.closed) {
        if !sj.reopen_period {
            return Err(Error::Store {
                store: st.shown().to_string(),
                message: format!(
                    "{label} is closed (by {} at {}); pass --reopen-period to run it again, which is recorded as an event",
                    ps.changed_by, ps.changed_at
                ),
                cause: None,
            });
        }
    }
    Ok(())
}

/// How many times a run plans its write to the store: runs that finish together commit one per
/// round, so five lets five at once all land.
const ATTEMPTS: u32 = 5;

/// Reconciles with the store's snapshot and commits the run, planning again when the commit
/// finds the store changed since it was read.
///
/// **Why retry.** People decide while a month runs (an acceptance, a comment in the
/// workspace), and two runs may finish together. The commit refuses a plan made on a store
/// that changed since ([`Error::StoreChanged`]: nothing is lost or written twice), and the run
/// then reads the store again, reconciles and plans again on what it now holds, up to
/// [`ATTEMPTS`] times, instead of failing because people were working. A short random pause
/// first keeps runs that finished together from meeting again. The reports are written again
/// each time, so they show what was committed.
pub(super) async fn reconcile_in(
    job: &ReconcileJob,
    sj: &StoreJob,
    run_id: &str,
    st: &store::Store,
    snapshot: store::Snapshot,
    details: Vec<store::fetch_cache::Entry>,
) -> Result<Outcome> {
    // The first try plans on the snapshot read at the start; a retry reads the store again
    // (and refuses a period someone closed meanwhile).
    let mut first = Some(snapshot);
    let details = &details;
    store::retry_when_changed(ATTEMPTS, "run", || {
        let given = first.take();
        async move {
            let snapshot = match given {
                Some(s) => s,
                None => {
                    let s = st.snapshot(&job.period).await?;
                    refuse_closed(st, &s, sj, &job.period)?;
                    s
                }
            };
            reconcile_once(job, sj, run_id, st, snapshot, details.clone()).await
        }
    })
    .await
}

/// Reconciles with the store's snapshot and commits the run (with the details its fetch added
/// to the fetch cache), once.
async fn reconcile_once(
    job: &ReconcileJob,
    sj: &StoreJob,
    run_id: &str,
    st: &store::Store,
    snapshot: store::Snapshot,
    details: Vec<store::fetch_cache::Entry>,
) -> Result<Outcome> {
    let at = crate::period::now_text();
    let ctx = store::plan::RunContext {
        run_id: run_id.to_string(),
        period: job.period,
        at: at.clone(),
        by: sj.by.clone(),
    };
    let stored = store::run::StoreRun {
        snapshot: &snapshot,
        run: &ctx,
        shown: st.shown(),
        store: st,
        runtime: tokio::runtime::Handle::current(),
    };
    tracing::info!(items = snapshot.items.len(), "store read");
    let outcome = reconcile_with(job, Some(&stored))?;
    let record = store::RunRecord {
        run_id: run_id.to_string(),
        period: job.period,
        at,
        by: sj.by.clone(),
        inputs_sha256: inputs_sha256(&job.provider_data, &job.ledger)?,
        result_rows: outcome.summary.results,
        discrepancies: outcome.summary.discrepancies,
        reopen_period: sj.reopen_period && snapshot.period.as_ref().is_some_and(|p| p.closed),
        details,
        link_records: outcome.link_records.clone(),
        cards: outcome.cards.clone(),
    };
    if let Some(plan) = &outcome.plan {
        tracing::info!(store = %st.shown(), items = plan.changed.len(), events = plan.events.len(), "writing the store");
        st.commit(snapshot.generation, &record, plan).await?;
        tracing::info!("store written");
    }
    Ok(outcome)
}

/// One SHA-256 over the run's inputs: the provider record files reconcile reads (by relative
/// path, in order; the manifest lists the same files) and the ledger. A run's archived pages
/// are not inputs of the reconciliation and are not hashed (a month has one per detail request).
fn inputs_sha256(provider_data: &Path, ledger: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut files: Vec<PathBuf> = if provider_data.is_dir() {
        crate::report::manifest::record_files(provider_data)?
    } else {
        vec![provider_data.to_path_buf()]
    };
    files.push(ledger.to_path_buf());
    let mut h = Sha256::new();
    for f in &files {
        let (_, digest) = crate::report::manifest::sha256_file(f)?;
        h.update(
            f.strip_prefix(provider_data)
                .unwrap_or(f)
                .to_string_lossy()
                .as_bytes(),
        );
        h.update(digest.as_bytes());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The operating-system user, for `--by` defaults and run events: `$USER` (what people see in
/// their shell), else the account the process runs as.
pub fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| whoami::username().ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The store `run` uses: `[store] url`, else `sqlite:<output dir>/cardrecon.db`.
pub fn store_url(settings: &Settings) -> crate::secret::Secret {
    settings.store_url.clone().unwrap_or_else(|| {
        crate::secret::Secret::new(format!(
            "sqlite:{}",
            settings.output_dir.join("cardrecon.db").display()
        ))
    })
}
