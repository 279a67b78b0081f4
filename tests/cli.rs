//! The binary's contract: exit codes 0 / 1 / 2 and clear messages.

use crate::util::*;

#[test]
fn bad_arguments_exit_2_with_the_reason() {
    let dir = tempdir();
    let data = dir.path().join("d");
    assert_eq!(run_generate(&data, "100", &[]).code, 0);
    let providers = data.join("providers");
    let ledger = data.join("ledger.csv");
    let out = dir.path().join("o");
    let base =
        |period: &str, zone: &str| run_reconcile(&providers, &ledger, period, zone, &out, &[]);
    let r = base("2026-13", "UTC");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`2026-13` is not a period"),
        "{}",
        r.stderr
    );
    let r = base("2026-03", "Mars/Base");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Mars/Base"), "{}", r.stderr);
    let r = run(&[
        "reconcile",
        "--provider-data",
        providers.to_str().unwrap(),
        "--ledger",
        dir.path().join("nope.csv").to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope.csv"), "{}", r.stderr);
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "timezon = \"UTC\"\n").unwrap();
    let r = run(&[
        "reconcile",
        "--provider-data",
        providers.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("c.toml") && r.stderr.contains("timezon"),
        "{}",
        r.stderr
    );
}

#[test]
fn exit_zero_and_clean_books_exit_0() {
    let dir = tempdir();
    let data = dir.path().join("d");
    assert_eq!(run_generate(&data, "100", &[]).code, 0);
    let args = |out: &str| {
        vec![
            "reconcile".to_string(),
            "--provider-data".into(),
            data.join("providers").to_string_lossy().into(),
            "--ledger".into(),
            data.join("ledger.csv").to_string_lossy().into(),
            "--period".into(),
            "2026-03".into(),
            "--timezone".into(),
            "Europe/London".into(),
            "--out".into(),
            dir.path().join(out).to_string_lossy().into(),
        ]
    };
    let mut a = args("o1");
    a.push("--exit-zero".into());
    let r = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("discrepancies"), "{}", r.stdout);
    // A month with no seeded item in it has nothing to explain: exit 0 without the flag.
    let a = args("o2");
    let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
    a[6] = "2025-01";
    let r = run(&a);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn check_ledger_counts_entries_and_totals_and_names_bad_rows() {
    let r = run(&[
        "check-ledger",
        repo_path("sample-data/ledger.csv").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("ledger.csv: 289 entries, 0 unreadable rows"),
        "{}",
        r.stdout
    );
    // One line per currency and kind; the amounts add up to the file's.
    let total: rust_decimal::Decimal = read_csv(&repo_path("sample-data/ledger.csv"))
        .iter()
        .filter(|r| r[6] == "USD" && r[2] == "consumption")
        .map(|r| dec(&r[5]))
        .sum();
    assert!(
        r.stdout.lines().any(|l| l.contains("USD consumption")
            && l.trim_end().ends_with(&cardrecon::money::format(total))),
        "{}",
        r.stdout
    );
    let bad = repo_path("tests/corpus/ledger/amount_text.csv");
    let r = run(&["check-ledger", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("amount_text.csv, row 3, column `amount`"),
        "{}",
        r.stderr
    );
    let r = run(&["check-ledger", bad.to_str().unwrap(), "--skip-bad-rows"]);
    assert_eq!(r.code, 1, "unreadable rows: exit 1");
    assert!(
        r.stdout.contains("1 entries, 1 unreadable rows")
            && r.stdout.contains("skipped: row 3 field `amount`"),
        "{}",
        r.stdout
    );
}
