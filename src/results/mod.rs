//! Results: the matching result as every stage reads it. [`ResultRows`] gives one row's
//! values ([`ResultRow`]) from the engine's columns without copying them; [`exposure`] says
//! what a discrepancy puts at stake; [`close`] is the store's view of a run (roll-forward,
//! decisions, open items).
//!
//! **Why a room of its own.** The report writers read these rows, and so does the store (to
//! plan a run's items); the store must not depend on the reports, so neither owns the type
//! they share.

pub mod close;
pub mod exposure;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::error::Result;
use crate::matching::Category;
use crate::money;
use crate::period::from_epoch_days;

/// The fixed output columns of `results.csv` and `discrepancies.csv`, in order.
pub const RESULT_COLUMNS: [&str; 20] = [
    "category",
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "ledger_entry_id",
    "provider_amount",
    "ledger_amount",
    "amount_difference",
    "currency",
    "ledger_currency",
    "provider_status",
    "ledger_status",
    "provider_time",
    "ledger_time",
    "provider_day",
    "ledger_day",
    "card",
    "detail",
    "match_id",
];

/// One result row in output terms, its text owned (`ResultRow`) or borrowed from the result's
/// columns (`ResultRow<&str>`, [`ResultRows::borrowed`]: what the file writers read, a row at a
/// time, without a copy of each field).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow<S = String> {
    pub category: Category,
    pub provider: Option<S>,
    pub kind: Option<S>,
    pub tx_id: Option<S>,
    pub order_id: Option<S>,
    pub ledger_entry_id: Option<S>,
    pub provider_amount: Option<Decimal>,
    pub ledger_amount: Option<Decimal>,
    pub amount_difference: Option<Decimal>,
    pub currency: Option<S>,
    pub ledger_currency: Option<S>,
    pub provider_status: Option<S>,
    pub ledger_status: Option<S>,
    pub provider_time: Option<DateTime<Utc>>,
    pub ledger_time: Option<DateTime<Utc>>,
    pub provider_day: Option<NaiveDate>,
    pub ledger_day: Option<NaiveDate>,
    pub card: Option<S>,
    pub detail: String,
    pub provider_fee: Option<Decimal>,
    pub ledger_fee: Option<Decimal>,
    pub description: Option<S>,
    pub provider_source: Option<S>,
    pub ledger_source: Option<S>,
    /// Which fields differ (for highlighting).
    pub diffs: Diffs,
    /// The match the row belongs to: a pair, a group's member or a suggestion (stage 6).
    pub match_id: Option<S>,
    /// For a group's rows: how many records the group has.
    pub match_size: Option<u32>,
}

impl ResultRow<&str> {
    /// The row with its text copied, to keep beyond the result's columns.
    pub fn into_owned(self) -> ResultRow {
        let own = |s: Option<&str>| s.map(str::to_string);
        ResultRow {
            category: self.category,
            provider: own(self.provider),
            kind: own(self.kind),
            tx_id: own(self.tx_id),
            order_id: own(self.order_id),
            ledger_entry_id: own(self.ledger_entry_id),
            provider_amount: self.provider_amount,
            ledger_amount: self.ledger_amount,
            amount_difference: self.amount_difference,
            currency: own(self.currency),
            ledger_currency: own(self.ledger_currency),
            provider_status: own(self.provider_status),
            ledger_status: own(self.ledger_status),
            provider_time: self.provider_time,
            ledger_time: self.ledger_time,
            provider_day: self.provider_day,
            ledger_day: self.ledger_day,
            card: own(self.card),
            detail: self.detail,
            provider_fee: self.provider_fee,
            ledger_fee: self.ledger_fee,
            description: own(self.description),
            provider_source: own(self.provider_source),
            ledger_source: own(self.ledger_source),
            diffs: self.diffs,
            match_id: own(self.match_id),
            match_size: self.match_size,
        }
    }
}

/// The differences found in a matched pair.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Diffs {
    pub status: bool,
    pub currency: bool,
    pub amount: bool,
    pub fee: bool,
    pub timing: bool,
}

