//! Normalize: provider wire files (`DIR/<instance>/*.jsonl`, one record per line) into the
//! canonical `provider_records` table.
//!
//! | column | dtype | |
//! |---|---|---|
//! | provider, kind, tx_id | str | |
//! | order_id, related_tx_id, card_ref, card_masked | str? | |
//! | amount | decimal(38,8) | settled magnitude |
//! | currency | str | upper-cased |
//! | original_amount / original_currency | decimal? / str? | |
//! | fee / fee_currency | decimal? / str? | |
//! | status, status_raw | str | canonical / as sent |
//! | occurred_at | datetime[μs] | UTC instant |
//! | accounting_day | date | in the business timezone |
//! | description | str? | merchant or provider description |
//! | source | str | `instance/file.jsonl:line` |
//!
//! Identical repeats of a record (same `(provider, tx_id)` and the same content) are paging
//! artefacts: they are dropped here and counted. Different content under one id stays, for the
//! matching stage to report as `duplicate_at_provider`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::columns::{accounting_days_col, instant_col, money_col, opt_str_col, str_col};
use crate::config::{ProviderInstance, Settings};
use crate::error::{Error, Result};
use crate::model::ProviderRecord;

/// What reading the provider files found, for `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReadStats {
    pub files: usize,
    pub lines: usize,
    pub records: usize,
    /// Valid lines that are not money movements (cardapp card-list entries).
    pub non_records: usize,
    pub identical_repeats_dropped: usize,
    pub records_by_provider: BTreeMap<String, usize>,
    /// Data-quality notes (implausible currency codes and the like), one line each.
    pub notes: Vec<String>,
    /// The card lists read (cardapp's), for the card roll-forward (`crate::cards`).
    #[serde(skip)]
    pub cards: Vec<crate::model::CardSnapshot>,
}

/// Reads every `DIR/<instance>/*.jsonl`. A subdirectory must be a configured instance or be
/// named after a provider type.
///
/// The records as structs, for tests and tools that look at them one by one; a run reads the
/// same files straight into the table with [`read_provider_dir_frame`].
pub fn read_provider_dir(
    dir: &Path,
    settings: &Settings,
) -> Result<(Vec<ProviderRecord>, ReadStats)> {
    let files = provider_files(dir, settings)?;
    let read = on_two_threads(dir, &files, |file, instance| {
        let mut out = Vec::new();
        let mut st = ReadStats::default();
        read_jsonl(file, instance, &mut out, &mut st)?;
        Ok((out, st))
    })?;
    let mut stats = ReadStats::default();
    let mut records = Vec::new();
    for (mut out, st) in read {
        records.append(&mut out);
        stats.add_file(st);
    }
    let before = records.len();
    let records = drop_identical_repeats(records);
    stats.identical_repeats_dropped = before - records.len();
    stats.records = records.len();
    for r in &records {
        stats.count_record(&r.provider);
    }
    stats.notes = quality_notes(&records);
    Ok((records, stats))
}

