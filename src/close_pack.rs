//! The close pack (`cardrecon close-pack`): one folder (and a `.zip` of it) that an auditor can
//! read and check for a closed period — `close.xlsx` (print-ready: the close, the roll-forward,
//! every decision, what stayed open, every run), `decisions.csv`, the period's events
//! (`events.csv` to read, `events.jsonl` exactly as the chain hashed them), the final run's
//! `report.xlsx`, `summary.json` and `manifest.json`, the journal, and `pack-manifest.json`
//! with the SHA-256 of every file and the chain's head for the pack's events.
//!
//! **Why the same bytes every time.** An auditor makes the pack again and compares. Nothing
//! in it comes from the clock or the machine: the store's rows and the run directory's files,
//! in fixed orders; the workbook's and the archive's times are the close's (the zip's are its
//! format's earliest, 1980-01-01, for every entry).
//!
//! **Why `events.jsonl` besides `events.csv`.** The CSV guards text against spreadsheet formulas
//! (a note starting with `=` gets a `'`), which changes it; the JSON lines keep each event as it
//! was hashed, so `verify-log --pack` recomputes every hash from the pack alone.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::results::close::{ClosePack, OpenItem, PackDecision, PackRun, RollLine, Tally};
use crate::store::chain::Chained;
use crate::store::Store;

/// What `close-pack` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub dir: PathBuf,
    pub zip: PathBuf,
    pub files: Vec<(String, String)>,
    pub pack: ClosePack,
}

