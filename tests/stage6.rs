//! Stage 6 on hand-built records: tolerances per currency and relative, groups (one to many,
//! many to one) decided before each key's pairing, and suggestions unique both ways.

use chrono_tz::UTC;

use crate::util::*;
use cardrecon::matching::Tolerance;
use cardrecon::model::{LedgerEntry, ProviderRecord};

fn ordered(provider: &str, tx: &str, order: &str, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec(provider, tx, amount, utc(when));
    r.order_id = Some(order.into());
    r
}

fn booked(id: &str, tx: &str, order: &str, amount: &str, when: &str) -> LedgerEntry {
    let mut e = entry(id, "txv3", tx, amount, utc(when));
    e.order_id = (!order.is_empty()).then(|| order.to_string());
    e
}

#[test]
fn split_captures_of_two_and_three_match_one_booking_as_groups() {
    let recs = vec![
        ordered("txv3", "C1", "O-2", "60.00", "2026-03-10 10:00:00"),
        ordered("txv3", "C2", "O-2", "40.00", "2026-03-10 10:05:00"),
        ordered("txv3", "D1", "O-3", "20.00", "2026-03-11 10:00:00"),
        ordered("txv3", "D2", "O-3", "30.00", "2026-03-11 10:01:00"),
        ordered("txv3", "D3", "O-3", "50.00", "2026-03-11 10:02:00"),
    ];
    let entries = vec![
        booked("L-2", "", "O-2", "100.00", "2026-03-10 12:00:00"),
        booked("L-3", "", "O-3", "100.00", "2026-03-11 12:00:00"),
    ];
    let rows = run_engine(&recs, &entries, UTC, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("matched", "C1", "L-2"),
            t("matched", "C2", ""),
            t("matched", "D1", "L-3"),
            t("matched", "D2", ""),
            t("matched", "D3", ""),
        ]
    );
    let two = row(&rows, "C2", "");
    assert_eq!(two.match_size, Some(2));
    assert_eq!(two.match_id, row(&rows, "C1", "L-2").match_id);
    assert!(
        two.detail
            .contains("group of 2 on order_id O-2: the parts sum to 100.00"),
        "{}",
        two.detail
    );
    let three = row(&rows, "D3", "");
    assert_eq!(three.match_size, Some(3));
    assert!(
        three.detail.contains("group of 3 on order_id O-3"),
        "{}",
        three.detail
    );
    assert_ne!(three.match_id, two.match_id);
    // A group's rows are kept together, in the group's order.
    let order: Vec<&str> = rows
        .iter()
        .map(|r| r.tx_id.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(order, ["C1", "C2", "D1", "D2", "D3"]);
    // Group rows show no pairwise difference: the comparison made is the sum's.
    assert_eq!(row(&rows, "C1", "L-2").amount_difference, None);
}

