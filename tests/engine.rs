//! The matching engine on hand-built records: every category, precedence, edges, DST.

use chrono::Duration;
use chrono_tz::{America::New_York, Europe::London, UTC};

use crate::util::*;
use cardrecon::model::{Kind, Status};

#[test]
fn edges_of_the_period_at_the_millisecond() {
    // 23:59:59.999 on the last day is in; 00:00:00.000 on the next day is out.
    let z = London;
    let recs = vec![
        rec(
            "keysecure",
            "IN-LAST",
            "10",
            at(z, "2026-03-31 23:59:59.999"),
        ),
        rec(
            "keysecure",
            "OUT-NEXT",
            "10",
            at(z, "2026-04-01 00:00:00.000"),
        ),
        rec(
            "keysecure",
            "IN-FIRST",
            "10",
            at(z, "2026-03-01 00:00:00.000"),
        ),
        rec(
            "keysecure",
            "OUT-PREV",
            "10",
            at(z, "2026-02-28 23:59:59.999"),
        ),
    ];
    let rows = run_engine(&recs, &[], z, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("missing_in_ledger", "IN-FIRST", ""),
            t("missing_in_ledger", "IN-LAST", "")
        ]
    );
    assert_eq!(
        rows.iter()
            .find(|r| r.tx_id.as_deref() == Some("IN-LAST"))
            .unwrap()
            .provider_day,
        Some(day(2026, 3, 31))
    );
}

#[test]
fn timing_differences_both_ways_and_margin_items_stay_silent() {
    let z = London;
    let recs = vec![
        // Provider in the period, booked after it.
        rec("txv3", "A", "10", at(z, "2026-03-31 23:59:59.999")),
        // Provider after the period, booked in it.
        rec("txv3", "B", "20", at(z, "2026-04-01 00:00:00")),
        // Both in the margin: belongs to April, not reported.
        rec("txv3", "C", "30", at(z, "2026-04-02 12:00:00")),
        // Margin only at the provider, no entry: not reported either.
        rec("txv3", "D", "40", at(z, "2026-02-27 12:00:00")),
        // Both in the period on different days: matched, not a timing difference.
        rec("txv3", "E", "50", at(z, "2026-03-10 23:59:00")),
    ];
    let entries = vec![
        entry("L1", "txv3", "A", "10", at(z, "2026-04-01 00:00:00.250")),
        entry("L2", "txv3", "B", "20", at(z, "2026-03-31 23:59:59")),
        entry("L3", "txv3", "C", "30", at(z, "2026-04-02 12:00:05")),
        entry("L4", "txv3", "X", "40", at(z, "2026-04-03 09:00:00")),
        entry("L5", "txv3", "E", "50", at(z, "2026-03-11 00:01:00")),
    ];
    let rows = run_engine(&recs, &entries, z, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("matched", "E", "L5"),
            t("timing_difference", "A", "L1"),
            t("timing_difference", "B", "L2")
        ]
    );
    let a = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("A"))
        .unwrap();
    assert_eq!(
        (a.provider_day, a.ledger_day),
        (Some(day(2026, 3, 31)), Some(day(2026, 4, 1)))
    );
    assert!(a.detail.contains("cut-off"), "{}", a.detail);
}

#[test]
fn duplicates_on_both_sides_earliest_is_primary() {
    let z = UTC;
    let base = utc("2026-03-10 10:00:00");
    let mut repeat = rec("cardapp", "T1", "12.00", base + Duration::minutes(2));
    repeat.source = "cardapp/t.jsonl:2".into();
    let recs = vec![
        repeat,                              // later, listed first: still the duplicate
        rec("cardapp", "T1", "11.00", base), // earliest: the primary
        rec("cardapp", "T2", "5.00", base),
    ];
    let entries = vec![
        entry("L9", "cardapp", "T2", "5.00", base + Duration::minutes(5)), // later: the double booking
        entry("L8", "cardapp", "T2", "5.00", base),
        entry("L7", "cardapp", "T1", "11.00", base),
    ];
    let rows = run_engine(&recs, &entries, z, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("duplicate_at_provider", "T1", ""),
            t("duplicate_in_ledger", "T2", "L9"),
            t("matched", "T1", "L7"),
            t("matched", "T2", "L8"),
        ]
    );
    let dup = rows
        .iter()
        .find(|r| r.category.as_str() == "duplicate_at_provider")
        .unwrap();
    assert_eq!(
        cardrecon::money::format(dup.provider_amount.unwrap()),
        "12.00"
    );
}

