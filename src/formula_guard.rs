//! Provider and ledger text is never a formula: a CSV cell that begins with `=`, `+`, `-`, `@`,
//! a tab or a carriage return is written with a leading `'`, which spreadsheets show as text.
//! One function for every CSV cardrecon writes (the reports, `items`, the workspace's
//! downloads), so no writer can forget a character.

/// Neutralises text a spreadsheet would read as a formula.
pub fn guard_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}
