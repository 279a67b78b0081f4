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
    let store = format!("sqlite:{}", dir.path().join("recon.db").display());
    journal_flow(dir.path(), &store);
}

/// The same on a real PostgreSQL store: the bookings frozen there, the same bytes.
#[test]
fn accepted_items_become_balanced_entries_booked_once_on_postgres() {
    let Some(pg) = crate::store::Postgres::start() else {
        return;
    };
    let dir = tempdir();
    journal_flow(dir.path(), &pg.url("journal"));
}

fn journal_flow(d: &std::path::Path, store: &str) {
    let store = store.to_string();
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

/// Issue 30, part 2: the close pack of a closed period is the same bytes every time it is made
/// (folder and archive), holds its files and their SHA-256, and `verify-log --pack` finds a
/// changed file, an edited event and a store rewritten since. An open period has no pack.
#[test]
fn the_close_pack_is_the_same_bytes_every_time_and_proves_itself() {
    let dir = tempdir();
    let store = format!("sqlite:{}", dir.path().join("recon.db").display());
    pack_flow(dir.path(), &store);
}

/// The same on a real PostgreSQL store.
#[test]
fn the_close_pack_of_a_postgres_store_is_the_same_bytes_every_time() {
    let Some(pg) = crate::store::Postgres::start() else {
        return;
    };
    let dir = tempdir();
    pack_flow(dir.path(), &pg.url("pack"));
}

fn pack_flow(d: &std::path::Path, store: &str) {
    let store = store.to_string();
    let data = d.join("data");
    let g = run_generate(&data, "300", &["--seed", "6"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let runs = d.join("runs");
    let out = d.join("out");
    let r = reconcile_month(&data, &out, &["--store", &store]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    // The run's directory where `close-pack` looks for it: <runs>/<period>/<run-id>/.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run_id: String = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&store).await.unwrap();
        let id: String = sqlx::query_scalar("SELECT run_id FROM runs")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        id
    });
    std::fs::create_dir_all(runs.join("2026-03")).unwrap();
    std::fs::rename(&out, runs.join("2026-03").join(&run_id)).unwrap();
    let first = first_item_id(&store);
    let a = run(&[
        "accept",
        "--store",
        &store,
        "--reason",
        "write_off",
        "--note",
        "=SUM(A1) is text",
        "--by",
        "ana",
        &first,
    ]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let pack = |name: &str| {
        run(&[
            "close-pack",
            "--store",
            &store,
            "--period",
            "2026-03",
            "--runs",
            runs.to_str().unwrap(),
            "--out",
            d.join(name).to_str().unwrap(),
        ])
    };
    let open = pack("too-early");
    assert_eq!(open.code, 2, "{}", open.stdout);
    assert!(open.stderr.contains("is not closed"), "{}", open.stderr);
    let c = run(&[
        "close-period",
        "--store",
        &store,
        "2026-03",
        "--force",
        "--note",
        "signed",
        "--by",
        "carl",
    ]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let one = pack("pack-1");
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(
        one.stdout.contains("closed by carl") && one.stdout.contains("1 decisions, "),
        "{}",
        one.stdout
    );
    // Made again: every file, and the archive, the same bytes.
    let two = pack("pack-2");
    assert_eq!(two.code, 0, "{}", two.stderr);
    let names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(d.join("pack-1"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names,
        // A reconcile's directory has no manifest.json (a `run`'s has, and the pack takes it).
        [
            "close.xlsx",
            "decisions.csv",
            "events.csv",
            "events.jsonl",
            "journal.csv",
            "pack-manifest.json",
            "report.xlsx",
            "summary.json"
        ]
    );
    for n in &names {
        let (a, b) = (d.join("pack-1").join(n), d.join("pack-2").join(n));
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{n} differs"
        );
    }
    // The archive holds the folder's files; the two archives differ only by the folder's name.
    let entries = |zip: &str| {
        let mut a = zip::ZipArchive::new(std::fs::File::open(d.join(zip)).unwrap()).unwrap();
        (0..a.len())
            .map(|i| a.by_index(i).unwrap().name().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        entries("pack-1.zip"),
        names
            .iter()
            .map(|n| format!("pack-1/{n}"))
            .collect::<Vec<_>>()
    );
    std::fs::rename(d.join("pack-2"), d.join("pack-again")).unwrap();
    let again = pack("pack-2");
    assert_eq!(again.code, 0);
    assert_eq!(std::fs::read(d.join("pack-2.zip")).unwrap(), {
        let _ = pack("pack-2");
        std::fs::read(d.join("pack-2.zip")).unwrap()
    });
    // The decision as signed, its note kept as text.
    let decisions = std::fs::read_to_string(d.join("pack-1/decisions.csv")).unwrap();
    assert!(
        decisions.contains(&format!("{first},"))
            && decisions.contains(",'=SUM(A1) is text,ana,(command line: one person),"),
        "{decisions}"
    );
    // It verifies, against the store too; then a changed file, an edited event, a rewritten store.
    let verify = |extra: &[&str]| {
        let pack = d.join("pack-1");
        let mut args = vec!["verify-log", "--pack", pack.to_str().unwrap()];
        args.extend_from_slice(extra);
        run(&args)
    };
    let ok = verify(&["--store", &store]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(
        ok.stdout.contains("and the store still holds them"),
        "{}",
        ok.stdout
    );
    let journal = d.join("pack-1/journal.csv");
    let kept = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, b"journal_id\n").unwrap();
    let bad = verify(&[]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stdout
            .contains("journal.csv: its SHA-256 is not the manifest's"),
        "{}",
        bad.stdout
    );
    std::fs::write(&journal, kept).unwrap();
    let events = d.join("pack-1/events.jsonl");
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::write(&events, text.replacen("signed", "unsigned", 1)).unwrap();
    let bad = verify(&[]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stdout
            .contains("its content does not match its hash (edited in the pack)"),
        "{}",
        bad.stdout
    );
    std::fs::write(&events, text).unwrap();
    assert_eq!(verify(&[]).code, 0);
    // The store rewritten after the pack: the pack still verifies alone, not against it.
    crate::audit_log::tamper(&store, &["UPDATE events SET hash = 'x' WHERE seq = 1"]);
    let bad = verify(&["--store", &store]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stdout
            .contains("event 1: the store's hash differs from the pack's"),
        "{}",
        bad.stdout
    );
}