#[test]
fn identical_repeats_are_dropped_not_reported() {
    let when = utc("2026-03-10 10:00:00");
    let a = rec("txv3", "T1", "1", when);
    let mut b = a.clone();
    b.source = "txv3/page-2.jsonl:1".into();
    let kept = cardrecon::normalize::drop_identical_repeats(vec![
        a.clone(),
        b,
        rec("txv3", "T1", "2", when),
    ]);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0], a);
    // A repeat of the second record of an id (not the first) is dropped too; order is kept.
    let two = rec("txv3", "T1", "2", when);
    let mut two_again = two.clone();
    two_again.source = "txv3/page-3.jsonl:7".into();
    let other = rec("txv3", "T2", "5", when);
    let kept = cardrecon::normalize::drop_identical_repeats(vec![
        a.clone(),
        two.clone(),
        two_again,
        other.clone(),
        a.clone(),
    ]);
    assert_eq!(kept, vec![a, two, other]);
}

#[test]
fn mismatches_with_precedence_and_every_difference_named() {
    let z = UTC;
    let w = utc("2026-03-15 12:00:00");
    let mut failed = rec("usertrans", "S", "10", w);
    failed.status = Status::Failed;
    let mut eur = rec("usertrans", "C", "10", w);
    eur.currency = "EUR".into();
    let mut with_fee = rec("usertrans", "F", "10", w);
    with_fee.fee = Some(dec("1.00"));
    // Status, currency and amount all differ: status wins, detail names all three.
    let mut all_three = rec("usertrans", "ALL", "10", w);
    all_three.status = Status::Reversed;
    all_three.currency = "EUR".into();
    let recs = vec![
        failed,
        eur,
        rec("usertrans", "A", "100", w),
        rec("usertrans", "Z", "100.00000000", w),
        with_fee,
        all_three,
        rec("usertrans", "NEG", "10", w),
    ];
    let mut entries = vec![
        entry("L1", "usertrans", "S", "10", w),
        entry("L2", "usertrans", "C", "10", w),
        entry("L3", "usertrans", "A", "99.99", w),
        entry("L4", "usertrans", "Z", "100", w),
        entry("L5", "usertrans", "F", "10", w),
        entry("L6", "usertrans", "ALL", "11", w),
        entry("L7", "usertrans", "NEG", "-10", w),
    ];
    entries[1].currency = "usd".to_uppercase();
    entries[4].fee = Some(dec("1.50"));
    let rows = run_engine(&recs, &entries, z, &options("2026-03"));
    assert_eq!(
        triples(&rows),
        vec![
            t("amount_mismatch", "A", "L3"),
            t("currency_mismatch", "C", "L2"),
            t("fee_mismatch", "F", "L5"),
            t("matched", "NEG", "L7"),
            t("matched", "Z", "L4"),
            t("status_mismatch", "ALL", "L6"),
            t("status_mismatch", "S", "L1"),
        ]
    );
    let all = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("ALL"))
        .unwrap();
    assert!(
        all.detail
            .contains("status: provider reversed, ledger success"),
        "{}",
        all.detail
    );
    assert!(
        all.detail.contains("currency: provider EUR, ledger USD"),
        "{}",
        all.detail
    );
    assert!(
        all.detail
            .contains("amount: provider 10.00, ledger 11.00 (difference -1.00)"),
        "{}",
        all.detail
    );
    let a = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("A"))
        .unwrap();
    assert_eq!(
        cardrecon::money::format(a.amount_difference.unwrap()),
        "0.01"
    );
}

