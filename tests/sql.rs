//! Issue 17: the SQL cardrecon generates, run on a real DuckDB over the tables `export` writes,
//! gives the engine's rows; the reports made from its results are byte-identical to a local
//! run's. So the statement and the engine cannot drift apart unnoticed.
//!
//! DuckDB is Python's `duckdb` package: `.ci/run` installs it (pinned) into a virtual
//! environment and names its interpreter in `CARDRECON_DUCKDB_PYTHON`; elsewhere the bench's
//! `bench/.venv` serves. In CI (`CI=true`) a DuckDB that cannot be found fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// The Python with `duckdb`, or `None` (outside CI only).
fn duckdb_python() -> Option<PathBuf> {
    let candidates = std::env::var("CARDRECON_DUCKDB_PYTHON")
        .ok()
        .map(PathBuf::from)
        .into_iter()
        .chain([repo_path("bench/.venv/bin/python")]);
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("no Python with duckdb in CI: .ci/run sets CARDRECON_DUCKDB_PYTHON");
    }
    eprintln!("skipped: no Python with duckdb (set CARDRECON_DUCKDB_PYTHON)");
    None
}

/// Runs `query` on DuckDB, writing its rows to `out` (Parquet); returns the category counts.
fn run_duckdb(python: &Path, query: &Path, out: &Path) -> BTreeMap<String, u64> {
    let script = r#"
import duckdb, json, sys
q = open(sys.argv[1]).read()
con = duckdb.connect()
con.execute("COPY (" + q + ") TO '" + sys.argv[2].replace("'", "''") + "' (FORMAT parquet)")
rows = con.execute("SELECT category, count(*) FROM read_parquet(?) GROUP BY 1 ORDER BY 1", [sys.argv[2]]).fetchall()
print(json.dumps(dict(rows)))
"#;
    let o = Command::new(python)
        .args(["-c", script])
        .arg(query)
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Category counts of a results.csv.
fn counts(results: &Path) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for r in read_csv(results) {
        *m.entry(r[0].clone()).or_insert(0) += 1;
    }
    m
}

/// `report --results` on a results table computed on DuckDB, with the local run's inputs and
/// configuration (`base`), into `remote`: every output the same bytes as the local run's.
fn reports_equal_local(results: &Path, base: &[&str], local: &Path, remote: &Path) {
    let mut args = vec!["report", "--results", results.to_str().unwrap()];
    args.extend(base);
    args.extend(["--out", remote.to_str().unwrap()]);
    ok(&run(&args));
    for f in [
        "results.csv",
        "discrepancies.csv",
        "summary.json",
        "links.csv",
        "cards.csv",
        "report.html",
    ] {
        assert_same_file(&local.join(f), &remote.join(f));
    }
    assert!(
        std::fs::read(local.join("report.xlsx")).unwrap()
            == std::fs::read(remote.join("report.xlsx")).unwrap(),
        "{}: the workbooks differ",
        local.display()
    );
}

fn ok(r: &Run) {
    assert!(r.code == 0 || r.code == 1, "{}\n{}", r.stdout, r.stderr);
}