/// [`read_provider_dir`] and [`provider_frame`] in one: the `provider_records` table of every
/// `DIR/<instance>/*.jsonl`, with the same rows, order, statistics and notes.
///
/// Why not the two one after the other: holding every record as a struct (about 700 bytes
/// each with its strings) before building the table made the structs the largest thing in
/// memory at 10^7 records (several GiB, then the table beside them), and the table was built
/// on one thread after both had read. Here each file's records become table chunks of
/// `chunk_rows` rows ([`crate::columns::TABLE_CHUNK_ROWS`] in a run) on the thread that reads
/// the file, and only the chunk in hand is held as structs. Identical repeats are then found
/// on the table's columns: the same `(provider, tx_id)` and equal values in every column but
/// `source`, and the same money read from binary floats (not a column, kept beside the rows
/// for the few records that have it).
pub fn read_provider_dir_frame(
    dir: &Path,
    settings: &Settings,
    zone: Tz,
    chunk_rows: usize,
) -> Result<(DataFrame, ReadStats)> {
    let chunk_rows = chunk_rows.max(1);
    let files = provider_files(dir, settings)?;
    let read = on_two_threads(dir, &files, |file, instance| {
        let mut st = ReadStats::default();
        let mut frames = Vec::new();
        let mut floats = Vec::new();
        let mut rows = 0usize;
        let mut chunk: Vec<ProviderRecord> = Vec::with_capacity(chunk_rows);
        read_jsonl_with(file, instance, &mut st, |r| {
            if !r.rounded_floats.is_empty() {
                floats.push((rows, r.rounded_floats.clone()));
            }
            rows += 1;
            chunk.push(r);
            if chunk.len() == chunk_rows {
                frames.push(provider_frame(&chunk, zone)?);
                chunk.clear();
            }
            Ok(())
        })?;
        if !chunk.is_empty() {
            frames.push(provider_frame(&chunk, zone)?);
        }
        Ok((frames, floats, rows, st))
    })?;
    let mut stats = ReadStats::default();
    let mut chunks = Vec::new();
    // The floats by row of the whole table: each file's rows follow the earlier files'.
    let mut floats: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut at = 0usize;
    for (frames, file_floats, rows, st) in read {
        floats.extend(file_floats.into_iter().map(|(i, f)| (at + i, f)));
        at += rows;
        chunks.extend(frames);
        stats.add_file(st);
    }
    let mut df = crate::columns::stack(provider_frame(&[], zone)?, chunks)?;
    let keep = kept_rows(&df, &floats)?;
    let dropped = keep.iter().filter(|k| !**k).count();
    if dropped > 0 {
        df = df.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        // The engine reads the columns by position from one buffer each.
        df.rechunk_mut();
        let mut at = 0usize;
        let mut renumbered = BTreeMap::new();
        for (i, k) in keep.iter().enumerate() {
            if *k {
                if let Some(f) = floats.remove(&i) {
                    renumbered.insert(at, f);
                }
                at += 1;
            }
        }
        floats = renumbered;
    }
    stats.identical_repeats_dropped = dropped;
    stats.records = df.height();
    let provider = df.column("provider")?.str()?;
    for p in provider.iter().flatten() {
        stats.count_record(p);
    }
    stats.notes = frame_quality_notes(&df, &floats)?;
    Ok((df, stats))
}

/// Every provider file under `dir`, in read order, with the instance it belongs to.
fn provider_files<'s>(
    dir: &Path,
    settings: &'s Settings,
) -> Result<Vec<(PathBuf, &'s ProviderInstance)>> {
    let subdirs = provider_dirs(dir)?;
    if subdirs.is_empty() {
        return Err(Error::input(
            dir.display().to_string(),
            format!(
                "has no provider subdirectories; expected DIR/<provider>/*.jsonl ({})",
                crate::providers::names()
            ),
        ));
    }
    let mut files: Vec<(PathBuf, &ProviderInstance)> = Vec::new();
    for (name, sub) in subdirs {
        let instance = settings.providers.get(&name).ok_or_else(|| {
            Error::input(
                sub.display().to_string(),
                format!(
                    "`{name}` is not a configured provider; name the directory after one ({}) or add [providers.{name}] with its type",
                    crate::providers::names()
                ),
            )
        })?;
        for file in jsonl_files(&sub)? {
            files.push((file, instance));
        }
    }
    Ok(files)
}

/// `read` run on every file, on two threads, each taking the next file; the results in file
/// order, so the records and any error are those of reading them one after another.
fn on_two_threads<T: Send>(
    dir: &Path,
    files: &[(PathBuf, &ProviderInstance)],
    read: impl Fn(&Path, &ProviderInstance) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Slot<T> = std::sync::Mutex<Option<Result<T>>>;
    let slots: Vec<Slot<T>> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let work = || loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some((file, instance)) = files.get(i) else {
            break;
        };
        let done = read(file, instance);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some(done);
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(work);
        work();
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .ok_or_else(|| Error::input(dir.display().to_string(), "a file was not read"))?
        })
        .collect()
}

impl ReadStats {
    /// Counts one record of `provider` (kept after identical repeats are dropped).
    fn count_record(&mut self, provider: &str) {
        match self.records_by_provider.get_mut(provider) {
            Some(n) => *n += 1,
            None => {
                self.records_by_provider.insert(provider.to_string(), 1);
            }
        }
    }

    /// Adds one file's counts and card lists.
    fn add_file(&mut self, mut st: ReadStats) {
        self.files += st.files;
        self.lines += st.lines;
        self.non_records += st.non_records;
        self.cards.append(&mut st.cards);
    }
}

