//! Issue 30, part 1: accepted items as adjusting journal entries (`cardrecon journal`), by the
//! configuration's `[journal]` rules: each rule, a reason no rule covers, JPY and BHD amounts at
//! their minor units, money in booked the other way round, two runs of one period, and an item
//! accepted after the first journal booked in the next one, never twice.

use cardrecon::model::{Kind, ProviderRecord};
use chrono_tz::UTC;

use crate::util::*;

fn record(
    provider: &str,
    tx: &str,
    kind: Kind,
    amount: &str,
    currency: &str,
    day: u32,
) -> ProviderRecord {
    let mut r = rec(
        provider,
        tx,
        amount,
        utc(&format!("2026-03-{day:02} 12:00:00")),
    );
    r.kind = kind;
    r.currency = currency.into();
    r
}

const CONFIG: &str = r#"timezone = "UTC"
[journal]
rounding_account = "6999 Rounding differences"
[[journal.rules]]
reason = "fee_unbooked"
debit = "6810 Card fees"
credit = "1190 Provider clearing {provider}"
[[journal.rules]]
reason = "write_off"
provider = "keysecure"
debit = "6990 Other expenses (keysecure)"
credit = "1190 Provider clearing {provider}"
[[journal.rules]]
reason = "write_off"
debit = "6990 Other expenses"
credit = "1190 Provider clearing {provider}"
"#;