#[test]
fn tolerance_and_signed_ledgers() {
    let w = utc("2026-03-15 12:00:00");
    let mut refund = rec("txv3", "R", "5", w);
    refund.kind = Kind::Refund;
    let recs = vec![
        rec("txv3", "A", "100", w),
        rec("txv3", "B", "100", w),
        refund,
        rec("txv3", "D", "7", w),
    ];
    let entries = vec![
        entry("L1", "txv3", "A", "-100.01", w),
        entry("L2", "txv3", "B", "-100.02", w),
        entry("L3", "txv3", "R", "-5", w),
        entry("L4", "txv3", "D", "7", w),
    ];
    let mut o = options("2026-03");
    o.amount_tolerance = cardrecon::matching::Tolerance::absolute(dec("0.01"));
    let rows = run_engine(&recs, &entries, UTC, &o);
    assert_eq!(
        triples(&rows),
        vec![
            t("amount_mismatch", "B", "L2"),
            t("matched", "A", "L1"),
            t("matched", "D", "L4"),
            t("matched", "R", "L3")
        ]
    );
    o.signed_ledger = true;
    let rows = run_engine(&recs, &entries, UTC, &o);
    assert_eq!(
        triples(&rows),
        vec![
            t("amount_mismatch", "B", "L2"),
            t("amount_mismatch", "D", "L4"),
            t("amount_mismatch", "R", "L3"),
            t("matched", "A", "L1"),
        ]
    );
    let r = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("R"))
        .unwrap();
    assert!(
        r.detail.contains("sign: a refund booked as a debit"),
        "{}",
        r.detail
    );
}

#[test]
fn unmatched_by_provider_status_and_order_id_matching() {
    let w = utc("2026-03-15 12:00:00");
    let mut failed = rec("cardapp", "F", "1", w);
    failed.status = Status::Failed;
    let mut reversed = rec("cardapp", "R", "1", w);
    reversed.status = Status::Reversed;
    let mut pending = rec("cardapp", "P", "1", w);
    pending.status = Status::Pending;
    let mut unknown = rec("cardapp", "U", "1", w);
    unknown.status = Status::Unknown;
    unknown.status_raw = "7".into();
    let mut by_order = rec("cardapp", "OD1", "25", w);
    by_order.order_id = Some("MO-1".into());
    let recs = vec![
        failed,
        reversed,
        pending,
        unknown,
        by_order,
        rec("keysecure", "SAME-ID", "3", w),
    ];
    let mut ghost = entry("L1", "cardapp", "GHOST", "9", w);
    ghost.fee = Some(dec("0.10"));
    let mut order_entry = entry("L2", "cardapp", "", "25", w);
    order_entry.order_id = Some("MO-1".into());
    // Same tx id but booked against another provider: no match.
    let wrong_provider = entry("L3", "txv3", "SAME-ID", "3", w);
    let mut no_provider = entry("L4", "x", "F", "1", w);
    no_provider.provider = None;
    no_provider.status = Status::Failed;
    let rows = run_engine(
        &recs,
        &[ghost, order_entry, wrong_provider, no_provider],
        UTC,
        &options("2026-03"),
    );
    assert_eq!(
        triples(&rows),
        vec![
            t("failed_not_booked", "R", ""),
            t("matched", "F", "L4"),
            t("matched", "OD1", "L2"),
            t("missing_at_provider", "GHOST", "L1"),
            t("missing_at_provider", "SAME-ID", "L3"),
            t("missing_in_ledger", "SAME-ID", ""),
            t("missing_in_ledger", "U", ""),
            t("pending_not_booked", "P", ""),
        ]
    );
    let od = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("OD1"))
        .unwrap();
    assert!(
        od.detail.contains("matched on order_id MO-1"),
        "{}",
        od.detail
    );
    let u = rows
        .iter()
        .find(|r| r.tx_id.as_deref() == Some("U"))
        .unwrap();
    assert!(u.detail.contains("`7`"), "{}", u.detail);
}

