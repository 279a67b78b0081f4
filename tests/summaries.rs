//! `[[matching.summaries]]` (issue 29, part 1): a general ledger of daily settlement journals,
//! one line per provider, day, currency (and kind), compared with the sum of the records it
//! covers.

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::matching::summaries::MatchSummary;
use cardrecon::model::{Kind, LedgerEntry, ProviderRecord, Status};
use cardrecon::results::{ResultRow, ResultRows};
use chrono_tz::UTC;

use crate::util::*;

fn settlement(by_kind: bool, tolerance: Option<&str>) -> MatchSummary {
    MatchSummary {
        name: "daily settlement".into(),
        ledger_kind: "settlement".into(),
        by_provider: true,
        by_kind,
        kinds: vec!["consumption".into(), "refund".into(), "fee".into()],
        tolerance: tolerance.map(dec),
    }
}

fn spent(provider: &str, tx: &str, kind: Kind, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec(provider, tx, amount, utc(when));
    r.kind = kind;
    r
}

/// A journal line: no tx id, booked in the `settlement` journal.
fn line(id: &str, provider: &str, kind: Option<Kind>, amount: &str, when: &str) -> LedgerEntry {
    let mut e = entry(id, provider, "", amount, utc(when));
    e.journal = Some("settlement".into());
    e.kind = kind;
    e
}

fn by_entry<'r>(rows: &'r [ResultRow], entry: &str) -> &'r ResultRow {
    rows.iter()
        .find(|r| r.ledger_entry_id.as_deref() == Some(entry))
        .unwrap_or_else(|| panic!("no row for {entry}"))
}