#[test]
fn accepted_items_become_balanced_entries_booked_once() {
    let dir = tempdir();
    let d = dir.path();
    // Five records the ledger does not have, one more the next week.
    let records = vec![
        record("usertrans", "F1", Kind::Fee, "2.50", "USD", 3),
        record("keysecure", "K1", Kind::Consumption, "1500", "JPY", 4),
        record("usertrans", "B1", Kind::Consumption, "12.345", "BHD", 5),
        record("usertrans", "R1", Kind::Refund, "5.00", "USD", 6),
        record("txv3", "T1", Kind::Consumption, "7.00", "USD", 7),
        record("usertrans", "M1", Kind::Fee, "0.99", "USD", 8),
    ];
    let mut p = cardrecon::normalize::provider_frame(&records, UTC).unwrap();
    let provider = d.join("provider_records.parquet");
    cardrecon::normalize::write_parquet(&mut p, &provider).unwrap();
    let ledger = d.join("ledger.csv");
    std::fs::write(
        &ledger,
        "entry_id,provider,tx_id,amount,currency,status,booked_at\nE0,usertrans,X0,1.00,USD,success,2026-03-02T10:00:00Z\n",
    )
    .unwrap();
    let store = format!("sqlite:{}", d.join("recon.db").display());
    let config = d.join("cardrecon.toml");
    std::fs::write(&config, format!("{CONFIG}[store]\nurl = \"{store}\"\n")).unwrap();
    let r = run_reconcile(
        &provider,
        &ledger,
        "2026-03",
        "UTC",
        &d.join("run"),
        &["--store", &store],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let items = run(&["items", "--store", &store, "--format", "csv"]);
    let id = |tx: &str| -> String {
        items
            .stdout
            .lines()
            .find(|l| l.contains(&format!(",{tx},")))
            .and_then(|l| l.split(',').next())
            .unwrap_or_else(|| panic!("no item for {tx}: {}", items.stdout))
            .to_string()
    };
    let accept = |tx: &str, reason: &str, note: &str| {
        let a = run(&[
            "accept",
            "--store",
            &store,
            "--reason",
            reason,
            "--note",
            note,
            "--by",
            "ana",
            &id(tx),
        ]);
        assert_eq!(a.code, 0, "{}", a.stderr);
    };
    accept("F1", "fee_unbooked", "fee not booked");
    accept("K1", "write_off", "below materiality");
    accept("B1", "write_off", "below materiality");
    accept("R1", "write_off", "refund never booked");
    accept("T1", "timing", "books in April");
    let out = d.join("journal");
    let journal = |out: &std::path::Path| {
        let j = run(&[
            "journal",
            "--config",
            config.to_str().unwrap(),
            "--period",
            "2026-03",
            "--out",
            out.to_str().unwrap(),
            "--by",
            "carl",
        ]);
        assert_eq!(j.code, 0, "{}{}", j.stdout, j.stderr);
        j
    };
    let first = journal(&out);
    assert!(
        first
            .stdout
            .starts_with("J-2026-03-001: 4 accepted items booked\n"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("  BHD: debits 12.345 = credits 12.345\n"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("  JPY: debits 1500 = credits 1500\n"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("  USD: debits 7.50 = credits 7.50\n"),
        "{}",
        first.stdout
    );
    let text = std::fs::read_to_string(out.join("journal.csv")).unwrap();
    let expected = format!(
        "journal_id,entry_id,date,account,debit,credit,currency,memo\n\
J-2026-03-001,J-2026-03-001-001,2026-03-31,6990 Other expenses,12.345,,BHD,item {b}: write_off; below materiality; accepted by ana\n\
J-2026-03-001,J-2026-03-001-001,2026-03-31,1190 Provider clearing usertrans,,12.345,BHD,1 accepted item (12.345)\n\
J-2026-03-001,J-2026-03-001-002,2026-03-31,6990 Other expenses (keysecure),1500,,JPY,item {k}: write_off; below materiality; accepted by ana\n\
J-2026-03-001,J-2026-03-001-002,2026-03-31,1190 Provider clearing keysecure,,1500,JPY,1 accepted item (1500)\n\
J-2026-03-001,J-2026-03-001-003,2026-03-31,1190 Provider clearing usertrans,5.00,,USD,item {r}: write_off; refund never booked; accepted by ana; money in: the rule's accounts reversed\n\
J-2026-03-001,J-2026-03-001-003,2026-03-31,6990 Other expenses,,5.00,USD,1 accepted item (5.00)\n\
J-2026-03-001,J-2026-03-001-004,2026-03-31,6810 Card fees,2.50,,USD,item {f}: fee_unbooked; fee not booked; accepted by ana\n\
J-2026-03-001,J-2026-03-001-004,2026-03-31,1190 Provider clearing usertrans,,2.50,USD,1 accepted item (2.50)\n",
        b = id("B1"),
        k = id("K1"),
        r = id("R1"),
        f = id("F1"),
    );
    assert_eq!(text, expected);
    assert_eq!(
        std::fs::read_to_string(out.join("unbooked.csv")).unwrap(),
        format!("item_id,reason,amount,currency,why\n{},timing,-7.00,USD,\"no [[journal.rules]] for reason timing (txv3, consumption)\"\n", id("T1"))
    );
    // Again: the same journal, byte for byte, and nothing booked anew.
    let again_dir = d.join("journal-again");
    let again = journal(&again_dir);
    assert!(
        again.stdout.starts_with("no accepted item to book"),
        "{}",
        again.stdout
    );
    assert_same_file(&out.join("journal.csv"), &again_dir.join("journal.csv"));
    // An item accepted after the journal: the next journal, alone; the first stays as it was.
    accept("M1", "fee_unbooked", "second fee");
    let third_dir = d.join("journal-3");
    let third = journal(&third_dir);
    assert!(
        third
            .stdout
            .starts_with("J-2026-03-002: 1 accepted item booked\n"),
        "{}",
        third.stdout
    );
    let third_text = std::fs::read_to_string(third_dir.join("journal.csv")).unwrap();
    assert!(third_text.starts_with(&expected), "{third_text}");
    assert_eq!(
        &third_text[expected.len()..],
        format!(
            "J-2026-03-002,J-2026-03-002-001,2026-03-31,6810 Card fees,0.99,,USD,item {m}: fee_unbooked; second fee; accepted by ana\n\
J-2026-03-002,J-2026-03-002-001,2026-03-31,1190 Provider clearing usertrans,,0.99,USD,1 accepted item (0.99)\n",
            m = id("M1")
        )
    );
    // Each journal is an event in the chained log.
    let v = run(&["verify-log", "--store", &store]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    // Xero's manual journal import: the code of each account, dd/mm/yyyy, debits positive.
    std::fs::write(
        &config,
        format!(
            "{}[store]\nurl = \"{store}\"\n",
            CONFIG.replace(
                "[journal]\n",
                "[journal]\ntemplate = \"xero\"\ntax_rate = \"No VAT\"\n"
            )
        ),
    )
    .unwrap();
    let xero_dir = d.join("journal-xero");
    journal(&xero_dir);
    let xero = std::fs::read_to_string(xero_dir.join("journal.csv")).unwrap();
    let mut lines = xero.lines();
    assert_eq!(
        lines.next(),
        Some("*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2")
    );
    assert_eq!(
        lines.nth(6),
        Some(format!("cardrecon J-2026-03-001-004,31/03/2026,item {}: fee_unbooked; fee not booked; accepted by ana,6810,No VAT,2.50,,,,", id("F1")).as_str())
    );
    assert_eq!(
        lines.next(),
        Some("cardrecon J-2026-03-001-004,31/03/2026,1 accepted item (2.50),1190,No VAT,-2.50,,,,")
    );
}

#[test]
fn journal_rules_are_checked_by_name() {
    let settings = |t: &str| {
        cardrecon::config::Settings::resolve(
            &toml::from_str::<cardrecon::config::ConfigFile>(t).unwrap(),
            "t.toml",
        )
    };
    for (text, key, words) in [
        ("[journal]\n[[journal.rules]]\nreason = \"lost\"\ndebit = \"1\"\ncredit = \"2\"\n", "journal.rules[0].reason", "`lost` is not a reason code"),
        ("[journal]\n[[journal.rules]]\nreason = \"write_off\"\ncredit = \"2\"\n", "journal.rules[0].debit", "is required"),
        ("[journal]\n[[journal.rules]]\nreason = \"write_off\"\ndebit = \"1\"\ncredit = \"1190 {bank}\"\n", "journal.rules[0].credit", "`{bank}` is not a placeholder"),
        ("[journal]\ndate = \"today\"\n", "journal.date", "`today` is not"),
    ] {
        let e = settings(text).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(words), "{text}: {e}");
    }
}
