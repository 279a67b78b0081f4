//! `results.csv` (every row) and `discrepancies.csv` (every row that needs a person), with the
//! fixed columns of [`super::RESULT_COLUMNS`].
//!
//! Text that came from provider or ledger data and starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with `'`, so a spreadsheet never runs it as a formula. The
//! amount columns are numbers we wrote and are never altered (a negative difference keeps its
//! `-`).

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

/// The 20 output fields of a row.
pub fn fields(r: &ResultRow, zone: Tz) -> [String; 20] {
    let t = |s: &Option<String>| guard_text(s.as_deref().unwrap_or("")).into_owned();
    let m = |d: Option<rust_decimal::Decimal>| d.map(money::format).unwrap_or_default();
    [
        r.category.as_str().to_string(),
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
        r.provider_time
            .map(|x| format_time(x, zone))
            .unwrap_or_default(),
        r.ledger_time
            .map(|x| format_time(x, zone))
            .unwrap_or_default(),
        r.provider_day.map(|d| d.to_string()).unwrap_or_default(),
        r.ledger_day.map(|d| d.to_string()).unwrap_or_default(),
        t(&r.card),
        guard_text(&r.detail).into_owned(),
        t(&r.match_id),
    ]
}

/// Writes both CSV files in one pass over the rows; each goes to a temporary name first.
pub fn write_results(
    rows: &ResultRows<'_>,
    zone: Tz,
    results: &Path,
    discrepancies: &Path,
) -> Result<()> {
    let open = |p: &Path| -> Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
        let tmp = p.with_extension("csv.tmp");
        let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(std::io::BufWriter::with_capacity(1 << 20, f)))
    };
    let mut all = open(results)?;
    let mut disc = open(discrepancies)?;
    all.write_record(RESULT_COLUMNS)
        .map_err(|e| Error::output(results, e))?;
    disc.write_record(RESULT_COLUMNS)
        .map_err(|e| Error::output(discrepancies, e))?;
    for i in 0..rows.len() {
        let r = rows.row(i);
        let f = fields(&r, zone);
        all.write_record(&f)
            .map_err(|e| Error::output(results, e))?;
        if r.category.is_discrepancy() {
            disc.write_record(&f)
                .map_err(|e| Error::output(discrepancies, e))?;
        }
    }
    for (w, p) in [(all, results), (disc, discrepancies)] {
        let mut inner = w.into_inner().map_err(|e| Error::output(p, e))?;
        inner.flush().map_err(|e| Error::io(p, e))?;
        drop(inner);
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
