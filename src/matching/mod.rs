//! Matching: provider records against ledger entries, every difference classified.
//!
//! Stages:
//! 1. **Window and duplicates.** Both sides are cut to the period plus `margin_days` on each
//!    side. Within `(provider, tx_id)` at the provider and within `(provider, tx_id | order_id)`
//!    in the ledger, the earliest item (then the first in input order) is the *primary*; every
//!    other one is a duplicate and gets its own row.
//! 2. **Key match** of primaries on `tx_id`, then on `order_id` for what is left. A ledger entry
//!    with no `provider` may match any provider's record; one with a provider only that provider's.
//! 3. **Compare** matched pairs: status, currency, amount (provider magnitude against the
//!    ledger's absolute amount, within `amount_tolerance`), fee (when the ledger books one).
//! 4. **Timing**: a pair whose accounting days fall on different sides of a period edge.
//! 5. **Unmatched**: in-period provider records (by status) and ledger entries with no partner.
//! 6. **Groups and suggestions** ([`Loose`]): several records on one side summing to one on the
//!    other match as a group, decided *before* the pairing on their key ([`groups`]); after
//!    every exact pass, pairs a person confirmed are paired, then a loose candidate unique both
//!    ways is a `suggested_match` ([`suggest`]). Tolerances are per currency and relative
//!    ([`Tolerance`]).
//!
//! Between stages 2 and 6, **the ledger's own shapes**: summary journals ([`summaries`]: a
//! line against the sum of its group of records) and the team's rules ([`ledger_rules`]: pairs
//! on fields that must agree, unique both ways), in their configured order.
//!
//! With a store, earlier periods' open items are appended to the inputs and take part like
//! margin items ([`MatchOptions::carried`]); what a pair with one of them means is decided
//! afterwards, from the store (`store::plan`), so this module knows nothing of the store; the
//! suggestions people confirmed or rejected arrive as row pairs ([`Decided`]).
//!
//! The engine is [`columnar`]: plain Rust over the input columns, read once. [`oracle`] is the
//! first engine, a polars lazy plan, kept as the test oracle of stages 1-5: with stage 6 off
//! ([`Loose::off`]) and absolute tolerances, both must give the same result.
//!
//! One category per row, by precedence duplicate > suggestion > status > currency > amount >
//! fee > timing (a group's rows are never duplicates: the group explains the repeat); the
//! `detail` text names every difference found. Only items whose accounting day is in the
//! period are judged; a margin item appears only when paired with an in-period one. So every
//! in-period item is in exactly one row, and `rows = pairs + unmatched provider + unmatched
//! ledger` holds (a summary's group with no line is one row for all of its records).

mod classify;
pub mod columnar;
mod external;
pub mod fx;
mod groups;
pub mod ledger_rules;
mod matches;
pub mod oracle;
mod pair;
pub mod rules;
pub use external::{from_results, result_input_columns};
mod side;
/// The engine's in-place column readers, shared with the links check.
pub(crate) use side::{days, decs, strs, Nums, Strs};
mod suggest;
pub mod summaries;
mod sums;

pub use crate::tolerance::Tolerance;

use polars::prelude::DataFrame;

use crate::error::Result;
use crate::period::Period;

/// What a result row says about an item or a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Matched,
    DuplicateAtProvider,
    DuplicateInLedger,
    StatusMismatch,
    CurrencyMismatch,
    AmountMismatch,
    FeeMismatch,
    TimingDifference,
    MissingInLedger,
    MissingAtProvider,
    FailedNotBooked,
    PendingNotBooked,
    /// With a store: the late counterpart of an earlier period's open item, which it clears.
    ClearedPrior,
    /// Stage 6: a loose candidate pair, unique both ways, for a person to confirm or reject.
    SuggestedMatch,
    /// A summary journal's line that agrees with the sum of its records ([`summaries`]).
    SummaryMatched,
    /// A summary line that differs from the sum of its records beyond the tolerance.
    SummaryMismatch,
    /// A group of provider records a summary covers, with no line for them: one row for the
    /// group.
    SummaryMissing,
    /// A provider record a summary line covers (the line's row says how the sum compares).
    Summarized,
}

