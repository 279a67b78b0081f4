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

/// A command offers only the arguments it uses: `fetch` and `sql` read no ledger, so a
/// `--ledger` or `--skip-bad-rows` there is refused rather than silently ignored.
#[test]
fn commands_that_read_no_ledger_refuse_ledger_arguments() {
    for command in ["fetch", "sql"] {
        for flag in ["--ledger", "--skip-bad-rows"] {
            let r = run(&[command, flag, "x.csv", "--period", "2026-03"]);
            assert_eq!(r.code, 2, "{command} {flag}");
            assert!(
                r.stderr.contains(&format!("unexpected argument '{flag}'")),
                "{command} {flag}: {}",
                r.stderr
            );
        }
    }
    for command in ["reconcile", "run", "export", "check-ledger"] {
        let help = run(&[command, "--help"]).stdout;
        assert!(help.contains("--skip-bad-rows"), "{command}");
    }
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
    // A month with no seeded item in it has nothing to explain: exit 0 without the flag. (The
    // card list is a snapshot checked on every run, and its seeded closed card with a balance
    // left would be one; the clean books have none.)
    std::fs::remove_file(data.join("providers/cardapp/cards.jsonl")).unwrap();
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
    let rows = read_csv(&repo_path("sample-data/ledger.csv")).len();
    assert_eq!(rows, 316, "the committed sample ledger");
    assert!(
        r.stdout
            .contains(&format!("ledger.csv: {rows} entries, 0 unreadable rows")),
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
        r.stderr
            .contains("amount_text.csv, line 3, column `amount`"),
        "{}",
        r.stderr
    );
    let r = run(&["check-ledger", bad.to_str().unwrap(), "--skip-bad-rows"]);
    assert_eq!(r.code, 1, "unreadable rows: exit 1");
    assert!(
        r.stdout.contains("1 entries, 1 unreadable rows")
            && r.stdout.contains("skipped: line 3 field `amount`"),
        "{}",
        r.stdout
    );
}

