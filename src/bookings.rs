//! A booking: one accepted item as an adjusting journal entry books it. `journal` makes them
//! and the store freezes them (`store::journal`), so the type lives in a room of its own:
//! neither depends on the other for it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One accepted item as booked: what the store freezes when it is first journalled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub item_id: String,
    pub journal_id: String,
    pub date: NaiveDate,
    /// The accounts, direction already applied (the first is debited).
    pub debit: String,
    pub credit: String,
    pub rounding_account: String,
    /// What the item puts at stake, exact (its magnitude is booked).
    pub amount: Decimal,
    pub currency: String,
    pub memo: String,
}
