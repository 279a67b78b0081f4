//! `cards.csv`: the card roll-forward (see [`crate::cards`]), one row per card of the run's
//! card lists, with the columns of [`CARD_COLUMNS`]; the Cards sheet and the page's section
//! show the same fields under [`super::layout::CARD_HEADERS`].

use std::path::Path;

use crate::cards::CardRow;
use crate::error::Result;
use crate::money;

/// The columns of `cards.csv`, in order.
pub const CARD_COLUMNS: [&str; 17] = [
    "finding",
    "provider",
    "card_id",
    "card",
    "status",
    "previous_period",
    "previous_balance",
    "recharges",
    "refunds",
    "consumption",
    "fees",
    "withdrawals",
    "closures",
    "expected_balance",
    "balance",
    "difference",
    "detail",
];

/// The columns holding amounts (never guarded: a number keeps its sign).
pub const AMOUNT_COLUMNS: [usize; 10] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// A row's fields as text, in [`CARD_COLUMNS`] order, unguarded. Amounts are plain decimals
/// in the row's currency (the card list's account currency).
pub fn texts(r: &CardRow) -> [String; 17] {
    let m = |d: Option<rust_decimal::Decimal>| d.map(money::format).unwrap_or_default();
    let mv = &r.movements;
    let rolled = r.previous.is_some();
    let moved = |d: rust_decimal::Decimal| {
        if rolled {
            money::format(d)
        } else {
            String::new()
        }
    };
    [
        r.finding
            .map(|f| f.as_str().to_string())
            .unwrap_or_default(),
        r.provider.clone(),
        r.card_id.clone(),
        r.card_masked.clone().unwrap_or_default(),
        r.status.map(|s| s.to_string()).unwrap_or_default(),
        r.previous.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
        m(r.previous.as_ref().map(|p| p.1)),
        moved(mv.recharges),
        moved(mv.refunds),
        moved(mv.consumption),
        moved(mv.fees),
        moved(mv.withdrawals),
        moved(mv.closures),
        m(r.expected),
        m(r.balance),
        m(r.difference),
        r.detail.clone(),
    ]
}

/// Writes `cards.csv` (to a temporary name first); provider text is guarded against formulas.
pub fn write_csv(rows: &[CardRow], path: &Path) -> Result<()> {
    super::csv::write_table(path, CARD_COLUMNS, rows.iter().map(texts), &AMOUNT_COLUMNS)
}
