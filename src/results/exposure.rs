//! What a discrepancy puts at stake: the figure a controller adds up per currency. One rule for
//! the store's items (`items`, the Open items sheet, `close-period`) and the order of the
//! Discrepancies sheet.

use rust_decimal::Decimal;

use super::{ResultRow, ResultRows};
use crate::matching::Category;

/// What an item puts at stake, as of its latest run: both sides' amounts as the result row
/// shows them, their difference, and the signed amount at stake. Money out of the cards
/// (consumption, fees, withdrawals: [`DEBIT_KINDS`](crate::matching::DEBIT_KINDS)) is
/// negative and money in positive, so a month's refunds offset its purchases instead of
/// adding to them. For an amount, fee or summary line mismatch what is at stake is the difference (a
/// 0.00000001 mismatch on 795.00 puts 0.00000001 at stake, not 795.00); for anything else
/// (a record missing on one side, a status or currency that differs, a repeat, a cut-off) the
/// whole signed amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exposure {
    pub provider_amount: Option<Decimal>,
    pub ledger_amount: Option<Decimal>,
    /// Provider amount − |ledger amount| (a group member's is none: its group's sum is what
    /// was compared).
    pub difference: Option<Decimal>,
    pub at_stake: Option<Decimal>,
}

impl Exposure {
    /// The exposure of a result row of `category`.
    pub fn of<S: AsRef<str>>(row: &ResultRow<S>, category: Category) -> Exposure {
        let fees = match (row.provider_fee, row.ledger_fee) {
            (Some(p), Some(l)) => Some(p - l),
            _ => None,
        };
        Exposure::compute(
            category,
            row.kind.as_ref().map(AsRef::as_ref),
            row.provider_amount,
            row.ledger_amount,
            row.amount_difference,
            fees,
        )
    }

    /// The exposure from its parts; `fee_difference` is provider fee − ledger fee.
    pub fn compute(
        category: Category,
        kind: Option<&str>,
        provider_amount: Option<Decimal>,
        ledger_amount: Option<Decimal>,
        difference: Option<Decimal>,
        fee_difference: Option<Decimal>,
    ) -> Exposure {
        let debit = kind.map(|k| crate::matching::DEBIT_KINDS.contains(&k));
        let signed = |a: Decimal| match debit {
            Some(true) => -a.abs(),
            Some(false) => a.abs(),
            // No kind: the amount with the sign its side gave it.
            None => a,
        };
        let at_stake = match category {
            Category::AmountMismatch | Category::SummaryMismatch => difference,
            // A day's net with no line: a positive net is money out of the cards.
            Category::SummaryMissing if kind.is_none() => provider_amount.map(|a| -a),
            Category::FeeMismatch => fee_difference,
            _ => provider_amount.or(ledger_amount).map(signed),
        };
        Exposure {
            provider_amount,
            ledger_amount,
            difference,
            at_stake,
        }
    }

    /// An item written before the store kept its exposure: from its evidence (both sides'
    /// amounts), without a fee mismatch's fees, which the evidence does not hold.
    pub fn from_evidence(category: Category, kind: Option<&str>, evidence: &str) -> Exposure {
        let field = |name: &str| {
            evidence
                .split("; ")
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| crate::money::parse(v).ok())
        };
        let (p, l) = (field("provider amount"), field("ledger amount"));
        let difference = p.zip(l).map(|(p, l)| p - l.abs());
        Exposure::compute(category, kind, p, l, difference, None)
    }
}

