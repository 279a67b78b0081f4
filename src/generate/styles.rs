//! `generate --ledger-style`: the same month's ledger as accounting teams keep it in the three
//! shapes besides one entry per record with the provider's id (issue 29), each labelled, with
//! the configuration that describes it appended to the month's `cardrecon.toml`:
//!
//! - **summary**: the plain matched records' consumption, refunds and fees booked as one journal
//!   line per provider, accounting day, currency and kind (journal `settlement`); every other
//!   scenario keeps its entry with ids, so the month still has every difference of stages 1-5.
//!   Per provider, one line is booked 0.02 off (`summary_mismatch`), one group gets no line
//!   (`summary_missing`), and one line has no records (`missing_at_provider`). A record missing
//!   from a journal shows as its line differing, so the missing-in-ledger and suggestion
//!   scenarios are not drawn in this style (their draws become plain matched records).
//! - **statement**: the plain matched records of providers that send the card's number booked
//!   as statement lines: card (last four), amount, currency, day, merchant, no id. Only a record
//!   whose card, currency and amount no other record of the month shares is booked so (others
//!   keep their ids), so every line is its record's only candidate and the rule matches them
//!   all: nothing to label but what the other scenarios seed.
//! - **fx**: the plain matched records in USD booked in EUR at the day's rate (`rates.csv`,
//!   weekdays only, so a weekend uses Friday's), two places, no fee; matched within `[fx]`'s
//!   relative tolerance.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{local, Gen, LedgerVariant, Tx, Writers};
use crate::error::{Error, Result};
use crate::matching::Category;
use crate::model::Kind;

/// How the generated ledger books what the provider sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LedgerStyle {
    /// One entry per record with the provider's ids.
    #[default]
    Ids,
    /// Daily settlement journals: one line per provider, day, currency and kind.
    Summary,
    /// Card statements: card, amount, day and merchant, no id.
    Statement,
    /// USD spend booked in EUR at the day's rate.
    Fx,
}

impl LedgerStyle {
    /// The ledger's columns after the ten every style has.
    pub(super) fn extra_columns(self) -> &'static [&'static str] {
        match self {
            LedgerStyle::Summary => &["journal"],
            LedgerStyle::Statement => &["card", "description"],
            LedgerStyle::Ids | LedgerStyle::Fx => &[],
        }
    }
}

/// The kinds the summary style books as journal lines.
const SUMMARY_KINDS: [Kind; 3] = [Kind::Consumption, Kind::Refund, Kind::Fee];

