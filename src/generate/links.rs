//! The generator's side of the links check (`crate::links`): every refund and fee it writes
//! names an original written before it, of the same provider (a refund: in its currency, with
//! enough left unrefunded), so refunds never add up past their original unless a scenario seeds
//! it; the seeded findings go to `link_labels.csv`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rust_decimal::Decimal;

use crate::model::{Kind, Status};
use crate::providers::sample::SampleRecord;

/// Originals kept per provider to choose from (the most recent ones).
const KEEP: usize = 64;

/// An original available to refunds: its id, currency, and what is left to refund.
#[derive(Debug, Clone)]
struct Available {
    tx_id: String,
    currency: String,
    left: Decimal,
}

/// Recent originals per provider, and the last link made (a provider duplicate's repeat names
/// the same original as its first).
#[derive(Debug, Default)]
pub(super) struct Originals {
    by_provider: HashMap<&'static str, VecDeque<Available>>,
    last_original: Option<String>,
    last_link: Option<(String, String)>,
    /// Seeded findings by kind, for the report.
    pub labels: BTreeMap<String, u64>,
}

/// Whether money moved (or will): what the links check counts.
fn moved(status: Status) -> bool {
    matches!(status, Status::Success | Status::Pending)
}

impl Originals {
    /// After `record` was written at `provider`: a record that moved money and is neither a
    /// refund nor a fee can be an original (a repeat of the same id is not a second one).
    pub(super) fn wrote(&mut self, provider: &'static str, record: &SampleRecord) {
        if matches!(record.kind, Kind::Refund | Kind::Fee) || !moved(record.status) {
            return;
        }
        if self.last_original.as_deref() == Some(record.tx_id.as_str()) {
            return;
        }
        self.last_original = Some(record.tx_id.clone());
        let q = self.by_provider.entry(provider).or_default();
        if q.len() == KEEP {
            q.pop_front();
        }
        q.push_back(Available {
            tx_id: record.tx_id.clone(),
            currency: record.currency.clone(),
            left: record.amount,
        });
    }

    /// Takes `tx_id` out of what refunds and fees may name (a scenario's own original).
    pub(super) fn forget(&mut self, provider: &'static str, tx_id: &str) {
        if let Some(q) = self.by_provider.get_mut(provider) {
            q.retain(|a| a.tx_id != tx_id);
        }
    }

    /// The original a refund or fee about to be written names, taken from what is available
    /// (a refund's amount is deducted); `None` when nothing fits, and the caller writes a new
    /// original first.
    pub(super) fn pick(&mut self, provider: &'static str, record: &SampleRecord) -> Option<String> {
        if let Some((tx, related)) = &self.last_link {
            if *tx == record.tx_id {
                return Some(related.clone());
            }
        }
        let q = self.by_provider.get_mut(provider)?;
        let found = match record.kind {
            Kind::Refund => q
                .iter_mut()
                .rev()
                .find(|a| a.currency == record.currency && a.left >= record.amount),
            _ => q.back_mut(),
        }?;
        if record.kind == Kind::Refund && moved(record.status) {
            found.left -= record.amount;
        }
        let related = found.tx_id.clone();
        self.last_link = Some((record.tx_id.clone(), related.clone()));
        Some(related)
    }
}