/// Which rows of a `provider_records` table to keep: all but the identical repeats of an
/// earlier row ([`drop_identical_repeats`]'s rule, on the table's columns; `floats` are the
/// money values read from binary floats, by row).
fn kept_rows(df: &DataFrame, floats: &BTreeMap<usize, Vec<String>>) -> Result<Vec<bool>> {
    use hashbrown::hash_map::Entry;
    let provider = df.column("provider")?.str()?;
    let tx_id = df.column("tx_id")?.str()?;
    let mut keep = vec![true; df.height()];
    let mut first: hashbrown::HashMap<(&str, &str), u32> =
        hashbrown::HashMap::with_capacity(df.height());
    let mut others: hashbrown::HashMap<u32, Vec<u32>> = hashbrown::HashMap::new();
    let same = |a: usize, b: usize| -> Result<bool> {
        for c in df.columns() {
            if c.name().as_str() != "source" && c.get(a)? != c.get(b)? {
                return Ok(false);
            }
        }
        Ok(floats.get(&a) == floats.get(&b))
    };
    for (i, (p, t)) in provider.iter().zip(tx_id.iter()).enumerate() {
        let key = (p.unwrap_or_default(), t.unwrap_or_default());
        match first.entry(key) {
            Entry::Vacant(v) => {
                v.insert(i as u32);
            }
            Entry::Occupied(o) => {
                let f = *o.get();
                let more = others.entry(f).or_default();
                let mut repeat = same(f as usize, i)?;
                for &k in more.iter() {
                    repeat = repeat || same(k as usize, i)?;
                }
                if repeat {
                    keep[i] = false;
                } else {
                    more.push(i as u32);
                }
            }
        }
    }
    Ok(keep)
}

/// [`quality_notes`] of a `provider_records` table (`floats` by row, as in [`kept_rows`]).
fn frame_quality_notes(
    df: &DataFrame,
    floats: &BTreeMap<usize, Vec<String>>,
) -> Result<Vec<String>> {
    let provider = df.column("provider")?.str()?;
    let mut odd: BTreeMap<(String, String), usize> = BTreeMap::new();
    for name in ["currency", "original_currency", "fee_currency"] {
        let codes = df.column(name)?.str()?;
        for (p, c) in provider.iter().zip(codes.iter()) {
            if let (Some(p), Some(c)) = (p, c) {
                if !crate::money::is_plausible_currency(c) {
                    *odd.entry((p.to_string(), c.to_string())).or_default() += 1;
                }
            }
        }
    }
    let mut notes = currency_notes(odd);
    let tx_id = df.column("tx_id")?.str()?;
    let source = df.column("source")?.str()?;
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (&row, f) in floats {
        let p = provider.get(row).unwrap_or_default().to_string();
        per.entry(p).or_insert((0, row)).0 += f.len();
    }
    for (p, (n, first)) in per {
        notes.push(float_note(
            &p,
            n,
            tx_id.get(first).unwrap_or_default(),
            source.get(first).unwrap_or_default(),
            floats.get(&first).map(Vec::as_slice).unwrap_or_default(),
        ));
    }
    Ok(notes)
}

/// The `*.jsonl` files directly in a provider directory, in name order (the read order, so
/// outputs are deterministic).
/// The provider directories of an archive `DIR/<provider>/`, by name, sorted; hidden ones
/// (`.name`) left out.
pub fn provider_dirs(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if path.is_dir() && !name.starts_with('.') {
            subdirs.push((name, path));
        }
    }
    subdirs.sort();
    Ok(subdirs)
}

pub fn jsonl_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads one JSONL file of one provider instance, appending its records.
pub fn read_jsonl(
    path: &Path,
    instance: &ProviderInstance,
    out: &mut Vec<ProviderRecord>,
    stats: &mut ReadStats,
) -> Result<()> {
    read_jsonl_with(path, instance, stats, |r| {
        out.push(r);
        Ok(())
    })
}

/// Reads one JSONL file of one provider instance, handing each record to `each` in file order.
fn read_jsonl_with(
    path: &Path,
    instance: &ProviderInstance,
    stats: &mut ReadStats,
    mut each: impl FnMut(ProviderRecord) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let label = format!(
        "{}/{}",
        instance.name,
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    );
    stats.files += 1;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| Error::ProviderRecord {
            file: path.to_path_buf(),
            line: line_no,
            field: "(line)".into(),
            message: format!("cannot be read as UTF-8 text: {e}"),
        })?;
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        stats.lines += 1;
        let source = format!("{label}:{line_no}");
        match (instance.spec.parse)(&instance.name, text, source, &instance.options) {
            Ok(Some(r)) => each(r)?,
            Ok(None) => {
                stats.non_records += 1;
                let card = instance
                    .spec
                    .cards
                    .map(|read| read(&instance.name, text, &instance.options))
                    .transpose()
                    .map_err(|e| Error::ProviderRecord {
                        file: path.to_path_buf(),
                        line: line_no,
                        field: e.field,
                        message: e.message,
                    })?;
                stats.cards.extend(card.flatten());
            }
            Err(e) => {
                return Err(Error::ProviderRecord {
                    file: path.to_path_buf(),
                    line: line_no,
                    field: e.field,
                    message: e.message,
                });
            }
        }
    }
    Ok(())
}