/// Thresholds for cron: with any, the exit code is 1 only when one is crossed; the reason is
/// one line on stderr and recorded in summary.json. Without them, summary.json has no such key.
#[test]
fn thresholds_decide_the_exit_code_and_say_why() {
    let dir = tempdir();
    let data = dir.path().join("d");
    assert_eq!(run_generate(&data, "1500", &["--seed", "4"]).code, 0);
    let reconcile = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let r = reconcile_month(&data, &out, extra);
        // A refused run writes nothing.
        let summary: serde_json::Value = std::fs::read_to_string(out.join("summary.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(serde_json::Value::Null);
        (r, summary)
    };
    let (plain, s) = reconcile("plain", &[]);
    assert_eq!(plain.code, 1);
    assert!(s.get("thresholds").is_none(), "no thresholds, no key");
    let n = s["discrepancies"].as_u64().unwrap();
    assert!(n > 10);
    let rate: rust_decimal::Decimal = s["matched_rate_by_count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // The amount at stake per currency, as the check computes it.
    let mut open: std::collections::BTreeMap<String, rust_decimal::Decimal> = Default::default();
    for g in s["groups"].as_array().unwrap() {
        let cat = g["category"].as_str().unwrap();
        if matches!(cat, "matched" | "failed_not_booked" | "pending_not_booked") {
            continue;
        }
        let p: rust_decimal::Decimal = g["provider_amount"].as_str().unwrap().parse().unwrap();
        let l: rust_decimal::Decimal = g["ledger_amount"].as_str().unwrap().parse().unwrap();
        *open
            .entry(g["currency"].as_str().unwrap().into())
            .or_default() += if p.is_zero() { l } else { p };
    }
    let usd = open["USD"];

    // Within every limit: exit 0, nothing crossed, the limits and open amounts recorded.
    let (r, s) = reconcile(
        "within",
        &[
            "--max-discrepancies",
            &n.to_string(),
            "--max-open-amount",
            &format!("USD={usd},1000000000"),
            "--min-match-rate",
            &rate.to_string(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("threshold"), "{}", r.stderr);
    let t = &s["thresholds"];
    assert_eq!(t["crossed"], serde_json::json!([]));
    assert_eq!(t["max_discrepancies"], n);
    assert_eq!(t["open_amount"]["USD"], cardrecon::money::format(usd));
    assert_eq!(t["max_open_amount"]["*"], "1000000000.00");

    // One over each: exit 1, each named once, in the order checked.
    let one_cent = rust_decimal::Decimal::new(1, 2);
    let (r, s) = reconcile(
        "over",
        &[
            "--max-discrepancies",
            &(n - 1).to_string(),
            "--max-open-amount",
            &format!("USD={}", usd - one_cent),
            "--min-match-rate",
            &(rate + one_cent).to_string(),
        ],
    );
    assert_eq!(r.code, 1);
    let crossed: Vec<String> = s["thresholds"]["crossed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(crossed.len(), 3, "{crossed:?}");
    assert_eq!(
        crossed[0],
        format!("{n} discrepancies, more than --max-discrepancies {}", n - 1)
    );
    assert!(crossed[1].starts_with(&format!("USD {} open", cardrecon::money::format(usd))));
    assert!(crossed[2].contains("--min-match-rate"));
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("threshold crossed"))
        .unwrap();
    assert!(
        line.contains(&crossed[0]) && line.contains(&crossed[2]),
        "{line}"
    );

    // --exit-zero still wins; a bad limit is refused naming the flag.
    let (r, _) = reconcile("zero", &["--max-discrepancies", "0", "--exit-zero"]);
    assert_eq!(r.code, 0);
    let (r, s) = reconcile("bad", &["--max-open-amount", "USD=lots"]);
    assert_eq!((r.code, s), (2, serde_json::Value::Null));
    assert!(r.stderr.contains("--max-open-amount"), "{}", r.stderr);
    let (r, _) = reconcile("bad2", &["--min-match-rate", "101"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--min-match-rate"), "{}", r.stderr);
}

/// Offline commands read no credentials: re-reconciling a month with the team's config (base
/// URLs, `${ENV}` credentials, an email delivery) works without those variables set, while
/// `fetch` and `run`, which use them, still say which one is missing.
#[test]
fn offline_commands_need_no_credentials_and_fetching_ones_name_the_missing_one() {
    let dir = tempdir();
    let data = dir.path().join("d");
    assert_eq!(run_generate(&data, "200", &[]).code, 0);
    let ledger = data.join("ledger.csv");
    let mut text = cardrecon::config::template::config_template(
        Some("http://127.0.0.1:9"),
        "UTC",
        Some("2026-03"),
        &ledger.display().to_string(),
    );
    text.push_str(
        "\n[delivery.email]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"recon@example.com\"\nto = [\"finance@example.com\"]\nusername = \"${CARDRECON_SMTP_USER}\"\npassword = \"${CARDRECON_SMTP_PASSWORD}\"\n",
    );
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(&cfg, text).unwrap();
    let unset = |args: &[&str]| {
        let mut c = bin();
        c.args(args);
        for (k, _) in cardrecon::config::template::sandbox_env() {
            c.env_remove(k);
        }
        c.env_remove("CARDRECON_SMTP_USER")
            .env_remove("CARDRECON_SMTP_PASSWORD");
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let out = dir.path().join("out");
    let (code, stderr) = unset(&[
        "reconcile",
        "--config",
        cfg.to_str().unwrap(),
        "--provider-data",
        data.join("providers").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        code,
        Some(1),
        "ran and found the seeded differences: {stderr}"
    );
    assert!(out.join("summary.json").is_file());
    let (code, stderr) = unset(&[
        "sql",
        "--dialect",
        "duckdb",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    for command in ["fetch", "run"] {
        let mut args = vec![command, "--config", cfg.to_str().unwrap()];
        let archive = dir.path().join("archive");
        if command == "fetch" {
            args.extend(["--out", archive.to_str().unwrap()]);
        }
        let (code, stderr) = unset(&args);
        assert_eq!(code, Some(2), "{command}");
        assert!(
            stderr.contains("the environment variable `CARDRECON_")
                && stderr.contains("is not set"),
            "{command}: {stderr}"
        );
    }
}

/// Output piped into a command that closes it at once (`| true`, as `| head` does early): the
/// command ends quietly with 0, not with `println!`'s panic on a closed pipe.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let dir = tempdir();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "\"$CARDRECON\" generate --out '{}' --records 200 | true; echo \"${{PIPESTATUS[0]}}\"",
            dir.path().join("m").display()
        ))
        .env("CARDRECON", env!("CARGO_BIN_EXE_cardrecon"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
}