#[test]
fn a_daily_journal_is_compared_line_by_line_with_the_sum_of_its_records() {
    use Kind::*;
    let records = vec![
        // usertrans, 5 March: two purchases and a fee, each kind its own line.
        spent(
            "usertrans",
            "U1",
            Consumption,
            "10.00",
            "2026-03-05 09:00:00",
        ),
        spent(
            "usertrans",
            "U2",
            Consumption,
            "20.50",
            "2026-03-05 17:00:00",
        ),
        spent("usertrans", "U3", Fee, "1.00", "2026-03-05 17:00:01"),
        // keysecure, 5 March: the line is 0.02 off, the tolerance 0.01.
        spent(
            "keysecure",
            "K1",
            Consumption,
            "5.00",
            "2026-03-05 12:00:00",
        ),
        // usertrans, 6 March: no line at all.
        spent(
            "usertrans",
            "U4",
            Consumption,
            "7.00",
            "2026-03-06 10:00:00",
        ),
        spent(
            "usertrans",
            "U5",
            Consumption,
            "3.00",
            "2026-03-06 11:00:00",
        ),
        // Booked on its own with its tx id: matched to that entry, not summed again.
        spent(
            "usertrans",
            "U9",
            Consumption,
            "4.00",
            "2026-03-05 10:00:00",
        ),
        // Pending: not in a day's settlement.
        {
            let mut r = spent(
                "usertrans",
                "U8",
                Consumption,
                "2.00",
                "2026-03-05 11:00:00",
            );
            r.status = Status::Pending;
            r.status_raw = "Pending".into();
            r
        },
    ];
    let entries = vec![
        line(
            "L1",
            "usertrans",
            Some(Consumption),
            "30.50",
            "2026-03-05 23:00:00",
        ),
        line("L2", "usertrans", Some(Fee), "1.00", "2026-03-05 23:00:00"),
        line(
            "L3",
            "keysecure",
            Some(Consumption),
            "5.02",
            "2026-03-05 23:00:00",
        ),
        // A line with no records: missing at the provider, as any entry alone.
        line(
            "L4",
            "usertrans",
            Some(Consumption),
            "12.00",
            "2026-03-09 23:00:00",
        ),
        entry("E9", "usertrans", "U9", "4.00", utc("2026-03-05 10:05:00")),
    ];
    let mut opts = options("2026-03");
    opts.summaries = vec![settlement(true, Some("0.01"))];
    let df = engine_frame(&records, &entries, UTC, &opts);
    let rows = ResultRows::new(&df).unwrap();
    let all: Vec<ResultRow> = (0..rows.len()).map(|i| rows.row(i)).collect();
    assert_eq!(
        triples(&all),
        vec![
            t("matched", "U9", "E9"),
            t("missing_at_provider", "", "L4"),
            t("pending_not_booked", "U8", ""),
            t("summarized", "K1", ""),
            t("summarized", "U1", ""),
            t("summarized", "U2", ""),
            t("summarized", "U3", ""),
            t("summary_matched", "", "L1"),
            t("summary_matched", "", "L2"),
            t("summary_mismatch", "", "L3"),
            t("summary_missing", "", ""),
        ]
    );
    // The line's row: the records' sum as the provider amount, the line's, the difference.
    let l1 = by_entry(&all, "L1");
    assert_eq!(
        (l1.provider_amount, l1.ledger_amount, l1.amount_difference),
        (Some(dec("30.50")), Some(dec("30.50")), Some(dec("0")))
    );
    assert_eq!(l1.match_size, Some(2));
    assert_eq!(
        l1.detail,
        "`daily settlement` line of 2 records: 30.50 USD, booked 30.50; agrees"
    );
    let l3 = by_entry(&all, "L3");
    assert_eq!(
        (l3.provider_amount, l3.ledger_amount, l3.amount_difference),
        (Some(dec("5.00")), Some(dec("5.02")), Some(dec("-0.02")))
    );
    assert_eq!(
        l3.detail,
        "`daily settlement` line of 1 record: 5.00 USD, booked 5.02; difference -0.02, beyond 0.01"
    );
    assert!(l3.diffs.amount, "the amount cell is highlighted");
    // Each record under its line carries the line's match id.
    let u1 = row(&all, "U1", "");
    assert_eq!(u1.match_id, l1.match_id);
    assert!(l1.match_id.is_some());
    assert_eq!(row(&all, "U2", "").match_id, l1.match_id);
    assert_eq!(row(&all, "U3", "").match_id, by_entry(&all, "L2").match_id);
    assert_ne!(row(&all, "U3", "").match_id, l1.match_id);
    assert_eq!(
        u1.detail,
        "in a `daily settlement` line (its row, same match id, compares the sum)"
    );
    assert_eq!(u1.provider_amount, Some(dec("10.00")));
    assert_eq!(u1.amount_difference, None);
    // The group with no line: one row, its sum, count and day, no record's own fields.
    let missing = all
        .iter()
        .find(|r| r.category.as_str() == "summary_missing")
        .unwrap();
    assert_eq!(
        (
            missing.provider.as_deref(),
            missing.kind.as_deref(),
            missing.currency.as_deref(),
            missing.provider_day,
            missing.provider_amount,
            missing.match_size,
            missing.tx_id.as_deref(),
        ),
        (
            Some("usertrans"),
            Some("consumption"),
            Some("USD"),
            Some(day(2026, 3, 6)),
            Some(dec("10.00")),
            Some(2),
            None
        )
    );
    assert_eq!(
        missing.detail,
        "`daily settlement`: no line for 2 records of usertrans consumption on 2026-03-06, 10.00 USD"
    );
    // Lines sort where they are booked, their records right under them.
    let order: Vec<String> = all
        .iter()
        .filter(|r| r.provider.as_deref() == Some("usertrans"))
        .map(|r| {
            r.ledger_entry_id
                .clone()
                .or(r.tx_id.clone())
                .unwrap_or_else(|| r.category.as_str().into())
        })
        .collect();
    assert_eq!(
        order,
        [
            "E9",
            "U8",
            "L1",
            "U1",
            "U2",
            "L2",
            "U3",
            "summary_missing",
            "L4"
        ]
    );
    // Every record is in one row: the group's row holds its two.
    let summary = cardrecon::report::summary::build(
        &rows,
        &cardrecon::report::summary::RunFacts {
            period: "2026-03".into(),
            timezone: "UTC".into(),
            margin_days: 3,
            amount_tolerance: dec("0"),
            tolerance: "0".into(),
        },
        Default::default(),
        cardrecon::report::summary::LedgerStats {
            file: "l.csv".into(),
            entries: entries.len(),
            skipped_rows: Vec::new(),
        },
        Vec::new(),
    );
    let b = &summary.balance;
    assert_eq!(
        (
            b.rows,
            b.provider_items,
            b.ledger_items,
            b.pairs,
            b.folded,
            b.balanced
        ),
        (11, 8, 5, 1, 1, true)
    );
    assert_eq!(
        summary.discrepancies, 3,
        "mismatch, missing line, missing at provider"
    );
}

