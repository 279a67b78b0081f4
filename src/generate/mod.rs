//! `cardrecon generate`: a synthetic month for all four providers in their own wire shapes, the
//! ledger that books it (CSV and XLSX), and `labels.csv` naming every seeded difference.
//!
//! Deterministic per seed (ChaCha8). Every category is seeded at least once whatever the size,
//! with records at 00:00:00 and 23:59:59(.999) on the period's edges, cut-off pairs both ways,
//! matches by order id, and items in the margin that must *not* be reported. Everything is
//! written as it is made, so 10⁷ records need little memory (the XLSX ledger is written only up
//! to Excel's row limit).
//!
//! Layout of `--out DIR`:
//! `providers/<provider>/*.jsonl`, `ledger.csv`, `ledger.xlsx`, `labels.csv`, `link_labels.csv`
//! (the seeded links findings: every refund and fee names an original, see [`links`]),
//! `card_labels.csv` (the seeded card findings; cardapp's card list follows the records, see
//! [`cards`]),
//! `cardrecon.toml`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::matching::Category;
use crate::model::{Kind, Status};
use crate::period::Period;
use crate::providers::sample::SampleRecord;

mod cards;
mod ledger;
mod links;
mod scenarios;
mod styles;
mod writers;

use ledger::LedgerVariant;
use scenarios::{Scenario, MERCHANTS, WEIGHTS};
pub use styles::LedgerStyle;
use writers::{create, provider_files, write_amount, xlsx_err, Writers};

/// Excel's last data row (the header takes the first).
const XLSX_MAX_ROWS: u64 = 1_048_575;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub records: u64,
    pub seed: u64,
    pub period: Period,
    pub timezone: Tz,
    /// Share of the drawn records taken from the discrepancy scenarios; `None`: by [`WEIGHTS`].
    pub discrepancy_share: Option<f64>,
    /// The previous month's cardapp card list, for opening balances ([`cards`]).
    pub opening_cards: Option<PathBuf>,
    /// How the ledger books what the providers sent ([`styles`]).
    pub ledger_style: LedgerStyle,
}

#[derive(Debug, Clone, Default)]
pub struct GenerateReport {
    pub provider_records: u64,
    pub ledger_entries: u64,
    pub labels: BTreeMap<String, u64>,
    /// Matches of several records to one seeded (not discrepancies, so not labelled).
    pub groups: u64,
    /// Seeded links findings by kind (`link_labels.csv`).
    pub link_labels: BTreeMap<String, u64>,
    /// Seeded card findings by kind (`card_labels.csv`).
    pub card_labels: BTreeMap<String, u64>,
    pub xlsx_written: bool,
}

/// A provider, as the generator sees it: its spec (name, habits in `spec.sample`).
type Prov = &'static crate::providers::Spec;

/// One generated provider-side movement and its provider, before it is written in the
/// provider's wire shape.
#[derive(Debug, Clone)]
struct Tx {
    provider: Prov,
    record: SampleRecord,
}

impl std::ops::Deref for Tx {
    type Target = SampleRecord;
    fn deref(&self) -> &SampleRecord {
        &self.record
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut SampleRecord {
        &mut self.record
    }
}

/// The generator's state: random source, id counter, the period's instants.
/// Which side an item is left unmatched on ([`Gen::keep_apart`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unmatched {
    Provider,
    Ledger,
    /// A seeded suggestion: its record and its entry, each the other's only candidate.
    Both,
}

