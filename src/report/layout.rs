//! The workbook's and the HTML report's layout in one place: sheet names, titles, and the
//! columns of the result sheets in order. Change a title or reorder columns here; the writers
//! follow. Each column names a [`Field`] of a result row.

/// A field of a result row that a sheet can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Category,
    Provider,
    Kind,
    TxId,
    OrderId,
    LedgerEntryId,
    ProviderAmount,
    LedgerAmount,
    AmountDifference,
    Currency,
    LedgerCurrency,
    ProviderFee,
    LedgerFee,
    ProviderStatus,
    LedgerStatus,
    ProviderTime,
    LedgerTime,
    ProviderDay,
    LedgerDay,
    Card,
    Description,
    Detail,
    ProviderSource,
    LedgerSource,
    /// The match's id; a group's rows share it and are tinted together.
    MatchId,
}

/// `(header, field)` pairs of the Discrepancies sheet, provider and ledger side by side.
pub const DISCREPANCY_COLUMNS: &[(&str, Field)] = &[
    // Printed: what a reviewer reads, on one page width at a legible size.
    ("Category", Field::Category),
    ("Provider", Field::Provider),
    ("Provider tx id", Field::TxId),
    ("Order id", Field::OrderId),
    ("Ledger entry", Field::LedgerEntryId),
    ("Provider amount", Field::ProviderAmount),
    ("Ledger amount", Field::LedgerAmount),
    ("Difference", Field::AmountDifference),
    ("Currency", Field::Currency),
    ("Provider day", Field::ProviderDay),
    ("Ledger day", Field::LedgerDay),
    ("What differs", Field::Detail),
    // On screen only (right of the print area).
    ("Kind", Field::Kind),
    ("Match", Field::MatchId),
    ("Ledger currency", Field::LedgerCurrency),
    ("Provider fee", Field::ProviderFee),
    ("Ledger fee", Field::LedgerFee),
    ("Provider status", Field::ProviderStatus),
    ("Ledger status", Field::LedgerStatus),
    ("Provider time", Field::ProviderTime),
    ("Ledger time", Field::LedgerTime),
    ("Card", Field::Card),
    ("Merchant / description", Field::Description),
    ("Provider source", Field::ProviderSource),
    ("Ledger source", Field::LedgerSource),
];

/// How many of [`DISCREPANCY_COLUMNS`] print (the rest stay on screen, outside the print
/// area), and the widest each printed column may be, in characters: 12 columns at these
/// widths (171 in all; an id longer than its column wraps) fit a Letter landscape page (the
/// narrower of the two) at about 75% of the sheet's 11 pt, so the printed text is over 8 pt on
/// Letter and A4 (`bench/xlsx_libreoffice_check.sh` measures it).
pub const DISCREPANCY_PRINT_WIDTHS: [usize; 12] = [20, 9, 22, 16, 13, 13, 13, 11, 8, 10, 10, 26];

/// The Matched sheet.
pub const MATCHED_COLUMNS: &[(&str, Field)] = &[
    // Printed (see MATCHED_PRINT_WIDTHS).
    ("Provider", Field::Provider),
    ("Kind", Field::Kind),
    ("Provider tx id", Field::TxId),
    ("Order id", Field::OrderId),
    ("Ledger entry", Field::LedgerEntryId),
    ("Match", Field::MatchId),
    ("Amount", Field::ProviderAmount),
    ("Ledger amount", Field::LedgerAmount),
    ("Currency", Field::Currency),
    ("Accounting day", Field::ProviderDay),
    ("Note", Field::Detail),
    // On screen only.
    ("Provider fee", Field::ProviderFee),
    ("Status", Field::ProviderStatus),
    ("Provider time", Field::ProviderTime),
    ("Ledger time", Field::LedgerTime),
    ("Card", Field::Card),
    ("Merchant / description", Field::Description),
];