#[test]
fn a_net_line_subtracts_refunds_in_either_sign_convention() {
    use Kind::*;
    let records = vec![
        spent(
            "usertrans",
            "U1",
            Consumption,
            "100.00",
            "2026-03-05 09:00:00",
        ),
        spent(
            "usertrans",
            "U2",
            Consumption,
            "50.00",
            "2026-03-05 10:00:00",
        ),
        spent("usertrans", "U3", Refund, "30.00", "2026-03-05 11:00:00"),
        spent("usertrans", "U4", Fee, "2.00", "2026-03-05 12:00:00"),
        // The next day: refunds beyond purchases, and no line.
        spent("usertrans", "U5", Refund, "8.00", "2026-03-06 12:00:00"),
        spent(
            "usertrans",
            "U6",
            Consumption,
            "5.00",
            "2026-03-06 13:00:00",
        ),
    ];
    for (signed, booked) in [(false, "122.00"), (true, "-122.00")] {
        let entries = vec![line("N1", "usertrans", None, booked, "2026-03-05 23:00:00")];
        let mut opts = options("2026-03");
        opts.signed_ledger = signed;
        opts.summaries = vec![settlement(false, None)];
        let all = run_engine(&records, &entries, UTC, &opts);
        assert_eq!(
            triples(&all),
            vec![
                t("summarized", "U1", ""),
                t("summarized", "U2", ""),
                t("summarized", "U3", ""),
                t("summarized", "U4", ""),
                t("summary_matched", "", "N1"),
                t("summary_missing", "", ""),
            ],
            "signed ledger: {signed}"
        );
        let n1 = by_entry(&all, "N1");
        assert_eq!(
            (n1.provider_amount, n1.ledger_amount, n1.amount_difference),
            (Some(dec("122.00")), Some(dec(booked)), Some(dec("0")))
        );
        assert_eq!(
            n1.detail,
            format!(
                "`daily settlement` line of 4 records: net 122.00 USD, booked {booked}; agrees"
            )
        );
        let missing = all
            .iter()
            .find(|r| r.category.as_str() == "summary_missing")
            .unwrap();
        assert_eq!(
            (missing.kind.as_deref(), missing.provider_amount),
            (None, Some(dec("-3.00"))),
            "a day's net has no kind: 5.00 spent less 8.00 refunded"
        );
        assert_eq!(
            missing.detail,
            "`daily settlement`: no line for 2 records of usertrans on 2026-03-06, net -3.00 USD"
        );
        // At stake: the net the other way round (money back to the cards).
        let e = cardrecon::results::exposure::Exposure::of(missing, missing.category);
        assert_eq!(e.at_stake, Some(dec("3.00")));
    }
}