/// Drops records that repeat an earlier one exactly (same id, same content), keeping the first.
pub fn drop_identical_repeats(mut records: Vec<ProviderRecord>) -> Vec<ProviderRecord> {
    // Decided on borrowed keys (no copy of a million provider names and tx ids), then the
    // repeats removed in place: the records keep their order.
    let mut keep = vec![true; records.len()];
    {
        use hashbrown::hash_map::Entry;
        let mut first: hashbrown::HashMap<(&str, &str), u32> =
            hashbrown::HashMap::with_capacity(records.len());
        // The other kept records of a key, by its first one's position (few: a key repeats
        // only where a provider sent a record twice).
        let mut others: hashbrown::HashMap<u32, Vec<u32>> = hashbrown::HashMap::new();
        for (i, r) in records.iter().enumerate() {
            match first.entry((r.provider.as_str(), r.tx_id.as_str())) {
                Entry::Vacant(v) => {
                    v.insert(i as u32);
                }
                Entry::Occupied(o) => {
                    let f = *o.get();
                    let more = others.entry(f).or_default();
                    let repeat = records[f as usize].same_content(r)
                        || more.iter().any(|&k| records[k as usize].same_content(r));
                    if repeat {
                        keep[i] = false;
                    } else {
                        more.push(i as u32);
                    }
                }
            }
        }
    }
    let mut i = 0;
    records.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
    records
}

fn quality_notes(records: &[ProviderRecord]) -> Vec<String> {
    let mut odd: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in records {
        for c in [
            Some(&r.currency),
            r.original_currency.as_ref(),
            r.fee_currency.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !crate::money::is_plausible_currency(c) {
                *odd.entry((r.provider.clone(), c.clone())).or_default() += 1;
            }
        }
    }
    let mut notes = currency_notes(odd);
    // Money sent as binary floats and read as the decimal it stands for: a count per provider,
    // with the first instance in read order as an example.
    let mut floats: BTreeMap<&str, (usize, &ProviderRecord)> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.rounded_floats.is_empty()) {
        floats.entry(&r.provider).or_insert((0, r)).0 += r.rounded_floats.len();
    }
    for (p, (n, first)) in floats {
        notes.push(float_note(
            p,
            n,
            &first.tx_id,
            &first.source,
            &first.rounded_floats,
        ));
    }
    notes
}

/// A note per provider and implausible currency code, with its count.
fn currency_notes(odd: BTreeMap<(String, String), usize>) -> Vec<String> {
    odd.into_iter()
        .map(|((p, c), n)| {
            format!("{p}: currency code `{c}` is not an ISO 4217 code ({n} records); kept as sent")
        })
        .collect()
}

/// The note on a provider's `n` money values sent as binary floats, with its first instance.
fn float_note(provider: &str, n: usize, tx_id: &str, source: &str, floats: &[String]) -> String {
    format!(
        "{provider}: {n} money value{} sent as binary floats read at the currency's minor units \
         (first: {tx_id} at {source}, {}); the exact text is kept in the wire file",
        if n == 1 { "" } else { "s" },
        floats.join(", ")
    )
}

/// The `provider_records` table for these records, accounting days in `zone`.
pub fn provider_frame(records: &[ProviderRecord], zone: Tz) -> Result<DataFrame> {
    let r = records;
    let columns = vec![
        str_col("provider", r.iter().map(|x| x.provider.as_str())),
        str_col("kind", r.iter().map(|x| x.kind.as_str())),
        str_col("tx_id", r.iter().map(|x| x.tx_id.as_str())),
        opt_str_col("order_id", r.iter().map(|x| x.order_id.as_deref())),
        opt_str_col(
            "related_tx_id",
            r.iter().map(|x| x.related_tx_id.as_deref()),
        ),
        opt_str_col("card_ref", r.iter().map(|x| x.card_ref.as_deref())),
        opt_str_col("card_masked", r.iter().map(|x| x.card_masked.as_deref())),
        money_col("amount", r.iter().map(|x| Some(x.amount))),
        str_col("currency", r.iter().map(|x| x.currency.as_str())),
        money_col("original_amount", r.iter().map(|x| x.original_amount)),
        opt_str_col(
            "original_currency",
            r.iter().map(|x| x.original_currency.as_deref()),
        ),
        money_col("fee", r.iter().map(|x| x.fee)),
        opt_str_col("fee_currency", r.iter().map(|x| x.fee_currency.as_deref())),
        str_col("status", r.iter().map(|x| x.status.as_str())),
        str_col("status_raw", r.iter().map(|x| x.status_raw.as_str())),
        instant_col("occurred_at", r.iter().map(|x| x.occurred_at)),
        accounting_days_col("accounting_day", r.iter().map(|x| x.occurred_at), zone),
        opt_str_col("description", r.iter().map(|x| x.description.as_deref())),
        str_col("source", r.iter().map(|x| x.source.as_str())),
    ];
    Ok(DataFrame::new(r.len(), columns)?)
}