/// What makes an unmatched item a loose candidate for one on the other side (stage 6's
/// suggestions): provider, kind, currency, amount.
type LooseKey = (&'static str, Kind, String, Decimal);

struct Gen {
    /// The unmatched provider records and ledger entries made so far, by [`LooseKey`]: a new
    /// one never shares its key with one on the other side, or the engine would rightly
    /// suggest the two, which is not what its label says.
    loose_p: std::collections::HashSet<LooseKey>,
    loose_l: std::collections::HashSet<LooseKey>,
    rng: ChaCha8Rng,
    seq: u64,
    zone: Tz,
    period: Period,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    report: GenerateReport,
    /// The originals refunds and fees name ([`links`]).
    originals: links::Originals,
    /// cardapp's cards' movements, for the card list written last ([`cards`]).
    card_balances: cards::CardBalances,
    style: LedgerStyle,
    /// What the style keeps until the month's end ([`styles`]).
    styled: styles::Styled,
}

pub fn generate(opts: &GenerateOptions) -> Result<GenerateReport> {
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let p = out.join("providers");
    let xlsx_path = out.join("ledger.xlsx");
    let mut w = open_writers(out, &p, &xlsx_path, opts.records, opts.ledger_style)?;
    let (start, end) = opts.period.instants(opts.timezone);
    let mut g = Gen {
        loose_p: Default::default(),
        loose_l: Default::default(),
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        seq: 0,
        zone: opts.timezone,
        period: opts.period,
        start,
        end,
        report: GenerateReport::default(),
        originals: links::Originals::default(),
        card_balances: cards::CardBalances::default(),
        style: opts.ledger_style,
        styled: styles::Styled::default(),
    };
    // The workbook's creation time is the period's end, not the wall clock: the same seed gives
    // the same ledger.xlsx, byte for byte, as it gives the same CSV.
    if let Some(wb) = w.xlsx.as_mut() {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&end));
    }
    draw(&mut g, &mut w, opts)?;
    let style_config = g.finish_style(&mut w, out)?;
    close_writers(&mut w, out, &p)?;
    g.report.link_labels = std::mem::take(&mut g.originals.labels);
    g.report.card_labels = g.card_balances.write(out, opts.opening_cards.as_deref())?;
    if let Some(mut wb) = w.xlsx.take() {
        wb.save(&xlsx_path).map_err(|e| xlsx_err(&xlsx_path, e))?;
        g.report.xlsx_written = true;
    }
    let config = format!(
        "# Written by `cardrecon generate` for the month it generated.\ntimezone = \"{}\"\nperiod = \"{}\"\nmargin_days = 3\n\n[ledger]\npath = \"ledger.csv\"\n{style_config}",
        opts.timezone.name(),
        opts.period.label()
    );
    std::fs::write(out.join("cardrecon.toml"), config)
        .map_err(|e| Error::io(out.join("cardrecon.toml"), e))?;
    Ok(g.report)
}

/// The month's files, created with their header rows: every provider's record files, the
/// ledger (CSV, and XLSX when it fits a sheet) and the labels.
fn open_writers(
    out: &Path,
    p: &Path,
    xlsx_path: &Path,
    records: u64,
    style: LedgerStyle,
) -> Result<Writers> {
    let mut w = Writers {
        providers: provider_files(p)?,
        ledger: csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(create(&out.join("ledger.csv"))?),
        labels: csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(create(&out.join("labels.csv"))?),
        link_labels: csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(create(&out.join("link_labels.csv"))?),
        xlsx: None,
        xlsx_row: 0,
        date_format: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss.000"),
    };
    // The columns of a ledger that books per record with the provider's ids, then the style's.
    let mut ledger_header: Vec<&str> = crate::ledger::COLUMNS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| {
            !crate::ledger::STATEMENT_COLUMNS.contains(name)
                && !crate::ledger::SUMMARY_COLUMNS.contains(name)
        })
        .collect();
    ledger_header.extend(style.extra_columns());
    let csv_err = |path: &Path, e: csv::Error| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    };
    w.ledger
        .write_record(&ledger_header)
        .map_err(|e| csv_err(&out.join("ledger.csv"), e))?;
    w.labels
        .write_record(["category", "provider", "tx_id", "ledger_entry_id"])
        .map_err(|e| csv_err(&out.join("labels.csv"), e))?;
    w.link_labels
        .write_record(["finding", "provider", "tx_id"])
        .map_err(|e| csv_err(&out.join("link_labels.csv"), e))?;
    // Rough upper bound of ledger rows: one per record plus duplicates.
    if records + records / 50 + 40 <= XLSX_MAX_ROWS {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb
            .add_worksheet_with_constant_memory()
            .map_err(|e| xlsx_err(xlsx_path, e))?;
        ws.set_name("Ledger").map_err(|e| xlsx_err(xlsx_path, e))?;
        for (c, h) in ledger_header.iter().enumerate() {
            ws.write_string(0, c as u16, *h)
                .map_err(|e| xlsx_err(xlsx_path, e))?;
        }
        ws.set_column_width(9, 24)
            .map_err(|e| xlsx_err(xlsx_path, e))?;
        w.xlsx = Some(wb);
        w.xlsx_row = 1;
    }

    Ok(w)
}

