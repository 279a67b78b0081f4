//! Property tests (proptest): the engine's categories equal randomly injected differences;
//! decimal text round-trips; accounting days agree with a reference built from day boundaries.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rust_decimal::Decimal;

use cardrecon::model::Status;
use cardrecon::period::{accounting_day, local_to_utc};

use crate::util::*;

/// What is done to the ledger side of one provider record.
#[derive(Debug, Clone, Copy)]
enum Inject {
    None,
    Amount,
    Currency,
    Status,
    Fee,
    MissingInLedger,
    MissingAtProvider,
    DuplicateInLedger,
    DuplicateAtProvider,
    Timing,
}

fn inject() -> impl Strategy<Value = Inject> {
    prop_oneof![
        4 => Just(Inject::None),
        1 => Just(Inject::Amount),
        1 => Just(Inject::Currency),
        1 => Just(Inject::Status),
        1 => Just(Inject::Fee),
        1 => Just(Inject::MissingInLedger),
        1 => Just(Inject::MissingAtProvider),
        1 => Just(Inject::DuplicateInLedger),
        1 => Just(Inject::DuplicateAtProvider),
        1 => Just(Inject::Timing),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn engine_categories_equal_the_injected_differences(
        items in prop::collection::vec((inject(), 1i64..10_000_000, 0i64..(25 * 86_400), 1i64..5_000), 1..60)
    ) {
        let base = utc("2026-03-03 00:00:00");
        let mut records = Vec::new();
        let mut entries = Vec::new();
        let mut expected = Vec::new();
        for (i, (what, cents, offset, delta)) in items.iter().enumerate() {
            let tx = format!("T{i:04}");
            let e = format!("E{i:04}");
            let amount = Decimal::new(*cents, 2).to_string();
            let mut when = base + Duration::seconds(*offset);
            let mut booked = when + Duration::seconds(90);
            if let Inject::Timing = what {
                // Provider on the period's last day, ledger on the next.
                when = utc("2026-03-31 23:58:00");
                booked = utc("2026-04-01 00:03:00");
            }
            let r = rec("txv3", &tx, &amount, when);
            let mut l = entry(&e, "txv3", &tx, &amount, booked);
            let category = match what {
                Inject::None => "matched",
                Inject::Amount => { l.amount += Decimal::new(*delta, 2); "amount_mismatch" }
                Inject::Currency => { l.currency = "EUR".into(); "currency_mismatch" }
                Inject::Status => { l.status = Status::Failed; "status_mismatch" }
                Inject::Fee => { l.fee = Some(Decimal::new(*delta, 2)); "fee_mismatch" }
                Inject::MissingInLedger => "missing_in_ledger",
                Inject::MissingAtProvider => "missing_at_provider",
                Inject::DuplicateInLedger => {
                    let mut d = entry(&format!("{e}d"), "txv3", &tx, &amount, booked + Duration::seconds(60));
                    d.source = format!("ledger.csv:{e}d");
                    entries.push(d);
                    expected.push(t("duplicate_in_ledger", &tx, &format!("{e}d")));
                    "matched"
                }
                Inject::DuplicateAtProvider => {
                    let d = rec("txv3", &tx, &Decimal::new(*cents + delta, 2).to_string(), when + Duration::seconds(30));
                    records.push(d);
                    expected.push(t("duplicate_at_provider", &tx, ""));
                    "matched"
                }
                Inject::Timing => "timing_difference",
            };
            match what {
                Inject::MissingInLedger => { records.push(r); expected.push(t(category, &tx, "")); }
                Inject::MissingAtProvider => { entries.push(l); expected.push(t(category, &tx, &e)); }
                _ => { records.push(r); entries.push(l); expected.push(t(category, &tx, &e)); }
            }
        }
        expected.sort();
        let rows = run_engine(&records, &entries, chrono_tz::UTC, &options("2026-03"));
        prop_assert_eq!(triples(&rows), expected);
    }

    #[test]
    fn decimal_text_round_trips(whole in -(10i128.pow(20) - 1)..10i128.pow(20), frac in 0i128..10i128.pow(8), scale in 0u32..=8) {
        // Every amount the parser accepts: up to 20 integer digits and 8 places.
        let places = frac / 10i128.pow(8 - scale);
        let mantissa = whole * 10i128.pow(scale) + if whole < 0 { -places } else { places };
        let d = Decimal::from_i128_with_scale(mantissa, scale);
        let text = cardrecon::money::format(d);
        let back = cardrecon::money::parse(&text).unwrap();
        prop_assert_eq!(back, d);
        prop_assert_eq!(cardrecon::money::to_units(back), cardrecon::money::to_units(d));
        // Plain decimal text: no exponent, no separators, at least two places.
        prop_assert!(!text.contains(['e', 'E', ',']));
        prop_assert!(text.split_once('.').is_some_and(|(_, f)| f.len() >= 2), "{}", text);
    }

    #[test]
    fn amounts_beyond_twenty_integer_digits_are_refused(extra in 1usize..12, lead in 1u8..=9) {
        let text = format!("{lead}{}", "0".repeat(19 + extra));
        let err = cardrecon::money::parse(&text).unwrap_err();
        prop_assert!(err.contains("out of range"), "{}", err);
    }

    #[test]
    fn the_day_cutter_gives_accounting_days_exactly(
        base in -2_208_988_800i64..4_102_444_800,
        steps in prop::collection::vec(-200_000i64..200_000, 1..300),
        zone in 0usize..chrono_tz::TZ_VARIANTS.len(),
    ) {
        // Many instants near one another through one cutter (its cache in use), in every zone,
        // against the per-instant lookup.
        let zone: Tz = chrono_tz::TZ_VARIANTS[zone];
        let mut cut = cardrecon::period::DayCutter::new(zone);
        let mut t = base;
        for s in steps {
            t += s;
            let at = DateTime::<Utc>::from_timestamp(t, 0).unwrap();
            prop_assert_eq!(
                cut.day(at),
                cardrecon::period::epoch_days(accounting_day(at, zone)),
                "{} in {}", at, zone.name()
            );
        }
    }

    #[test]
    fn accounting_day_agrees_with_day_boundaries(secs in 0i64..4_102_444_800, zone in 0usize..chrono_tz::TZ_VARIANTS.len()) {
        let zone: Tz = chrono_tz::TZ_VARIANTS[zone];
        let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
        // Reference: the local day whose first instant is at or before t and whose next day's
        // first instant is after it (days of 23 or 25 hours included).
        let start = |d: NaiveDate| local_to_utc(d.and_hms_opt(0, 0, 0).unwrap(), zone);
        let guess = t.date_naive();
        let reference = [guess - Duration::days(1), guess, guess + Duration::days(1)]
            .into_iter()
            .find(|d| start(*d) <= t && t < start(*d + Duration::days(1)));
        prop_assert_eq!(Some(accounting_day(t, zone)), reference, "{} in {}", t, zone.name());
    }
}