/// The rows of `rows` whose category `keep`s, in the order a reviewer reads them: by
/// category (the taxonomy's order), then the most at stake first, then as the results have
/// them. A group's members stay together: within a category they follow the single rows, by
/// their group's match id.
pub fn review_order(
    rows: &ResultRows<'_>,
    keep: impl Fn(Category) -> bool,
) -> crate::error::Result<Vec<usize>> {
    let rank = |c: Category| {
        Category::ALL
            .iter()
            .position(|x| *x == c)
            .unwrap_or(usize::MAX)
    };
    type Key<'a> = (usize, Option<&'a str>, std::cmp::Reverse<Decimal>, usize);
    let kept: Vec<usize> = (0..rows.len())
        .filter(|&i| keep(rows.category(i)))
        .collect();
    let mut keyed: Vec<Key<'_>> = Vec::with_capacity(kept.len());
    // A part of the rows at a time, its columns gathered together (`ResultRows::gather`).
    for positions in kept.chunks(super::PART_ROWS) {
        let part = rows.gather(positions)?;
        let part_rows = ResultRows::new(&part)?;
        for (j, &i) in positions.iter().enumerate() {
            let r = part_rows.values_borrowed(j);
            let stake = Exposure::of(&r, r.category)
                .at_stake
                .unwrap_or_default()
                .abs();
            // The group's match id is the result's own column: borrowed from it, not the part.
            let group = r.match_size.and(rows.match_id(i));
            keyed.push((rank(r.category), group, std::cmp::Reverse(stake), i));
        }
    }
    keyed.sort();
    Ok(keyed.into_iter().map(|k| k.3).collect())
}

/// An amount as an integer of 10⁻⁸ units (money is held to eight places), for the page's
/// script to add up exactly (as a BigInt) without binary floating point.
pub fn scaled_text(d: Decimal) -> String {
    let mut x = d;
    x.rescale(crate::money::SCALE);
    x.mantissa().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Option<Decimal> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn what_is_at_stake_is_signed_and_a_mismatch_counts_its_difference() {
        let at = |category, kind, p: &str, l: &str, diff: &str, fee: &str| {
            let opt = |t: &str| (!t.is_empty()).then(|| t.parse::<Decimal>().unwrap());
            Exposure::compute(category, kind, opt(p), opt(l), opt(diff), opt(fee)).at_stake
        };
        // The case: 795.00 against 795.00000001 puts 0.00000001 at stake, not 795.00.
        assert_eq!(
            at(
                Category::AmountMismatch,
                Some("consumption"),
                "795.00",
                "795.00000001",
                "-0.00000001",
                ""
            ),
            d("-0.00000001")
        );
        // Missing purchases are money out, missing refunds money in: they offset.
        assert_eq!(
            at(
                Category::MissingInLedger,
                Some("consumption"),
                "100.00",
                "",
                "",
                ""
            ),
            d("-100.00")
        );
        assert_eq!(
            at(
                Category::MissingInLedger,
                Some("refund"),
                "30.00",
                "",
                "",
                ""
            ),
            d("30.00")
        );
        assert_eq!(
            at(Category::MissingInLedger, Some("fee"), "1.50", "", "", ""),
            d("-1.50")
        );
        // A booking nobody reported: its own sign when no kind says otherwise.
        assert_eq!(
            at(Category::MissingAtProvider, None, "", "-42.00", "", ""),
            d("-42.00")
        );
        assert_eq!(
            at(
                Category::MissingAtProvider,
                Some("recharge"),
                "",
                "-42.00",
                "",
                ""
            ),
            d("42.00")
        );
        // A fee mismatch: the fees' difference.
        assert_eq!(
            at(
                Category::FeeMismatch,
                Some("consumption"),
                "10.00",
                "10.00",
                "0.00",
                "0.25"
            ),
            d("0.25")
        );
        // A status mismatch puts the whole amount at stake.
        assert_eq!(
            at(
                Category::StatusMismatch,
                Some("consumption"),
                "80.00",
                "80.00",
                "0.00",
                ""
            ),
            d("-80.00")
        );
    }

    #[test]
    fn an_item_stored_before_exposure_was_kept_reads_it_from_its_evidence() {
        let e = Exposure::from_evidence(
            Category::AmountMismatch,
            Some("consumption"),
            "category=amount_mismatch; provider amount=100; provider currency=USD; ledger amount=-99.5",
        );
        assert_eq!((e.provider_amount, e.ledger_amount), (d("100"), d("-99.5")));
        assert_eq!((e.difference, e.at_stake), (d("0.5"), d("0.5")));
    }

    #[test]
    fn amounts_scale_to_integers_of_the_eighth_place() {
        assert_eq!(scaled_text("12.34".parse().unwrap()), "1234000000");
        assert_eq!(scaled_text("-0.00000001".parse().unwrap()), "-1");
    }
}
