//! Generated months end to end through the binary: the discrepancies found equal the labels the
//! generator seeded, exactly; outputs are byte-identical across runs.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::*;

type Key = (String, String, String, String);

fn labels(path: &Path) -> Vec<Key> {
    let mut v: Vec<Key> = read_csv(path)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    v.sort();
    v
}

/// `(category, provider, tx_id, ledger_entry_id)` of every non-matched row of a results file.
fn found(results: &Path) -> Vec<Key> {
    let mut v: Vec<Key> = read_csv(results)
        .into_iter()
        .filter(|r| r[0] != "matched")
        .map(|r| (r[0].clone(), r[1].clone(), r[3].clone(), r[5].clone()))
        .collect();
    v.sort();
    v
}

/// `(finding, provider, tx_id)` of the links findings seeded (`link_labels.csv`) or found
/// (`links.csv`), sorted.
fn link_keys(path: &Path, tx_column: usize) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = read_csv(path)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[tx_column].clone()))
        .collect();
    v.sort();
    v
}

/// The links findings of a reconciled generated month equal its seeded ones, each kind seeded.
fn assert_links_equal_labels(data: &Path, out: &Path) {
    let seeded = link_keys(&data.join("link_labels.csv"), 2);
    assert_eq!(link_keys(&out.join("links.csv"), 3), seeded);
    let kinds: std::collections::BTreeSet<&str> = seeded.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
}