/// A journal line's key: provider, accounting day, currency, kind.
type LineKey = (&'static str, NaiveDate, String, Kind);

/// What a style keeps until the month's end.
#[derive(Debug, Default)]
pub(super) struct Styled {
    /// Summary: each line's records (tx ids) and sum.
    lines: BTreeMap<LineKey, (Decimal, Vec<String>)>,
    /// Statement: the records that may be booked as a statement line, with their booking time.
    statement: Vec<(Tx, DateTime<Utc>)>,
    /// Statement: how many records of the month have each (last four, currency, amount).
    card_keys: HashMap<(String, String, Decimal), u32>,
}

/// The EUR→USD rate published on `day` (weekdays only), a fixed walk around 1.08.
fn rate_on(day: NaiveDate) -> Option<Decimal> {
    if day.weekday().number_from_monday() > 5 {
        return None;
    }
    let step = i64::from(day.ordinal() % 11) - 5;
    Some(Decimal::new(10800 + step * 13, 4))
}

/// The latest rate on or before `day` (within a week), as `[fx]` looks it up.
fn rate_for(day: NaiveDate) -> Option<Decimal> {
    (0..7)
        .filter_map(|back| day.checked_sub_days(chrono::Days::new(back)))
        .find_map(rate_on)
}

/// A card's last four digits as a statement prints them.
fn last_four(tx: &Tx) -> String {
    let pan = tx.pan();
    pan[pan.len().saturating_sub(4)..].to_string()
}

impl Gen {
    /// Books a plain matched record (status success) as the ledger style does.
    pub(super) fn book_matched(
        &mut self,
        w: &mut Writers,
        tx: &Tx,
        booked: DateTime<Utc>,
    ) -> Result<()> {
        match self.style {
            LedgerStyle::Summary if SUMMARY_KINDS.contains(&tx.kind) => {
                let day = local(tx.at, self.zone).date();
                let line = self
                    .styled
                    .lines
                    .entry((tx.provider.name, day, tx.currency.clone(), tx.kind))
                    .or_default();
                line.0 += tx.amount;
                line.1.push(tx.tx_id.clone());
                Ok(())
            }
            LedgerStyle::Statement if tx.provider.sample.card_numbers => {
                self.styled.statement.push((tx.clone(), booked));
                Ok(())
            }
            LedgerStyle::Fx if tx.currency == "USD" => {
                let day = local(tx.at, self.zone).date();
                match rate_for(day) {
                    Some(rate) => {
                        let eur = (tx.amount / rate).round_dp_with_strategy(
                            2,
                            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                        );
                        self.ledger_for(w, tx, booked, LedgerVariant::InEur(eur))
                            .map(|_| ())
                    }
                    None => self
                        .ledger_for(w, tx, booked, LedgerVariant::Same)
                        .map(|_| ()),
                }
            }
            _ => self
                .ledger_for(w, tx, booked, LedgerVariant::Same)
                .map(|_| ()),
        }
    }

    /// Statement: counts a written record's card, currency and amount.
    pub(super) fn count_card_key(&mut self, tx: &Tx) {
        if self.style == LedgerStyle::Statement && tx.provider.sample.card_numbers {
            *self
                .styled
                .card_keys
                .entry((last_four(tx), tx.currency.clone(), tx.amount))
                .or_default() += 1;
        }
    }

    /// Writes what the style kept until the end (lines, statement entries, rates) with their
    /// labels; returns the configuration that describes the ledger.
    pub(super) fn finish_style(
        &mut self,
        w: &mut Writers,
        out: &std::path::Path,
    ) -> Result<String> {
        match self.style {
            LedgerStyle::Ids => Ok(String::new()),
            LedgerStyle::Summary => self.write_lines(w),
            LedgerStyle::Statement => {
                let kept = std::mem::take(&mut self.styled.statement);
                for (tx, booked) in &kept {
                    let key = (last_four(tx), tx.currency.clone(), tx.amount);
                    let variant = if self.styled.card_keys.get(&key) == Some(&1) {
                        LedgerVariant::Statement(last_four(tx))
                    } else {
                        LedgerVariant::Same
                    };
                    self.ledger_for(w, tx, *booked, variant)?;
                }
                Ok("\n[[matching.rules]]\nname = \"card, amount, same day\"\nmatch_on = [\"card\", \"currency\", \"amount\"]\nday_window = 0\n".into())
            }
            LedgerStyle::Fx => {
                let path = out.join("rates.csv");
                let (first, last) = (
                    self.period.first - chrono::Days::new(14),
                    self.period.last + chrono::Days::new(7),
                );
                let mut text = String::from("date,base,quote,rate\n");
                for day in first.iter_days().take_while(|d| *d <= last) {
                    if let Some(r) = rate_on(day) {
                        text.push_str(&format!("{day},EUR,USD,{r}\n"));
                    }
                }
                std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
                Ok("\n[fx]\nrates = \"rates.csv\"\ntolerance_relative = \"0.005\"\nmax_rate_age_days = 7\n".into())
            }
        }
    }

    /// Summary: each line, its records' labels, and the seeded differences per provider (a
    /// line 0.02 off, a group with no line, a line with no records).
    fn write_lines(&mut self, w: &mut Writers) -> Result<String> {
        let lines = std::mem::take(&mut self.styled.lines);
        let mut nth: HashMap<&'static str, usize> = HashMap::new();
        for ((provider, day, currency, kind), (sum, records)) in &lines {
            let prov = crate::providers::SPECS
                .iter()
                .copied()
                .find(|s| s.name == *provider)
                .ok_or_else(|| Error::input(*provider, "not a provider of the generator"))?;
            let n = nth.entry(provider).or_insert(0);
            *n += 1;
            let id = format!("JE{:06}", self.next_id());
            match *n {
                // The second group of each provider: no line.
                2 => {
                    self.label(w, Category::SummaryMissing, prov, "", "")?;
                    continue;
                }
                // The first: booked 0.02 over.
                1 => {
                    self.journal_line(
                        w,
                        &id,
                        provider,
                        *kind,
                        *sum + Decimal::new(2, 2),
                        currency,
                        *day,
                    )?;
                    self.label(w, Category::SummaryMismatch, prov, "", &id)?;
                }
                _ => {
                    self.journal_line(w, &id, provider, *kind, *sum, currency, *day)?;
                    self.label(w, Category::SummaryMatched, prov, "", &id)?;
                }
            }
            for tx in records {
                self.label(w, Category::Summarized, prov, tx, "")?;
            }
        }
        // A line with no records: a currency no record has.
        for prov in crate::providers::SPECS.iter().copied() {
            if nth.get(prov.name).is_some_and(|&n| n >= 2) {
                let id = format!("JE{:06}", self.next_id());
                let day = self.period.first;
                self.journal_line(
                    w,
                    &id,
                    prov.name,
                    Kind::Consumption,
                    Decimal::new(100, 2),
                    "XTS",
                    day,
                )?;
                self.label(w, Category::MissingAtProvider, prov, "", &id)?;
            }
        }
        Ok("\n[[matching.summaries]]\nname = \"daily settlement\"\nledger_kind = \"settlement\"\ngroup_by = [\"provider\", \"day\", \"currency\", \"kind\"]\nkinds = [\"consumption\", \"refund\", \"fee\"]\n".into())
    }
}
