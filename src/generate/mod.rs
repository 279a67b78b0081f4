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
use std::io::{BufWriter, Write};
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
use crate::period::{day_start, Period};
use crate::providers::sample::SampleRecord;

mod cards;
mod links;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Matched,
    MatchedByOrder,
    MatchedAtEdges,
    MatchedFailedBothSides,
    AmountMismatch,
    CurrencyMismatch,
    StatusMismatch,
    FeeMismatch,
    TimingOutOfPeriod,
    TimingIntoPeriod,
    TimingAtStart,
    MissingInLedger,
    MissingAtProvider,
    DuplicateAtProvider,
    DuplicateInLedger,
    FailedNotBooked,
    PendingNotBooked,
    MarginMatched,
    MarginUnmatched,
    /// Stage 6: a payment captured in 2 or 3 parts sharing an order id, booked once.
    SplitCapture,
    /// Stage 6: one record booked in two entries on its tx id.
    BookedInParts,
    /// Stage 6: an entry booked under a mistyped reference: a unique loose candidate.
    SuggestedMatch,
    /// Stage 7 (links): a refund naming an original nobody has; matched in the ledger.
    OrphanRefund,
    /// Stage 7: a fee naming a consumption nobody has.
    OrphanFee,
    /// Stage 7: two refunds of one original, one cent above it.
    RefundAboveOriginal,
}

/// Scenario weights per 1,000 records.
const WEIGHTS: [(Scenario, u32); 25] = [
    (Scenario::Matched, 806),
    (Scenario::MatchedByOrder, 30),
    (Scenario::MatchedAtEdges, 8),
    (Scenario::MatchedFailedBothSides, 10),
    (Scenario::AmountMismatch, 15),
    (Scenario::CurrencyMismatch, 8),
    (Scenario::StatusMismatch, 10),
    (Scenario::FeeMismatch, 10),
    (Scenario::TimingOutOfPeriod, 5),
    (Scenario::TimingIntoPeriod, 5),
    (Scenario::TimingAtStart, 4),
    (Scenario::MissingInLedger, 15),
    (Scenario::MissingAtProvider, 12),
    (Scenario::DuplicateAtProvider, 6),
    (Scenario::DuplicateInLedger, 6),
    (Scenario::FailedNotBooked, 12),
    (Scenario::PendingNotBooked, 10),
    (Scenario::MarginMatched, 15),
    (Scenario::MarginUnmatched, 7),
    (Scenario::SplitCapture, 2),
    (Scenario::BookedInParts, 2),
    (Scenario::SuggestedMatch, 2),
    (Scenario::OrphanRefund, 1),
    (Scenario::OrphanFee, 1),
    (Scenario::RefundAboveOriginal, 1),
];

const MERCHANTS: [&str; 8] = [
    "Coffee Corner",
    "Northwind Traders",
    "Café Zürich",
    "東京ストア",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "+44 Mobile Top-up",
    "<script>alert('x')</script> Books",
    "ACME, Inc. \"Online\"",
];

struct Writers {
    /// Each provider's record files, by (provider, file stem).
    providers: BTreeMap<(&'static str, &'static str), BufWriter<std::fs::File>>,
    ledger: csv::Writer<BufWriter<std::fs::File>>,
    labels: csv::Writer<BufWriter<std::fs::File>>,
    /// `link_labels.csv`: the seeded links findings (finding, provider, tx_id).
    link_labels: csv::Writer<BufWriter<std::fs::File>>,
    xlsx: Option<rust_xlsxwriter::Workbook>,
    xlsx_row: u32,
    date_format: rust_xlsxwriter::Format,
}

/// Every provider's record files, `<provider>/<stem>.jsonl`, created empty.
fn provider_files(
    dir: &Path,
) -> Result<BTreeMap<(&'static str, &'static str), BufWriter<std::fs::File>>> {
    let mut files = BTreeMap::new();
    for spec in crate::providers::SPECS {
        for stem in spec.sample.files {
            let path = dir.join(spec.name).join(format!("{stem}.jsonl"));
            files.insert((spec.name, *stem), create(&path)?);
        }
    }
    Ok(files)
}

