//! The classification rules of stages 3-5 as data: the difference flags, their precedence, the
//! categories of an item left alone, and which kinds are debits. The engine ([`super::classify`])
//! and the SQL it is exported as (`crate::sql`) both read them from here, so the two cannot
//! disagree about the rules; what the SQL repeats of the engine's *algorithm* (windows,
//! primaries, the pairing's tie rule) is checked against the engine by a test that runs the SQL
//! on DuckDB.

use super::Category;

/// A difference between the two sides of a pair, each a boolean result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Both sides give a status, and they differ.
    Status,
    /// Both sides give a currency, and they differ.
    Currency,
    /// The provider's amount against the ledger's absolute amount, beyond the amount tolerance.
    Amount,
    /// A signed ledger booked the amount with the wrong sign for the kind ([`DEBIT_KINDS`]).
    Sign,
    /// The ledger books a fee, and it differs from the provider's (none counts as zero) beyond
    /// the fee tolerance.
    Fee,
    /// One side's accounting day is in the period and the other's is not.
    Timing,
}

/// Every flag, in the order of the result's flag columns.
pub const FLAGS: [Flag; 6] = [
    Flag::Status,
    Flag::Currency,
    Flag::Amount,
    Flag::Sign,
    Flag::Fee,
    Flag::Timing,
];

impl Flag {
    /// The flag's result column.
    pub fn column(self) -> &'static str {
        match self {
            Flag::Status => "status_diff",
            Flag::Currency => "currency_diff",
            Flag::Amount => "amount_diff",
            Flag::Sign => "sign_diff",
            Flag::Fee => "fee_diff",
            Flag::Timing => "timing",
        }
    }

    /// Its position in [`FLAGS`] (and in a row's flags): a match, not a search, since the
    /// engine asks for it per row.
    #[inline]
    pub const fn index(self) -> usize {
        match self {
            Flag::Status => 0,
            Flag::Currency => 1,
            Flag::Amount => 2,
            Flag::Sign => 3,
            Flag::Fee => 4,
            Flag::Timing => 5,
        }
    }
}

/// What a pair with differences is, first rule first: a pair whose status differs is a status
/// mismatch whatever else differs (the other differences are named in its detail).
pub const BY_FLAGS: [(&[Flag], Category); 5] = [
    (&[Flag::Status], Category::StatusMismatch),
    (&[Flag::Currency], Category::CurrencyMismatch),
    (&[Flag::Amount, Flag::Sign], Category::AmountMismatch),
    (&[Flag::Fee], Category::FeeMismatch),
    (&[Flag::Timing], Category::TimingDifference),
];

/// A provider record left without a partner, by its status: failed or reversed at the provider
/// and rightly not booked, pending and not booked yet; anything else is missing in the ledger.
pub const UNMATCHED_PROVIDER: [(&[&str], Category); 2] = [
    (&["failed", "reversed"], Category::FailedNotBooked),
    (&["pending"], Category::PendingNotBooked),
];
/// A provider record left alone whose status is none of [`UNMATCHED_PROVIDER`]'s.
pub const UNMATCHED_PROVIDER_ELSE: Category = Category::MissingInLedger;
/// A ledger entry left alone.
pub const UNMATCHED_LEDGER: Category = Category::MissingAtProvider;

/// Kinds whose money leaves the card or wallet: booked negative in a signed ledger.
pub const DEBIT_KINDS: [&str; 5] = ["consumption", "fee", "withdrawal", "buy_coin", "open_card"];

/// The category a pair's flags give it, if any, by [`BY_FLAGS`].
pub fn by_flags(flags: &[bool; 6]) -> Option<Category> {
    BY_FLAGS
        .iter()
        .find(|(fs, _)| fs.iter().any(|f| flags[f.index()]))
        .map(|(_, c)| *c)
}

/// The category of a provider record left alone, by its status.
pub fn unmatched_provider(status: Option<&str>) -> Category {
    UNMATCHED_PROVIDER
        .iter()
        .find(|(statuses, _)| status.is_some_and(|s| statuses.contains(&s)))
        .map_or(UNMATCHED_PROVIDER_ELSE, |(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_statuses() {
        let mut f = [false; 6];
        assert_eq!(by_flags(&f), None);
        f[Flag::Timing.index()] = true;
        assert_eq!(by_flags(&f), Some(Category::TimingDifference));
        f[Flag::Sign.index()] = true;
        assert_eq!(by_flags(&f), Some(Category::AmountMismatch));
        f[Flag::Status.index()] = true;
        assert_eq!(by_flags(&f), Some(Category::StatusMismatch));
        assert_eq!(
            unmatched_provider(Some("reversed")),
            Category::FailedNotBooked
        );
        assert_eq!(
            unmatched_provider(Some("pending")),
            Category::PendingNotBooked
        );
        assert_eq!(
            unmatched_provider(Some("success")),
            Category::MissingInLedger
        );
        assert_eq!(unmatched_provider(None), Category::MissingInLedger);
        for (i, f) in FLAGS.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
        assert_eq!(
            FLAGS.map(Flag::column),
            [
                "status_diff",
                "currency_diff",
                "amount_diff",
                "sign_diff",
                "fee_diff",
                "timing"
            ]
        );
    }
}