#[test]
fn new_york_dst_month_days_are_local() {
    // 2026-03-08 is 23 hours long in New York; 2026-11-01 is 25 hours long.
    let z = New_York;
    let recs = vec![
        rec("txv3", "SPRING-LATE", "1", at(z, "2026-03-08 23:30:00")),
        rec("txv3", "FALL-LATE", "1", at(z, "2026-11-01 23:30:00")),
        rec("txv3", "FALL-REPEAT", "1", at(z, "2026-11-01 01:30:00")),
    ];
    let entries = vec![
        entry(
            "L1",
            "txv3",
            "SPRING-LATE",
            "1",
            at(z, "2026-03-08 23:45:00"),
        ),
        entry("L2", "txv3", "FALL-LATE", "1", at(z, "2026-11-01 23:59:00")),
    ];
    let march = run_engine(&recs, &entries, z, &options("2026-03"));
    assert_eq!(triples(&march), vec![t("matched", "SPRING-LATE", "L1")]);
    assert_eq!(march[0].provider_day, Some(day(2026, 3, 8)));
    // In UTC that record is on 2026-03-09: the zone decides the day.
    assert_eq!(
        march[0].provider_time.unwrap().date_naive(),
        day(2026, 3, 9)
    );
    let nov = run_engine(&recs, &entries, z, &options("2026-11"));
    assert_eq!(
        triples(&nov),
        vec![
            t("matched", "FALL-LATE", "L2"),
            t("missing_in_ledger", "FALL-REPEAT", "")
        ]
    );
    // A period of exactly the 25-hour day.
    let one_day = run_engine(&recs, &entries, z, &options("2026-11-01..2026-11-01"));
    assert_eq!(one_day.len(), 2);
}

#[test]
fn london_dst_month_edges() {
    // British Summer Time starts 2026-03-29; the month ends at 2026-03-31T23:00:00Z.
    let z = London;
    let recs = vec![
        rec(
            "keysecure",
            "BST-LAST",
            "1",
            cardrecon::period::local_to_utc(
                day(2026, 3, 31).and_hms_milli_opt(23, 59, 59, 999).unwrap(),
                z,
            ),
        ),
        rec("keysecure", "UTC-SAME-DAY", "1", utc("2026-03-31 23:30:00")),
    ];
    let rows = run_engine(&recs, &[], z, &options("2026-03"));
    // 23:30 UTC on the 31st is 00:30 BST on 1 April: outside March in London.
    assert_eq!(triples(&rows), vec![t("missing_in_ledger", "BST-LAST", "")]);
    assert_eq!(
        rows[0].provider_time.unwrap().to_rfc3339(),
        "2026-03-31T22:59:59.999+00:00"
    );
    assert_eq!(
        cardrecon::report::format_time(rows[0].provider_time.unwrap(), z),
        "2026-03-31T23:59:59.999+01:00"
    );
}

#[test]
fn every_item_in_exactly_one_row() {
    let w = utc("2026-03-15 12:00:00");
    let recs: Vec<_> = (0..50)
        .map(|i| rec("txv3", &format!("T{i}"), "1", w + Duration::minutes(i)))
        .collect();
    let entries: Vec<_> = (25..80)
        .map(|i| entry(&format!("L{i}"), "txv3", &format!("T{i}"), "1", w))
        .collect();
    let rows = run_engine(&recs, &entries, UTC, &options("2026-03"));
    let pairs = rows
        .iter()
        .filter(|r| r.provider_amount.is_some() && r.ledger_entry_id.is_some())
        .count();
    assert_eq!((rows.len(), pairs), (80, 25));
    assert_eq!(
        rows.iter()
            .filter(|r| r.category.as_str() == "missing_in_ledger")
            .count(),
        25
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.category.as_str() == "missing_at_provider")
            .count(),
        30
    );
}
