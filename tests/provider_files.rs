//! Provider wire files read from disk: errors name file, line and field; cvv/pin never survive;
//! unknown fields are ignored; directories must be known providers.

use cardrecon::config::Settings;
use cardrecon::normalize::read_provider_dir;
use cardrecon::Error;

use crate::util::*;

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn reads_all_four_providers_and_counts() {
    let dir = tempdir();
    let d = dir.path();
    write(d, "keysecure/a.jsonl", "{\"consume_no\": \"C1\", \"card_no\": \"k1\", \"type\": \"Consumption\", \"amount\": \"100.00\", \"status\": \"Success\", \"time\": 1772323200000, \"new_field\": [1, 2]}\n\n");
    write(d, "txv3/a.jsonl", "{\"business_type\": 8, \"refund_coin\": \"usd\", \"refund_amount\": \"1.00000000\", \"tx_time\": 1772323200, \"tx_id\": \"X1\", \"tx_status\": 1}\n");
    write(d, "cardapp/cards.jsonl", "{\"card_id\": \"c1\", \"card_no\": \"4485333916826937\", \"cvv\": \"715\", \"pin\": \"9911\", \"balance\": 200.5, \"expiry\": \"03/28\"}\n");
    write(d, "cardapp/trades.jsonl", "{\"trade_id\": \"CT1\", \"card_id\": \"c1\", \"card_no\": \"4485333916826937\", \"trade_type\": 1, \"trade_result\": 1, \"amount\": 12.5, \"currency\": \"USD\", \"trade_at\": \"2026-03-01 08:00:00\"}\n");
    write(d, "usertrans/a.jsonl", "{\"trans_id\": 5, \"order_id\": \"pay_5\", \"trans_type\": \"payment\", \"amount\": \"3\", \"currency\": \"USD\", \"status\": \"success\", \"created_at\": 1772323200}\n");
    write(d, "usertrans/notes.txt", "ignored: not .jsonl");
    let (records, stats) = read_provider_dir(d, &Settings::defaults()).unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!((stats.files, stats.lines, stats.non_records), (5, 5, 1));
    assert_eq!(
        stats
            .records_by_provider
            .values()
            .copied()
            .collect::<Vec<_>>(),
        vec![1, 1, 1, 1]
    );
    let all = format!("{records:?}");
    assert!(
        !all.contains("715") && !all.contains("9911") && !all.contains("4485333916826937"),
        "secrets or a full PAN survived"
    );
    let ct = records.iter().find(|r| r.tx_id == "CT1").unwrap();
    assert_eq!(ct.card_masked.as_deref(), Some("448533******6937"));
    assert_eq!(ct.source, "cardapp/trades.jsonl:1");
}

fn record_error(e: Error) -> (String, usize, String, String) {
    match e {
        Error::ProviderRecord {
            file,
            line,
            field,
            message,
        } => (
            file.file_name().unwrap().to_string_lossy().into(),
            line,
            field,
            message,
        ),
        other => panic!("expected a record error, got {other}"),
    }
}

#[test]
fn malformed_lines_name_file_line_and_field() {
    let good = "{\"trans_id\": 5, \"trans_type\": \"payment\", \"amount\": \"3\", \"currency\": \"USD\", \"status\": \"success\", \"created_at\": 1772323200}";
    let cases = [
        // Truncated: named at the field where the text ends.
        ("{\"trans_id\": 6, \"trans_type\": \"payment\", \"amount\": \"3", "amount", "EOF"),
        ("{\"trans_id\": 6, \"trans_type\": \"payment\", \"amount\": 3e400, \"currency\": \"USD\", \"status\": \"success\", \"created_at\": 1772323200}", "amount", "decimal"),
        ("{\"trans_id\": 6, \"trans_type\": \"payment\", \"amount\": \"-3\", \"currency\": \"USD\", \"status\": \"success\", \"created_at\": 1772323200}", "amount", "negative"),
        ("{\"trans_id\": 6, \"trans_type\": \"payment\", \"amount\": \"3\", \"currency\": \"USD\", \"status\": \"success\", \"created_at\": \"noon\"}", "created_at", "invalid type"),
        ("{\"trans_type\": \"payment\", \"amount\": \"3\", \"currency\": \"USD\", \"status\": \"success\", \"created_at\": 1772323200}", "trans_id", "missing"),
        ("[1, 2, 3]", "(record)", "not a JSON object"),
    ];
    for (bad, field, needle) in cases {
        let dir = tempdir();
        write(
            dir.path(),
            "usertrans/page.jsonl",
            &format!("{good}\n{bad}\n"),
        );
        let e = read_provider_dir(dir.path(), &Settings::defaults()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("page.jsonl") && text.contains("line 2"),
            "{text}"
        );
        let (file, line, f, m) = record_error(e);
        assert_eq!(
            (file.as_str(), line, f.as_str()),
            ("page.jsonl", 2, field),
            "{bad}: {m}"
        );
        assert!(m.contains(needle), "{bad}: {m}");
    }
}

#[test]
fn unknown_directories_and_empty_dirs_are_refused() {
    let dir = tempdir();
    write(dir.path(), "stripe/a.jsonl", "{}\n");
    let e = read_provider_dir(dir.path(), &Settings::defaults())
        .unwrap_err()
        .to_string();
    assert!(e.contains("`stripe` is not a configured provider"), "{e}");
    let empty = tempdir();
    let e = read_provider_dir(empty.path(), &Settings::defaults())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no provider subdirectories"), "{e}");
}

