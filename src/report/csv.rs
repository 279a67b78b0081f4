//! `results.csv` (every row) and `discrepancies.csv` (every row that needs a person), with the
//! fixed columns of [`super::RESULT_COLUMNS`].
//!
//! Text that came from provider or ledger data and starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with `'`, so a spreadsheet never runs it as a formula. The
//! amount columns are numbers we wrote and are never altered (a negative difference keeps its
//! `-`).

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use chrono_tz::Tz;

use super::{format_time, ResultRow, ResultRows, RESULT_COLUMNS};
use crate::error::{Error, Result};
use crate::money;

pub use crate::formula_guard::guard_text;

/// Writes a table of findings (`links.csv`, `cards.csv`) to a temporary name, then into place:
/// `headers`, then each row's fields, provider and ledger text guarded against formulas except
/// in `amounts` (numbers we wrote, which keep their sign).
pub fn write_table<const N: usize>(
    path: &Path,
    headers: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
    amounts: &[usize],
) -> Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(std::io::BufWriter::new(file));
    w.write_record(headers)
        .map_err(|e| Error::output(path, e))?;
    for t in rows {
        let row = t.iter().enumerate().map(|(i, s)| {
            if amounts.contains(&i) {
                std::borrow::Cow::Borrowed(s.as_str())
            } else {
                guard_text(s)
            }
        });
        w.write_record(row.map(|c| c.into_owned()))
            .map_err(|e| Error::output(path, e))?;
    }
    let mut inner = w.into_inner().map_err(|e| Error::output(path, e))?;
    inner.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(inner);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// The 20 output fields of a row. Text is borrowed from the row where no formula guard
/// applies (a copy per field per row was a tenth of writing the result files).
pub fn fields<S: AsRef<str>>(r: &ResultRow<S>, zone: Tz) -> [Cow<'_, str>; 20] {
    fn t<S: AsRef<str>>(s: &Option<S>) -> Cow<'_, str> {
        s.as_ref()
            .map_or(Cow::Borrowed(""), |s| guard_text(s.as_ref()))
    }
    let m = |d: Option<rust_decimal::Decimal>| -> Cow<'_, str> {
        d.map(money::format).unwrap_or_default().into()
    };
    let owned = |s: Option<String>| -> Cow<'_, str> { s.unwrap_or_default().into() };
    [
        r.category.as_str().into(),
        t(&r.provider),
        t(&r.kind),
        t(&r.tx_id),
        t(&r.order_id),
        t(&r.ledger_entry_id),
        m(r.provider_amount),
        m(r.ledger_amount),
        m(r.amount_difference),
        t(&r.currency),
        t(&r.ledger_currency),
        t(&r.provider_status),
        t(&r.ledger_status),
        owned(r.provider_time.map(|x| format_time(x, zone))),
        owned(r.ledger_time.map(|x| format_time(x, zone))),
        owned(r.provider_day.map(|d| d.to_string())),
        owned(r.ledger_day.map(|d| d.to_string())),
        t(&r.card),
        guard_text(&r.detail),
        t(&r.match_id),
    ]
}

/// Rows formatted per chunk: enough to keep both cores busy, few enough that two chunks of
/// text stay small beside the month itself.
const CHUNK: usize = 32_768;

/// Both files' bytes for rows `from..to`: every row, and the discrepancy rows.
fn format_chunk(
    rows: &ResultRows<'_>,
    zone: Tz,
    from: usize,
    to: usize,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let writer = || {
        csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::with_capacity(1 << 20))
    };
    let (mut all, mut disc) = (writer(), writer());
    let part = rows.part(from, to)?;
    let rows = ResultRows::new(&part)?;
    for i in 0..rows.len() {
        let r = rows.borrowed(i);
        let f = fields(&r, zone);
        all.write_record(f.iter().map(|x| x.as_bytes()))
            .map_err(|e| Error::output("results.csv", e))?;
        if r.category.is_discrepancy() {
            disc.write_record(f.iter().map(|x| x.as_bytes()))
                .map_err(|e| Error::output("discrepancies.csv", e))?;
        }
    }
    let done = |w: csv::Writer<Vec<u8>>| {
        w.into_inner()
            .map_err(|e| Error::output("results.csv", e.into_error()))
    };
    Ok((done(all)?, done(disc)?))
}

/// Writes both CSV files in one pass over the rows; each goes to a temporary name first.
///
/// **Why in chunks on two threads.** Formatting a row (its texts, amounts, times in the
/// business timezone, the detail in words) is most of the writing; the rows are formatted a
/// chunk at a time, the next chunk on a second thread while this one's is formatted, and the
/// chunks written in order, so the files are the bytes a single pass writes.
pub fn write_results(
    rows: &ResultRows<'_>,
    zone: Tz,
    results: &Path,
    discrepancies: &Path,
) -> Result<()> {
    write_results_in_chunks(rows, zone, results, discrepancies, CHUNK)
}

/// [`write_results`] with chunks of `chunk` rows (the files do not depend on it).
pub fn write_results_in_chunks(
    rows: &ResultRows<'_>,
    zone: Tz,
    results: &Path,
    discrepancies: &Path,
    chunk: usize,
) -> Result<()> {
    let chunk = chunk.max(1);
    let open = |p: &Path| -> Result<std::io::BufWriter<std::fs::File>> {
        let tmp = p.with_extension("csv.tmp");
        let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(std::io::BufWriter::with_capacity(1 << 20, f))
    };
    let mut all = open(results)?;
    let mut disc = open(discrepancies)?;
    let mut header = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    header
        .write_record(RESULT_COLUMNS)
        .map_err(|e| Error::output(results, e))?;
    let header = header
        .into_inner()
        .map_err(|e| Error::output(results, e.into_error()))?;
    all.write_all(&header).map_err(|e| Error::io(results, e))?;
    disc.write_all(&header)
        .map_err(|e| Error::io(discrepancies, e))?;
    let n = rows.len();
    let mut from = 0;
    while from < n {
        let mid = (from + chunk).min(n);
        let to = (mid + chunk).min(n);
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| format_chunk(rows, zone, mid, to));
            let first = format_chunk(rows, zone, from, mid);
            let second = second
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (first, second)
        });
        for (a, d) in [first?, second?] {
            all.write_all(&a).map_err(|e| Error::io(results, e))?;
            disc.write_all(&d)
                .map_err(|e| Error::io(discrepancies, e))?;
        }
        from = to;
    }
    for (mut w, p) in [(all, results), (disc, discrepancies)] {
        w.flush().map_err(|e| Error::io(p, e))?;
        drop(w);
        std::fs::rename(p.with_extension("csv.tmp"), p).map_err(|e| Error::io(p, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::guard_text;

    #[test]
    fn formula_text_is_neutralised() {
        assert_eq!(guard_text("=1+1"), "'=1+1");
        assert_eq!(guard_text("+44"), "'+44");
        assert_eq!(guard_text("-2"), "'-2");
        assert_eq!(guard_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_text("\tx"), "'\tx");
        assert_eq!(guard_text("Café"), "Café");
        assert_eq!(guard_text(""), "");
    }
}
