//! What a run leaves in the store for later periods' links checks: the period's originals and
//! its refunds that name one, so that a refund next month finds its original (not an orphan)
//! and the refunds of one original add up across months.

use polars::prelude::DataFrame;

use super::slots::Cols;
use super::EarlierRecord;
use crate::error::Result;
use crate::money;
use crate::period::{epoch_days, Period};

/// The in-period records (success or pending) a later links check may ask for: every record
/// that can be an original (neither a refund nor a fee), and every refund naming an original.
pub fn records_to_keep(provider: &DataFrame, period: &Period) -> Result<Vec<EarlierRecord>> {
    let c = Cols::of(provider)?;
    let (first, last) = (epoch_days(period.first), epoch_days(period.last));
    let label = period.label();
    let mut out = Vec::new();
    for i in 0..c.rows {
        if !c.day.get(i).is_some_and(|d| (first..=last).contains(&d))
            || !super::slots::moved(c.status.get(i))
        {
            continue;
        }
        let kind = c.kind.get(i).unwrap_or("");
        let related = c.related.get(i).filter(|r| !r.is_empty());
        let keep = match kind {
            "refund" => related.is_some(),
            "fee" => false,
            _ => true,
        };
        let (Some(provider_name), Some(tx_id)) = (c.provider.get(i), c.tx_id.get(i)) else {
            continue;
        };
        if keep {
            out.push(EarlierRecord {
                period: label.clone(),
                provider: provider_name.to_string(),
                kind: kind.to_string(),
                tx_id: tx_id.to_string(),
                related_tx_id: related.map(str::to_string),
                amount: money::from_units(c.amount.get(i).unwrap_or(0)),
                currency: c.currency.get(i).unwrap_or("").to_string(),
            });
        }
    }
    Ok(out)
}