/// Every scenario once for each provider (so each category appears whatever the size), then
/// the rest drawn by weight, until the month has `opts.records` records.
fn draw(g: &mut Gen, w: &mut Writers, opts: &GenerateOptions) -> Result<()> {
    let forced: Vec<(Scenario, Option<Prov>)> = WEIGHTS
        .iter()
        .flat_map(|(s, _)| crate::providers::SPECS.iter().map(move |p| (*s, Some(*p))))
        .collect();
    let mut i = 0u64;
    for (s, p) in &forced {
        g.scenario(w, *s, *p)?;
        i += 1;
    }
    // With a discrepancy share, first draw matched-like or not, then a scenario of that class by
    // weight.
    let matched_like = |s: Scenario| {
        matches!(
            s,
            Scenario::Matched
                | Scenario::MatchedByOrder
                | Scenario::MatchedAtEdges
                | Scenario::MatchedFailedBothSides
                | Scenario::MarginMatched
                | Scenario::SplitCapture
                | Scenario::BookedInParts
                // The links findings' records are matched with the ledger.
                | Scenario::OrphanRefund
                | Scenario::OrphanFee
                | Scenario::RefundAboveOriginal
        )
    };
    // The three pools and their weights, built once: all scenarios, the discrepancy ones, the
    // matched-like ones.
    let pool_of = |keep: &dyn Fn(Scenario) -> bool| -> (Vec<(Scenario, u32)>, u32) {
        let pool: Vec<(Scenario, u32)> =
            WEIGHTS.iter().copied().filter(|(s, _)| keep(*s)).collect();
        let weight = pool.iter().map(|(_, w)| w).sum();
        (pool, weight)
    };
    let all = pool_of(&|_| true);
    let discrepancies = pool_of(&|s| !matched_like(s));
    let matched = pool_of(&|s| matched_like(s));
    while i < opts.records {
        let (pool, pool_weight) = match opts
            .discrepancy_share
            .map(|share| g.rng.random_bool(share.clamp(0.0, 1.0)))
        {
            None => &all,
            Some(true) => &discrepancies,
            Some(false) => &matched,
        };
        let mut pick = g.rng.random_range(0..(*pool_weight).max(1));
        let mut scenario = Scenario::Matched;
        for &(s, wt) in pool {
            if pick < wt {
                scenario = s;
                break;
            }
            pick -= wt;
        }
        g.scenario(w, scenario, None)?;
        i += 1;
    }

    Ok(())
}

/// Flushes every file of the month.
fn close_writers(w: &mut Writers, out: &Path, p: &Path) -> Result<()> {
    for ((provider, stem), f) in &mut w.providers {
        f.flush()
            .map_err(|e| Error::io(p.join(provider).join(format!("{stem}.jsonl")), e))?;
    }
    w.ledger
        .flush()
        .map_err(|e| Error::io(out.join("ledger.csv"), e))?;
    w.labels
        .flush()
        .map_err(|e| Error::io(out.join("labels.csv"), e))?;
    w.link_labels
        .flush()
        .map_err(|e| Error::io(out.join("link_labels.csv"), e))?;
    Ok(())
}

fn local(t: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    t.with_timezone(&zone).naive_local()
}

impl Gen {
    fn next_id(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A random instant in `[from, to)`, whole seconds, or milliseconds for a provider that sends them.
    fn instant_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        prov: Prov,
    ) -> DateTime<Utc> {
        let span = (to - from).num_milliseconds().max(1);
        let ms = self.rng.random_range(0..span);
        let t = from + Duration::milliseconds(ms);
        if prov.sample.millis {
            t
        } else {
            t - Duration::milliseconds(i64::from(t.timestamp_subsec_millis()))
        }
    }

    fn new_tx(&mut self, prov: Prov, at: DateTime<Utc>) -> Tx {
        let habits = &prov.sample;
        let kind = habits.kinds[self.rng.random_range(0..habits.kinds.len())];
        let id = self.next_id();
        let currency = if (habits.account_currency_only)(kind) {
            "USD"
        } else {
            ["USD", "USD", "USD", "EUR"][self.rng.random_range(0..4)]
        };
        // Mostly cents; some providers' amounts use all 8 places, as their documents show.
        let amount = if habits
            .eight_places_one_in
            .is_some_and(|n| self.rng.random_range(0..n) == 0)
        {
            Decimal::new(self.rng.random_range(100_000_000i64..50_000_000_000), 8)
        } else {
            Decimal::new(self.rng.random_range(100i64..100_000), 2)
        };
        let fee = if kind == Kind::Consumption && self.rng.random_range(0..3) == 0 {
            Some(Decimal::new(self.rng.random_range(1i64..500), 2))
        } else {
            None
        };
        let tx_id = (habits.tx_id)(id, kind);
        let order_id = (habits.order_id)(id, kind, &tx_id);
        let card = self.rng.random_range(0..20);
        let merchant = MERCHANTS[self.rng.random_range(0..MERCHANTS.len())];
        Tx {
            provider: prov,
            record: SampleRecord {
                kind,
                tx_id,
                order_id,
                amount,
                currency: currency.into(),
                fee,
                status: Status::Success,
                at,
                card,
                merchant,
                related: None,
            },
        }
    }

    fn pick_prov(&mut self, forced: Option<Prov>, need_order_id: bool) -> Prov {
        if let Some(p) = forced {
            if !need_order_id || p.sample.order_ids {
                return p;
            }
        }
        let specs = &crate::providers::SPECS;
        if need_order_id {
            let with_order_ids: Vec<Prov> = specs
                .iter()
                .copied()
                .filter(|s| s.sample.order_ids)
                .collect();
            with_order_ids[self.rng.random_range(0..with_order_ids.len())]
        } else {
            specs[self.rng.random_range(0..specs.len())]
        }
    }

