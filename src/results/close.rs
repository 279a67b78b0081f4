//! The month-end close as the reports show it (with a store): the roll-forward per provider and
//! currency, and the items still open at the end of the period with their age. The store
//! computes these; the report only shows them, so it does not depend on the store.

use rust_decimal::Decimal;

/// One line of the roll-forward: per provider and currency, count and amount.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RollLine {
    pub provider: String,
    pub currency: String,
    pub open_at_start: Tally,
    pub new: Tally,
    /// Items closed in the report the period opened from and open again now (a person
    /// reopened one, or a re-run no longer clears it).
    pub reopened: Tally,
    pub cleared: Tally,
    pub resolved: Tally,
    pub accepted: Tally,
    pub open_at_end: Tally,
    /// `open_at_start + new + reopened − cleared − resolved − accepted = open_at_end`, counts
    /// and amounts.
    pub balances: bool,
}

impl RollLine {
    /// The seven figures in the order the reports show them: open at start, new, reopened,
    /// cleared, resolved, accepted, open at end.
    pub fn tallies(&self) -> [Tally; 7] {
        [
            self.open_at_start,
            self.new,
            self.reopened,
            self.cleared,
            self.resolved,
            self.accepted,
            self.open_at_end,
        ]
    }
}

/// A count and an amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Tally {
    pub count: u64,
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub amount: Decimal,
}

impl Tally {
    pub fn add(&mut self, amount: Option<Decimal>) {
        self.count += 1;
        self.amount += amount.unwrap_or_default();
    }
}

/// An item still open at the end of the period, as the Open items sheet and section list it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OpenItem {
    pub item_id: String,
    pub period: String,
    pub category: String,
    pub provider: String,
    pub kind: String,
    pub tx_id: String,
    pub order_id: String,
    pub ledger_entry_id: String,
    /// The item's amount (the provider's, else the ledger's magnitude), as the roll-forward
    /// counts it.
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub amount: Option<Decimal>,
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub provider_amount: Option<Decimal>,
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub ledger_amount: Option<Decimal>,
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub amount_difference: Option<Decimal>,
    /// Signed: money out negative; for an amount or fee mismatch, the difference.
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub at_stake: Option<Decimal>,
    pub currency: String,
    pub age_days: Option<i64>,
    pub age_bucket: String,
    pub last_event: String,
}

/// A person's decision this roll-forward counts (accepted, a suggestion rejected, reopened):
/// made after the report the period opened from, so it moves this run's figures, with its
/// date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionLine {
    pub item_id: String,
    pub period: String,
    pub provider: String,
    pub currency: String,
    /// `accepted`, `resolved` or `reopened`: the roll-forward column it counts in.
    pub movement: String,
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub amount: Option<Decimal>,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// The store's part of a run's summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CloseView {
    /// The store, without any password.
    pub store: String,
    pub new_items: u64,
    pub seen_again: u64,
    pub cleared: u64,
    pub resolved: u64,
    pub reopened: u64,
    pub cleared_prior_rows: u64,
    pub roll_forward: Vec<RollLine>,
    /// Whether every line balances.
    pub roll_forward_balances: bool,
    /// The people's decisions among this roll-forward's movements, oldest first.
    pub decisions: Vec<DecisionLine>,
    pub open_items: Vec<OpenItem>,
}

/// A closed period's pack, as `close.xlsx` shows it (`cardrecon close-pack`): the facts of the
/// close, the roll-forward, every decision, what stayed open, and every run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClosePack {
    pub period: String,
    pub closed_by: String,
    pub closed_at: String,
    pub close_note: String,
    /// The final run's roll-forward, per provider and currency.
    pub roll_forward: Vec<RollLine>,
    pub decisions: Vec<PackDecision>,
    /// The items still open at the end of the period, as the final run listed them.
    pub open_items: Vec<OpenItem>,
    pub runs: Vec<PackRun>,
    /// The period's events in the pack, and the hash of the last (the chain's head for them).
    pub events: u64,
    pub chain_head: String,
}

/// One decision on an item of the period: who proposed it, who approved it (the workspace's
/// second person; none from the command line), when, why, and a fingerprint of the evidence
/// it was made on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PackDecision {
    pub item_id: String,
    pub category: String,
    pub provider: String,
    #[serde(serialize_with = "crate::money::serialize_opt_text")]
    pub amount: Option<Decimal>,
    pub currency: String,
    pub state: String,
    pub reason: String,
    pub note: String,
    pub proposed_by: String,
    pub approved_by: String,
    pub at: String,
    /// The first 16 hex digits of the SHA-256 of the evidence the decision was made on.
    pub evidence: String,
}

/// One run of the period, with its manifest's SHA-256 (the run directory's proof of its
/// inputs and outputs), when its directory is at hand.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PackRun {
    pub run_id: String,
    pub recorded_at: String,
    pub result_rows: u64,
    pub discrepancies: u64,
    pub inputs_sha256: String,
    pub manifest_sha256: String,
}