/// Reads a `provider_records` table written earlier (`normalized/provider_records.parquet` of a
/// run or a reconcile), checking every column's name and type. Accounting days are computed
/// again in `zone`, so the table can be re-reconciled in another business timezone.
pub fn read_provider_parquet(path: &Path, zone: Tz) -> Result<(DataFrame, ReadStats)> {
    read_provider_parquet_columns(path, zone, None)
}

/// [`read_provider_parquet`], reading only `columns` of the table (all when `None`): a
/// reconciliation that writes only `summary.json` needs a few.
pub fn read_provider_parquet_columns(
    path: &Path,
    zone: Tz,
    only: Option<&[&str]>,
) -> Result<(DataFrame, ReadStats)> {
    let bad = |message: String| Error::Input {
        what: path.display().to_string(),
        message,
        cause: None,
    };
    // The accounting day is computed again, from occurred_at.
    let mut wanted: Option<Vec<&str>> = only.map(|c| {
        c.iter()
            .copied()
            .filter(|n| *n != "accounting_day")
            .collect()
    });
    if let Some(w) = &mut wanted {
        for needed in ["provider", "occurred_at"] {
            if !w.contains(&needed) {
                w.push(needed);
            }
        }
    }
    let df = crate::parquet_input::read_columns(path, wanted.as_deref(), |why| {
        bad(format!("not a readable Parquet file: {why}"))
    })?;
    let expected = provider_frame(&[], zone)?;
    let mut columns = Vec::with_capacity(expected.width());
    for want in expected.columns() {
        let name = want.name().as_str();
        // Columns not asked for, and the accounting day when only some are (it is computed
        // again from occurred_at either way), are not read.
        if wanted
            .as_ref()
            .is_some_and(|w| !w.contains(&name) || name == "accounting_day")
        {
            continue;
        }
        let have = df
            .column(name)
            .map_err(|_| bad(format!("column `{name}` is missing: this is not a provider_records table (see normalized/ of a run)")))?;
        if have.dtype() != want.dtype() {
            return Err(bad(format!(
                "column `{name}` is {}, expected {}",
                have.dtype(),
                want.dtype()
            )));
        }
        if name == "accounting_day" {
            continue;
        }
        columns.push(have.clone());
    }
    let occurred = df.column("occurred_at")?.datetime()?.physical().clone();
    let mut instants = Vec::with_capacity(df.height());
    for (i, micros) in occurred.iter().enumerate() {
        let t = micros
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .ok_or_else(|| {
                bad(format!(
                    "row {}: field `occurred_at` is empty or out of range",
                    i + 1
                ))
            })?;
        instants.push(t);
    }
    let pos = expected
        .columns()
        .iter()
        .position(|c| c.name().as_str() == "accounting_day")
        .unwrap_or(columns.len());
    columns.insert(
        pos.min(columns.len()),
        accounting_days_col("accounting_day", instants.into_iter(), zone),
    );
    let frame = DataFrame::new(df.height(), columns)?;
    let mut stats = ReadStats {
        files: 1,
        lines: frame.height(),
        records: frame.height(),
        ..ReadStats::default()
    };
    // Counted in runs (a table holds each provider's records together): one map update per
    // run rather than per row.
    let mut run: Option<(&str, usize)> = None;
    for p in frame.column("provider")?.str()?.iter() {
        let p = p.ok_or_else(|| bad("field `provider` is empty".to_string()))?;
        match &mut run {
            Some((name, n)) if *name == p => *n += 1,
            _ => {
                if let Some((name, n)) = run.replace((p, 1)) {
                    *stats
                        .records_by_provider
                        .entry(name.to_string())
                        .or_default() += n;
                }
            }
        }
    }
    if let Some((name, n)) = run {
        *stats
            .records_by_provider
            .entry(name.to_string())
            .or_default() += n;
    }
    Ok((frame, stats))
}

/// Writes a table as Parquet (the `normalized/` archive), via a temporary name and a rename so
/// a reader never sees half a file.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    ParquetWriter::new(file).finish(df)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(())
}
