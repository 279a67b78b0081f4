//! Reading what a reconciliation starts from: the two inputs (on two threads), and a results
//! table computed elsewhere (`report --results`).

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::matching;

/// The two inputs, read on two threads: the provider records (a directory of wire files or a
/// `provider_records` table) and the ledger, with what reading them found, each with the
/// columns the engine reads in one chunk. `only_keys` reads only the columns the engine, the
/// links check and the summary need.
pub fn read_inputs(
    provider_data: &Path,
    ledger: &Path,
    s: &Settings,
    only_keys: bool,
) -> Result<Inputs> {
    let zone = s.timezone;
    let read_provider = || -> Result<_> {
        if provider_data.is_file() {
            tracing::info!(file = %provider_data.display(), "reading the provider_records table");
            let link_keys: &[&str] = if s.matching.links {
                &crate::links::LINK_KEYS
            } else {
                &[]
            };
            let keys: Vec<&str> = matching::P_KEYS.iter().chain(link_keys).copied().collect();
            let only = only_keys.then_some(&keys[..]);
            let (mut df, stats) =
                crate::normalize::read_provider_parquet_columns(provider_data, zone, only)?;
            rechunk(&mut df, &matching::P_KEYS)?;
            Ok((df, stats))
        } else {
            tracing::info!(dir = %provider_data.display(), "reading provider records");
            let read = crate::normalize::read_provider_dir_frame(
                provider_data,
                s,
                zone,
                crate::columns::TABLE_CHUNK_ROWS,
            )?;
            tracing::info!(records = read.0.height(), "provider records read");
            Ok(read)
        }
    };
    let read_ledger = || {
        tracing::info!(file = %ledger.display(), "reading ledger");
        let (mut df, skipped) = crate::ledger::load_frame_with(ledger, s, zone, !only_keys)?;
        crate::ledger::judge_skipped(
            ledger,
            df.height(),
            &skipped,
            s.ledger
                .max_skipped_share
                .unwrap_or(crate::ledger::MAX_SKIPPED_SHARE),
        )?;
        rechunk(&mut df, &matching::L_KEYS)?;
        tracing::info!(entries = df.height(), "ledger read");
        Ok::<_, Error>((df, skipped))
    };
    let (provider_read, ledger_read) = std::thread::scope(|scope| {
        let ledger = scope.spawn(read_ledger);
        let provider = read_provider();
        let ledger = ledger
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (provider, ledger)
    });
    // The provider side's error first, as when they were read one after the other.
    let (provider_df, read_stats) = provider_read?;
    let (ledger_df, skipped_rows) = ledger_read?;
    Ok(Inputs {
        provider: provider_df,
        read_stats,
        ledger: ledger_df,
        skipped_rows,
    })
}

/// Makes each named column one chunk. The engine reads rows by position, cheapest from a
/// single buffer, and a Parquet file gives a chunk per row group. Done on each input's own
/// thread, so one side's copy overlaps the other side's reading. The other columns are only
/// gathered for the reports, so they are left as they are (less memory for `--outputs json`).
fn rechunk(df: &mut DataFrame, names: &[&str]) -> Result<()> {
    for name in names {
        let c = df.column(name)?;
        if c.n_chunks() > 1 {
            let one = c.rechunk();
            df.with_column(one)?;
        }
    }
    Ok(())
}

/// Both inputs read ([`read_inputs`]).
pub struct Inputs {
    pub provider: DataFrame,
    pub read_stats: crate::normalize::ReadStats,
    pub ledger: DataFrame,
    /// Ledger rows left out, each with why.
    pub skipped_rows: Vec<crate::ledger::SkippedRow>,
}

/// A results table computed elsewhere: one Parquet file, or a directory of them (Spark writes
/// `part-*.parquet`), each checked as any Parquet input is. Only the columns the engine's
/// frame is made from are decoded.
pub(super) fn read_results(path: &Path) -> Result<DataFrame> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        f.sort();
        f
    } else {
        vec![path.to_path_buf()]
    };
    let wanted = matching::result_input_columns();
    let mut all: Option<DataFrame> = None;
    for file in &files {
        let df = crate::parquet_input::read_selected(
            file,
            |names| {
                Ok(Some(
                    wanted
                        .iter()
                        .filter(|c| names.iter().any(|n| n == *c))
                        .map(|c| c.to_string())
                        .collect(),
                ))
            },
            |message| Error::Input {
                what: file.display().to_string(),
                message,
                cause: None,
            },
        )?;
        match &mut all {
            None => all = Some(df),
            Some(a) => {
                a.vstack_mut(&df)?;
            }
        }
    }
    all.ok_or_else(|| Error::Input {
        what: path.display().to_string(),
        message: "no Parquet file here".into(),
        cause: None,
    })
}
