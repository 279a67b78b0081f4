//! The links check (refunds and fees against their originals) through the binary: exact
//! findings in `links.csv` and `summary.json`, the exit code, and originals and refunds kept by
//! the store across periods (SQLite and a real PostgreSQL server).

use std::path::{Path, PathBuf};

use cardrecon::model::{Kind, ProviderRecord};

use crate::store::Postgres;
use crate::util::*;

fn refund(tx: &str, of: Option<&str>, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec("keysecure", tx, amount, utc(when));
    r.kind = Kind::Refund;
    r.related_tx_id = of.map(str::to_string);
    r
}

fn fee(tx: &str, of: &str, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec("keysecure", tx, amount, utc(when));
    r.kind = Kind::Fee;
    r.related_tx_id = Some(of.to_string());
    r
}

/// Writes the records as a `provider_records` Parquet table in UTC.
fn table(dir: &Path, name: &str, records: &[ProviderRecord]) -> PathBuf {
    let path = dir.join(format!("{name}.parquet"));
    let mut df = cardrecon::normalize::provider_frame(records, chrono_tz::UTC).unwrap();
    cardrecon::normalize::write_parquet(&mut df, &path).unwrap();
    path
}

/// Books every successful record as matched, so only the links can be findings.
fn ledger_booking(dir: &Path, name: &str, records: &[ProviderRecord], extra: &str) -> PathBuf {
    let mut text =
        String::from("entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\n");
    for r in records
        .iter()
        .filter(|r| r.status == cardrecon::model::Status::Success)
    {
        text.push_str(&format!(
            "L-{},keysecure,{},{},,{},USD,success,{}\n",
            r.tx_id,
            r.kind.as_str(),
            r.tx_id,
            r.amount,
            r.occurred_at.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    text.push_str(extra);
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `(finding, tx_id, related_tx_id, refunds, detail)` of every row of a `links.csv`.
fn findings(out: &Path) -> Vec<(String, String, String, String, String)> {
    read_csv(&out.join("links.csv"))
        .into_iter()
        .map(|r| {
            (
                r[0].clone(),
                r[3].clone(),
                r[4].clone(),
                r[13].clone(),
                r[14].clone(),
            )
        })
        .collect()
}

fn links_summary(out: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    s["links"].clone()
}

#[test]
fn each_finding_exactly_and_nothing_for_refunds_that_sum_to_their_original() {
    let dir = tempdir();
    let records = vec![
        rec("keysecure", "C1", "100.00", utc("2026-03-02 10:00:00")),
        rec("keysecure", "C2", "100.00", utc("2026-03-02 11:00:00")),
        // C1: two partial refunds summing exactly to it: no finding.
        refund("R1", Some("C1"), "60.00", "2026-03-05 10:00:00"),
        refund("R2", Some("C1"), "40.00", "2026-03-06 10:00:00"),
        // C2: one cent above.
        refund("R3", Some("C2"), "60.00", "2026-03-05 12:00:00"),
        refund("R4", Some("C2"), "40.01", "2026-03-06 12:00:00"),
        // A fee on a consumption nobody has, and one on C1.
        fee("F1", "C9", "0.50", "2026-03-07 10:00:00"),
        fee("F2", "C1", "0.50", "2026-03-07 11:00:00"),
        // A refund naming nothing.
        refund("R5", None, "5.00", "2026-03-08 10:00:00"),
        // A refund whose original is only in the ledger (booked in an earlier month's file).
        refund("R6", Some("C7"), "5.00", "2026-03-08 11:00:00"),
        // A failed refund is not checked (C8 is nowhere, and no finding names R7).
        {
            let mut r = refund("R7", Some("C8"), "5.00", "2026-03-09 10:00:00");
            r.status = cardrecon::model::Status::Failed;
            r
        },
    ];
    let p = table(dir.path(), "p", &records);
    let l = ledger_booking(
        dir.path(),
        "l",
        &records,
        "L-C7,keysecure,consumption,C7,,80.00,USD,success,2026-03-01 09:00:00\n",
    );
    let out = dir.path().join("out");
    let r = run_reconcile(&p, &l, "2026-03", "UTC", &out, &[]);
    assert_eq!(
        r.code, 1,
        "link findings are discrepancies for the exit code: {}",
        r.stderr
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // R7 failed and is not booked (informational); C7 is only in the ledger, so the one result
    // discrepancy is its missing_at_provider row.
    assert_eq!(summary["discrepancies"], 1, "{}", summary["by_category"]);
    assert_eq!(summary["by_category"]["missing_at_provider"], 1);
    assert_eq!(
        findings(&out),
        vec![
            (
                "orphan_refund".into(),
                "R5".into(),
                "".into(),
                "".into(),
                "the refund names no original".into()
            ),
            (
                "orphan_fee".into(),
                "F1".into(),
                "C9".into(),
                "".into(),
                "the fee names C9, which is neither among the window's provider records nor in the ledger (no store: earlier periods not searched)".into()
            ),
            (
                "refund_exceeds_original".into(),
                "C2".into(),
                "".into(),
                "R3; R4 (total 100.01)".into(),
                "2 refunds (R3, R4) total 100.01 USD against the original's 100.00 USD: 0.01 above".into()
            ),
        ]
    );
    let links = links_summary(&out);
    assert_eq!(
        links["refunds_checked"], 6,
        "R1-R6; R7 failed and is not checked"
    );
    assert_eq!(links["fees_checked"], 2);
    assert_eq!(
        links["originals_in_provider_records"], 2,
        "C1, C2 (C9 missing)"
    );
    assert_eq!(links["originals_in_ledger"], 1, "C7");
    assert_eq!(links["findings"], 3);
    assert_eq!(links["by_finding"]["orphan_refund"], 1);
    assert_eq!(links["by_finding"]["orphan_fee"], 1);
    assert_eq!(links["by_finding"]["refund_exceeds_original"], 1);
    // The page's links table: amounts right-aligned, the refunds list and the sentence wrapped.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    for cell in [
        r##"<a class="card" href="#sec-links"><span class="label link">Links findings</span><b>3</b></a>"##,
        r#"<h2 id="sec-links">"#,
        r#"<td class="num">100.00</td>"#,
        r#"<td class="text">R3; R4 (total 100.01)</td>"#,
        r#"<td class="words">2 refunds (R3, R4) total 100.01 USD"#,
    ] {
        assert!(page.contains(cell), "{cell}");
    }
    // Same inputs, byte-identical links.csv.
    let again = dir.path().join("again");
    run_reconcile(&p, &l, "2026-03", "UTC", &again, &[]);
    assert_same_file(&out.join("links.csv"), &again.join("links.csv"));
    // explain on a refund shows its original and the other refund, and the finding.
    let e: serde_json::Value = serde_json::from_str(
        &run(&["explain", "--run", out.to_str().unwrap(), "--json", "R3"]).stdout,
    )
    .unwrap();
    let mut related: Vec<&str> = e["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tx_id"].as_str().unwrap())
        .collect();
    related.sort();
    assert_eq!(related, ["C2", "R4"]);
    assert_eq!(e["links"][0]["finding"], "refund_exceeds_original");
    let human = run(&["explain", "--run", out.to_str().unwrap(), "R3"]).stdout;
    assert!(
        human.contains("links: Refunds above original: 2 refunds (R3, R4)"),
        "{human}"
    );
}

#[test]
fn a_month_whose_only_finding_is_a_link_exits_1_and_0_with_exit_zero() {
    let dir = tempdir();
    let records = vec![fee("F1", "C9", "0.50", "2026-03-07 10:00:00")];
    let p = table(dir.path(), "p", &records);
    let l = ledger_booking(dir.path(), "l", &records, "");
    let out = dir.path().join("out");
    let r = run_reconcile(&p, &l, "2026-03", "UTC", &out, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run_reconcile(&p, &l, "2026-03", "UTC", &out, &["--exit-zero"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// February keeps C10 (and a refund of 60 of it) in the store; March's refunds of it are not
/// orphans, and the two months' refunds add up.
fn across_periods(store: &str) {
    let dir = tempdir();
    let feb = vec![
        rec("keysecure", "C10", "100.00", utc("2026-02-10 10:00:00")),
        refund("R11", Some("C10"), "60.00", "2026-02-12 10:00:00"),
    ];
    let mar = vec![
        refund("R12", Some("C10"), "50.00", "2026-03-10 10:00:00"),
        refund("R13", Some("C11"), "5.00", "2026-03-11 10:00:00"),
    ];
    let (pf, lf) = (
        table(dir.path(), "feb", &feb),
        ledger_booking(dir.path(), "feb", &feb, ""),
    );
    let (pm, lm) = (
        table(dir.path(), "mar", &mar),
        ledger_booking(dir.path(), "mar", &mar, ""),
    );
    let with_store = ["--store", store];
    let out_feb = dir.path().join("out-feb");
    let r = run_reconcile(&pf, &lf, "2026-02", "UTC", &out_feb, &with_store);
    assert_eq!(r.code, 0, "February is clean: {}{}", r.stdout, r.stderr);
    // Without the store, March's refund of C10 is an orphan.
    let alone = dir.path().join("out-mar-alone");
    run_reconcile(&pm, &lm, "2026-03", "UTC", &alone, &[]);
    let kinds: Vec<(String, String)> = findings(&alone).into_iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(
        kinds,
        [
            ("orphan_refund".into(), "R12".into()),
            ("orphan_refund".into(), "R13".into())
        ]
    );
    // With it: C10 is February's, and 60 + 50 is above its 100.
    let out = dir.path().join("out-mar");
    let r = run_reconcile(&pm, &lm, "2026-03", "UTC", &out, &with_store);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        findings(&out),
        vec![
            (
                "orphan_refund".into(),
                "R13".into(),
                "C11".into(),
                "".into(),
                "the refund names C11, which is not among the window's provider records, in the ledger, nor in the store's earlier periods".into()
            ),
            (
                "refund_exceeds_original".into(),
                "C10".into(),
                "".into(),
                "R12; R11 (2026-02) (total 110.00)".into(),
                "2 refunds (R12, R11 (2026-02)) total 110.00 USD against the original's 100.00 USD: 10.00 above".into()
            ),
        ]
    );
    let rows = read_csv(&out.join("links.csv"));
    assert_eq!(
        rows[1][12], "store, period 2026-02",
        "where the original was found"
    );
    let links = links_summary(&out);
    assert_eq!(links["earlier_periods_searched"], true);
    assert_eq!(links["originals_in_earlier_periods"], 1);
    // Re-running February replaces its kept records rather than adding to them: March's
    // answer is the same.
    run_reconcile(
        &pf,
        &lf,
        "2026-02",
        "UTC",
        &dir.path().join("out-feb-2"),
        &with_store,
    );
    let again = dir.path().join("out-mar-2");
    run_reconcile(&pm, &lm, "2026-03", "UTC", &again, &with_store);
    assert_same_file(&out.join("links.csv"), &again.join("links.csv"));
}

#[test]
fn a_refund_of_an_earlier_periods_original_on_sqlite() {
    let dir = tempdir();
    across_periods(&format!("sqlite:{}", dir.path().join("s.db").display()));
}

#[test]
fn a_refund_of_an_earlier_periods_original_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    across_periods(&pg.url("links"));
}

/// A provider duplicate of a refund (two records under one id) where only one record carries
/// the link, as keysecure's fetched repeat does: one refund, linked, so no orphan; with no link
/// on either record, one orphan, not two.
#[test]
fn a_provider_duplicate_is_one_refund_for_the_links_check() {
    let dir = tempdir();
    let mut repeat = refund("R9", None, "10.00", "2026-03-05 10:02:00");
    repeat.amount = dec("11.00");
    let mut unlinked_repeat = refund("R8", None, "7.00", "2026-03-06 10:02:00");
    unlinked_repeat.amount = dec("8.00");
    let records = vec![
        rec("keysecure", "C1", "100.00", utc("2026-03-02 10:00:00")),
        refund("R9", Some("C1"), "10.00", "2026-03-05 10:00:00"),
        repeat,
        refund("R8", None, "7.00", "2026-03-06 10:00:00"),
        unlinked_repeat,
    ];
    let p = table(dir.path(), "p", &records);
    let l = ledger_booking(dir.path(), "l", &records[..2], "");
    let out = dir.path().join("out");
    run_reconcile(&p, &l, "2026-03", "UTC", &out, &["--exit-zero"]);
    let kinds: Vec<(String, String)> = findings(&out).into_iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(kinds, [("orphan_refund".to_string(), "R8".to_string())]);
}