impl Category {
    pub const ALL: [Category; 18] = [
        Category::Matched,
        Category::DuplicateAtProvider,
        Category::DuplicateInLedger,
        Category::StatusMismatch,
        Category::CurrencyMismatch,
        Category::AmountMismatch,
        Category::FeeMismatch,
        Category::TimingDifference,
        Category::MissingInLedger,
        Category::MissingAtProvider,
        Category::FailedNotBooked,
        Category::PendingNotBooked,
        Category::ClearedPrior,
        Category::SuggestedMatch,
        Category::SummaryMatched,
        Category::SummaryMismatch,
        Category::SummaryMissing,
        Category::Summarized,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Matched => "matched",
            Category::DuplicateAtProvider => "duplicate_at_provider",
            Category::DuplicateInLedger => "duplicate_in_ledger",
            Category::StatusMismatch => "status_mismatch",
            Category::CurrencyMismatch => "currency_mismatch",
            Category::AmountMismatch => "amount_mismatch",
            Category::FeeMismatch => "fee_mismatch",
            Category::TimingDifference => "timing_difference",
            Category::MissingInLedger => "missing_in_ledger",
            Category::MissingAtProvider => "missing_at_provider",
            Category::FailedNotBooked => "failed_not_booked",
            Category::PendingNotBooked => "pending_not_booked",
            Category::ClearedPrior => "cleared_prior",
            Category::SuggestedMatch => "suggested_match",
            Category::SummaryMatched => "summary_matched",
            Category::SummaryMismatch => "summary_mismatch",
            Category::SummaryMissing => "summary_missing",
            Category::Summarized => "summarized",
        }
    }

    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether a person has to look at it: everything but matched and the informational
    /// categories (failed or pending at the provider and, rightly, not booked; the late half of
    /// an earlier period's item; a summary line that agrees, and the records it covers).
    pub fn is_discrepancy(self) -> bool {
        !matches!(
            self,
            Category::Matched
                | Category::FailedNotBooked
                | Category::PendingNotBooked
                | Category::ClearedPrior
                | Category::SummaryMatched
                | Category::Summarized
        )
    }

    /// Whether a row of this category is about a summary journal: a line, a group with no
    /// line, or a record a line covers.
    pub fn is_summary(self) -> bool {
        matches!(
            self,
            Category::SummaryMatched
                | Category::SummaryMismatch
                | Category::SummaryMissing
                | Category::Summarized
        )
    }
}

/// What the engine needs to know besides the two tables.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    pub period: Period,
    pub margin_days: u32,
    pub amount_tolerance: Tolerance,
    pub fee_tolerance: Tolerance,
    /// The ledger books debits negative and credits positive; a wrong sign is an amount mismatch.
    pub signed_ledger: bool,
    /// With a store: the rows at these positions (provider, ledger) are earlier periods' open
    /// items, carried in. They take part whatever their day, and, like margin items, appear
    /// only when paired with an in-period item (stage 8 of the design).
    pub carried: (Vec<u32>, Vec<u32>),
    /// Which columns the result carries, and whether it is ordered.
    pub gather: Gather,
    /// Stage 6: groups and suggestions.
    pub loose: Loose,
    /// With a store: pairs people decided on (rows of each side).
    pub decided: Decided,
    /// The team's summary journals (`[[matching.summaries]]`), in order, after the tx-id and
    /// order-id passes and before the rules.
    pub summaries: Vec<summaries::MatchSummary>,
    /// The team's rules (`[[matching.rules]]`), in order, after the summaries.
    pub rules: Vec<ledger_rules::MatchRule>,
    /// Bookings in another currency (`[fx]`): the rates and the rule that uses them.
    pub fx: Option<fx::Fx>,
}

/// Stage 6's passes. Both are on by default; off, the engine is stages 1-5, the oracle's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loose {
    /// Several records summing to one are matched as a group, before each key's pairing.
    pub groups: bool,
    /// Unique loose candidates within this many days become `suggested_match` rows.
    pub suggest_window_days: Option<u32>,
}

impl Default for Loose {
    fn default() -> Loose {
        Loose {
            groups: true,
            suggest_window_days: Some(3),
        }
    }
}

impl Loose {
    /// Stages 1-5 only: what the oracle engine computes.
    pub fn off() -> Loose {
        Loose {
            groups: false,
            suggest_window_days: None,
        }
    }
}

/// Pairs a person decided on in the store, as (provider row, ledger row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided {
    /// Confirmed suggestions: paired before any suggestion is made.
    pub confirmed: Vec<(u32, u32)>,
    /// Rejected suggestions: never suggested again.
    pub rejected: Vec<(u32, u32)>,
}

/// The columns the engine adds about a match, after the flags: the match's id (every pair,
/// group member and suggestion), the group's size and the several side's sum (groups), the
/// tolerance an amount or fee difference was judged by (when there was one), and the number
/// of loose candidates of an item left unmatched.
pub const MATCH_COLS: [&str; 12] = [
    "match_id",
    "match_size",
    "match_sum",
    "amount_tolerance",
    "fee_tolerance",
    "candidates",
    "rule",
    "rule_candidates",
    "fx",
    "fx_difference",
    "summary",
    "summary_difference",
];

/// Match ids: `m-` and the 16 hex digits of XXH3-64 over the match's keys (provider, then the
/// pair's tx id and entry id, or `group` and the one record's id). Stable across runs and
/// versions (XXH3 is a specified algorithm, unlike the hash maps' hashers), so a person can
/// name a match in a note, and the same in every output. Not a secret and not a digest: 64 bits
/// keep ten million matches apart (a collision is a one-in-300,000 event). Reuses its buffers:
/// an id per matched row is on the engine's path.
#[derive(Debug, Default)]
pub struct MatchIds {
    bytes: Vec<u8>,
    text: String,
}