/// The pack's manifest: every file's SHA-256 and size, and the chain's head for its events.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackManifest {
    pub period: String,
    pub closed_by: String,
    pub closed_at: String,
    pub chain: PackChain,
    pub files: Vec<PackFile>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackChain {
    /// The period's events in the pack.
    pub events: u64,
    /// The hash of the last of them.
    pub head: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

pub const MANIFEST: &str = "pack-manifest.json";
pub const EVENTS_JSONL: &str = "events.jsonl";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes the pack of closed `period` into `out` (a folder, and `out.zip`), reading the runs'
/// directories under `runs_dir/<period>/`.
pub async fn make(store: &Store, period: &str, runs_dir: &Path, out: &Path) -> Result<Written> {
    let status = store.period_status(period).await?;
    let status = match status {
        Some(s) if s.closed => s,
        _ => {
            return Err(Error::input(
                period,
                "is not closed: close it first (`cardrecon close-period`), so the pack is the month as signed",
            ))
        }
    };
    let runs = store.runs_of(period).await?;
    let events = store.period_events(period).await?;
    let items = store
        .items(&crate::store::decide::ItemFilter {
            period: Some(period.to_string()),
            state: None,
        })
        .await?;
    let bookings = store.journalled(period).await?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let run_dir = |id: &str| runs_dir.join(period).join(id);
    // The final run's files, and its roll-forward and open items.
    let last = runs.last().map(|(r, _)| run_dir(&r.run_id));
    let summary: Option<serde_json::Value> = last
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join(crate::run_dir::SUMMARY_JSON)).ok())
        .and_then(|t| serde_json::from_str(&t).ok());
    let close = summary.as_ref().map(|s| &s["close"]);
    let roll_forward: Vec<RollLine> = close
        .and_then(|c| c["roll_forward"].as_array())
        .map(|a| a.iter().map(roll_line).collect())
        .unwrap_or_default();
    let open_items: Vec<OpenItem> = close
        .and_then(|c| c["open_items"].as_array())
        .map(|a| a.iter().map(open_item).collect())
        .unwrap_or_default();
    let mut decisions: Vec<PackDecision> = items
        .iter()
        .filter(|i| i.decided_at.is_some())
        .map(|i| {
            let by = i.decided_by.clone().unwrap_or_default();
            let (proposed, approved) = match by.split_once(", approved by ") {
                Some((p, a)) => (p.to_string(), a.to_string()),
                None => (by.clone(), "(command line: one person)".to_string()),
            };
            let evidence = i.accepted_evidence.as_deref().unwrap_or(&i.evidence);
            PackDecision {
                item_id: i.item_id.clone(),
                category: i.category.as_str().to_string(),
                provider: i.provider.clone().unwrap_or_default(),
                amount: i.amount,
                currency: i.currency.clone().unwrap_or_default(),
                state: i.state.as_str().to_string(),
                reason: i.reason.clone().unwrap_or_default(),
                note: i.note.clone().unwrap_or_default(),
                proposed_by: proposed,
                approved_by: approved,
                at: i.decided_at.clone().unwrap_or_default(),
                evidence: sha256_hex(evidence.as_bytes())[..16].to_string(),
            }
        })
        .collect();
    decisions.sort_by(|a, b| (&a.at, &a.item_id).cmp(&(&b.at, &b.item_id)));
    let pack_runs: Vec<PackRun> = runs
        .iter()
        .map(|(r, inputs)| PackRun {
            run_id: r.run_id.clone(),
            recorded_at: r.recorded_at.clone(),
            result_rows: r.result_rows.max(0) as u64,
            discrepancies: r.discrepancies.max(0) as u64,
            inputs_sha256: inputs.clone(),
            manifest_sha256: match std::fs::read(
                run_dir(&r.run_id).join(crate::run_dir::MANIFEST_JSON),
            ) {
                Ok(b) => sha256_hex(&b),
                Err(_) if run_dir(&r.run_id).is_dir() => {
                    "(no manifest.json: a reconcile's directory)".into()
                }
                Err(_) => "(run directory not found)".into(),
            },
        })
        .collect();
    let head = events
        .last()
        .and_then(|e| e.hash.clone())
        .unwrap_or_default();
    let pack = ClosePack {
        period: period.to_string(),
        closed_by: status.changed_by.clone(),
        closed_at: status.changed_at.clone(),
        close_note: status.note.clone().unwrap_or_default(),
        roll_forward,
        decisions,
        open_items,
        runs: pack_runs,
        events: events.len() as u64,
        chain_head: head.clone(),
    };
    // The files, each written whole.
    crate::report::xlsx::write_close_workbook(&out.join("close.xlsx"), &pack)?;
    write_decisions(&out.join("decisions.csv"), &pack.decisions)?;
    write_events(out, &events)?;
    let journal = crate::journal::lines(&bookings);
    let generic = crate::journal::JournalSettings {
        date: crate::journal::EntryDate::PeriodEnd,
        rounding_account: String::new(),
        template: crate::journal::Template::Generic,
        tax_rate: String::new(),
        rules: Vec::new(),
    };
    crate::report::write_whole(
        &out.join("journal.csv"),
        crate::journal::render(&journal, &generic, Path::new("."))?.as_bytes(),
    )?;
    if let Some(d) = &last {
        for name in [
            crate::run_dir::REPORT_XLSX,
            crate::run_dir::SUMMARY_JSON,
            crate::run_dir::MANIFEST_JSON,
        ] {
            if let Ok(bytes) = std::fs::read(d.join(name)) {
                crate::report::write_whole(&out.join(name), &bytes)?;
            }
        }
    }
    // The manifest over every file but itself, then the archive of them all.
    let mut names: Vec<String> = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != MANIFEST && !n.ends_with(".tmp"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for n in &names {
        let bytes = std::fs::read(out.join(n)).map_err(|e| Error::io(out.join(n), e))?;
        files.push(PackFile {
            name: n.clone(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    let manifest = PackManifest {
        period: period.to_string(),
        closed_by: status.changed_by,
        closed_at: status.changed_at,
        chain: PackChain {
            events: events.len() as u64,
            head,
        },
        files,
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::output(out.join(MANIFEST), e))?;
    crate::report::write_whole(&out.join(MANIFEST), format!("{text}\n").as_bytes())?;
    names.push(MANIFEST.to_string());
    names.sort();
    let zip = out.with_extension("zip");
    write_zip(&zip, out, &names)?;
    let listed = manifest
        .files
        .iter()
        .map(|f| (f.name.clone(), f.sha256.clone()))
        .collect();
    Ok(Written {
        dir: out.to_path_buf(),
        zip,
        files: listed,
        pack,
    })
}

fn write_decisions(path: &Path, rows: &[PackDecision]) -> Result<()> {
    crate::report::csv::write_table(
        path,
        [
            "item_id",
            "category",
            "provider",
            "amount",
            "currency",
            "state",
            "reason",
            "note",
            "proposed_by",
            "approved_by",
            "at",
            "evidence_sha256",
        ],
        rows.iter().map(|d| {
            [
                d.item_id.clone(),
                d.category.clone(),
                d.provider.clone(),
                d.amount.map(crate::money::format).unwrap_or_default(),
                d.currency.clone(),
                d.state.clone(),
                d.reason.clone(),
                d.note.clone(),
                d.proposed_by.clone(),
                d.approved_by.clone(),
                d.at.clone(),
                d.evidence.clone(),
            ]
        }),
        &[3],
    )
}

/// `events.csv` (to read) and `events.jsonl` (as hashed).
fn write_events(out: &Path, events: &[Chained]) -> Result<()> {
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    crate::report::csv::write_table(
        &out.join("events.csv"),
        [
            "seq",
            "at",
            "by",
            "event",
            "item_id",
            "period",
            "from_status",
            "to_status",
            "run_id",
            "reason",
            "note",
            "origin",
            "prev_hash",
            "hash",
        ],
        events.iter().map(|c| {
            let e = &c.event;
            [
                c.seq.to_string(),
                e.at.clone(),
                e.by.clone(),
                e.event.clone(),
                o(&e.item_id),
                o(&e.period),
                o(&e.from_status),
                o(&e.to_status),
                o(&e.run_id),
                o(&e.reason),
                o(&e.note),
                o(&e.origin),
                o(&c.prev_hash),
                o(&c.hash),
            ]
        }),
        &[0],
    )?;
    let mut text = String::new();
    for c in events {
        let line =
            serde_json::to_string(c).map_err(|e| Error::output(out.join(EVENTS_JSONL), e))?;
        text.push_str(&line);
        text.push('\n');
    }
    crate::report::write_whole(&out.join(EVENTS_JSONL), text.as_bytes())
}

/// The archive: every file in name order, deflated, each dated 1980-01-01 (the format's
/// earliest), so the same files give the same archive.
fn write_zip(path: &Path, dir: &Path, names: &[String]) -> Result<()> {
    let tmp = path.with_extension("zip.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "close-pack".into());
    for n in names {
        let bytes = std::fs::read(dir.join(n)).map_err(|e| Error::io(dir.join(n), e))?;
        zip.start_file(format!("{folder}/{n}"), options)
            .map_err(|e| Error::output(path, e))?;
        zip.write_all(&bytes).map_err(|e| Error::io(path, e))?;
    }
    zip.finish().map_err(|e| Error::output(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn tally(v: &serde_json::Value) -> Tally {
    Tally {
        count: v["count"].as_u64().unwrap_or(0),
        amount: v["amount"]
            .as_str()
            .and_then(|t| crate::money::parse(t).ok())
            .unwrap_or_default(),
    }
}

fn text(v: &serde_json::Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_string()
}

fn money(v: &serde_json::Value, k: &str) -> Option<rust_decimal::Decimal> {
    v[k].as_str().and_then(|t| crate::money::parse(t).ok())
}

/// A roll-forward line as the final run's `summary.json` holds it.
fn roll_line(v: &serde_json::Value) -> RollLine {
    RollLine {
        provider: text(v, "provider"),
        currency: text(v, "currency"),
        open_at_start: tally(&v["open_at_start"]),
        new: tally(&v["new"]),
        reopened: tally(&v["reopened"]),
        cleared: tally(&v["cleared"]),
        resolved: tally(&v["resolved"]),
        accepted: tally(&v["accepted"]),
        open_at_end: tally(&v["open_at_end"]),
        balances: v["balances"].as_bool().unwrap_or(false),
    }
}

/// An open item as the final run's `summary.json` holds it.
fn open_item(v: &serde_json::Value) -> OpenItem {
    OpenItem {
        item_id: text(v, "item_id"),
        period: text(v, "period"),
        category: text(v, "category"),
        provider: text(v, "provider"),
        kind: text(v, "kind"),
        tx_id: text(v, "tx_id"),
        order_id: text(v, "order_id"),
        ledger_entry_id: text(v, "ledger_entry_id"),
        amount: money(v, "amount"),
        provider_amount: money(v, "provider_amount"),
        ledger_amount: money(v, "ledger_amount"),
        amount_difference: money(v, "amount_difference"),
        at_stake: money(v, "at_stake"),
        currency: text(v, "currency"),
        age_days: v["age_days"].as_i64(),
        age_bucket: text(v, "age_bucket"),
        last_event: text(v, "last_event"),
    }
}

/// What `verify-log --pack` found.
#[derive(Debug, Clone)]
pub struct PackCheck {
    pub events: u64,
    pub problems: Vec<String>,
}

/// Checks a pack from its files alone: every file's SHA-256 against the manifest, every
/// event's hash recomputed from its content and previous hash, and the last one against the
/// manifest's chain head. With `store`, also that the store still holds each of the pack's
/// events with the same hash (not rewritten since the pack was made).
pub fn check(dir: &Path, store_events: Option<&[Chained]>) -> Result<PackCheck> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let manifest: PackManifest = serde_json::from_str(&text)
        .map_err(|e| Error::input(path.display().to_string(), e.to_string()).because(e))?;
    let mut problems = Vec::new();
    for f in &manifest.files {
        match std::fs::read(dir.join(&f.name)) {
            Ok(bytes) if sha256_hex(&bytes) == f.sha256 => {}
            Ok(_) => problems.push(format!(
                "{}: its SHA-256 is not the manifest's (changed since the pack was made)",
                f.name
            )),
            Err(_) => problems.push(format!("{}: missing", f.name)),
        }
    }
    let jsonl = dir.join(EVENTS_JSONL);
    let text = std::fs::read_to_string(&jsonl).map_err(|e| Error::io(&jsonl, e))?;
    let mut events: Vec<Chained> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let c: Chained = serde_json::from_str(line).map_err(|e| {
            Error::input(
                format!("{}, line {}", jsonl.display(), n + 1),
                e.to_string(),
            )
            .because(e)
        })?;
        events.push(c);
    }
    for c in &events {
        let prev = c.prev_hash.clone().unwrap_or_default();
        let hash = crate::store::chain::event_hash(&prev, &c.event);
        if c.hash.as_deref() != Some(hash.as_str()) {
            problems.push(format!(
                "event {}: its content does not match its hash (edited in the pack)",
                c.seq
            ));
        }
    }
    let last = events
        .last()
        .and_then(|c| c.hash.clone())
        .unwrap_or_default();
    if last != manifest.chain.head || events.len() as u64 != manifest.chain.events {
        problems.push(format!(
            "the pack's events end at {} ({} events), but its manifest's chain head is {} ({} events)",
            crate::store::chain::short(&last),
            events.len(),
            crate::store::chain::short(&manifest.chain.head),
            manifest.chain.events
        ));
    }
    if let Some(store) = store_events {
        let by_seq: std::collections::HashMap<i64, &Chained> =
            store.iter().map(|c| (c.seq, c)).collect();
        for c in &events {
            match by_seq.get(&c.seq) {
                Some(s) if s.hash == c.hash => {}
                Some(_) => problems.push(format!("event {}: the store's hash differs from the pack's (the store was rewritten since)", c.seq)),
                None => problems.push(format!("event {}: no longer in the store", c.seq)),
            }
        }
    }
    Ok(PackCheck {
        events: events.len() as u64,
        problems,
    })
}