#[test]
fn one_record_against_a_booking_in_parts_on_tx_id_and_on_order_id() {
    let recs = vec![
        ordered("txv3", "T9", "O-9", "100.00", "2026-03-12 09:00:00"),
        ordered("txv3", "T8", "O-8", "50.00", "2026-03-12 09:30:00"),
    ];
    let entries = vec![
        booked("L-91", "T9", "", "70.00", "2026-03-12 10:00:00"),
        booked("L-92", "T9", "", "30.00", "2026-03-12 10:01:00"),
        booked("L-81", "", "O-8", "20.00", "2026-03-12 11:00:00"),
        booked("L-82", "", "O-8", "30.00", "2026-03-12 11:01:00"),
    ];
    let rows = run_engine(&recs, &entries, UTC, &options("2026-03"));
    let mut got: Vec<(String, String, String, Option<u32>)> = rows
        .iter()
        .map(|r| {
            (
                r.category.as_str().into(),
                r.tx_id.clone().unwrap_or_default(),
                r.ledger_entry_id.clone().unwrap_or_default(),
                r.match_size,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("matched", "T8", "L-81", Some(2)),
            ("matched", "T9", "L-91", Some(2)),
            // The second parts carry the entry's own keys: the order id, the tx id.
            ("matched", "T9", "L-92", Some(2)),
            ("matched", "", "L-82", Some(2)),
        ]
        .into_iter()
        .map(|(a, b, c, d): (&str, &str, &str, Option<u32>)| (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            d
        ))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    assert!(row(&rows, "T9", "L-92")
        .detail
        .contains("group of 2 on tx_id T9"));
}

#[test]
fn a_group_one_cent_off_is_not_a_group_unless_the_tolerance_allows_it() {
    let recs = vec![
        ordered("txv3", "C1", "O-5", "60.00", "2026-03-10 10:00:00"),
        ordered("txv3", "C2", "O-5", "40.01", "2026-03-10 10:05:00"),
    ];
    let entries = vec![booked("L-5", "", "O-5", "100.00", "2026-03-10 12:00:00")];
    let mut o = options("2026-03");
    o.loose.suggest_window_days = None;
    let rows = run_engine(&recs, &entries, UTC, &o);
    // Today's rules, unchanged: the first part pairs on the order id, the rest is missing.
    assert_eq!(
        triples(&rows),
        vec![
            t("amount_mismatch", "C1", "L-5"),
            t("missing_in_ledger", "C2", "")
        ]
    );
    o.amount_tolerance = Tolerance::absolute(dec("0.01"));
    let rows = run_engine(&recs, &entries, UTC, &o);
    assert_eq!(
        triples(&rows),
        vec![t("matched", "C1", "L-5"), t("matched", "C2", "")]
    );
}

#[test]
fn a_double_booking_of_the_same_amount_stays_a_duplicate() {
    let recs = vec![ordered("txv3", "T1", "O-1", "50.00", "2026-03-10 10:00:00")];
    let entries = vec![
        booked("L-1", "T1", "O-1", "50.00", "2026-03-10 11:00:00"),
        booked("L-2", "T1", "O-1", "50.00", "2026-03-10 11:05:00"),
    ];
    let rows = run_engine(&recs, &entries, UTC, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("duplicate_in_ledger", "T1", "L-2"),
            t("matched", "T1", "L-1")
        ]
    );
    assert!(rows.iter().all(|r| r.match_size.is_none()));
}

#[test]
fn tolerances_per_currency_and_relative_are_named_in_the_detail() {
    let mut yen = rec("txv3", "J1", "1000.40", utc("2026-03-10 10:00:00"));
    yen.currency = "JPY".into();
    let mut yen_entry = entry("L-J", "txv3", "J1", "1000", utc("2026-03-10 11:00:00"));
    yen_entry.currency = "JPY".into();
    let recs = vec![
        yen,
        rec("txv3", "U1", "10.40", utc("2026-03-10 10:00:00")),
        rec("txv3", "R1", "200.00", utc("2026-03-10 10:00:00")),
        rec("txv3", "R2", "100.00", utc("2026-03-10 10:00:00")),
    ];
    let entries = vec![
        yen_entry,
        entry("L-U", "txv3", "U1", "10", utc("2026-03-10 11:00:00")),
        entry("L-R1", "txv3", "R1", "200.15", utc("2026-03-10 11:00:00")),
        entry("L-R2", "txv3", "R2", "100.15", utc("2026-03-10 11:00:00")),
    ];
    let mut o = options("2026-03");
    o.amount_tolerance = Tolerance {
        absolute: dec("0"),
        relative: dec("0.001"),
        currency: [("JPY".to_string(), dec("1"))].into(),
    };
    let rows = run_engine(&recs, &entries, UTC, &o);
    assert_eq!(
        triples(&rows),
        vec![
            t("amount_mismatch", "R2", "L-R2"),
            t("amount_mismatch", "U1", "L-U"),
            t("matched", "J1", "L-J"),
            t("matched", "R1", "L-R1"),
        ]
    );
    // JPY: 1 + 0.1% of 1000.40 = 2.0004.
    let j = &row(&rows, "J1", "L-J").detail;
    assert_eq!(j, "amount within the tolerance 2.0004 (difference 0.40)");
    assert_eq!(
        row(&rows, "R1", "L-R1").detail,
        "amount within the tolerance 0.20 (difference -0.15)"
    );
    assert_eq!(
        row(&rows, "R2", "L-R2").detail,
        "amount: provider 100.00, ledger 100.15 (difference -0.15, beyond the tolerance 0.10)"
    );
}

#[test]
fn a_unique_loose_candidate_is_suggested_and_an_ambiguous_one_is_not() {
    let recs = vec![
        rec("txv3", "T-A", "42.00", utc("2026-03-10 10:00:00")),
        rec("txv3", "T-B", "55.00", utc("2026-03-12 10:00:00")),
        // Too far apart in time for a suggestion (4 days).
        rec("txv3", "T-C", "77.00", utc("2026-03-20 10:00:00")),
    ];
    let entries = vec![
        entry(
            "L-A",
            "txv3",
            "T-A-typo",
            "42.00",
            utc("2026-03-11 09:30:00"),
        ),
        entry("L-B1", "txv3", "X1", "55.00", utc("2026-03-12 11:00:00")),
        entry("L-B2", "txv3", "X2", "55.00", utc("2026-03-13 11:00:00")),
        entry("L-C", "txv3", "X3", "77.00", utc("2026-03-24 10:00:01")),
    ];
    let rows = run_engine(&recs, &entries, UTC, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("missing_at_provider", "X1", "L-B1"),
            t("missing_at_provider", "X2", "L-B2"),
            t("missing_at_provider", "X3", "L-C"),
            t("missing_in_ledger", "T-B", ""),
            t("missing_in_ledger", "T-C", ""),
            t("suggested_match", "T-A", "L-A"),
        ]
    );
    let s = row(&rows, "T-A", "L-A");
    assert!(s.category.is_discrepancy());
    assert!(s.match_id.is_some());
    assert_eq!(
        s.detail,
        "suggested match, for a person to confirm or reject: same provider and currency, amounts 42.00 and 42.00, 23 h 30 min apart; nothing links them by key"
    );
    assert!(
        row(&rows, "T-B", "").detail.contains("2 loose candidates"),
        "{}",
        row(&rows, "T-B", "").detail
    );
    assert!(row(&rows, "X1", "L-B1")
        .detail
        .contains("1 loose candidate within"));
    assert!(!row(&rows, "X3", "L-C").detail.contains("candidate"));
    // Off, as the oracle runs: no suggestion.
    let mut o = options("2026-03");
    o.loose = cardrecon::matching::Loose::off();
    let rows = run_engine(&recs, &entries, UTC, &o);
    assert_eq!(row(&rows, "T-A", "").category.as_str(), "missing_in_ledger");
}