impl MatchIds {
    pub fn id(&mut self, keys: &[Option<&str>]) -> &str {
        use std::fmt::Write;
        self.bytes.clear();
        for k in keys {
            self.bytes.extend_from_slice(k.unwrap_or("").as_bytes());
            self.bytes.push(0x1f);
        }
        self.text.clear();
        let _ = write!(
            self.text,
            "m-{:016x}",
            xxhash_rust::xxh3::xxh3_64(&self.bytes)
        );
        &self.text
    }
}

/// A match's id ([`MatchIds`]) as a new string.
pub fn match_id(keys: &[Option<&str>]) -> String {
    MatchIds::default().id(keys).to_string()
}

/// The result column giving how many rows a row stands for: a result made for `summary.json`
/// alone is already added up by group ([`Gather::Summary`]).
pub const WEIGHT: &str = "weight";

/// What the result is for. Gathering the report columns (31 of them) and ordering the rows is
/// most of the engine's work at 1,000,000 records; `summary.json` alone needs neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gather {
    /// Every column, rows in the output order: the frame [`reconcile`] documents, with each
    /// input column gathered under its `p_`/`l_` name.
    #[default]
    Everything,
    /// Every row in the output order and every column the engine adds, but of the inputs'
    /// columns only [`P_SHARED`] and [`L_SHARED`]: the file writers read the others through
    /// `p_row`/`l_row` from the tables matched ([`crate::results::ResultRows::over`]).
    ///
    /// **Why.** Gathered, the inputs' columns are 31 more columns as long as the result; at
    /// 10^7 rows their text alone is 26 columns of 16-byte views, over 4 GiB beside the two
    /// tables they point into. A column read through positions costs a cache miss per cell
    /// each time it is read (the result's order is not the inputs'), so the few columns every
    /// pass over the rows reads are still gathered, once.
    Positions,
    /// Only what the summary reads, added up by the summary's groups: one row per group with
    /// its [`WEIGHT`] (category; provider, kind and currency; which sides are present; the sums
    /// of the amounts).
    Summary,
}

/// Provider columns as they appear in the results (prefixed `p_`).
pub(crate) const P_COLS: [&str; 19] = [
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "related_tx_id",
    "card_ref",
    "card_masked",
    "amount",
    "currency",
    "original_amount",
    "original_currency",
    "fee",
    "fee_currency",
    "status",
    "status_raw",
    "occurred_at",
    "accounting_day",
    "description",
    "source",
];
/// Ledger columns as they appear in the results (prefixed `l_`).
pub(crate) const L_COLS: [&str; 12] = [
    "entry_id",
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "amount",
    "currency",
    "fee",
    "status",
    "booked_at",
    "accounting_day",
    "source",
];

/// The provider columns a result for the writers still carries ([`Gather::Positions`]): what
/// the summary, the daily table and the review order read of every row (provider, kind and
/// currency, amount, day). The file writers read the other [`P_COLS`] once each, by position.
pub const P_SHARED: [&str; 5] = ["provider", "kind", "currency", "amount", "accounting_day"];
/// The ledger's columns a result for the writers still carries; see [`P_SHARED`].
pub const L_SHARED: [&str; 5] = ["provider", "kind", "currency", "amount", "accounting_day"];

/// The provider columns the engine reads (window, keys, comparisons, order). The other
/// [`P_COLS`] are only carried into the results, so they are gathered by row index once, after
/// the rows are classified and ordered, instead of riding through every join and the sort.
pub const P_KEYS: [&str; 10] = [
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "amount",
    "currency",
    "fee",
    "status",
    "occurred_at",
    "accounting_day",
];
/// The ledger columns the engine reads; see [`P_KEYS`].
pub const L_KEYS: [&str; 10] = [
    "entry_id",
    "provider",
    "tx_id",
    "order_id",
    "amount",
    "currency",
    "fee",
    "status",
    "booked_at",
    "accounting_day",
];

pub use rules::DEBIT_KINDS;

/// Reconciles `provider_records` against `ledger_entries`. The result has one row per pair or
/// unmatched item, sorted by provider, time and id, with the columns `category`, `match_key`,
/// the difference flags (`status_diff`, `currency_diff`, `amount_diff`, `sign_diff`,
/// `fee_diff`, `timing`), `p_primary`/`l_primary`, `p_row`/`l_row` (input positions), and
/// every input column prefixed `p_` or `l_` (with [`Gather::Positions`], only [`P_SHARED`] and
/// [`L_SHARED`]).
pub fn reconcile(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
) -> Result<DataFrame> {
    columnar::reconcile(provider, ledger, opts)
}