#[test]
fn summaries_are_read_from_the_configuration_and_lines_from_the_journal_column() {
    let dir = tempdir();
    let d = dir.path();
    let records = vec![
        spent(
            "usertrans",
            "U1",
            Kind::Consumption,
            "10.00",
            "2026-03-05 09:00:00",
        ),
        spent(
            "usertrans",
            "U2",
            Kind::Consumption,
            "20.00",
            "2026-03-05 10:00:00",
        ),
        spent(
            "usertrans",
            "U3",
            Kind::Consumption,
            "1.00",
            "2026-03-06 10:00:00",
        ),
    ];
    let mut p = cardrecon::normalize::provider_frame(&records, UTC).unwrap();
    let provider = d.join("provider_records.parquet");
    cardrecon::normalize::write_parquet(&mut p, &provider).unwrap();
    let ledger = d.join("gl.csv");
    std::fs::write(
        &ledger,
        "Doc,Journal,Provider,Kind,Amount,Currency,Status,Posted\nJE-1,SETL,usertrans,consumption,30.02,USD,success,2026-03-05T23:59:00Z\n",
    )
    .unwrap();
    let config = d.join("cardrecon.toml");
    let text = "timezone = \"UTC\"\n[ledger.columns]\nentry_id = \"Doc\"\njournal = \"Journal\"\nprovider = \"Provider\"\nkind = \"Kind\"\namount = \"Amount\"\ncurrency = \"Currency\"\nstatus = \"Status\"\nbooked_at = \"Posted\"\n[[matching.summaries]]\nname = \"daily settlement\"\nledger_kind = \"SETL\"\ngroup_by = [\"provider\", \"day\", \"currency\", \"kind\"]\nkinds = [\"consumption\"]\ntolerance = \"0.01\"\n";
    std::fs::write(&config, text).unwrap();
    let s = Settings::resolve(&toml::from_str::<ConfigFile>(text).unwrap(), "t.toml").unwrap();
    assert_eq!(
        s.matching.summaries,
        vec![MatchSummary {
            name: "daily settlement".into(),
            ledger_kind: "SETL".into(),
            by_provider: true,
            by_kind: true,
            kinds: vec!["consumption".into()],
            tolerance: Some(dec("0.01")),
        }]
    );
    let out = d.join("out");
    let r = run_reconcile(
        &provider,
        &ledger,
        "2026-03",
        "UTC",
        &out,
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "discrepancies found: {}", r.stderr);
    let csv = read_csv(&out.join("results.csv"));
    let cells: Vec<(String, String, String, String, String)> = csv
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                r[3].clone(),
                r[5].clone(),
                r[6].clone(),
                r[8].clone(),
            )
        })
        .collect();
    let row = |c: &str, tx: &str, e: &str, p: &str, d: &str| {
        (
            c.to_string(),
            tx.to_string(),
            e.to_string(),
            p.to_string(),
            d.to_string(),
        )
    };
    assert_eq!(
        cells,
        vec![
            row("summary_mismatch", "", "JE-1", "30.00", "-0.02"),
            row("summarized", "U1", "", "10.00", ""),
            row("summarized", "U2", "", "20.00", ""),
            row("summary_missing", "", "", "1.00", ""),
        ]
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["by_category"]["summary_mismatch"], 1);
    assert_eq!(summary["by_category"]["summarized"], 2);
    assert_eq!(summary["by_category"]["summary_missing"], 1);
    assert_eq!(summary["balance"]["balanced"], true);
    assert_eq!(
        summary["summaries"],
        serde_json::json!([{"name": "daily settlement", "lines_agree": 0, "lines_differ": 1, "groups_without_line": 1, "records_in_lines": 2, "records_in_agreeing_lines": 0, "agreeing_amount": {}}])
    );
    assert_eq!(summary["matched_rate_by_count"], "0.00");
    // The discrepancies: the line that differs and the group with no line.
    let disc = read_csv(&out.join("discrepancies.csv"));
    assert_eq!(disc.len(), 2);
    // `explain` on the line shows the records it covers, and says how they were put together.
    let x = run(&["explain", "--run", out.to_str().unwrap(), "JE-1"]);
    assert_eq!(x.code, 0, "{}", x.stderr);
    for words in [
        "Summary line differs: `daily settlement` line of 2 records: 30.00 USD, booked 30.02",
        "how: a summary journal's line, compared with the sum of the records it covers",
        "In a summary line: in a `daily settlement` line",
        "how: covered by a summary journal's line",
        "U1",
        "U2",
    ] {
        assert!(x.stdout.contains(words), "{words}: {}", x.stdout);
    }
    assert!(!x.stdout.contains("U3"), "{}", x.stdout);
    // The workbook lists each line with its records under it, on a sheet of their own.
    {
        use calamine::{open_workbook, Reader, Xlsx};
        let mut book: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
        let sheet = book.worksheet_range("Summaries").unwrap();
        let column: Vec<String> = (1..sheet.height())
            .map(|r| {
                let c = |k: u32| {
                    sheet
                        .get((r, k as usize))
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                };
                format!("{}|{}|{}", c(0), c(3), c(4))
            })
            .collect();
        assert_eq!(
            column,
            [
                "Summary line differs|JE-1|",
                "In a summary line||U1",
                "In a summary line||U2",
                "No summary line||",
            ]
        );
    }
    // With a store: the differing line and the group with no line are items like any other,
    // found again (not new) by a second run of the month.
    let store = format!("sqlite:{}", d.join("recon.db").display());
    let items = |name: &str| {
        let r = run_reconcile(
            &provider,
            &ledger,
            "2026-03",
            "UTC",
            &d.join(name),
            &["--config", config.to_str().unwrap(), "--store", &store],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        let list = run(&[
            "items", "--store", &store, "--status", "open", "--format", "csv",
        ]);
        assert_eq!(list.code, 0, "{}", list.stderr);
        let mut rd = csv::Reader::from_reader(list.stdout.as_bytes());
        let h: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let (id, cat, entry, amount) = (
            col("item_id"),
            col("category"),
            col("ledger_entry_id"),
            col("at_stake"),
        );
        let mut v: Vec<(String, String, String, String)> = rd
            .records()
            .map(|r| {
                let r = r.unwrap();
                (
                    r[cat].to_string(),
                    r[entry].to_string(),
                    r[amount].to_string(),
                    r[id].to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let first = items("store-1");
    assert_eq!(
        first
            .iter()
            .map(|(c, e, a, _)| (c.as_str(), e.as_str(), a.as_str()))
            .collect::<Vec<_>>(),
        [
            ("summary_mismatch", "JE-1", "-0.02"),
            ("summary_missing", "", "-1.00")
        ]
    );
    assert_eq!(items("store-2"), first, "the same items, seen again");
    // A ledger without the journal column is refused by name.
    let plain = d.join("plain.csv");
    std::fs::write(
        &plain,
        "Doc,Provider,Kind,Amount,Currency,Status,Posted\nJE-1,usertrans,consumption,30.02,USD,success,2026-03-05T23:59:00Z\n",
    )
    .unwrap();
    let text2 = text.replace("journal = \"Journal\"\n", "");
    let s2 = Settings::resolve(&toml::from_str::<ConfigFile>(&text2).unwrap(), "t.toml").unwrap();
    let e = cardrecon::ledger::load_frame(&plain, &s2, UTC).unwrap_err();
    assert!(e.to_string().contains("no `journal` column"), "{e}");
    // Each mistake named by its key.
    let settings = |t: &str| Settings::resolve(&toml::from_str::<ConfigFile>(t).unwrap(), "t.toml");
    for (text, key, words) in [
        ("[[matching.summaries]]\nledger_kind = \"S\"\ngroup_by = [\"day\", \"currency\"]\n", "matching.summaries[0].name", "is required"),
        ("[[matching.summaries]]\nname = \"x\"\ngroup_by = [\"day\", \"currency\"]\n", "matching.summaries[0].ledger_kind", "is required"),
        ("[[matching.summaries]]\nname = \"x\"\nledger_kind = \"S\"\n", "matching.summaries[0].group_by", "is required"),
        ("[[matching.summaries]]\nname = \"x\"\nledger_kind = \"S\"\ngroup_by = [\"provider\", \"day\"]\n", "matching.summaries[0].group_by", "`currency`"),
        ("[[matching.summaries]]\nname = \"x\"\nledger_kind = \"S\"\ngroup_by = [\"day\", \"currency\"]\nkinds = [\"purchase\"]\n", "matching.summaries[0].kinds", "`purchase` is not a kind"),
        ("[[matching.summaries]]\nname = \"x\"\nledger_kind = \"S\"\ngroup_by = [\"day\", \"currency\"]\ntolerance = \"-1\"\n", "matching.summaries[0].tolerance", "cannot be negative"),
        ("[[matching.summaries]]\nname = \"x\"\nledger_kind = \"S\"\ngroup_by = [\"day\", \"currency\"]\n[[matching.summaries]]\nname = \"y\"\nledger_kind = \"S\"\ngroup_by = [\"day\", \"currency\"]\n", "matching.summaries[1].ledger_kind", "already the lines of summary `x`"),
    ] {
        let e = settings(text).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(words), "{text}: {e}");
    }
}

/// A journal kept in EUR for spend in USD and GBP: each day's USD records are compared with the
/// EUR line at that day's rate (the same conversion as a pair's); a currency with no rate is a
/// group with no line, and says why.
#[test]
fn a_line_in_the_functional_currency_is_compared_at_the_days_rate() {
    let dir = tempdir();
    let rates = dir.path().join("rates.csv");
    // Friday only: Sunday uses it (two days older).
    std::fs::write(&rates, "date,base,quote,rate\n2026-03-06,EUR,USD,1.0800\n").unwrap();
    let usd = |tx: &str, amount: &str, when: &str| {
        let mut r = spent("usertrans", tx, Kind::Consumption, amount, when);
        r.currency = "USD".into();
        r
    };
    let mut gbp = usd("G1", "10.00", "2026-03-08 09:00:00");
    gbp.currency = "GBP".into();
    let records = vec![
        usd("U1", "54.00", "2026-03-08 10:00:00"),
        usd("U2", "54.00", "2026-03-08 11:00:00"),
        gbp,
    ];
    let mut eur = line(
        "F1",
        "usertrans",
        Some(Kind::Consumption),
        "100.30",
        "2026-03-08 23:00:00",
    );
    eur.currency = "EUR".into();
    let mut opts = options("2026-03");
    opts.fx = Some(cardrecon::matching::fx::Fx::read(&rates, "0.005".parse().unwrap(), 7).unwrap());
    opts.summaries = vec![settlement(true, Some("0.00"))];
    let all = run_engine(&records, &[eur], UTC, &opts);
    assert_eq!(
        triples(&all),
        vec![
            t("summarized", "U1", ""),
            t("summarized", "U2", ""),
            t("summary_matched", "", "F1"),
            t("summary_missing", "", ""),
        ]
    );
    let f1 = by_entry(&all, "F1");
    // 108 USD at 1.08 is 100 EUR; booked 100.30, within half a percent of it.
    assert_eq!(
        (
            f1.provider_amount,
            f1.ledger_amount,
            f1.amount_difference,
            f1.currency.as_deref()
        ),
        (
            Some(dec("100")),
            Some(dec("100.30")),
            Some(dec("-0.30")),
            Some("EUR")
        )
    );
    assert_eq!(
        f1.detail,
        "`daily settlement` line of 2 records: 100.00 EUR (108.00 USD at 0.92592593 (the rate of 2026-03-06) is 100.00 EUR), booked 100.30; difference -0.30, within 0.50"
    );
    let g = all
        .iter()
        .find(|r| r.category.as_str() == "summary_missing")
        .unwrap();
    assert_eq!(g.currency.as_deref(), Some("GBP"));
    assert!(
        g.detail.ends_with(&format!(
            " GBP (a EUR line of this group exists, but there is no GBP→EUR rate on or before 2026-03-08 (at most 7 days older) in {})",
            rates.display()
        )),
        "{}",
        g.detail
    );
}