/// cardapp sends money as JSON floats. A double's rendering (`0.30000000000000004` for 0.30)
/// no longer stops the month: it is read at the currency's minor units, matches the ledger's
/// 0.30, and `summary.json` counts it; a value really finer than that still names its field.
#[test]
fn float_artefacts_are_read_as_the_amount_they_stand_for_and_counted() {
    let dir = tempdir();
    let d = dir.path();
    write(d, "providers/cardapp/trades.jsonl", concat!(
        "{\"trade_id\": \"CT1\", \"card_id\": \"c1\", \"trade_type\": 1, \"trade_result\": 1, \"amount\": 0.30000000000000004, \"currency\": \"USD\", \"trade_at\": \"2026-03-02 08:00:00\"}\n",
        "{\"trade_id\": \"CT2\", \"card_id\": \"c1\", \"trade_type\": 1, \"trade_result\": 1, \"amount\": 1000.0000000000001, \"currency\": \"JPY\", \"fee\": 0.1, \"trade_at\": \"2026-03-02 09:00:00\"}\n",
    ));
    write(d, "ledger.csv", "entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\nE1,cardapp,consumption,CT1,,0.30,USD,success,2026-03-02 00:00:00\nE2,cardapp,consumption,CT2,,1000,JPY,success,2026-03-02 01:00:00\n");
    let out = d.join("out");
    let r = run_reconcile(
        &d.join("providers"),
        &d.join("ledger.csv"),
        "2026-03",
        "UTC",
        &out,
        &[],
    );
    assert_eq!(r.code, 0, "both match exactly: {}", r.stderr);
    let results = read_csv(&out.join("results.csv"));
    assert_eq!(
        results
            .iter()
            .map(|r| (r[0].as_str(), r[6].as_str()))
            .collect::<Vec<_>>(),
        vec![("matched", "0.30"), ("matched", "1000.00")]
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let notes = summary["provider_read"]["notes"].to_string();
    assert!(
        notes.contains("cardapp: 2 money values sent as binary floats read at the currency's minor units (first: CT1 at cardapp/trades.jsonl:1, amount `0.30000000000000004` read as 0.30)"),
        "{notes}"
    );

    write(d, "providers/cardapp/trades.jsonl", "{\"trade_id\": \"CT3\", \"card_id\": \"c1\", \"trade_type\": 1, \"trade_result\": 1, \"amount\": 5.123456789012, \"currency\": \"USD\", \"trade_at\": \"2026-03-02 08:00:00\"}\n");
    let r = run_reconcile(
        &d.join("providers"),
        &d.join("ledger.csv"),
        "2026-03",
        "UTC",
        &out,
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("trades.jsonl")
            && r.stderr.contains("line 1")
            && r.stderr.contains("amount"),
        "{}",
        r.stderr
    );
}

/// The run reads wire files straight into the table, a chunk at a time
/// (`read_provider_dir_frame`): the same rows, order, repeats dropped, counts and notes as
/// reading every record first and building the table from them, whatever the chunk size.
#[test]
fn the_table_read_in_chunks_is_the_table_of_the_records() {
    let dir = tempdir();
    let d = dir.path();
    let trade = |id: &str, amount: &str, currency: &str| {
        format!("{{\"trade_id\": \"{id}\", \"card_id\": \"c1\", \"card_no\": \"4485333916826937\", \"trade_type\": 1, \"trade_result\": 1, \"amount\": {amount}, \"currency\": \"{currency}\", \"trade_at\": \"2026-03-01 08:00:00\"}}\n")
    };
    let consume = |id: &str, amount: &str| {
        format!("{{\"consume_no\": \"{id}\", \"card_no\": \"k1\", \"type\": \"Consumption\", \"amount\": \"{amount}\", \"status\": \"Success\", \"time\": 1772323200000}}\n")
    };
    write(d, "cardapp/cards.jsonl", "{\"card_id\": \"c1\", \"card_no\": \"4485333916826937\", \"balance\": 200.5, \"expiry\": \"03/28\"}\n");
    // CT1 sent three times: once more identically (dropped, its float not counted), once with
    // the same amount written exactly (kept: what was sent differs).
    let trades = [
        trade("CT1", "0.30000000000000004", "USD"),
        trade("CT2", "12.5", "ZZZZ"),
        trade("CT1", "0.30000000000000004", "USD"),
        trade("CT1", "0.3", "USD"),
        trade("CT3", "7.25", "ZZZZ"),
    ]
    .concat();
    write(d, "cardapp/trades.jsonl", &trades);
    // C1 repeated identically (dropped), C2 repeated with another amount (kept).
    let consumes = [
        consume("C1", "100.00"),
        consume("C2", "5.00"),
        consume("C1", "100.00"),
        consume("C2", "6.00"),
        consume("C3", "1.00"),
    ]
    .concat();
    write(d, "keysecure/a.jsonl", &consumes);
    write(d, "keysecure/b.jsonl", &consume("C1", "100.00"));
    let settings = Settings::defaults();
    let zone = chrono_tz::Europe::London;
    let (records, stats) = read_provider_dir(d, &settings).unwrap();
    assert_eq!(records.len(), 8);
    assert_eq!(stats.identical_repeats_dropped, 3);
    assert_eq!(stats.notes.len(), 2, "{:?}", stats.notes);
    assert!(
        stats.notes[1].starts_with("cardapp: 1 money value sent as binary floats"),
        "{:?}",
        stats.notes
    );
    let expected = cardrecon::normalize::provider_frame(&records, zone).unwrap();
    for chunk in [1, 2, 3, 4, 1000] {
        let (df, st) =
            cardrecon::normalize::read_provider_dir_frame(d, &settings, zone, chunk).unwrap();
        assert!(
            df.equals_missing(&expected),
            "chunks of {chunk}:\n{df}\n{expected}"
        );
        assert_eq!(st, stats, "chunks of {chunk}");
    }
}
