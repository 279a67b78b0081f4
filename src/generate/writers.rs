//! Where a generated month is written: each provider's wire files, the ledger as CSV and XLSX,
//! the labels, and a record written through its provider's wire structs (`Gen::provider`).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use rust_decimal::Decimal;

use super::{Gen, LedgerVariant, Tx};
use crate::error::{Error, Result};
use crate::model::Kind;

pub(super) struct Writers {
    /// Each provider's record files, by (provider, file stem).
    pub(super) providers: BTreeMap<(&'static str, &'static str), BufWriter<std::fs::File>>,
    pub(super) ledger: csv::Writer<BufWriter<std::fs::File>>,
    pub(super) labels: csv::Writer<BufWriter<std::fs::File>>,
    /// `link_labels.csv`: the seeded links findings (finding, provider, tx_id).
    pub(super) link_labels: csv::Writer<BufWriter<std::fs::File>>,
    pub(super) xlsx: Option<rust_xlsxwriter::Workbook>,
    pub(super) xlsx_row: u32,
    pub(super) date_format: rust_xlsxwriter::Format,
}

/// Every provider's record files, `<provider>/<stem>.jsonl`, created empty.
pub(super) fn provider_files(
    dir: &Path,
) -> Result<BTreeMap<(&'static str, &'static str), BufWriter<std::fs::File>>> {
    let mut files = BTreeMap::new();
    for spec in crate::providers::SPECS {
        for stem in spec.sample.files {
            let path = dir.join(spec.name).join(format!("{stem}.jsonl"));
            files.insert((spec.name, *stem), create(&path)?);
        }
    }
    Ok(files)
}

pub(super) fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// An amount in a generated XLSX ledger: the number where a double stands for it exactly,
/// else its text (which the ledger reader takes as well).
pub(super) fn write_amount(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    amount: Decimal,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    match crate::report::xlsx::excel_number(amount) {
        Some(n) => ws.write_number(row, col, n).map(|_| ()),
        None => ws
            .write_string(row, col, crate::money::format(amount))
            .map(|_| ()),
    }
}

pub(super) fn xlsx_err(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
        cause: Some(Box::new(e)),
    }
}

impl Gen {
    /// Writes a provider record; a refund or fee that names no original yet is linked to one
    /// first (written now if none fits, with its ledger entry, so it is matched).
    pub(super) fn provider(&mut self, w: &mut Writers, tx: &Tx) -> Result<()> {
        if matches!(tx.kind, Kind::Refund | Kind::Fee) && tx.related.is_none() {
            let related = match self.originals.pick(tx.provider.name, &tx.record) {
                Some(r) => r,
                None => {
                    let original = self.original_for(tx);
                    self.provider(w, &original)?;
                    let booked = self.booking_time(original.at, original.provider);
                    self.ledger_for(w, &original, booked, LedgerVariant::Same)?;
                    self.originals
                        .pick(tx.provider.name, &tx.record)
                        .unwrap_or_else(|| original.tx_id.clone())
                }
            };
            let mut linked = tx.clone();
            linked.related = Some(related);
            return self.write_provider(w, &linked);
        }
        self.write_provider(w, tx)?;
        self.originals.wrote(tx.provider.name, &tx.record);
        Ok(())
    }

    pub(super) fn write_provider(&mut self, w: &mut Writers, tx: &Tx) -> Result<()> {
        self.report.provider_records += 1;
        self.count_card_key(tx);
        self.card_balances
            .wrote(tx.provider.name, &tx.record, (self.start, self.end));
        let habits = &tx.provider.sample;
        let line = (habits.wire)(&tx.record, habits.wire_zone).map_err(|e| Error::Output {
            path: tx.provider.name.into(),
            message: format!("writing {}: {e}", tx.tx_id),
            cause: Some(Box::new(e)),
        })?;
        let stem = habits.files[(habits.file_of)(&tx.record)];
        let f = w
            .providers
            .get_mut(&(tx.provider.name, stem))
            .ok_or_else(|| Error::Output {
                path: format!("{}/{stem}.jsonl", tx.provider.name).into(),
                message: "not one of the provider's files".into(),
                cause: None,
            })?;
        writeln!(f, "{line}").map_err(|e| Error::io(tx.provider.name, e))
    }
}