/// The card findings of a reconciled generated month equal its seeded ones.
fn assert_cards_equal_labels(data: &Path, out: &Path) {
    let seeded = link_keys(&data.join("card_labels.csv"), 2);
    let found: Vec<(String, String, String)> = {
        let mut v: Vec<_> = read_csv(&out.join("cards.csv"))
            .into_iter()
            .filter(|r| !r[0].is_empty())
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(found, seeded);
    assert_eq!(seeded.len(), 1, "{seeded:?}");
}

/// The number of groups `generate` seeded, from its `generate.txt` (its printed report).
fn r_generate_groups(data: &Path) -> usize {
    let text = std::fs::read_to_string(data.join("generate.txt")).unwrap();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("seeded groups (several records matching one, not differences): ")
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

fn generate_and_reconcile(dir: &Path, records: u64, seed: u64, period: &str, zone: &str) -> Run {
    let data = dir.join("data");
    let out = dir.join("out");
    let seed = seed.to_string();
    let g = run_generate(
        &data,
        &records.to_string(),
        &["--seed", &seed, "--period", period, "--timezone", zone],
    );
    assert_eq!(g.code, 0, "generate failed: {}", g.stderr);
    std::fs::write(data.join("generate.txt"), &g.stdout).unwrap();
    run_reconcile(
        &data.join("providers"),
        &data.join("ledger.csv"),
        period,
        zone,
        &out,
        &[],
    )
}

#[test]
fn twenty_thousand_records_discrepancies_equal_labels() {
    let dir = tempdir();
    let r = generate_and_reconcile(dir.path(), 20_000, 11, "2026-03", "Europe/London");
    assert_eq!(r.code, 1, "discrepancies found means exit 1: {}", r.stderr);
    let expected = labels(&dir.path().join("data/labels.csv"));
    let got = found(&dir.path().join("out/results.csv"));
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
    assert_links_equal_labels(&dir.path().join("data"), &dir.path().join("out"));
    assert_cards_equal_labels(&dir.path().join("data"), &dir.path().join("out"));
    // discrepancies.csv is the same minus the informational categories.
    let disc = found(&dir.path().join("out/discrepancies.csv"));
    let expected_disc: Vec<Key> = expected
        .iter()
        .filter(|k| k.0 != "failed_not_booked" && k.0 != "pending_not_booked")
        .cloned()
        .collect();
    assert_eq!(disc, expected_disc);
    // Every category was seeded.
    let cats: std::collections::BTreeSet<&str> = expected.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(cats.len(), 12, "{cats:?}");
    // Every seeded group is matched as one: its rows share a match id.
    let seeded: usize = r_generate_groups(&dir.path().join("data"));
    let rows = read_csv(&dir.path().join("out/results.csv"));
    let groups: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r[0] == "matched" && r[18].contains("group of"))
        .map(|r| r[19].as_str())
        .collect();
    assert_eq!(groups.len(), seeded);
    assert!(
        seeded >= 8,
        "both group scenarios for each of four providers: {seeded}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary["balance"]["balanced"],
        serde_json::Value::Bool(true)
    );
    assert_eq!(
        summary["discrepancies"].as_u64().unwrap() as usize,
        expected_disc.len()
    );
    assert_eq!(
        summary["provider_read"]["non_records"].as_u64(),
        Some(20),
        "cardapp card list lines"
    );
    for f in [
        "normalized/provider_records.parquet",
        "normalized/ledger_entries.parquet",
    ] {
        assert!(dir.path().join("out").join(f).is_file(), "{f}");
    }
}

/// The three other ledger shapes (`generate --ledger-style`), each reconciled with the
/// configuration the generator wrote for it: what is found equals what is labelled, exactly.
#[test]
fn every_ledger_style_reconciles_to_its_labels() {
    let dir = tempdir();
    for style in ["summary", "statement", "fx"] {
        let data = dir.path().join(style);
        let out = dir.path().join(format!("{style}-out"));
        let g = run_generate(&data, "20000", &["--seed", "5", "--ledger-style", style]);
        assert_eq!(g.code, 0, "{style}: {}", g.stderr);
        let r = reconcile_month(
            &data,
            &out,
            &["--config", data.join("cardrecon.toml").to_str().unwrap()],
        );
        assert_eq!(r.code, 1, "{style}: {}", r.stderr);
        let expected = labels(&data.join("labels.csv"));
        assert_eq!(found(&out.join("results.csv")), expected, "{style}");
        let count = |c: &str| expected.iter().filter(|k| k.0 == c).count();
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["balance"]["balanced"], true, "{style}");
        match style {
            // Four providers: a line 0.02 off and a group with no line each; the rest agree.
            "summary" => {
                assert_eq!(
                    (count("summary_mismatch"), count("summary_missing")),
                    (4, 4)
                );
                assert!(count("summary_matched") > 500 && count("summarized") > 10_000);
                assert_eq!(count("missing_in_ledger"), 0);
                // The records under agreeing lines count as matched: the share is the month's.
                let s = &summary["summaries"][0];
                assert_eq!(
                    s["lines_agree"].as_u64(),
                    Some(count("summary_matched") as u64)
                );
                assert_eq!(
                    s["records_in_lines"].as_u64(),
                    Some(count("summarized") as u64)
                );
                let rate: f64 = summary["matched_rate_by_count"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(rate > 80.0, "{rate}");
            }
            // Statement lines paired by the rule are matched rows; the rule says how many.
            "statement" => {
                let paired = summary["rules"][0]["paired"].as_u64().unwrap();
                assert!(paired > 5_000, "{}", summary["rules"]);
                assert_eq!(summary["rules"][0]["ambiguous"], 0);
            }
            // USD spend booked in EUR: converted pairs, and the FX difference they leave.
            _ => {
                let pairs = summary["fx"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["provider_currency"] == "USD" && l["ledger_currency"] == "EUR")
                    .map(|l| l["pairs"].as_u64().unwrap())
                    .unwrap_or(0);
                assert!(pairs > 5_000, "{}", summary["fx"]);
                assert_eq!(count("currency_mismatch"), 0);
            }
        }
    }
}

#[test]
fn dst_months_in_new_york_and_london_equal_labels() {
    for (period, zone) in [
        ("2026-03", "America/New_York"),
        ("2026-11", "America/New_York"),
        ("2026-10", "Europe/London"),
    ] {
        let dir = tempdir();
        let r = generate_and_reconcile(dir.path(), 3_000, 5, period, zone);
        assert_eq!(r.code, 1, "{period} {zone}: {}", r.stderr);
        assert_eq!(
            found(&dir.path().join("out/results.csv")),
            labels(&dir.path().join("data/labels.csv")),
            "{period} {zone}"
        );
        assert_links_equal_labels(&dir.path().join("data"), &dir.path().join("out"));
    }
}

#[test]
fn same_inputs_give_byte_identical_outputs() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let g = run_generate(&data, "2000", &["--seed", "3"]);
    assert_eq!(g.code, 0);
    let again = dir.path().join("data2");
    run_generate(&again, "2000", &["--seed", "3"]);
    for f in [
        "ledger.csv",
        "labels.csv",
        "link_labels.csv",
        "providers/txv3/transactions.jsonl",
        "providers/cardapp/trades.jsonl",
    ] {
        assert_eq!(
            std::fs::read(data.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "generate {f}"
        );
    }
    let mut outputs = Vec::new();
    for n in 0..2 {
        let out = dir.path().join(format!("out{n}"));
        let providers = data.join("providers");
        let ledger = data.join("ledger.csv");
        let r = run_reconcile(&providers, &ledger, "2026-03", "Europe/London", &out, &[]);
        assert_eq!(r.code, 1);
        outputs.push(out);
    }
    for f in [
        "results.csv",
        "discrepancies.csv",
        "summary.json",
        "links.csv",
        "cards.csv",
    ] {
        assert_eq!(
            std::fs::read(outputs[0].join(f)).unwrap(),
            std::fs::read(outputs[1].join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn the_xlsx_ledger_reconciles_like_the_csv() {
    let dir = tempdir();
    let data = dir.path().join("data");
    assert_eq!(run_generate(&data, "1500", &["--seed", "9"]).code, 0);
    let mut results = BTreeMap::new();
    for ledger in ["ledger.csv", "ledger.xlsx"] {
        let out = dir.path().join(ledger);
        let providers = data.join("providers");
        let r = run_reconcile(
            &providers,
            &data.join(ledger),
            "2026-03",
            "Europe/London",
            &out,
            &[],
        );
        assert_eq!(r.code, 1, "{ledger}: {}", r.stderr);
        // Sources differ by file name; everything else must be equal.
        results.insert(
            ledger,
            std::fs::read_to_string(out.join("results.csv")).unwrap(),
        );
    }
    assert_eq!(results["ledger.csv"], results["ledger.xlsx"]);
}

#[test]
fn committed_sample_month_equals_its_labels() {
    let dir = tempdir();
    let sample = repo_path("sample-data");
    let out = dir.path().join("out");
    let r = run(&[
        "reconcile",
        "--provider-data",
        sample.join("providers").to_str().unwrap(),
        "--config",
        sample.join("cardrecon.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        found(&out.join("results.csv")),
        labels(&sample.join("labels.csv"))
    );
    assert_links_equal_labels(&sample, &out);
    assert_cards_equal_labels(&sample, &out);
}

/// A run's `normalized/` tables re-reconcile to the same results: the instants are stored as
/// UTC (not as naive wall time, which shifted everything after the March DST change by an hour),
/// and `--outputs` writes only what it names.
#[test]
fn normalized_parquet_tables_reconcile_to_the_same_results() {
    let dir = tempdir();
    let r = generate_and_reconcile(dir.path(), 3_000, 21, "2026-03", "Europe/London");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let norm = dir.path().join("out/normalized");
    let again = dir.path().join("again");
    let r = run_reconcile(
        &norm.join("provider_records.parquet"),
        &norm.join("ledger_entries.parquet"),
        "2026-03",
        "Europe/London",
        &again,
        &["--outputs", "csv,json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_same_file(
        &dir.path().join("out/results.csv"),
        &again.join("results.csv"),
    );
    let mut written: Vec<String> = std::fs::read_dir(&again)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "cards.csv",
            "discrepancies.csv",
            "links.csv",
            "results.csv",
            "summary.json"
        ]
    );
    // A file that is not a provider_records table is refused with its name and the column.
    let r = run(&[
        "reconcile",
        "--provider-data",
        norm.join("ledger_entries.parquet").to_str().unwrap(),
        "--ledger",
        norm.join("ledger_entries.parquet").to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("ledger_entries.parquet")
            && r.stderr.contains("column `related_tx_id` is missing"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "reconcile",
        "--provider-data",
        "x",
        "--ledger",
        "y.csv",
        "--period",
        "2026-03",
        "--out",
        "z",
        "--outputs",
        "csv,pdf",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown output `pdf`"), "{}", r.stderr);
}
