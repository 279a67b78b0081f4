//! `links.csv`: the links check's findings (see [`crate::links`]), one row each, with the
//! columns of [`LINK_COLUMNS`]. The workbook's Links sheet and the page's section show the same
//! fields under the headers of [`super::layout::LINK_HEADERS`].

use std::path::Path;

use crate::error::Result;
use crate::links::Finding;
use crate::money;

/// The columns of `links.csv`, in order.
pub const LINK_COLUMNS: [&str; 15] = [
    "finding",
    "provider",
    "kind",
    "tx_id",
    "related_tx_id",
    "amount",
    "currency",
    "day",
    "card",
    "original_kind",
    "original_amount",
    "original_currency",
    "original_found_in",
    "refunds",
    "detail",
];

/// A finding's fields as text, in [`LINK_COLUMNS`] order, unguarded (each writer guards or
/// escapes text for its format). `refunds` lists the refund ids with `; `, then their total.
pub fn texts(f: &Finding) -> [String; 15] {
    let o = f.original.as_ref();
    let refunds = match (&f.refunded, f.refunds.is_empty()) {
        (Some(total), false) => {
            format!("{} (total {})", f.refunds.join("; "), money::format(*total))
        }
        _ => f.refunds.join("; "),
    };
    [
        f.finding.as_str().to_string(),
        f.provider.clone(),
        f.kind.clone(),
        f.tx_id.clone(),
        f.related_tx_id.clone().unwrap_or_default(),
        money::format(f.amount),
        f.currency.clone(),
        f.day.map(|d| d.to_string()).unwrap_or_default(),
        f.card.clone().unwrap_or_default(),
        o.map(|o| o.kind.clone()).unwrap_or_default(),
        o.map(|o| money::format(o.amount)).unwrap_or_default(),
        o.map(|o| o.currency.clone()).unwrap_or_default(),
        o.map(|o| o.found_in.describe()).unwrap_or_default(),
        refunds,
        f.detail.clone(),
    ]
}

/// The column listing a finding's refunds, which grows with their number.
pub const REFUNDS_COLUMN: usize = 13;

/// The columns holding amounts we wrote (never guarded: a number keeps its sign).
pub const AMOUNT_COLUMNS: [usize; 2] = [5, 10];

/// Writes `links.csv` (to a temporary name first). Provider and ledger text is guarded against
/// formulas like every CSV cardrecon writes.
pub fn write_csv(findings: &[Finding], path: &Path) -> Result<()> {
    super::csv::write_table(
        path,
        LINK_COLUMNS,
        findings.iter().map(texts),
        &AMOUNT_COLUMNS,
    )
}
