//! The scenario catalogue: every kind of record and difference the generator seeds, how often
//! (`WEIGHTS`), and how each is written on both sides (`Gen::scenario`).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rust_decimal::Decimal;

use super::{Gen, LedgerVariant, Prov, Unmatched, Writers};
use crate::error::Result;
use crate::matching::Category;
use crate::model::{Kind, Status};
use crate::period::day_start;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scenario {
    Matched,
    MatchedByOrder,
    MatchedAtEdges,
    MatchedFailedBothSides,
    AmountMismatch,
    CurrencyMismatch,
    StatusMismatch,
    FeeMismatch,
    TimingOutOfPeriod,
    TimingIntoPeriod,
    TimingAtStart,
    MissingInLedger,
    MissingAtProvider,
    DuplicateAtProvider,
    DuplicateInLedger,
    FailedNotBooked,
    PendingNotBooked,
    MarginMatched,
    MarginUnmatched,
    /// Stage 6: a payment captured in 2 or 3 parts sharing an order id, booked once.
    SplitCapture,
    /// Stage 6: one record booked in two entries on its tx id.
    BookedInParts,
    /// Stage 6: an entry booked under a mistyped reference: a unique loose candidate.
    SuggestedMatch,
    /// Stage 7 (links): a refund naming an original nobody has; matched in the ledger.
    OrphanRefund,
    /// Stage 7: a fee naming a consumption nobody has.
    OrphanFee,
    /// Stage 7: two refunds of one original, one cent above it.
    RefundAboveOriginal,
}

/// Scenario weights per 1,000 records.
pub(super) const WEIGHTS: [(Scenario, u32); 25] = [
    (Scenario::Matched, 806),
    (Scenario::MatchedByOrder, 30),
    (Scenario::MatchedAtEdges, 8),
    (Scenario::MatchedFailedBothSides, 10),
    (Scenario::AmountMismatch, 15),
    (Scenario::CurrencyMismatch, 8),
    (Scenario::StatusMismatch, 10),
    (Scenario::FeeMismatch, 10),
    (Scenario::TimingOutOfPeriod, 5),
    (Scenario::TimingIntoPeriod, 5),
    (Scenario::TimingAtStart, 4),
    (Scenario::MissingInLedger, 15),
    (Scenario::MissingAtProvider, 12),
    (Scenario::DuplicateAtProvider, 6),
    (Scenario::DuplicateInLedger, 6),
    (Scenario::FailedNotBooked, 12),
    (Scenario::PendingNotBooked, 10),
    (Scenario::MarginMatched, 15),
    (Scenario::MarginUnmatched, 7),
    (Scenario::SplitCapture, 2),
    (Scenario::BookedInParts, 2),
    (Scenario::SuggestedMatch, 2),
    (Scenario::OrphanRefund, 1),
    (Scenario::OrphanFee, 1),
    (Scenario::RefundAboveOriginal, 1),
];

pub(super) const MERCHANTS: [&str; 8] = [
    "Coffee Corner",
    "Northwind Traders",
    "Café Zürich",
    "東京ストア",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "+44 Mobile Top-up",
    "<script>alert('x')</script> Books",
    "ACME, Inc. \"Online\"",
];

impl Gen {
    pub(super) fn scenario(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        forced: Option<Prov>,
    ) -> Result<()> {
        use Scenario as S;
        // In a journal, a record missing from the books is its line differing: the summary
        // style seeds that itself ([`super::styles`]).
        let s = match (self.style, s) {
            (super::LedgerStyle::Summary, S::MissingInLedger | S::SuggestedMatch) => S::Matched,
            _ => s,
        };
        let prov = match s {
            S::OrphanRefund | S::RefundAboveOriginal => self.prov_with(forced, Kind::Refund),
            S::OrphanFee => self.prov_with(forced, Kind::Fee),
            _ => self.pick_prov(forced, matches!(s, S::MatchedByOrder | S::SplitCapture)),
        };
        // Most scenarios happen well inside the period (at least an hour from its end, so a
        // repeat two minutes later stays inside too). Drawn for every scenario, those placed at
        // the edges or in the margin included, so each seed gives the months it always gave.
        let inside = self.instant_between(self.start, self.end - Duration::hours(1), prov);
        match s {
            S::Matched | S::MatchedFailedBothSides | S::MatchedByOrder | S::MatchedAtEdges => {
                self.matched(w, s, prov, inside)
            }
            S::AmountMismatch | S::CurrencyMismatch | S::FeeMismatch | S::StatusMismatch => {
                self.pair_differs(w, s, prov, inside)
            }
            S::TimingOutOfPeriod | S::TimingIntoPeriod | S::TimingAtStart => {
                self.cut_off(w, s, prov)
            }
            S::MissingInLedger
            | S::FailedNotBooked
            | S::PendingNotBooked
            | S::MissingAtProvider => self.one_side(w, s, prov, inside),
            S::DuplicateAtProvider | S::DuplicateInLedger => self.repeated(w, s, prov, inside),
            S::MarginMatched | S::MarginUnmatched => self.in_margin(w, s, prov),
            S::SplitCapture | S::BookedInParts | S::SuggestedMatch => {
                self.in_parts(w, s, prov, inside)
            }
            S::OrphanRefund | S::OrphanFee | S::RefundAboveOriginal => {
                self.links(w, s, prov, inside)
            }
        }
    }

