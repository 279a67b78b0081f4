//! The canonical tables as hive-partitioned Parquet: `DIR/provider_records/provider=…/
//! accounting_day=…/part-0.parquet` and the same for `ledger_entries`, the layout Spark, DuckDB
//! and polars all read, for [`crate::sql`]'s statement or any other query.
//!
//! Every file holds all of the table's columns (the partition values too, so a reader that
//! ignores the directories loses nothing) plus `input_row`, the row's position in the table as
//! cardrecon reads it: the engine's tie-breaker ("the first in input order"), and the key by
//! which `report --results` finds each result row's records again; and `carried`, true for an
//! earlier period's open item that a store carried in (appended to the table, or a row of it).
//!
//! A missing partition value names its directory `__HIVE_DEFAULT_PARTITION__`, Hive's and
//! Spark's convention for null; other characters outside `[A-Za-z0-9._-]` are written `%XX`, as
//! Hive does.
//!
//! A table is written under a temporary name and renamed into place, so a reader never sees a
//! mix of an older export's partitions and this one's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::matching::{days, strs};
use crate::period::from_epoch_days;

/// The column holding a row's position in its table.
pub const INPUT_ROW: &str = "input_row";
/// The column marking an earlier period's open item a store carried in: it takes part whatever
/// its day, as in the engine.
pub const CARRIED: &str = "carried";

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    pub provider_rows: usize,
    pub ledger_rows: usize,
    /// Parquet files written, both tables.
    pub files: usize,
    pub dir: PathBuf,
}

/// Writes both tables under `dir`; `carried` are the rows (provider, ledger) that a store's
/// earlier periods carried in, marked in the `carried` column.
pub fn write(
    provider: &DataFrame,
    ledger: &DataFrame,
    carried: (&[u32], &[u32]),
    dir: &Path,
) -> Result<Exported> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let p = write_table(provider, carried.0, dir, "provider_records")?;
    let l = write_table(ledger, carried.1, dir, "ledger_entries")?;
    Ok(Exported {
        provider_rows: provider.height(),
        ledger_rows: ledger.height(),
        files: p + l,
        dir: dir.to_path_buf(),
    })
}

/// A partition directory's value: Hive's escaping.
fn escape(v: Option<&str>) -> String {
    match v {
        None | Some("") => "__HIVE_DEFAULT_PARTITION__".into(),
        Some(v) => v
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    }
}

/// Writes one table partitioned by provider and accounting day; returns the files written.
fn write_table(df: &DataFrame, carried: &[u32], dir: &Path, name: &str) -> Result<usize> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    let provider = strs(df, "provider")?;
    let day = days(df, "accounting_day")?;
    let mut parts: BTreeMap<(String, String), Vec<IdxSize>> = BTreeMap::new();
    for i in 0..df.height() {
        let d = day
            .get(i)
            .map(|d| from_epoch_days(d).format("%Y-%m-%d").to_string());
        parts
            .entry((escape(provider.get(i)), escape(d.as_deref())))
            .or_default()
            .push(i as IdxSize);
    }
    let mut with_row = df.clone();
    let rows: Vec<i64> = (0..df.height() as i64).collect();
    with_row.with_column(Column::new(INPUT_ROW.into(), rows))?;
    let mut is_carried = vec![false; df.height()];
    for &r in carried {
        if let Some(c) = is_carried.get_mut(r as usize) {
            *c = true;
        }
    }
    with_row.with_column(Column::new(CARRIED.into(), is_carried))?;
    let files = parts.len();
    for ((p, d), idx) in parts {
        let part = tmp
            .join(format!("provider={p}"))
            .join(format!("accounting_day={d}"));
        std::fs::create_dir_all(&part).map_err(|e| Error::io(&part, e))?;
        let idx = IdxCa::from_vec("idx".into(), idx);
        let mut piece = with_row.take(&idx)?;
        let path = part.join("part-0.parquet");
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        ParquetWriter::new(file).finish(&mut piece)?;
    }
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| Error::io(&target, e))?;
    }
    std::fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_escaped_as_hive_does() {
        assert_eq!(escape(Some("keysecure")), "keysecure");
        assert_eq!(escape(Some("a b/c")), "a%20b%2Fc");
        assert_eq!(escape(None), "__HIVE_DEFAULT_PARTITION__");
    }
}