/// The lines providers send that are no money movements (cardapp's card list, with the
/// `cvv`/`pin` the adapter must drop).
fn write_fixtures(dir: &Path) -> Result<()> {
    for spec in crate::providers::SPECS {
        if let Some((stem, lines)) = spec.sample.fixtures {
            let path = dir.join(spec.name).join(format!("{stem}.jsonl"));
            let lines = lines().map_err(|e| Error::Output {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let mut f = create(&path)?;
            for line in lines {
                writeln!(f, "{line}").map_err(|e| Error::io(&path, e))?;
            }
            f.flush().map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// An amount in a generated XLSX ledger: the number where a double stands for it exactly,
/// else its text (which the ledger reader takes as well).
fn write_amount(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    amount: Decimal,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    match crate::report::xlsx::excel_number(amount) {
        Some(n) => ws.write_number(row, col, n).map(|_| ()),
        None => ws
            .write_string(row, col, crate::money::format(amount))
            .map(|_| ()),
    }
}

fn xlsx_err(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
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
}

pub fn generate(opts: &GenerateOptions) -> Result<GenerateReport> {
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let p = out.join("providers");
    let mut w = Writers {
        providers: provider_files(&p)?,
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
    let ledger_header = crate::ledger::COLUMNS.map(|(name, _)| name);
    let csv_err = |path: &Path, e: csv::Error| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    w.ledger
        .write_record(ledger_header)
        .map_err(|e| csv_err(&out.join("ledger.csv"), e))?;
    w.labels
        .write_record(["category", "provider", "tx_id", "ledger_entry_id"])
        .map_err(|e| csv_err(&out.join("labels.csv"), e))?;
    w.link_labels
        .write_record(["finding", "provider", "tx_id"])
        .map_err(|e| csv_err(&out.join("link_labels.csv"), e))?;
    // Rough upper bound of ledger rows: one per record plus duplicates.
    let xlsx_path = out.join("ledger.xlsx");
    if opts.records + opts.records / 50 + 40 <= XLSX_MAX_ROWS {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb
            .add_worksheet_with_constant_memory()
            .map_err(|e| xlsx_err(&xlsx_path, e))?;
        ws.set_name("Ledger").map_err(|e| xlsx_err(&xlsx_path, e))?;
        for (c, h) in ledger_header.iter().enumerate() {
            ws.write_string(0, c as u16, *h)
                .map_err(|e| xlsx_err(&xlsx_path, e))?;
        }
        ws.set_column_width(9, 24)
            .map_err(|e| xlsx_err(&xlsx_path, e))?;
        w.xlsx = Some(wb);
        w.xlsx_row = 1;
    }
    write_fixtures(&p)?;

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
    };
    // Every scenario once for each provider (so each category appears whatever the size), then
    // the rest drawn by weight.
    let forced: Vec<(Scenario, Option<Prov>)> = WEIGHTS
        .iter()
        .flat_map(|(s, _)| crate::providers::SPECS.iter().map(move |p| (*s, Some(*p))))
        .collect();
    let mut i = 0u64;
    for (s, p) in &forced {
        g.scenario(&mut w, *s, *p)?;
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
        g.scenario(&mut w, scenario, None)?;
        i += 1;
    }

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
    g.report.link_labels = std::mem::take(&mut g.originals.labels);
    g.report.card_labels = g.card_balances.write(out, opts.opening_cards.as_deref())?;
    if let Some(mut wb) = w.xlsx.take() {
        wb.save(&xlsx_path).map_err(|e| xlsx_err(&xlsx_path, e))?;
        g.report.xlsx_written = true;
    }
    let config = format!(
        "# Written by `cardrecon generate` for the month it generated.\ntimezone = \"{}\"\nperiod = \"{}\"\nmargin_days = 3\n\n[ledger]\npath = \"ledger.csv\"\n",
        opts.timezone.name(),
        opts.period.label()
    );
    std::fs::write(out.join("cardrecon.toml"), config)
        .map_err(|e| Error::io(out.join("cardrecon.toml"), e))?;
    Ok(g.report)
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

    fn scenario(&mut self, w: &mut Writers, s: Scenario, forced: Option<Prov>) -> Result<()> {
        use Scenario as S;
        let zone = self.zone;
        let last_day = self.period.last;
        let prov = match s {
            S::OrphanRefund | S::RefundAboveOriginal => self.prov_with(forced, Kind::Refund),
            S::OrphanFee => self.prov_with(forced, Kind::Fee),
            _ => self.pick_prov(forced, matches!(s, S::MatchedByOrder | S::SplitCapture)),
        };
        // Most scenarios happen well inside the period (at least an hour from its end, so a
        // repeat two minutes later stays inside too).
        let inside = self.instant_between(self.start, self.end - Duration::hours(1), prov);
        let sec_or_ms = |p: Prov, ms: i64| {
            if p.sample.millis {
                Duration::milliseconds(ms)
            } else {
                Duration::seconds((ms + 999) / 1000)
            }
        };
        match s {
            S::Matched | S::MatchedFailedBothSides => {
                let mut tx = self.new_tx(prov, inside);
                if s == S::MatchedFailedBothSides {
                    tx.status = Status::Failed;
                    tx.fee = None;
                }
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
            }
            S::MatchedByOrder => {
                let mut tx = self.new_tx(prov, inside);
                while tx.order_id.is_none() {
                    tx = self.new_tx(prov, inside);
                }
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::OrderIdOnly)?;
            }
            S::MatchedAtEdges => {
                // 00:00:00.000 on the first day and 23:59:59(.999) on the last, booked at once.
                let first = self.new_tx(prov, self.start);
                self.provider(w, &first)?;
                self.ledger_for(w, &first, first.at, LedgerVariant::Same)?;
                let last_at = self.end - sec_or_ms(prov, 1);
                let last = self.new_tx(prov, last_at);
                self.provider(w, &last)?;
                self.ledger_for(w, &last, last.at, LedgerVariant::Same)?;
            }
            S::AmountMismatch | S::CurrencyMismatch | S::FeeMismatch => {
                let mut tx = self.new_tx(prov, inside);
                let variant = match s {
                    S::AmountMismatch => {
                        let delta = [
                            Decimal::new(1, 2),
                            Decimal::new(100, 2),
                            Decimal::new(-50, 2),
                            Decimal::new(1, 8),
                        ][self.rng.random_range(0..4)];
                        LedgerVariant::Amount(delta)
                    }
                    S::CurrencyMismatch => LedgerVariant::Currency,
                    _ => {
                        while tx.kind != Kind::Consumption {
                            tx = self.new_tx(prov, inside);
                        }
                        tx.fee = Some(tx.fee.unwrap_or(Decimal::new(125, 2)));
                        LedgerVariant::Fee
                    }
                };
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, variant)?;
                let cat = match s {
                    S::AmountMismatch => Category::AmountMismatch,
                    S::CurrencyMismatch => Category::CurrencyMismatch,
                    _ => Category::FeeMismatch,
                };
                self.label(w, cat, tx.provider, &tx.tx_id, &entry)?;
            }
            S::StatusMismatch => {
                let mut tx = self.new_tx(prov, inside);
                tx.status = if self.rng.random_range(0..2) == 0 {
                    Status::Failed
                } else {
                    Status::Reversed
                };
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, LedgerVariant::BookedAsSuccess)?;
                self.label(w, Category::StatusMismatch, tx.provider, &tx.tx_id, &entry)?;
            }
            S::TimingOutOfPeriod | S::TimingIntoPeriod | S::TimingAtStart => {
                let (p_at, l_at) = match s {
                    // Last moment of the period at the provider, booked just after midnight.
                    S::TimingOutOfPeriod => (
                        self.end - sec_or_ms(prov, 1),
                        self.end + Duration::milliseconds(250),
                    ),
                    // First moment after the period at the provider, booked just before midnight.
                    S::TimingIntoPeriod => (self.end, self.end - Duration::seconds(1)),
                    // Last moment before the period at the provider, booked at its first moment.
                    _ => (self.start - sec_or_ms(prov, 1), self.start),
                };
                let tx = self.new_tx(prov, p_at);
                self.provider(w, &tx)?;
                let entry = self.ledger_for(w, &tx, l_at, LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::TimingDifference,
                    tx.provider,
                    &tx.tx_id,
                    &entry,
                )?;
            }
            S::MissingInLedger | S::FailedNotBooked | S::PendingNotBooked => {
                let mut tx = self.new_tx(prov, inside);
                let cat = match s {
                    S::MissingInLedger => Category::MissingInLedger,
                    S::FailedNotBooked => {
                        tx.status = if self.rng.random_range(0..2) == 0 {
                            Status::Failed
                        } else {
                            Status::Reversed
                        };
                        Category::FailedNotBooked
                    }
                    _ => {
                        tx.status = Status::Pending;
                        Category::PendingNotBooked
                    }
                };
                if cat == Category::MissingInLedger {
                    self.keep_apart(&mut tx, Unmatched::Provider);
                }
                self.provider(w, &tx)?;
                self.label(w, cat, tx.provider, &tx.tx_id, "")?;
            }
            S::MissingAtProvider => {
                let mut tx = self.new_tx(prov, inside);
                tx.tx_id = format!("GHOST{:012}", self.seq);
                self.keep_apart(&mut tx, Unmatched::Ledger);
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::MissingAtProvider,
                    tx.provider,
                    &tx.tx_id,
                    &entry,
                )?;
            }
            S::DuplicateAtProvider => {
                let tx = self.new_tx(prov, inside);
                self.provider(w, &tx)?;
                let mut repeat = tx.clone();
                repeat.at = tx.at + Duration::seconds(120);
                repeat.amount += Decimal::ONE;
                self.provider(w, &repeat)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                self.label(w, Category::DuplicateAtProvider, tx.provider, &tx.tx_id, "")?;
            }
            S::DuplicateInLedger => {
                let tx = self.new_tx(prov, inside);
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                let again =
                    self.ledger_for(w, &tx, booked + Duration::seconds(120), LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::DuplicateInLedger,
                    tx.provider,
                    &tx.tx_id,
                    &again,
                )?;
            }
            S::MarginMatched | S::MarginUnmatched => {
                // Two days before or after the period (inside the default 3-day margin).
                let before = self.rng.random_range(0..2) == 0;
                let day = if before {
                    self.period.first - Duration::days(2)
                } else {
                    last_day + Duration::days(2)
                };
                let from = day_start(day, zone) + Duration::hours(1);
                let at = self.instant_between(from, from + Duration::hours(20), prov);
                let mut tx = self.new_tx(prov, at);
                if s == S::MarginUnmatched {
                    self.keep_apart(&mut tx, Unmatched::Provider);
                }
                self.provider(w, &tx)?;
                if s == S::MarginMatched {
                    self.ledger_for(w, &tx, at, LedgerVariant::Same)?;
                }
            }
            S::SplitCapture => {
                let mut tx = self.new_tx(prov, inside);
                while tx.order_id.is_none() {
                    tx = self.new_tx(prov, inside);
                }
                tx.fee = None;
                tx.amount = Decimal::new(self.rng.random_range(300i64..100_000), 2);
                let parts = self.rng.random_range(2..=3);
                for (i, amount) in self.split(tx.amount, parts).into_iter().enumerate() {
                    let mut part = tx.clone();
                    if i > 0 {
                        let id = self.next_id();
                        part.tx_id = (prov.sample.tx_id)(id, tx.kind);
                        part.at = tx.at + Duration::seconds(30 * i as i64);
                    }
                    part.amount = amount;
                    self.provider(w, &part)?;
                }
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::OrderIdOnly)?;
                self.report.groups += 1;
            }
            S::BookedInParts => {
                let mut tx = self.new_tx(prov, inside);
                tx.fee = None;
                tx.amount = Decimal::new(self.rng.random_range(200i64..100_000), 2);
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                for (i, amount) in self.split(tx.amount, 2).into_iter().enumerate() {
                    let at = booked + Duration::seconds(60 * i as i64);
                    self.ledger_for(w, &tx, at, LedgerVariant::AmountIs(amount))?;
                }
                self.report.groups += 1;
            }
            S::SuggestedMatch => {
                let mut tx = self.new_tx(prov, inside);
                // Unique on both sides, so each is the other's only candidate.
                self.keep_apart(&mut tx, Unmatched::Both);
                self.provider(w, &tx)?;
                // Booked under a mistyped reference and no order id, within hours.
                let mut typed = tx.clone();
                typed.tx_id = format!("{}X", tx.tx_id);
                typed.order_id = None;
                let booked = tx.at + Duration::minutes(self.rng.random_range(5..600));
                let entry = self.ledger_for(w, &typed, booked, LedgerVariant::Same)?;
                self.label(w, Category::SuggestedMatch, prov, &tx.tx_id, &entry)?;
            }
            S::OrphanRefund | S::OrphanFee => {
                let kind = if s == S::OrphanRefund {
                    Kind::Refund
                } else {
                    Kind::Fee
                };
                let mut tx = self.tx_of_kind(prov, inside, kind);
                tx.status = Status::Success;
                // An id of the provider's own shape that no record carries.
                let missing = self.next_id();
                tx.related = Some((prov.sample.tx_id)(missing, Kind::Consumption));
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                let finding = if kind == Kind::Refund {
                    "orphan_refund"
                } else {
                    "orphan_fee"
                };
                self.link_label(w, finding, prov, &tx.tx_id)?;
            }
            S::RefundAboveOriginal => {
                let mut first = self.tx_of_kind(prov, inside, Kind::Refund);
                first.status = Status::Success;
                first.fee = None;
                let original = self.original_for(&first);
                self.provider(w, &original)?;
                // Only these two refunds name it.
                self.originals.forget(prov.name, &original.tx_id);
                let booked = self.booking_time(original.at, prov);
                self.ledger_for(w, &original, booked, LedgerVariant::Same)?;
                let half = (original.amount / Decimal::TWO).round_dp(2);
                first.amount = half;
                first.related = Some(original.tx_id.clone());
                let mut second = first.clone();
                let id = self.next_id();
                second.tx_id = (prov.sample.tx_id)(id, Kind::Refund);
                second.order_id = (prov.sample.order_id)(id, Kind::Refund, &second.tx_id);
                second.at = first.at + Duration::seconds(60);
                second.amount = original.amount - half + Decimal::new(1, 2);
                for r in [&first, &second] {
                    self.provider(w, r)?;
                    let booked = self.booking_time(r.at, prov);
                    self.ledger_for(w, r, booked, LedgerVariant::Same)?;
                }
                self.link_label(w, "refund_exceeds_original", prov, &original.tx_id)?;
            }
        }
        Ok(())
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
            })
    }

    /// Writes a provider record; a refund or fee that names no original yet is linked to one
    /// first (written now if none fits, with its ledger entry, so it is matched).
    fn provider(&mut self, w: &mut Writers, tx: &Tx) -> Result<()> {
        if matches!(tx.kind, Kind::Refund | Kind::Fee) && tx.related.is_none() {
            let related = match self.originals.pick(tx.provider.name, &tx.record) {
                Some(r) => r,
                None => {
                    let original = self.original_for(tx);
                    self.provider(w, &original)?;
                    let booked = self.booking_time(original.at, original.provider);
                    self.ledger_for(w, &original, booked, LedgerVariant::Same)?;
                    self.originals
                        .pick(tx.provider.name, &tx.record)
                        .unwrap_or_else(|| original.tx_id.clone())
                }
            };
            let mut linked = tx.clone();
            linked.related = Some(related);
            return self.write_provider(w, &linked);
        }
        self.write_provider(w, tx)?;
        self.originals.wrote(tx.provider.name, &tx.record);
        Ok(())
    }

    fn write_provider(&mut self, w: &mut Writers, tx: &Tx) -> Result<()> {
        self.report.provider_records += 1;
        self.card_balances
            .wrote(tx.provider.name, &tx.record, (self.start, self.end));
        let habits = &tx.provider.sample;
        let line = (habits.wire)(&tx.record, habits.wire_zone).map_err(|e| Error::Output {
            path: tx.provider.name.into(),
            message: format!("writing {}: {e}", tx.tx_id),
        })?;
        let stem = habits.files[(habits.file_of)(&tx.record)];
        let f = w
            .providers
            .get_mut(&(tx.provider.name, stem))
            .ok_or_else(|| Error::Output {
                path: format!("{}/{stem}.jsonl", tx.provider.name).into(),
                message: "not one of the provider's files".into(),
            })?;
        writeln!(f, "{line}").map_err(|e| Error::io(tx.provider.name, e))
    }

    /// Books a provider movement in the ledger; returns the entry id.
    fn ledger_for(
        &mut self,
        w: &mut Writers,
        tx: &Tx,
        booked: DateTime<Utc>,
        variant: LedgerVariant,
    ) -> Result<String> {
        self.report.ledger_entries += 1;
        let entry_id = format!("LE{:010}", self.next_id());
        let mut amount = tx.amount;
        let mut currency = tx.currency.clone();
        let mut fee = tx.fee;
        let mut status = tx.status;
        let mut tx_id = Some(tx.tx_id.clone());
        match variant {
            LedgerVariant::Same => {}
            LedgerVariant::OrderIdOnly => tx_id = None,
            LedgerVariant::Amount(delta) => amount += delta,
            LedgerVariant::Currency => {
                currency = if currency == "USD" {
                    "EUR".into()
                } else {
                    "USD".into()
                }
            }
            LedgerVariant::Fee => fee = fee.map(|f| f + Decimal::new(50, 2)),
            LedgerVariant::BookedAsSuccess => status = Status::Success,
            LedgerVariant::AmountIs(a) => amount = a,
        }
        let booked_local = local(booked, self.zone);
        let booked_text = booked_local.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        let amount_text = crate::money::format(amount);
        let fee_text = fee.map(crate::money::format).unwrap_or_default();
        let order = tx.order_id.clone().unwrap_or_default();
        let tx_text = tx_id.clone().unwrap_or_default();
        w.ledger
            .write_record([
                entry_id.as_str(),
                tx.provider.name,
                tx.kind.as_str(),
                tx_text.as_str(),
                order.as_str(),
                amount_text.as_str(),
                currency.as_str(),
                fee_text.as_str(),
                status.as_str(),
                booked_text.as_str(),
            ])
            .map_err(|e| Error::Output {
                path: "ledger.csv".into(),
                message: e.to_string(),
            })?;
        if let Some(wb) = w.xlsx.as_mut() {
            let row = w.xlsx_row;
            w.xlsx_row += 1;
            let err = |e: rust_xlsxwriter::XlsxError| Error::Output {
                path: "ledger.xlsx".into(),
                message: e.to_string(),
            };
            let ws = wb.worksheet_from_index(0).map_err(err)?;
            ws.write_string(row, 0, &entry_id).map_err(err)?;
            ws.write_string(row, 1, tx.provider.name).map_err(err)?;
            ws.write_string(row, 2, tx.kind.as_str()).map_err(err)?;
            if let Some(t) = &tx_id {
                ws.write_string(row, 3, t).map_err(err)?;
            }
            if !order.is_empty() {
                ws.write_string(row, 4, &order).map_err(err)?;
            }
            // Excel stores numbers as doubles; every amount here has at most 8 places and 15
            // significant digits, so a double stands for it exactly (else: its text).
            write_amount(ws, row, 5, amount).map_err(err)?;
            ws.write_string(row, 6, &currency).map_err(err)?;
            if let Some(f) = fee {
                // Some fees as text, the way exports often store numbers.
                if row.is_multiple_of(2) {
                    ws.write_string(row, 7, crate::money::format(f))
                        .map_err(err)?;
                } else {
                    write_amount(ws, row, 7, f).map_err(err)?;
                }
            }
            ws.write_string(row, 8, status.as_str()).map_err(err)?;
            ws.write_datetime_with_format(row, 9, booked_local, &w.date_format)
                .map_err(err)?;
        }
        Ok(entry_id)
    }
}

#[derive(Debug, Clone, Copy)]
enum LedgerVariant {
    Same,
    OrderIdOnly,
    Amount(Decimal),
    Currency,
    Fee,
    BookedAsSuccess,
    AmountIs(Decimal),
}