    /// A matched record, booked as the provider sent it (by tx id, by order id, at the period's
    /// edges).
    fn matched(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::Matched | S::MatchedFailedBothSides => {
                let mut tx = self.new_tx(prov, inside);
                if s == S::MatchedFailedBothSides {
                    tx.status = Status::Failed;
                    tx.fee = None;
                }
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                if tx.status == Status::Success {
                    self.book_matched(w, &tx, booked)?;
                } else {
                    self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                }
            }
            S::MatchedByOrder => {
                let mut tx = self.new_tx(prov, inside);
                while tx.order_id.is_none() {
                    tx = self.new_tx(prov, inside);
                }
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::OrderIdOnly)?;
            }
            S::MatchedAtEdges => {
                // 00:00:00.000 on the first day and 23:59:59(.999) on the last, booked at once.
                let first = self.new_tx(prov, self.start);
                self.provider(w, &first)?;
                self.ledger_for(w, &first, first.at, LedgerVariant::Same)?;
                let last_at = self.end - sec_or_ms(prov, 1);
                let last = self.new_tx(prov, last_at);
                self.provider(w, &last)?;
                self.ledger_for(w, &last, last.at, LedgerVariant::Same)?;
            }
            other => unreachable!(
                "{other:?} is not a matched record: scenario() dispatches it elsewhere"
            ),
        }
        Ok(())
    }

    /// A pair whose amount, currency, fee or status differs.
    fn pair_differs(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::AmountMismatch | S::CurrencyMismatch | S::FeeMismatch => {
                let mut tx = self.new_tx(prov, inside);
                let variant = match s {
                    S::AmountMismatch => {
                        let delta = [
                            Decimal::new(1, 2),
                            Decimal::new(100, 2),
                            Decimal::new(-50, 2),
                            Decimal::new(1, 8),
                        ][self.rng.random_range(0..4)];
                        LedgerVariant::Amount(delta)
                    }
                    S::CurrencyMismatch => LedgerVariant::Currency,
                    _ => {
                        while tx.kind != Kind::Consumption {
                            tx = self.new_tx(prov, inside);
                        }
                        tx.fee = Some(tx.fee.unwrap_or(Decimal::new(125, 2)));
                        LedgerVariant::Fee
                    }
                };
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, variant)?;
                let cat = match s {
                    S::AmountMismatch => Category::AmountMismatch,
                    // With `[fx]`'s rates the same number in the other currency is compared
                    // at the day's rate: 8% off, an amount mismatch.
                    S::CurrencyMismatch if self.style == super::LedgerStyle::Fx => {
                        Category::AmountMismatch
                    }
                    S::CurrencyMismatch => Category::CurrencyMismatch,
                    _ => Category::FeeMismatch,
                };
                self.label(w, cat, tx.provider, &tx.tx_id, &entry)?;
            }
            S::StatusMismatch => {
                let mut tx = self.new_tx(prov, inside);
                tx.status = if self.rng.random_range(0..2) == 0 {
                    Status::Failed
                } else {
                    Status::Reversed
                };
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, LedgerVariant::BookedAsSuccess)?;
                self.label(w, Category::StatusMismatch, tx.provider, &tx.tx_id, &entry)?;
            }
            other => unreachable!(
                "{other:?} is not a pair whose amount: scenario() dispatches it elsewhere"
            ),
        }
        Ok(())
    }

    /// A pair whose two halves fall on either side of a period edge.
    fn cut_off(&mut self, w: &mut Writers, s: Scenario, prov: Prov) -> Result<()> {
        use Scenario as S;
        match s {
            S::TimingOutOfPeriod | S::TimingIntoPeriod | S::TimingAtStart => {
                let (p_at, l_at) = match s {
                    // Last moment of the period at the provider, booked just after midnight.
                    S::TimingOutOfPeriod => (
                        self.end - sec_or_ms(prov, 1),
                        self.end + Duration::milliseconds(250),
                    ),
                    // First moment after the period at the provider, booked just before midnight.
                    S::TimingIntoPeriod => (self.end, self.end - Duration::seconds(1)),
                    // Last moment before the period at the provider, booked at its first moment.
                    _ => (self.start - sec_or_ms(prov, 1), self.start),
                };
                let tx = self.new_tx(prov, p_at);
                self.provider(w, &tx)?;
                let entry = self.ledger_for(w, &tx, l_at, LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::TimingDifference,
                    tx.provider,
                    &tx.tx_id,
                    &entry,
                )?;
            }
            other => unreachable!("{other:?} is not a pair whose two halves fall on either side of a period edge: scenario() dispatches it elsewhere"),
        }
        Ok(())
    }

    /// A record on one side only.
    fn one_side(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::MissingInLedger | S::FailedNotBooked | S::PendingNotBooked => {
                let mut tx = self.new_tx(prov, inside);
                let cat = match s {
                    S::MissingInLedger => Category::MissingInLedger,
                    S::FailedNotBooked => {
                        tx.status = if self.rng.random_range(0..2) == 0 {
                            Status::Failed
                        } else {
                            Status::Reversed
                        };
                        Category::FailedNotBooked
                    }
                    _ => {
                        tx.status = Status::Pending;
                        Category::PendingNotBooked
                    }
                };
                if cat == Category::MissingInLedger {
                    self.keep_apart(&mut tx, Unmatched::Provider);
                }
                self.provider(w, &tx)?;
                self.label(w, cat, tx.provider, &tx.tx_id, "")?;
            }
            S::MissingAtProvider => {
                let mut tx = self.new_tx(prov, inside);
                tx.tx_id = format!("GHOST{:012}", self.seq);
                self.keep_apart(&mut tx, Unmatched::Ledger);
                let booked = self.booking_time(tx.at, prov);
                let entry = self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::MissingAtProvider,
                    tx.provider,
                    &tx.tx_id,
                    &entry,
                )?;
            }
            other => unreachable!(
                "{other:?} is not a record on one side only: scenario() dispatches it elsewhere"
            ),
        }
        Ok(())
    }

    /// A record repeated on one side.
    fn repeated(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::DuplicateAtProvider => {
                let tx = self.new_tx(prov, inside);
                self.provider(w, &tx)?;
                let mut repeat = tx.clone();
                repeat.at = tx.at + Duration::seconds(120);
                repeat.amount += Decimal::ONE;
                self.provider(w, &repeat)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                self.label(w, Category::DuplicateAtProvider, tx.provider, &tx.tx_id, "")?;
            }
            S::DuplicateInLedger => {
                let tx = self.new_tx(prov, inside);
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                let again =
                    self.ledger_for(w, &tx, booked + Duration::seconds(120), LedgerVariant::Same)?;
                self.label(
                    w,
                    Category::DuplicateInLedger,
                    tx.provider,
                    &tx.tx_id,
                    &again,
                )?;
            }
            other => unreachable!("{other:?} is not a record repeated on one side: scenario() dispatches it elsewhere"),
        }
        Ok(())
    }

    /// A pair in the margin around the period, which must not be reported.
    fn in_margin(&mut self, w: &mut Writers, s: Scenario, prov: Prov) -> Result<()> {
        use Scenario as S;
        let zone = self.zone;
        let last_day = self.period.last;
        match s {
            S::MarginMatched | S::MarginUnmatched => {
                // Two days before or after the period (inside the default 3-day margin).
                let before = self.rng.random_range(0..2) == 0;
                let day = if before {
                    self.period.first - Duration::days(2)
                } else {
                    last_day + Duration::days(2)
                };
                let from = day_start(day, zone) + Duration::hours(1);
                let at = self.instant_between(from, from + Duration::hours(20), prov);
                let mut tx = self.new_tx(prov, at);
                if s == S::MarginUnmatched {
                    self.keep_apart(&mut tx, Unmatched::Provider);
                }
                self.provider(w, &tx)?;
                if s == S::MarginMatched {
                    self.ledger_for(w, &tx, at, LedgerVariant::Same)?;
                }
            }
            other => unreachable!("{other:?} is not a pair in the margin around the period: scenario() dispatches it elsewhere"),
        }
        Ok(())
    }

    /// A match in parts (a split capture, a booking in parts) or a loose one to suggest.
    fn in_parts(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::SplitCapture => {
                let mut tx = self.new_tx(prov, inside);
                while tx.order_id.is_none() {
                    tx = self.new_tx(prov, inside);
                }
                tx.fee = None;
                tx.amount = Decimal::new(self.rng.random_range(300i64..100_000), 2);
                let parts = self.rng.random_range(2..=3);
                for (i, amount) in self.split(tx.amount, parts).into_iter().enumerate() {
                    let mut part = tx.clone();
                    if i > 0 {
                        let id = self.next_id();
                        part.tx_id = (prov.sample.tx_id)(id, tx.kind);
                        part.at = tx.at + Duration::seconds(30 * i as i64);
                    }
                    part.amount = amount;
                    self.provider(w, &part)?;
                }
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::OrderIdOnly)?;
                self.report.groups += 1;
            }
            S::BookedInParts => {
                let mut tx = self.new_tx(prov, inside);
                tx.fee = None;
                tx.amount = Decimal::new(self.rng.random_range(200i64..100_000), 2);
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                for (i, amount) in self.split(tx.amount, 2).into_iter().enumerate() {
                    let at = booked + Duration::seconds(60 * i as i64);
                    self.ledger_for(w, &tx, at, LedgerVariant::AmountIs(amount))?;
                }
                self.report.groups += 1;
            }
            S::SuggestedMatch => {
                let mut tx = self.new_tx(prov, inside);
                // Unique on both sides, so each is the other's only candidate.
                self.keep_apart(&mut tx, Unmatched::Both);
                self.provider(w, &tx)?;
                // Booked under a mistyped reference and no order id, within hours.
                let mut typed = tx.clone();
                typed.tx_id = format!("{}X", tx.tx_id);
                typed.order_id = None;
                let booked = tx.at + Duration::minutes(self.rng.random_range(5..600));
                let entry = self.ledger_for(w, &typed, booked, LedgerVariant::Same)?;
                self.label(w, Category::SuggestedMatch, prov, &tx.tx_id, &entry)?;
            }
            other => unreachable!(
                "{other:?} is not a match in parts: scenario() dispatches it elsewhere"
            ),
        }
        Ok(())
    }

    /// A refund or fee and the original it names (or does not find, or exceeds).
    fn links(
        &mut self,
        w: &mut Writers,
        s: Scenario,
        prov: Prov,
        inside: DateTime<Utc>,
    ) -> Result<()> {
        use Scenario as S;
        match s {
            S::OrphanRefund | S::OrphanFee => {
                let kind = if s == S::OrphanRefund {
                    Kind::Refund
                } else {
                    Kind::Fee
                };
                let mut tx = self.tx_of_kind(prov, inside, kind);
                tx.status = Status::Success;
                // An id of the provider's own shape that no record carries.
                let missing = self.next_id();
                tx.related = Some((prov.sample.tx_id)(missing, Kind::Consumption));
                self.provider(w, &tx)?;
                let booked = self.booking_time(tx.at, prov);
                self.ledger_for(w, &tx, booked, LedgerVariant::Same)?;
                let finding = if kind == Kind::Refund {
                    "orphan_refund"
                } else {
                    "orphan_fee"
                };
                self.link_label(w, finding, prov, &tx.tx_id)?;
            }
            S::RefundAboveOriginal => {
                let mut first = self.tx_of_kind(prov, inside, Kind::Refund);
                first.status = Status::Success;
                first.fee = None;
                let original = self.original_for(&first);
                self.provider(w, &original)?;
                // Only these two refunds name it.
                self.originals.forget(prov.name, &original.tx_id);
                let booked = self.booking_time(original.at, prov);
                self.ledger_for(w, &original, booked, LedgerVariant::Same)?;
                let half = (original.amount / Decimal::TWO).round_dp(2);
                first.amount = half;
                first.related = Some(original.tx_id.clone());
                let mut second = first.clone();
                let id = self.next_id();
                second.tx_id = (prov.sample.tx_id)(id, Kind::Refund);
                second.order_id = (prov.sample.order_id)(id, Kind::Refund, &second.tx_id);
                second.at = first.at + Duration::seconds(60);
                second.amount = original.amount - half + Decimal::new(1, 2);
                for r in [&first, &second] {
                    self.provider(w, r)?;
                    let booked = self.booking_time(r.at, prov);
                    self.ledger_for(w, r, booked, LedgerVariant::Same)?;
                }
                self.link_label(w, "refund_exceeds_original", prov, &original.tx_id)?;
            }
            other => unreachable!("{other:?} is not a refund or fee and the original it names: scenario() dispatches it elsewhere"),
        }
        Ok(())
    }
}

/// `ms` milliseconds for a provider whose times carry them, else rounded up to whole seconds.
fn sec_or_ms(p: Prov, ms: i64) -> Duration {
    if p.sample.millis {
        Duration::milliseconds(ms)
    } else {
        Duration::seconds((ms + 999) / 1000)
    }
}
