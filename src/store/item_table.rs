//! The items table as `items --format csv` and the workspace's download write it: one
//! column list and one way to fill it, so the two files are the same.

use super::StoredItem;

/// The `items` CSV columns, in order.
pub const COLUMNS: [&str; 24] = [
    "item_id",
    "period",
    "category",
    "provider",
    "kind",
    "tx_id",
    "order_id",
    "ledger_entry_id",
    "amount",
    "currency",
    "status",
    "first_run",
    "last_run",
    "cleared_in",
    "age_days",
    "reason",
    "note",
    "by",
    "at",
    "age_to",
    "provider_amount",
    "ledger_amount",
    "amount_difference",
    "at_stake",
];

/// Columns cardrecon writes as numbers (never guarded as text).
pub const NUMERIC: [&str; 6] = [
    "amount",
    "age_days",
    "provider_amount",
    "ledger_amount",
    "amount_difference",
    "at_stake",
];

/// An item's fields in [`COLUMNS`] order; ages counted to `age_to` ([`StoredItem::age_on`]).
pub fn values(i: &StoredItem, age_to: chrono::NaiveDate) -> Vec<String> {
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let m = |a: Option<rust_decimal::Decimal>| a.map(crate::money::format).unwrap_or_default();
    let (days, _) = i.age_on(age_to);
    vec![
        i.item_id.clone(),
        i.period.clone(),
        i.category.as_str().to_string(),
        o(&i.provider),
        o(&i.kind),
        o(&i.tx_id),
        o(&i.order_id),
        o(&i.ledger_entry_id),
        i.amount.map(crate::money::format).unwrap_or_default(),
        o(&i.currency),
        i.state.as_str().to_string(),
        i.first_run.clone(),
        i.last_run.clone(),
        o(&i.cleared_in),
        days.map(|d| d.to_string()).unwrap_or_default(),
        o(&i.reason),
        o(&i.note),
        o(&i.decided_by),
        o(&i.decided_at),
        i.closed_on().map_or(age_to, |c| c.min(age_to)).to_string(),
        m(i.exposure.provider_amount),
        m(i.exposure.ledger_amount),
        m(i.exposure.difference),
        m(i.exposure.at_stake),
    ]
}

/// Writes `items` as CSV: provider and ledger text guarded against formulas, cardrecon's own
/// numbers left as numbers.
pub fn write_csv<W: std::io::Write>(
    out: W,
    items: &[StoredItem],
    age_to: chrono::NaiveDate,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for i in items {
        let r = values(i, age_to);
        w.write_record(r.iter().zip(COLUMNS).map(|(v, c)| {
            if NUMERIC.contains(&c) {
                v.clone()
            } else {
                crate::formula_guard::guard_text(v).into_owned()
            }
        }))?;
    }
    w.flush()?;
    Ok(())
}