/// Typed access to the columns of the matching result. Columns are found by name once, in
/// [`ResultRows::new`]; the accessors index them by a position fixed at compile time (the
/// `col!` macro), since a hashed name lookup per cell was a tenth of the workbook's time.
///
/// Only `category` is required: a result built for `summary.json` alone carries just the
/// columns the summary reads (see `matching::Gather`), and an absent column reads as missing.
///
/// An input's column (`p_amount`, `l_entry_id`) is read from the result when it has it, else,
/// with [`ResultRows::over`], from the table matched at the row's `p_row`/`l_row`
/// (`matching::Gather::Positions`): the same value, without a copy of the column per result.
pub struct ResultRows<'a> {
    df: &'a DataFrame,
    inputs: Option<(&'a DataFrame, &'a DataFrame)>,
    len: usize,
    s: Vec<Option<(&'a StringChunked, Via)>>,
    d: Vec<Option<(&'a Int128Chunked, Via)>>,
    t: Vec<Option<(&'a Int64Chunked, Via)>>,
    day: Vec<Option<(&'a Int32Chunked, Via)>>,
    b: Vec<Option<&'a BooleanChunked>>,
    n: Vec<Option<&'a UInt32Chunked>>,
    /// The rows' positions in the tables matched, for the columns read from them.
    p_row: Option<&'a IdxCa>,
    l_row: Option<&'a IdxCa>,
    /// What the store said about the row (the earlier item it clears or repeats), when a store
    /// was used; appended to `detail`.
    store_note: Option<&'a StringChunked>,
    weight: Option<&'a UInt64Chunked>,
}

/// Where a column's value for a result row is: at the row's own position, or at its position
/// in the provider or ledger table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Row,
    Provider,
    Ledger,
}

/// How many rows a pass over rows in an order of its own reads at a time
/// ([`ResultRows::gather`]): enough to keep many cache misses in flight, few enough that the
/// part stays small beside the month.
pub const PART_ROWS: usize = 32_768;

/// The optional result column with the store's word on each row ([`ResultRows`]).
pub const STORE_NOTE: &str = "store_note";

/// The optional result column giving how many rows a row stands for.
pub use crate::matching::WEIGHT;

const STR: [&str; 26] = [
    "category",
    "match_key",
    "p_provider",
    "p_kind",
    "p_tx_id",
    "p_order_id",
    "p_currency",
    "p_status",
    "p_status_raw",
    "p_card_masked",
    "p_card_ref",
    "p_description",
    "p_source",
    "l_entry_id",
    "l_provider",
    "l_kind",
    "l_tx_id",
    "l_order_id",
    "l_currency",
    "l_status",
    "l_source",
    "p_fee_currency",
    "match_id",
    "rule",
    "fx",
    "summary",
];
const DEC: [&str; 9] = [
    "p_amount",
    "l_amount",
    "p_fee",
    "l_fee",
    "match_sum",
    "amount_tolerance",
    "fee_tolerance",
    "fx_difference",
    "summary_difference",
];
const NUM: [&str; 3] = ["match_size", "candidates", "rule_candidates"];
const TIME: [&str; 2] = ["p_occurred_at", "l_booked_at"];
const DAY: [&str; 2] = ["p_accounting_day", "l_accounting_day"];
const FLAG: [&str; 7] = [
    "status_diff",
    "currency_diff",
    "amount_diff",
    "sign_diff",
    "fee_diff",
    "timing",
    "p_primary",
];

/// The position of `name` in `names`, at compile time (a name not in the list does not compile).
const fn pos(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a result column")
}

/// The position of a result column in its list (`STR`, `DEC`, `TIME`, `DAY`, `FLAG`), fixed at
/// compile time: `col!(STR, "p_provider")`.
macro_rules! col {
    ($names:ident, $n:literal) => {
        const { pos(&$names, $n) }
    };
}

impl<'a> ResultRows<'a> {
    /// The rows of a result that carries the input columns it is read for (or lacks them).
    pub fn new(df: &'a DataFrame) -> Result<ResultRows<'a>> {
        ResultRows::build(df, None)
    }

    /// The rows of a result whose input columns may be left in `provider` and `ledger`, the
    /// tables it was matched from (`matching::Gather::Positions`): a `p_`/`l_` column the
    /// result lacks is read from them at the row's `p_row`/`l_row`.
    pub fn over(
        df: &'a DataFrame,
        provider: &'a DataFrame,
        ledger: &'a DataFrame,
    ) -> Result<ResultRows<'a>> {
        ResultRows::build(df, Some((provider, ledger)))
    }

    fn build(
        df: &'a DataFrame,
        inputs: Option<(&'a DataFrame, &'a DataFrame)>,
    ) -> Result<ResultRows<'a>> {
        // A column that is there must have its type; one that is not reads as missing, or from
        // its input table when there is one and the result has the rows' positions in it.
        let idx = |name: &str| -> Result<Option<&'a IdxCa>> {
            match (inputs, df.column(name)) {
                (Some(_), Ok(c)) => Ok(Some(c.idx()?)),
                _ => Ok(None),
            }
        };
        let (p_row, l_row) = (idx("p_row")?, idx("l_row")?);
        let find = |name: &str| -> Option<(&'a Column, Via)> {
            if let Ok(c) = df.column(name) {
                return Some((c, Via::Row));
            }
            let (provider, ledger) = inputs?;
            match (name.strip_prefix("p_"), name.strip_prefix("l_")) {
                (Some(n), _) if p_row.is_some() => {
                    provider.column(n).ok().map(|c| (c, Via::Provider))
                }
                (_, Some(n)) if l_row.is_some() => ledger.column(n).ok().map(|c| (c, Via::Ledger)),
                _ => None,
            }
        };
        fn each<'a, T: ?Sized + 'a>(
            names: &[&str],
            find: &impl Fn(&str) -> Option<(&'a Column, Via)>,
            typed: impl Fn(&'a Column) -> PolarsResult<&'a T>,
        ) -> PolarsResult<Vec<Option<(&'a T, Via)>>> {
            names
                .iter()
                .map(|n| match find(n) {
                    Some((c, via)) => typed(c).map(|t| Some((t, via))),
                    None => Ok(None),
                })
                .collect()
        }
        let direct = |name: &str| df.column(name).ok();
        df.column("category")?;
        let s = each(&STR, &find, |c| c.str())?;
        let d = each(&DEC, &find, |c| c.decimal().map(|c| c.physical()))?;
        let t = each(&TIME, &find, |c| c.datetime().map(|c| c.physical()))?;
        let day = each(&DAY, &find, |c| c.date().map(|c| c.physical()))?;
        let b = FLAG
            .iter()
            .map(|n| direct(n).map(|c| c.bool()).transpose())
            .collect::<PolarsResult<_>>()?;
        let n = NUM
            .iter()
            .map(|n| direct(n).map(|c| c.u32()).transpose())
            .collect::<PolarsResult<_>>()?;
        let store_note = direct(STORE_NOTE).map(|c| c.str()).transpose()?;
        let weight = direct(WEIGHT).map(|c| c.u64()).transpose()?;
        Ok(ResultRows {
            df,
            inputs,
            weight,
            len: df.height(),
            s,
            d,
            t,
            day,
            b,
            n,
            p_row,
            l_row,
            store_note,
        })
    }

    /// Rows `from..to` as a table of their own, every column this reads from the tables
    /// matched gathered into it: a pass over many rows reads a part at a time through
    /// [`ResultRows::new`] on it, the same values as here.
    ///
    /// **Why.** Read through positions, a column costs a cache miss per cell, each waited for
    /// in turn; a gather over a part's positions keeps many in flight. The result files read
    /// 18 such columns of every row.
    pub fn part(&self, from: usize, to: usize) -> Result<DataFrame> {
        let len = to.min(self.len).saturating_sub(from);
        self.with_inputs(self.df.slice(from as i64, len))
    }

    /// The rows at `positions`, in that order, as a table of their own (see
    /// [`ResultRows::part`]): for a pass over rows in another order (the review order).
    pub fn gather(&self, positions: &[usize]) -> Result<DataFrame> {
        let idx: IdxCa = positions.iter().map(|&i| Some(i as IdxSize)).collect();
        self.with_inputs(self.df.take(&idx)?)
    }

    /// `part` (rows of the result) with the columns this reads from the tables matched
    /// gathered in, by its own `p_row`/`l_row`.
    fn with_inputs(&self, mut part: DataFrame) -> Result<DataFrame> {
        let Some((provider, ledger)) = self.inputs else {
            return Ok(part);
        };
        let mut read: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
        let vias = (self.s.iter().map(|c| c.map(|c| c.1)))
            .chain(self.d.iter().map(|c| c.map(|c| c.1)))
            .chain(self.t.iter().map(|c| c.map(|c| c.1)))
            .chain(self.day.iter().map(|c| c.map(|c| c.1)));
        let names = STR.iter().chain(&DEC).chain(&TIME).chain(&DAY);
        for (name, via) in names.zip(vias) {
            match via {
                Some(Via::Provider) => read[0].push(&name[2..]),
                Some(Via::Ledger) => read[1].push(&name[2..]),
                _ => {}
            }
        }
        for (table, names, position, prefix) in [
            (provider, &read[0], "p_row", "p_"),
            (ledger, &read[1], "l_row", "l_"),
        ] {
            if names.is_empty() {
                continue;
            }
            let rows = part.column(position)?.idx()?.clone();
            let taken = table.select(names.iter().copied())?.take(&rows)?;
            for c in taken.columns() {
                let mut c = c.clone();
                c.rename(format!("{prefix}{}", c.name()).into());
                part.with_column(c)?;
            }
        }
        Ok(part)
    }

    /// Where row `i`'s value of a column read `via` is, if the row has a record on that side.
    fn at(&self, via: Via, i: usize) -> Option<usize> {
        match via {
            Via::Row => Some(i),
            Via::Provider => self.p_row?.get(i).map(|r| r as usize),
            Via::Ledger => self.l_row?.get(i).map(|r| r as usize),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn str_ref(&self, c: usize, i: usize) -> Option<&'a str> {
        let (column, via): (&'a StringChunked, Via) = self.s[c]?;
        column.get(self.at(via, i)?)
    }
    /// Provider, kind and currency of row `i`, from whichever side has them, without copying.
    pub fn provider_kind_currency(
        &self,
        i: usize,
    ) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
        let either = |p: usize, l: usize| self.str_ref(p, i).or_else(|| self.str_ref(l, i));
        (
            either(col!(STR, "p_provider"), col!(STR, "l_provider")),
            either(col!(STR, "p_kind"), col!(STR, "l_kind")),
            either(col!(STR, "p_currency"), col!(STR, "l_currency")),
        )
    }
    /// The provider record's provider and tx id, and the ledger entry id, of row `i`, without
    /// copying.
    pub fn keys(&self, i: usize) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
        (
            self.str_ref(col!(STR, "p_provider"), i),
            self.str_ref(col!(STR, "p_tx_id"), i),
            self.str_ref(col!(STR, "l_entry_id"), i),
        )
    }
    /// The configured rule that paired row `i`, or left it with this many candidates.
    pub fn rule(&self, i: usize) -> Option<(&'a str, Option<u32>)> {
        let name = self.str_ref(col!(STR, "rule"), i)?;
        Some((name, self.num(col!(NUM, "rule_candidates"), i)))
    }

    /// Row `i`'s FX difference (booked − converted, in the ledger's currency), where `[fx]`
    /// converted it.
    pub fn fx_difference(&self, i: usize) -> Option<Decimal> {
        self.dec(col!(DEC, "fx_difference"), i)
    }

    /// How many result rows row `i` stands for (1 but in a summary-only result).
    pub fn weight(&self, i: usize) -> u64 {
        self.weight.and_then(|w| w.get(i)).unwrap_or(1)
    }
    /// Whether row `i` has a ledger entry (every entry has an id; read through the row's
    /// position in the ledger, where it has one, that is whether it has a position).
    pub fn has_ledger(&self, i: usize) -> bool {
        match self.s[col!(STR, "l_entry_id")] {
            Some((_, Via::Ledger)) => self.at(Via::Ledger, i).is_some(),
            _ => self.str_ref(col!(STR, "l_entry_id"), i).is_some(),
        }
    }
    /// Accounting day and currency of row `i` on each side, without copying: the provider side's
    /// currency (the ledger's when there is no provider record), then the ledger's.
    #[allow(clippy::type_complexity)]
    pub fn days_currencies(
        &self,
        i: usize,
    ) -> (
        (Option<NaiveDate>, Option<&'a str>),
        (Option<NaiveDate>, Option<&'a str>),
    ) {
        let ledger_currency = self.str_ref(col!(STR, "l_currency"), i);
        (
            (
                self.day(col!(DAY, "p_accounting_day"), i),
                self.str_ref(col!(STR, "p_currency"), i).or(ledger_currency),
            ),
            (self.day(col!(DAY, "l_accounting_day"), i), ledger_currency),
        )
    }
    /// Provider and ledger amounts (the ledger's as booked) of row `i`, for totals: each
    /// record's amount once. A summary line's row has only the line (its records' own rows
    /// hold their amounts); a group with no line has its records' sum.
    pub fn amounts(&self, i: usize) -> (Option<Decimal>, Option<Decimal>) {
        let ledger = self.dec(col!(DEC, "l_amount"), i);
        match self.category(i) {
            Category::SummaryMatched | Category::SummaryMismatch => (None, ledger),
            Category::SummaryMissing => (self.dec(col!(DEC, "match_sum"), i), None),
            _ => (self.dec(col!(DEC, "p_amount"), i), ledger),
        }
    }

    /// The match id of row `i`, without copying.
    pub fn match_id(&self, i: usize) -> Option<&'a str> {
        self.str_ref(col!(STR, "match_id"), i)
    }

    /// Whether the result was made with summary journals configured (it has their column).
    pub fn has_summaries(&self) -> bool {
        self.s[col!(STR, "summary")].is_some()
    }

    /// The summary journal (`[[matching.summaries]]`) row `i` belongs to, if any.
    pub fn summary(&self, i: usize) -> Option<&'a str> {
        self.str_ref(col!(STR, "summary"), i)
    }

    /// How many provider records row `i` holds: a summary's group with no line holds all of
    /// its records, a summary line's row none (they have rows of their own).
    pub fn records_held(&self, i: usize) -> u64 {
        match self.category(i) {
            Category::SummaryMissing => self.num(col!(NUM, "match_size"), i).map_or(1, u64::from),
            Category::SummaryMatched | Category::SummaryMismatch => 0,
            _ => u64::from(self.dec(col!(DEC, "p_amount"), i).is_some()),
        }
    }
    fn dec(&self, c: usize, i: usize) -> Option<Decimal> {
        let (column, via) = self.d[c]?;
        column.get(self.at(via, i)?).map(money::from_units)
    }
    fn num(&self, c: usize, i: usize) -> Option<u32> {
        self.n[c]?.get(i)
    }
    fn flag(&self, c: usize, i: usize) -> bool {
        self.b[c].and_then(|b| b.get(i)).unwrap_or(false)
    }
    fn time(&self, c: usize, i: usize) -> Option<DateTime<Utc>> {
        let (column, via) = self.t[c]?;
        column
            .get(self.at(via, i)?)
            .and_then(DateTime::<Utc>::from_timestamp_micros)
    }
    fn day(&self, c: usize, i: usize) -> Option<NaiveDate> {
        let (column, via) = self.day[c]?;
        column.get(self.at(via, i)?).map(from_epoch_days)
    }

    /// Just the category of row `i` (cheap, for counting).
    pub fn category(&self, i: usize) -> Category {
        self.str_ref(col!(STR, "category"), i)
            .and_then(Category::parse)
            .unwrap_or(Category::Matched)
    }

    /// Row `i` with its `detail` text.
    pub fn row(&self, i: usize) -> ResultRow {
        self.borrowed(i).into_owned()
    }

    /// Row `i` with its `detail` text, the rest borrowed from the columns.
    pub fn borrowed(&self, i: usize) -> ResultRow<&'a str> {
        let mut row = self.values_borrowed(i);
        row.detail = self.detail(&row, i);
        row
    }

    /// Row `i` without its `detail` text (cheaper: for sums and counts).
    pub fn values(&self, i: usize) -> ResultRow {
        self.values_borrowed(i).into_owned()
    }

    /// [`ResultRows::values`], borrowed from the columns.
    pub fn values_borrowed(&self, i: usize) -> ResultRow<&'a str> {
        let row = self.gathered(i);
        match row.category {
            Category::SummaryMatched | Category::SummaryMismatch | Category::SummaryMissing => {
                self.summary_values(row, i)
            }
            _ => row,
        }
    }

    /// A summary's line or group row as it reads: the records' figure as the provider amount,
    /// the line's difference from it; a group with no line shows its provider, day, currency
    /// (and kind), not the fields of the record it was gathered from.
    fn summary_values(&self, mut row: ResultRow<&'a str>, i: usize) -> ResultRow<&'a str> {
        row.provider_amount = self.dec(col!(DEC, "match_sum"), i);
        row.amount_difference = self.dec(col!(DEC, "summary_difference"), i);
        if row.category == Category::SummaryMissing {
            if self.str_ref(col!(STR, "match_key"), i) == Some("summary_net") {
                row.kind = None;
            }
            row.tx_id = None;
            row.order_id = None;
            row.card = None;
            row.provider_status = None;
            row.provider_time = None;
            row.provider_fee = None;
            row.description = None;
            row.provider_source = None;
        }
        row
    }

    /// Row `i`'s gathered values, as they are in the columns.
    fn gathered(&self, i: usize) -> ResultRow<&'a str> {
        let category = self.category(i);
        let provider_amount = self.dec(col!(DEC, "p_amount"), i);
        let ledger_amount = self.dec(col!(DEC, "l_amount"), i);
        let match_size = self.num(col!(NUM, "match_size"), i);
        // A group member's own two amounts are not the comparison made: its group's sum is.
        // A pair `[fx]` converted: the converted amount − the booked one, in the ledger's
        // currency (the two amounts as sent are in two currencies and their difference means
        // nothing).
        let amount_difference = match (self.fx_difference(i), provider_amount, ledger_amount) {
            (Some(fx), _, _) => Some(-fx),
            (None, Some(p), Some(l)) if match_size.is_none() => Some(p - l.abs()),
            _ => None,
        };
        ResultRow {
            category,
            provider: self
                .str_ref(col!(STR, "p_provider"), i)
                .or_else(|| self.str_ref(col!(STR, "l_provider"), i)),
            kind: self
                .str_ref(col!(STR, "p_kind"), i)
                .or_else(|| self.str_ref(col!(STR, "l_kind"), i)),
            tx_id: self
                .str_ref(col!(STR, "p_tx_id"), i)
                .or_else(|| self.str_ref(col!(STR, "l_tx_id"), i)),
            order_id: self
                .str_ref(col!(STR, "p_order_id"), i)
                .or_else(|| self.str_ref(col!(STR, "l_order_id"), i)),
            ledger_entry_id: self.str_ref(col!(STR, "l_entry_id"), i),
            provider_amount,
            ledger_amount,
            amount_difference,
            currency: self
                .str_ref(col!(STR, "p_currency"), i)
                .or_else(|| self.str_ref(col!(STR, "l_currency"), i)),
            ledger_currency: self.str_ref(col!(STR, "l_currency"), i),
            provider_status: self.str_ref(col!(STR, "p_status"), i),
            ledger_status: self.str_ref(col!(STR, "l_status"), i),
            provider_time: self.time(col!(TIME, "p_occurred_at"), i),
            ledger_time: self.time(col!(TIME, "l_booked_at"), i),
            provider_day: self.day(col!(DAY, "p_accounting_day"), i),
            ledger_day: self.day(col!(DAY, "l_accounting_day"), i),
            card: self
                .str_ref(col!(STR, "p_card_masked"), i)
                .or_else(|| self.str_ref(col!(STR, "p_card_ref"), i)),
            detail: String::new(),
            provider_fee: self.dec(col!(DEC, "p_fee"), i),
            ledger_fee: self.dec(col!(DEC, "l_fee"), i),
            description: self.str_ref(col!(STR, "p_description"), i),
            provider_source: self.str_ref(col!(STR, "p_source"), i),
            ledger_source: self.str_ref(col!(STR, "l_source"), i),
            diffs: Diffs {
                status: self.flag(col!(FLAG, "status_diff"), i),
                currency: self.flag(col!(FLAG, "currency_diff"), i),
                amount: self.flag(col!(FLAG, "amount_diff"), i)
                    || self.flag(col!(FLAG, "sign_diff"), i),
                fee: self.flag(col!(FLAG, "fee_diff"), i),
                timing: self.flag(col!(FLAG, "timing"), i),
            },
            match_id: self.str_ref(col!(STR, "match_id"), i),
            match_size,
        }
    }

    /// The `detail` text: every difference found, in words.
    fn detail(&self, r: &ResultRow<&'a str>, i: usize) -> String {
        let show = |d: Option<Decimal>| d.map(money::format).unwrap_or_else(|| "none".into());
        let match_key = self.str_ref(col!(STR, "match_key"), i);
        let opt = |s: &Option<&'a str>| -> &'a str { s.unwrap_or_default() };
        let mut parts: Vec<String> = Vec::new();
        match r.category {
            Category::DuplicateAtProvider => parts.push(format!(
                "another record with tx_id {} came first and is the one matched; this repeat has different content",
                opt(&r.tx_id)
            )),
            Category::DuplicateInLedger => parts.push(format!(
                "{} is booked again; the earlier entry is the one matched (double booking?)",
                if r.tx_id.is_some() { format!("tx_id {}", opt(&r.tx_id)) } else { format!("order_id {}", opt(&r.order_id)) }
            )),
            Category::MissingInLedger => {
                let raw = self.str_ref(col!(STR, "p_status_raw"), i).unwrap_or_default();
                if r.provider_status == Some("unknown") {
                    parts.push(format!("no ledger entry; the provider's status `{raw}` is not a known one"));
                } else {
                    parts.push("no ledger entry for this successful provider record".into());
                }
            }
            Category::MissingAtProvider => parts.push(match (r.tx_id, r.order_id) {
                (Some(t), _) => format!("no provider record with tx_id {t}"),
                (None, Some(o)) => format!("no provider record with order_id {o}"),
                _ => "the entry has neither tx_id nor order_id to match on".into(),
            }),
            Category::FailedNotBooked => parts.push(format!(
                "{} at the provider and not booked: nothing to do",
                opt(&r.provider_status)
            )),
            Category::PendingNotBooked => parts.push("pending at the provider and not booked yet".into()),
            Category::SummaryMatched | Category::SummaryMismatch | Category::SummaryMissing | Category::Summarized => {
                parts.push(self.summary_words(r, i));
            }
            Category::SuggestedMatch if match_key != Some("rule_suggested") => parts.push(format!(
                "suggested match, for a person to confirm or reject: same provider and currency, amounts {} and {}{}, {} apart; nothing links them by key",
                show(r.provider_amount),
                show(r.ledger_amount.map(|a| a.abs())),
                match self.dec(col!(DEC, "amount_tolerance"), i) {
                    Some(t) => format!(" (within the tolerance {})", money::format(t)),
                    None => String::new(),
                },
                apart(r.provider_time, r.ledger_time),
            )),
            _ => {}
        }
        if let (Some(size), false) = (r.match_size, r.category.is_summary()) {
            let key = match_key.unwrap_or_default();
            let value = if key == "tx_id" {
                opt(&r.tx_id)
            } else {
                opt(&r.order_id)
            };
            parts.push(format!(
                "group of {size} on {key} {value}: the parts sum to {}",
                show(self.dec(col!(DEC, "match_sum"), i))
            ));
        }
        if let Some(n) = self.num(col!(NUM, "candidates"), i) {
            parts.push(format!(
                "{n} loose candidate{} within tolerance and the suggestion window, not unique both ways: not suggested",
                if n == 1 { "" } else { "s" }
            ));
        }
        if match_key == Some("confirmed") {
            parts.push("paired as a person confirmed it in the store".into());
        }
        if let Some(rule) = self.str_ref(col!(STR, "rule"), i) {
            match (self.num(col!(NUM, "rule_candidates"), i), match_key) {
                (Some(n), _) => parts.push(format!(
                    "{n} candidate{} under rule `{rule}`, not unique both ways: not matched",
                    if n == 1 { "" } else { "s" }
                )),
                (None, Some("rule_suggested")) => parts.push(format!(
                    "suggested by rule `{rule}`: each is the other's only candidate under it"
                )),
                _ => parts.push(format!(
                    "matched by rule `{rule}`: each is the other's only candidate under it"
                )),
            }
        }
        if self.flag(col!(FLAG, "status_diff"), i) {
            parts.push(format!(
                "status: provider {}, ledger {}",
                opt(&r.provider_status),
                opt(&r.ledger_status)
            ));
        }
        if self.flag(col!(FLAG, "currency_diff"), i) {
            parts.push(format!(
                "currency: provider {}, ledger {}",
                opt(&r.currency),
                opt(&r.ledger_currency)
            ));
        }
        let amount_tolerance = self.dec(col!(DEC, "amount_tolerance"), i);
        let fx = self.str_ref(col!(STR, "fx"), i);
        if r.category.is_summary() {
            // Said by the summary's words above.
        } else if let Some(words) = fx {
            // Two currencies: the conversion says what was compared (or that no rate was found).
            parts.push(words.to_string());
        } else if self.flag(col!(FLAG, "amount_diff"), i) {
            parts.push(format!(
                "amount: provider {}, ledger {} (difference {}{})",
                show(r.provider_amount),
                show(r.ledger_amount.map(|a| a.abs())),
                show(r.amount_difference),
                amount_tolerance
                    .map(|t| format!(", beyond the tolerance {}", money::format(t)))
                    .unwrap_or_default()
            ));
        } else if let (Some(t), Some(d), false) = (
            amount_tolerance,
            r.amount_difference,
            r.category == Category::SuggestedMatch,
        ) {
            parts.push(format!(
                "amount within the tolerance {} (difference {})",
                money::format(t),
                money::format(d)
            ));
        }
        if self.flag(col!(FLAG, "sign_diff"), i) {
            parts.push(format!(
                "sign: a {} booked as a {}",
                opt(&r.kind),
                if r.ledger_amount.is_some_and(|a| a.is_sign_negative()) {
                    "debit"
                } else {
                    "credit"
                }
            ));
        }
        let fee_tolerance = self.dec(col!(DEC, "fee_tolerance"), i);
        if self.flag(col!(FLAG, "fee_diff"), i) {
            parts.push(format!(
                "fee: provider {}, ledger {}{}",
                show(r.provider_fee),
                show(r.ledger_fee),
                fee_tolerance
                    .map(|t| format!(" (beyond the tolerance {})", money::format(t)))
                    .unwrap_or_default()
            ));
        } else if let Some(t) = fee_tolerance {
            parts.push(format!(
                "fee within the tolerance {}: provider {}, ledger {}",
                money::format(t),
                show(r.provider_fee),
                show(r.ledger_fee)
            ));
        }
        if self.flag(col!(FLAG, "timing"), i) {
            let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            parts.push(format!(
                "cut-off: provider day {}, ledger day {}; one falls outside the period",
                day(r.provider_day),
                day(r.ledger_day)
            ));
        }
        if r.category != Category::DuplicateAtProvider
            && r.category != Category::DuplicateInLedger
            && r.match_size.is_none()
            && match_key == Some("order_id")
        {
            parts.push(format!("matched on order_id {}", opt(&r.order_id)));
        }
        if let Some(note) = self.store_note.and_then(|c| c.get(i)) {
            parts.push(note.to_string());
        }
        parts.join("; ")
    }
}