/// The widest each printed column of [`MATCHED_COLUMNS`] may be (161 characters, the match
/// id's 18 whole: over 8 pt on Letter and A4, as the Discrepancies sheet).
pub const MATCHED_PRINT_WIDTHS: [usize; 11] = [9, 12, 22, 16, 13, 19, 13, 13, 8, 10, 26];

pub const SUMMARY_SHEET: &str = "Summary";
/// The Summaries sheet (with `[[matching.summaries]]`): each summary line, then the records it
/// covers, under it; a group with no line alone. Printed like the Discrepancies sheet: 12
/// columns, 171 characters.
pub const SUMMARIES_COLUMNS: &[(&str, Field)] = &[
    ("Category", Field::Category),
    ("Provider", Field::Provider),
    ("Kind", Field::Kind),
    ("Ledger entry", Field::LedgerEntryId),
    ("Provider tx id", Field::TxId),
    ("Amount", Field::ProviderAmount),
    ("Line amount", Field::LedgerAmount),
    ("Difference", Field::AmountDifference),
    ("Currency", Field::Currency),
    ("Provider day", Field::ProviderDay),
    ("Line day", Field::LedgerDay),
    ("Note", Field::Detail),
    // On screen only.
    ("Match", Field::MatchId),
    ("Status", Field::ProviderStatus),
    ("Provider time", Field::ProviderTime),
    ("Card", Field::Card),
    ("Provider source", Field::ProviderSource),
    ("Ledger source", Field::LedgerSource),
];
pub const SUMMARIES_PRINT_WIDTHS: [usize; 12] = [20, 9, 11, 13, 20, 13, 13, 11, 8, 10, 10, 33];
pub const SUMMARIES_SHEET: &str = "Summaries";

pub const DISCREPANCIES_SHEET: &str = "Discrepancies";
pub const MATCHED_SHEET: &str = "Matched";
pub const PROVIDER_SHEET: &str = "Provider records";
pub const LEDGER_SHEET: &str = "Ledger entries";
pub const DAILY_SHEET: &str = "Daily";
/// Provider × kind × category × currency with totals: the detail the Summary's grid sums.
pub const BREAKDOWN_SHEET: &str = "Breakdown";
/// With a store: every item still open at the end of the period, from any period.
pub const OPEN_ITEMS_SHEET: &str = "Open items";
/// The links check's findings: refunds and fees without their original, refunds above it.
pub const LINKS_SHEET: &str = "Links";
/// The card roll-forward: the provider's card list against the period's records.
pub const CARDS_SHEET: &str = "Cards";

/// The headers of the Cards sheet and the page's section, in the order of
/// [`super::cards::CARD_COLUMNS`].
pub const CARD_HEADERS: [&str; 17] = [
    "Finding",
    "Provider",
    "Card id",
    "Card",
    "Status",
    "Previous list",
    "Previous balance",
    "Recharges",
    "Refunds",
    "Consumption",
    "Fees",
    "Withdrawals",
    "Closure payouts",
    "Expected balance",
    "Balance listed",
    "Difference",
    "What was found",
];

/// The fetch's evidence: per provider, per window, per accounting day.
pub const FETCH_SHEET: &str = "Fetch";

/// A link finding's label on the sheet and the page.
pub fn finding_label(f: crate::links::FindingKind) -> &'static str {
    use crate::links::FindingKind as K;
    match f {
        K::OrphanRefund => "Orphan refund",
        K::OrphanFee => "Orphan fee",
        K::RefundExceedsOriginal => "Refunds above original",
    }
}

/// The headers of the Links sheet and the page's section, in the order of
/// [`super::links::LINK_COLUMNS`].
pub const LINK_HEADERS: [&str; 15] = [
    "Finding",
    "Provider",
    "Kind",
    "Tx id",
    "Names original",
    "Amount",
    "Currency",
    "Accounting day",
    "Card",
    "Original kind",
    "Original amount",
    "Original currency",
    "Original found in",
    "Refunds (total)",
    "What was found",
];

