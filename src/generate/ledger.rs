//! The ledger side of a generated month: the entry that books a provider record, as it is or
//! with the difference a scenario seeds (`LedgerVariant`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{local, write_amount, Gen, Tx, Writers};
use crate::error::{Error, Result};
use crate::model::Status;

impl Gen {
    /// Books a provider movement in the ledger; returns the entry id.
    pub(super) fn ledger_for(
        &mut self,
        w: &mut Writers,
        tx: &Tx,
        booked: DateTime<Utc>,
        variant: LedgerVariant,
    ) -> Result<String> {
        self.report.ledger_entries += 1;
        let entry_id = format!("LE{:010}", self.next_id());
        let mut amount = tx.amount;
        let mut currency = tx.currency.clone();
        let mut fee = tx.fee;
        let mut status = tx.status;
        let mut tx_id = Some(tx.tx_id.clone());
        match variant {
            LedgerVariant::Same => {}
            LedgerVariant::OrderIdOnly => tx_id = None,
            LedgerVariant::Amount(delta) => amount += delta,
            LedgerVariant::Currency => {
                currency = if currency == "USD" {
                    "EUR".into()
                } else {
                    "USD".into()
                }
            }
            LedgerVariant::Fee => fee = fee.map(|f| f + Decimal::new(50, 2)),
            LedgerVariant::BookedAsSuccess => status = Status::Success,
            LedgerVariant::AmountIs(a) => amount = a,
        }
        let booked_local = local(booked, self.zone);
        let booked_text = booked_local.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        let amount_text = crate::money::format(amount);
        let fee_text = fee.map(crate::money::format).unwrap_or_default();
        let order = tx.order_id.clone().unwrap_or_default();
        let tx_text = tx_id.clone().unwrap_or_default();
        w.ledger
            .write_record([
                entry_id.as_str(),
                tx.provider.name,
                tx.kind.as_str(),
                tx_text.as_str(),
                order.as_str(),
                amount_text.as_str(),
                currency.as_str(),
                fee_text.as_str(),
                status.as_str(),
                booked_text.as_str(),
            ])
            .map_err(|e| Error::Output {
                path: "ledger.csv".into(),
                message: e.to_string(),
                cause: Some(Box::new(e)),
            })?;
        if let Some(wb) = w.xlsx.as_mut() {
            let row = w.xlsx_row;
            w.xlsx_row += 1;
            let err = |e: rust_xlsxwriter::XlsxError| Error::Output {
                path: "ledger.xlsx".into(),
                message: e.to_string(),
                cause: Some(Box::new(e)),
            };
            let ws = wb.worksheet_from_index(0).map_err(err)?;
            ws.write_string(row, 0, &entry_id).map_err(err)?;
            ws.write_string(row, 1, tx.provider.name).map_err(err)?;
            ws.write_string(row, 2, tx.kind.as_str()).map_err(err)?;
            if let Some(t) = &tx_id {
                ws.write_string(row, 3, t).map_err(err)?;
            }
            if !order.is_empty() {
                ws.write_string(row, 4, &order).map_err(err)?;
            }
            // Excel stores numbers as doubles; every amount here has at most 8 places and 15
            // significant digits, so a double stands for it exactly (else: its text).
            write_amount(ws, row, 5, amount).map_err(err)?;
            ws.write_string(row, 6, &currency).map_err(err)?;
            if let Some(f) = fee {
                // Some fees as text, the way exports often store numbers.
                if row.is_multiple_of(2) {
                    ws.write_string(row, 7, crate::money::format(f))
                        .map_err(err)?;
                } else {
                    write_amount(ws, row, 7, f).map_err(err)?;
                }
            }
            ws.write_string(row, 8, status.as_str()).map_err(err)?;
            ws.write_datetime_with_format(row, 9, booked_local, &w.date_format)
                .map_err(err)?;
        }
        Ok(entry_id)
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum LedgerVariant {
    Same,
    OrderIdOnly,
    Amount(Decimal),
    Currency,
    Fee,
    BookedAsSuccess,
    AmountIs(Decimal),
}