impl<'a> ResultRows<'a> {
    /// A summary row's words: how the line compares with its records, what a record is part
    /// of, or which group has no line.
    fn summary_words(&self, r: &ResultRow<&'a str>, i: usize) -> String {
        let name = self.summary(i).unwrap_or_default();
        let net = self.str_ref(col!(STR, "match_key"), i) == Some("summary_net");
        let n = r.match_size.unwrap_or(0);
        let records = format!("{n} record{}", if n == 1 { "" } else { "s" });
        let currency = r.currency.unwrap_or_default();
        let show = |d: Option<Decimal>| d.map(money::format).unwrap_or_else(|| "none".into());
        let figure = if net {
            format!("net {} {currency}", show(r.provider_amount))
        } else {
            format!("{} {currency}", show(r.provider_amount))
        };
        let converted = self
            .str_ref(col!(STR, "fx"), i)
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        let tolerance = self.dec(col!(DEC, "amount_tolerance"), i);
        match r.category {
            Category::SummaryMatched | Category::SummaryMismatch => {
                let booked = show(r.ledger_amount);
                let difference = show(r.amount_difference);
                let exact = r.amount_difference.is_some_and(|d| d.is_zero());
                let judged = match (r.category, tolerance) {
                    (Category::SummaryMatched, _) if exact => "agrees".to_string(),
                    (Category::SummaryMatched, Some(t)) => {
                        format!("difference {difference}, within {}", money::format(t))
                    }
                    (_, Some(t)) => {
                        format!("difference {difference}, beyond {}", money::format(t))
                    }
                    (_, None) => format!("difference {difference}, none allowed"),
                };
                format!(
                    "`{name}` line of {records}: {figure}{converted}, booked {booked}; {judged}"
                )
            }
            Category::SummaryMissing => {
                let day = r.provider_day.map(|d| d.to_string()).unwrap_or_default();
                let what = match (r.provider, r.kind) {
                    (Some(p), Some(k)) => format!("{p} {k}"),
                    (Some(p), None) => p.to_string(),
                    (None, Some(k)) => k.to_string(),
                    (None, None) => "all providers'".into(),
                };
                let why = self
                    .str_ref(col!(STR, "fx"), i)
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default();
                format!("`{name}`: no line for {records} of {what} on {day}, {figure}{why}")
            }
            _ => format!("in a `{name}` line (its row, same match id, compares the sum)"),
        }
    }
}

/// How far apart two instants are, in words: `2 d 3 h`, `45 min`.
fn apart(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> String {
    let (Some(a), Some(b)) = (a, b) else {
        return "an unknown time".into();
    };
    let minutes = (a - b).num_minutes().unsigned_abs();
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// An instant as RFC 3339 in the business timezone (`2026-03-31T23:59:59.999+01:00`).
pub fn format_time(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}