/// The headers of the Open items sheet and the page's section, in order.
pub const OPEN_ITEM_COLUMNS: &[&str] = &[
    "Item",
    "Period",
    "Category",
    "Provider",
    "Kind",
    "Provider tx id",
    "Order id",
    "Ledger entry",
    "Provider amount",
    "Ledger amount",
    "Difference",
    "At stake",
    "Currency",
    "Age (days)",
    "Age bucket",
    "Last event",
];

/// `(header)` of the roll-forward table: per provider and currency, count and amount.
pub const ROLL_FORWARD_COLUMNS: &[&str] = &[
    "Provider",
    "Currency",
    "Open at start",
    "Amount",
    "New",
    "Amount",
    "Reopened",
    "Amount",
    "Cleared",
    "Amount",
    "Resolved",
    "Amount",
    "Accepted",
    "Amount",
    "Open at end",
    "Amount",
    "Balances",
];

/// `(header)` of the decisions the roll-forward counts, under it on the Summary sheet.
pub const DECISION_COLUMNS: &[&str] = &[
    "Item",
    "Period",
    "Provider",
    "Movement",
    "Amount",
    "Currency",
    "Reason",
    "By",
    "When (UTC)",
];

/// A canonical table's column name in words, for the Provider records and Ledger entries
/// sheets (`tx_id` → "Tx id", `occurred_at` → "Occurred at"); the CSV and Parquet files keep
/// the names.
pub fn column_words(name: &str) -> String {
    let special = match name {
        "card_masked" => Some("Card (masked)"),
        "card_ref" => Some("Card id"),
        "related_tx_id" => Some("Names original"),
        "status_raw" => Some("Status as sent"),
        "entry_id" => Some("Ledger entry"),
        "source" => Some("Source (file:line)"),
        _ => None,
    };
    if let Some(s) = special {
        return s.to_string();
    }
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub const REPORT_TITLE: &str = "Card reconciliation";

/// A person's words for a category (the CSV keeps the machine name).
pub fn category_label(c: crate::matching::Category) -> &'static str {
    use crate::matching::Category as C;
    match c {
        C::Matched => "Matched",
        C::DuplicateAtProvider => "Duplicate at provider",
        C::DuplicateInLedger => "Duplicate in ledger",
        C::StatusMismatch => "Status mismatch",
        C::CurrencyMismatch => "Currency mismatch",
        C::AmountMismatch => "Amount mismatch",
        C::FeeMismatch => "Fee mismatch",
        C::TimingDifference => "Timing (cut-off)",
        C::MissingInLedger => "Missing in ledger",
        C::MissingAtProvider => "Missing at provider",
        C::FailedNotBooked => "Failed, not booked",
        C::PendingNotBooked => "Pending, not booked",
        C::ClearedPrior => "Clears an earlier item",
        C::SuggestedMatch => "Suggested match",
        C::SummaryMatched => "Summary line agrees",
        C::SummaryMismatch => "Summary line differs",
        C::SummaryMissing => "No summary line",
        C::Summarized => "In a summary line",
    }
}

/// The category's label colour (background, as 0xRRGGBB).
pub fn category_colour(c: crate::matching::Category) -> u32 {
    use crate::matching::Category as C;
    match c {
        C::Matched => 0xE2EFDA,
        C::MissingInLedger | C::MissingAtProvider => 0xF8CBAD,
        C::AmountMismatch | C::CurrencyMismatch | C::FeeMismatch => 0xFFE699,
        C::StatusMismatch => 0xF4B084,
        C::DuplicateAtProvider | C::DuplicateInLedger => 0xD9D2E9,
        C::TimingDifference => 0xBDD7EE,
        C::FailedNotBooked | C::PendingNotBooked => 0xEDEDED,
        C::ClearedPrior => 0xC6E0B4,
        C::SuggestedMatch => 0xFCE4D6,
        C::SummaryMatched => 0xC9E4C5,
        C::Summarized => 0xF0F5EC,
        C::SummaryMismatch => 0xFFD966,
        C::SummaryMissing => 0xF4A6A6,
    }
}