/// A generated month in a zone with a DST change inside it, stages 1-5 (the statement's), once
/// with exact amounts and once with every kind of tolerance: DuckDB's rows give every report
/// byte for byte as the engine's, and every category the month seeds is among them.
#[test]
fn the_generated_sql_on_duckdb_gives_the_engines_results_byte_for_byte() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let data = d.join("data");
    let g = run_generate(
        &data,
        "20000",
        &[
            "--seed",
            "17",
            "--period",
            "2026-03",
            "--timezone",
            "America/New_York",
        ],
    );
    assert_eq!(g.code, 0, "{}", g.stderr);
    let providers = data.join("providers");
    let ledger = data.join("ledger.csv");
    let configs = [
        ("exact", ""),
        (
            "tolerant",
            "[tolerance]\namount = \"0.01\"\nrelative = \"0.0005\"\nfee = \"0.02\"\n\
             [tolerance.currency]\nEUR = \"0.5\"\n",
        ),
        // Pairs in two currencies at a rate from the 15th (a week's validity): the statement
        // flags them, `report --results` converts them as the engine does.
        ("fx", "[fx]\nrates = \"rates.csv\"\n"),
    ];
    std::fs::write(
        d.join("rates.csv"),
        "date,base,quote,rate\n2026-03-15,EUR,USD,1.08\n",
    )
    .unwrap();
    let export = d.join("export");
    for (name, tolerance) in configs {
        let cfg = d.join(format!("{name}.toml"));
        std::fs::write(
            &cfg,
            format!(
                "timezone = \"America/New_York\"\nperiod = \"2026-03\"\nmargin_days = 3\n\
                 {tolerance}[matching]\ngroups = false\nsuggest = false\n"
            ),
        )
        .unwrap();
        let cfg_s = cfg.to_str().unwrap();
        let base = [
            "--provider-data",
            providers.to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
            "--config",
            cfg_s,
        ];
        // The local run, which also exports the tables.
        let local = d.join(format!("{name}-local"));
        let mut args = vec!["reconcile"];
        args.extend(base);
        args.extend(["--out", local.to_str().unwrap()]);
        args.extend(["--export", export.to_str().unwrap()]);
        ok(&run(&args));
        // The statement, on DuckDB over the exported tables.
        let s = run(&[
            "sql",
            "--dialect",
            "duckdb",
            "--config",
            cfg_s,
            "--data",
            export.to_str().unwrap(),
        ]);
        assert_eq!(s.code, 0, "{}", s.stderr);
        let query = d.join(format!("{name}.sql"));
        std::fs::write(&query, &s.stdout).unwrap();
        let results = d.join(format!("{name}-results.parquet"));
        let by_duckdb = run_duckdb(&python, &query, &results);
        let local_counts = counts(&local.join("results.csv"));
        if name == "fx" {
            // The statement leaves [fx] to `report --results` (it says so in a comment): its
            // rows are the exact month's; the reports below are the engine's.
            assert!(s.stdout.starts_with("-- [fx]"), "{}", &s.stdout[..80]);
            assert_eq!(by_duckdb, counts(&d.join("exact-local/results.csv")));
        } else {
            assert_eq!(by_duckdb, local_counts, "{name}: DuckDB's categories");
        }
        // Every category of stages 1-5 is in the month.
        assert_eq!(local_counts.len(), 12, "{name}: {local_counts:?}");
        // The reports from DuckDB's results.
        reports_equal_local(&results, &base, &local, &d.join(format!("{name}-report")));
    }
    // The tolerances decided rows: the tolerant month has fewer amount mismatches.
    let exact = counts(&d.join("exact-local/results.csv"));
    let tolerant = counts(&d.join("tolerant-local/results.csv"));
    assert!(
        tolerant["amount_mismatch"] < exact["amount_mismatch"],
        "{exact:?} {tolerant:?}"
    );
    // The rate decided rows: fewer currency mismatches, as many more amount mismatches (a USD
    // amount booked as the same number of EUR is 8% off), and the FX line in the summary.
    let fx = counts(&d.join("fx-local/results.csv"));
    let converted = exact["currency_mismatch"] - fx["currency_mismatch"];
    assert!(converted > 0, "{exact:?} {fx:?}");
    assert_eq!(fx["amount_mismatch"], exact["amount_mismatch"] + converted);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("fx-local/summary.json")).unwrap())
            .unwrap();
    let pairs: u64 = summary["fx"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["pairs"].as_u64().unwrap())
        .sum();
    assert_eq!(pairs, converted);
    // The export's layout: provider= and accounting_day= directories, the DST day among them.
    assert!(export
        .join("provider_records/provider=keysecure/accounting_day=2026-03-08/part-0.parquet")
        .is_file());
}