    /// A provider (the forced one when it sends `kind`) whose records include `kind`.
    fn prov_with(&mut self, forced: Option<Prov>, kind: Kind) -> Prov {
        let sends = |p: Prov| p.sample.kinds.contains(&kind);
        if let Some(p) = forced.filter(|p| sends(p)) {
            return p;
        }
        let with: Vec<Prov> = crate::providers::SPECS
            .iter()
            .copied()
            .filter(|p| sends(p))
            .collect();
        match with.len() {
            0 => forced.unwrap_or(crate::providers::SPECS[0]),
            n => with[self.rng.random_range(0..n)],
        }
    }

    /// A new record of `kind` at `prov` (drawn until the kind comes up, so its id, currency and
    /// amount follow the provider's habits for that kind).
    fn tx_of_kind(&mut self, prov: Prov, at: DateTime<Utc>, kind: Kind) -> Tx {
        let mut tx = self.new_tx(prov, at);
        while tx.kind != kind {
            tx = self.new_tx(prov, at);
        }
        tx
    }

    /// A consumption a refund or fee can name: same provider and currency, a minute earlier,
    /// for more than the refund.
    fn original_for(&mut self, tx: &Tx) -> Tx {
        let mut o = self.tx_of_kind(tx.provider, tx.at - Duration::minutes(1), Kind::Consumption);
        o.currency = tx.currency.clone();
        o.amount = tx.amount + Decimal::new(self.rng.random_range(100i64..10_000), 2);
        o.status = Status::Success;
        o.related = None;
        o
    }

    fn link_label(
        &mut self,
        w: &mut Writers,
        finding: &str,
        prov: Prov,
        tx_id: &str,
    ) -> Result<()> {
        *self
            .originals
            .labels
            .entry(finding.to_string())
            .or_default() += 1;
        w.link_labels
            .write_record([finding, prov.name, tx_id])
            .map_err(|e| Error::Output {
                path: "link_labels.csv".into(),
                message: e.to_string(),
                cause: Some(Box::new(e)),
            })
    }

    /// Redraws an unmatched item's amount until no unmatched item on the other side (on either
    /// side, for both halves of a seeded suggestion) shares its [`LooseKey`], and remembers it.
    fn keep_apart(&mut self, tx: &mut Tx, side: Unmatched) {
        let (check_p, check_l) = match side {
            Unmatched::Provider => (false, true),
            Unmatched::Ledger => (true, false),
            Unmatched::Both => (true, true),
        };
        loop {
            let key = (tx.provider.name, tx.kind, tx.currency.clone(), tx.amount);
            if !(check_p && self.loose_p.contains(&key) || check_l && self.loose_l.contains(&key)) {
                if side != Unmatched::Ledger {
                    self.loose_p.insert(key.clone());
                }
                if side != Unmatched::Provider {
                    self.loose_l.insert(key);
                }
                return;
            }
            tx.amount = Decimal::new(self.rng.random_range(100i64..100_000), 2);
        }
    }

    /// `total` (in cents, at least one per part) cut into `parts` positive amounts.
    fn split(&mut self, total: Decimal, parts: u32) -> Vec<Decimal> {
        let cents = (total * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0);
        let mut cuts: Vec<i64> = (1..parts)
            .map(|_| self.rng.random_range(1..cents.max(2)))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = Vec::new();
        let mut last = 0;
        for c in cuts.into_iter().chain([cents]) {
            if c > last {
                out.push(Decimal::new(c - last, 2));
                last = c;
            }
        }
        out
    }

    /// When the ledger booked a provider movement: at once or a few minutes later, never on
    /// another accounting day (a cut-off is a scenario of its own).
    fn booking_time(&mut self, at: DateTime<Utc>, _prov: Prov) -> DateTime<Utc> {
        let later = at + Duration::milliseconds(self.rng.random_range(0..600_000));
        if local(later, self.zone).date() == local(at, self.zone).date() {
            later
        } else {
            at
        }
    }

    fn label(
        &mut self,
        w: &mut Writers,
        c: Category,
        prov: Prov,
        tx_id: &str,
        entry: &str,
    ) -> Result<()> {
        *self
            .report
            .labels
            .entry(c.as_str().to_string())
            .or_default() += 1;
        w.labels
            .write_record([c.as_str(), prov.name, tx_id, entry])
            .map_err(|e| Error::Output {
                path: "labels.csv".into(),
                message: e.to_string(),
                cause: Some(Box::new(e)),
            })
    }
}
