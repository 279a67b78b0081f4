//! The ledger side of a generated month: the entry that books a provider record, as it is or
//! with the difference a scenario seeds (`LedgerVariant`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{local, write_amount, Gen, Tx, Writers};
use crate::error::{Error, Result};
use crate::model::{Kind, Status};

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
        let mut order_id = tx.order_id.clone();
        let mut card = None;
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
            LedgerVariant::InEur(a) => {
                amount = a;
                currency = "EUR".into();
                fee = None;
            }
            LedgerVariant::Statement(last_four) => {
                tx_id = None;
                order_id = None;
                card = Some(last_four);
            }
        }
        let statement = card.is_some();
        self.write_entry(
            w,
            &Entry {
                entry_id: &entry_id,
                journal: None,
                provider: (!statement).then_some(tx.provider.name),
                kind: (!statement).then_some(tx.kind),
                tx_id: tx_id.as_deref(),
                order_id: order_id.as_deref(),
                amount,
                currency: &currency,
                fee,
                status,
                booked,
                card: card.as_deref(),
                description: statement.then(|| tx.merchant.to_uppercase()),
            },
        )?;
        Ok(entry_id)
    }

    /// A summary journal's line: booked at noon of its day, in the journal `settlement`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn journal_line(
        &mut self,
        w: &mut Writers,
        id: &str,
        provider: &str,
        kind: Kind,
        amount: Decimal,
        currency: &str,
        day: chrono::NaiveDate,
    ) -> Result<()> {
        self.report.ledger_entries += 1;
        let noon = day
            .and_hms_opt(12, 0, 0)
            .and_then(|t| t.and_local_timezone(self.zone).earliest())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Error::input(id, "no noon on its day in the zone"))?;
        self.write_entry(
            w,
            &Entry {
                entry_id: id,
                journal: Some("settlement"),
                provider: Some(provider),
                kind: Some(kind),
                tx_id: None,
                order_id: None,
                amount,
                currency,
                fee: None,
                status: Status::Success,
                booked: noon,
                card: None,
                description: None,
            },
        )
    }

    /// One ledger row, in the CSV and (when it fits) the XLSX: the ten columns every style has,
    /// then the style's own ([`super::LedgerStyle::extra_columns`]).
    fn write_entry(&mut self, w: &mut Writers, e: &Entry<'_>) -> Result<()> {
        let booked_local = local(e.booked, self.zone);
        let booked_text = booked_local.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        let amount_text = crate::money::format(e.amount);
        let fee_text = e.fee.map(crate::money::format).unwrap_or_default();
        let mut record: Vec<&str> = vec![
            e.entry_id,
            e.provider.unwrap_or_default(),
            e.kind.map(Kind::as_str).unwrap_or_default(),
            e.tx_id.unwrap_or_default(),
            e.order_id.unwrap_or_default(),
            amount_text.as_str(),
            e.currency,
            fee_text.as_str(),
            e.status.as_str(),
            booked_text.as_str(),
        ];
        let extras: Vec<Option<&str>> = self
            .style
            .extra_columns()
            .iter()
            .map(|c| match *c {
                "journal" => e.journal,
                "card" => e.card,
                _ => e.description.as_deref(),
            })
            .collect();
        record.extend(extras.iter().map(|x| x.unwrap_or_default()));
        w.ledger
            .write_record(&record)
            .map_err(|err| Error::Output {
                path: "ledger.csv".into(),
                message: err.to_string(),
                cause: Some(Box::new(err)),
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
            ws.write_string(row, 0, e.entry_id).map_err(err)?;
            for (col, v) in [
                (1u16, e.provider),
                (2, e.kind.map(Kind::as_str)),
                (3, e.tx_id),
                (4, e.order_id),
            ] {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    ws.write_string(row, col, v).map_err(err)?;
                }
            }
            // Excel stores numbers as doubles; every amount here has at most 8 places and 15
            // significant digits, so a double stands for it exactly (else: its text).
            write_amount(ws, row, 5, e.amount).map_err(err)?;
            ws.write_string(row, 6, e.currency).map_err(err)?;
            if let Some(f) = e.fee {
                // Some fees as text, the way exports often store numbers.
                if row.is_multiple_of(2) {
                    ws.write_string(row, 7, crate::money::format(f))
                        .map_err(err)?;
                } else {
                    write_amount(ws, row, 7, f).map_err(err)?;
                }
            }
            ws.write_string(row, 8, e.status.as_str()).map_err(err)?;
            ws.write_datetime_with_format(row, 9, booked_local, &w.date_format)
                .map_err(err)?;
            for (k, v) in extras.iter().enumerate() {
                if let Some(v) = v {
                    ws.write_string(row, 10 + k as u16, *v).map_err(err)?;
                }
            }
        }
        Ok(())
    }
}

/// One ledger row as the generator writes it.
struct Entry<'a> {
    entry_id: &'a str,
    journal: Option<&'a str>,
    provider: Option<&'a str>,
    kind: Option<Kind>,
    tx_id: Option<&'a str>,
    order_id: Option<&'a str>,
    amount: Decimal,
    currency: &'a str,
    fee: Option<Decimal>,
    status: Status,
    booked: DateTime<Utc>,
    card: Option<&'a str>,
    description: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) enum LedgerVariant {
    Same,
    OrderIdOnly,
    Amount(Decimal),
    Currency,
    Fee,
    BookedAsSuccess,
    AmountIs(Decimal),
    /// Booked in EUR at the day's rate, this amount, no fee (`--ledger-style fx`).
    InEur(Decimal),
    /// A card statement's line: no ids, the card's last four digits and the merchant.
    Statement(String),
}