/// A ledger kept in three shapes at once: the generated month's entries with their ids, daily
/// settlement lines for what those left unbooked of the consumption, and statement lines (card,
/// amount, day, no id) for what they left of the rest. The statement leaves the summary and the
/// rule to `report --results` (it names them), which runs them after DuckDB's key pairs: every
/// report is the engine's, byte for byte.
#[test]
fn a_summary_and_a_rule_run_after_the_statement_as_in_the_engine() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let data = d.join("data");
    let zone = "America/New_York";
    let g = run_generate(
        &data,
        "20000",
        &["--seed", "23", "--period", "2026-03", "--timezone", zone],
    );
    assert_eq!(g.code, 0, "{}", g.stderr);
    let providers = data.join("providers");
    let plain = d.join("plain.toml");
    let base_config = format!(
        "timezone = \"{zone}\"\nperiod = \"2026-03\"\nmargin_days = 3\n[matching]\ngroups = false\nsuggest = false\n"
    );
    std::fs::write(&plain, &base_config).unwrap();
    // What the ids leave unbooked.
    let first = d.join("first");
    ok(&run(&[
        "reconcile",
        "--provider-data",
        providers.to_str().unwrap(),
        "--ledger",
        data.join("ledger.csv").to_str().unwrap(),
        "--config",
        plain.to_str().unwrap(),
        "--out",
        first.to_str().unwrap(),
        "--outputs",
        "csv",
    ]));
    let missing: Vec<Vec<String>> = read_csv(&first.join("results.csv"))
        .into_iter()
        .filter(|r| r[0] == "missing_in_ledger" && r[11] == "success")
        .collect();
    // The ledger in three shapes: the entries as generated (no journal, no card), then a line
    // per provider, day and currency of the unbooked consumption (the first 0.02 off), then a
    // statement line per other unbooked record.
    let text = std::fs::read_to_string(data.join("ledger.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if i == 0 { ",journal,card\n" } else { ",,\n" });
    }
    let mut groups: BTreeMap<(String, String, String), rust_decimal::Decimal> = BTreeMap::new();
    let mut statement = 0;
    for r in &missing {
        let amount = dec(&r[6]);
        if r[2] == "consumption" {
            *groups
                .entry((r[1].clone(), r[15].clone(), r[9].clone()))
                .or_default() += amount;
        } else {
            // A masked number (a provider that gives only its own card reference has none).
            let card: String = r[17].chars().filter(|c| c.is_ascii_digit()).collect();
            if r[17].contains('*') && card.len() >= 4 {
                statement += 1;
                out.push_str(&format!(
                    "ST{statement:05},,,,,{},{},,success,{} 12:00:00.000,,{}\n",
                    r[6],
                    r[9],
                    r[15],
                    &card[card.len() - 4..]
                ));
            }
        }
    }
    for (n, ((provider, day, currency), sum)) in groups.iter().enumerate() {
        let sum = if n == 0 { *sum + dec("0.02") } else { *sum };
        out.push_str(&format!(
            "JE{n:05},{provider},consumption,,,{sum},{currency},,success,{day} 12:00:00.000,settlement,\n"
        ));
    }
    let ledger = d.join("shapes.csv");
    std::fs::write(&ledger, out).unwrap();
    let cfg = d.join("shapes.toml");
    std::fs::write(
        &cfg,
        format!(
            "{base_config}\n[[matching.summaries]]\nname = \"daily settlement\"\nledger_kind = \"settlement\"\ngroup_by = [\"provider\", \"day\", \"currency\", \"kind\"]\nkinds = [\"consumption\"]\n\n[[matching.rules]]\nname = \"card, amount, same day\"\nmatch_on = [\"card\", \"currency\", \"amount\"]\n"
        ),
    )
    .unwrap();
    let base = [
        "--provider-data",
        providers.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ];
    let export = d.join("export");
    let local = d.join("local");
    let mut args = vec!["reconcile"];
    args.extend(base);
    args.extend([
        "--out",
        local.to_str().unwrap(),
        "--export",
        export.to_str().unwrap(),
    ]);
    ok(&run(&args));
    let s = run(&[
        "sql",
        "--dialect",
        "duckdb",
        "--config",
        cfg.to_str().unwrap(),
        "--data",
        export.to_str().unwrap(),
    ]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert!(
        s.stdout.starts_with("-- [[matching.summaries]] `daily settlement` is left to `cardrecon report --results`")
            && s.stdout.contains("\n-- [[matching.rules]] `card, amount, same day` is left to `cardrecon report --results`"),
        "{}",
        &s.stdout[..300]
    );
    let query = d.join("shapes.sql");
    std::fs::write(&query, &s.stdout).unwrap();
    let results = d.join("shapes-results.parquet");
    run_duckdb(&python, &query, &results);
    reports_equal_local(&results, &base, &local, &d.join("remote"));
    // The summary and the rule did their work: every line agrees but the seeded one, the rule
    // paired statement lines.
    let c = counts(&local.join("results.csv"));
    assert_eq!(c.get("summary_mismatch"), Some(&1), "{c:?}");
    assert_eq!(
        c.get("summary_matched").copied(),
        Some(groups.len() as u64 - 1),
        "{c:?}"
    );
    assert_eq!(c.get("summary_missing"), None, "{c:?}");
    assert!(
        groups.len() > 10 && statement > 10,
        "{} {statement}",
        groups.len()
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(local.join("summary.json")).unwrap())
            .unwrap();
    let paired = summary["rules"][0]["paired"].as_u64().unwrap();
    let ambiguous = summary["rules"][0]["ambiguous"].as_u64().unwrap();
    assert!(paired > 10, "{}", summary["rules"]);
    assert_eq!(paired + ambiguous, statement as u64, "{}", summary["rules"]);
    assert_eq!(summary["balance"]["balanced"], true);
}

/// A results table from other inputs is refused with the file, row and field named, with or
/// without a store (which records nothing).
#[test]
fn report_refuses_results_of_other_inputs() {
    let dir = tempdir();
    let d = dir.path();
    let sample = repo_path("sample-data");
    let out = d.join("out");
    let r = reconcile_month(&sample, &out, &[]);
    ok(&r);
    // A results table naming a tx id the inputs do not have at that row.
    let mut df = polars::prelude::df!(
        "p_row" => [Some(0i64)],
        "l_row" => [None::<i64>],
        "category" => ["missing_in_ledger"],
        "match_key" => [None::<&str>],
        "status_diff" => [false],
        "currency_diff" => [false],
        "amount_diff" => [false],
        "sign_diff" => [false],
        "fee_diff" => [false],
        "timing" => [false],
        "p_primary" => [true],
        "l_primary" => [None::<bool>],
        "tx_id" => ["NOT-THIS-ONE"],
    )
    .unwrap();
    let results = d.join("r.parquet");
    polars::prelude::ParquetWriter::new(std::fs::File::create(&results).unwrap())
        .finish(&mut df)
        .unwrap();
    let (providers, ledger, rep) = (
        sample.join("providers"),
        sample.join("ledger.csv"),
        d.join("rep"),
    );
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "--results",
            results.to_str().unwrap(),
            "--provider-data",
            providers.to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
            "--period",
            "2026-03",
            "--out",
            rep.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let r = report(&[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("r.parquet, row 1, `tx_id`")
            && r.stderr.contains("computed from other inputs"),
        "{}",
        r.stderr
    );
    assert!(!d.join("rep/results.csv").exists());
    let store = format!("sqlite:{}", d.join("s.db").display());
    // Against a store, nothing is recorded either.
    let r = report(&["--store", &store]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("computed from other inputs"),
        "{}",
        r.stderr
    );
    let items = run(&[
        "items", "--store", &store, "--status", "all", "--format", "csv",
    ]);
    assert_eq!(items.code, 0, "{}", items.stderr);
    assert_eq!(
        items.stdout.lines().count(),
        1,
        "only the header: {}",
        items.stdout
    );
}

/// With a store: November's statement sees October's open items (exported as `carried`), and
/// `report --results` against a copy of the store clears them exactly as the engine does.
#[test]
fn with_a_store_the_statement_clears_earlier_items_as_the_engine_does() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let providers = d.join("provider_records.parquet");
    let mut df =
        cardrecon::normalize::provider_frame(&crate::store::provider_records(), chrono_tz::UTC)
            .unwrap();
    cardrecon::normalize::write_parquet(&mut df, &providers).unwrap();
    let ledger = d.join("ledger.csv");
    std::fs::write(&ledger, crate::store::LEDGER).unwrap();
    let cfg = d.join("c.toml");
    std::fs::write(&cfg, "[matching]\ngroups = false\nsuggest = false\n").unwrap();
    let (one, two) = (d.join("one.db"), d.join("two.db"));
    let url = |p: &Path| format!("sqlite:{}", p.display());
    let reconcile = |period: &str, out: &str, extra: &[&str]| {
        let mut args = vec!["--config", cfg.to_str().unwrap()];
        args.extend_from_slice(extra);
        let r = run_reconcile(&providers, &ledger, period, "UTC", &d.join(out), &args);
        ok(&r);
    };
    reconcile("2026-10", "oct", &["--store", &url(&one)]);
    std::fs::copy(&one, &two).unwrap();
    let export = d.join("export");
    reconcile(
        "2026-11",
        "nov-local",
        &["--store", &url(&one), "--export", export.to_str().unwrap()],
    );
    // `export --store` (the store only read) writes the same tables as the run's `--export`.
    let again = d.join("export-again");
    let (p_s, l_s, c_s, two_url) = (
        providers.to_str().unwrap(),
        ledger.to_str().unwrap(),
        cfg.to_str().unwrap(),
        url(&two),
    );
    // November's inputs and the October store's copy, then the command's own arguments.
    let november = |command: &str, extra: &[&str]| {
        let mut args = vec![command];
        args.extend_from_slice(extra);
        args.extend([
            "--provider-data",
            p_s,
            "--ledger",
            l_s,
            "--period",
            "2026-11",
            "--timezone",
            "UTC",
            "--config",
            c_s,
            "--store",
            &two_url,
        ]);
        run(&args)
    };
    let e = november("export", &["--out", again.to_str().unwrap()]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stdout
            .contains("5 records of earlier periods' open items carried in"),
        "{}",
        e.stdout
    );
    let listing = |root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        files(root)
            .into_iter()
            .map(|f| {
                (
                    f.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&f).unwrap(),
                )
            })
            .collect()
    };
    assert!(
        listing(&export) == listing(&again),
        "the two exports differ"
    );
    let s = run(&[
        "sql",
        "--dialect",
        "duckdb",
        "--period",
        "2026-11",
        "--config",
        cfg.to_str().unwrap(),
        "--data",
        export.to_str().unwrap(),
    ]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let query = d.join("nov.sql");
    std::fs::write(&query, &s.stdout).unwrap();
    let results = d.join("nov.parquet");
    run_duckdb(&python, &query, &results);
    let remote = d.join("nov-remote");
    ok(&november(
        "report",
        &[
            "--results",
            results.to_str().unwrap(),
            "--out",
            remote.to_str().unwrap(),
        ],
    ));
    let local = d.join("nov-local");
    for f in ["results.csv", "discrepancies.csv"] {
        assert_same_file(&local.join(f), &remote.join(f));
    }
    // The summary names its store; otherwise the same, the period's roll-forward included.
    let summary = |p: &Path| std::fs::read_to_string(p.join("summary.json")).unwrap();
    assert_eq!(
        summary(&local),
        summary(&remote).replace("two.db", "one.db")
    );
    let rows: Vec<(String, String)> = read_csv(&remote.join("results.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[3].clone()))
        .collect();
    let want: Vec<(String, String)> = [
        ("cleared_prior", "T-CUT1"),
        ("cleared_prior", "T-CUT2"),
        ("cleared_prior", "T-LATE"),
        ("cleared_prior", "T-PROV"),
        ("matched", "T-NOV"),
    ]
    .iter()
    .map(|(c, t)| (c.to_string(), t.to_string()))
    .collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(sorted, want);
    // Both stores hold the same items in the same states.
    let items = |p: &Path| {
        let r = run(&[
            "items",
            "--store",
            &url(p),
            "--status",
            "all",
            "--format",
            "csv",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut v: Vec<Vec<String>> = csv::Reader::from_reader(r.stdout.as_bytes())
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        v.sort();
        v
    };
    let (a, b) = (items(&one), items(&two));
    assert_eq!(a.len(), 6);
    assert_eq!(a, b);
}
