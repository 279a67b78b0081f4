//! `[fx]` (issue 29, part 3): a ledger kept in EUR for card spend in USD, compared at the day's
//! rate.

use cardrecon::matching::fx::Fx;
use cardrecon::model::{LedgerEntry, ProviderRecord};
use cardrecon::results::ResultRows;
use chrono_tz::UTC;

use crate::util::*;

fn spent(tx: &str, currency: &str, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec("txv3", tx, amount, utc(when));
    r.currency = currency.into();
    r
}

fn booked(id: &str, tx: &str, amount: &str, when: &str) -> LedgerEntry {
    let mut e = entry(id, "txv3", tx, amount, utc(when));
    e.currency = "EUR".into();
    e
}

#[test]
fn pairs_in_two_currencies_are_compared_at_the_days_rate() {
    let dir = tempdir();
    let rates = dir.path().join("rates.csv");
    // Friday and Tuesday: no rate on the weekend or on Monday.
    std::fs::write(
        &rates,
        "date,base,quote,rate\n2026-03-06,EUR,USD,1.0800\n2026-03-10,EUR,USD,1.0900\n",
    )
    .unwrap();
    let records = vec![
        // Friday, Friday's rate: 108 USD is 100 EUR; booked 100.20, within half a percent.
        spent("T1", "USD", "108.00", "2026-03-06 12:00:00"),
        // Sunday, Friday's rate: 54 USD is 50 EUR; booked 49.00, 2% off.
        spent("T2", "USD", "54.00", "2026-03-08 12:00:00"),
        // No GBP rate at all.
        spent("T3", "GBP", "10.00", "2026-03-09 12:00:00"),
        // Monday: Friday's rate, three days older.
        spent("T4", "USD", "108.00", "2026-03-09 12:00:00"),
        // Same currency: as always.
        spent("T5", "EUR", "7.00", "2026-03-11 12:00:00"),
    ];
    let entries = vec![
        booked("E1", "T1", "100.20", "2026-03-06 18:00:00"),
        booked("E2", "T2", "49.00", "2026-03-08 18:00:00"),
        booked("E3", "T3", "11.50", "2026-03-09 18:00:00"),
        booked("E4", "T4", "100.00", "2026-03-09 18:00:00"),
        booked("E5", "T5", "7.00", "2026-03-11 18:00:00"),
    ];
    let mut opts = options("2026-03");
    opts.fx = Some(Fx::read(&rates, "0.005".parse().unwrap(), 7).unwrap());
    let df = engine_frame(&records, &entries, UTC, &opts);
    let rows = ResultRows::new(&df).unwrap();
    let all: Vec<_> = (0..rows.len()).map(|i| rows.row(i)).collect();
    assert_eq!(
        triples(&all),
        vec![
            t("amount_mismatch", "T2", "E2"),
            t("currency_mismatch", "T3", "E3"),
            t("matched", "T1", "E1"),
            t("matched", "T4", "E4"),
            t("matched", "T5", "E5"),
        ]
    );
    // Each record is booked by the entry of its number (T1 by E1, ...).
    let detail = |tx: &str| row(&all, tx, &tx.replace('T', "E")).detail.clone();
    assert_eq!(
        detail("T1"),
        "converted at 0.92592593 USD→EUR (the rate of 2026-03-06): 108.00 USD is 100.00 EUR, booked 100.20 EUR; FX difference 0.20 EUR, within 0.005 of it"
    );
    assert_eq!(
        detail("T2"),
        "converted at 0.92592593 USD→EUR (the rate of 2026-03-06): 54.00 USD is 50.00 EUR, booked 49.00 EUR; FX difference -1.00 EUR, beyond the relative tolerance 0.005"
    );
    let rates_name = rates.display().to_string();
    assert_eq!(
        detail("T3"),
        format!("currency: provider GBP, ledger EUR; no GBP→EUR rate on or before 2026-03-09 (at most 7 days older) in {rates_name}")
    );
    assert!(
        detail("T4").contains("(the rate of 2026-03-06)"),
        "{}",
        detail("T4")
    );
    assert_eq!(detail("T5"), "");
    // What accounting books as FX gain or loss, per currency pair.
    let fx = cardrecon::report::summary::fx_lines(&rows);
    assert_eq!(fx.len(), 1);
    assert_eq!(
        (
            fx[0].provider_currency.as_str(),
            fx[0].ledger_currency.as_str(),
            fx[0].pairs
        ),
        ("USD", "EUR", 3)
    );
    assert_eq!(fx[0].difference.normalize().to_string(), "-0.8");
}

#[test]
fn a_rates_file_with_a_bad_row_is_named_by_line_and_column() {
    let dir = tempdir();
    let rates = dir.path().join("rates.csv");
    std::fs::write(
        &rates,
        "date,base,quote,rate\n2026-03-06,EUR,USD,1.08\n2026-03-09,EUR,USD,-1\n",
    )
    .unwrap();
    let e = Fx::read(&rates, "0.005".parse().unwrap(), 7)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 3") && e.contains("`rate`") && e.contains("not a positive rate"),
        "{e}"
    );
    std::fs::write(&rates, "day,from,to,rate\n").unwrap();
    let e = Fx::read(&rates, "0.005".parse().unwrap(), 7)
        .unwrap_err()
        .to_string();
    assert!(e.contains("date,base,quote,rate"), "{e}");
}

/// From the command line: `[fx]` and a rule in the config file (the rates file beside it), a EUR
/// statement ledger without ids; `summary.json` and the Summary sheet say what each did.
#[test]
fn the_config_file_turns_fx_and_rules_on_and_the_summary_says_what_they_did() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(
        d.join("rates.csv"),
        "date,base,quote,rate\n2026-03-06,EUR,USD,1.0800\n",
    )
    .unwrap();
    let mut r1 = spent("T1", "USD", "108.00", "2026-03-06 12:00:00");
    r1.provider = "usertrans".into();
    let mut r2 = spent("T2", "USD", "54.00", "2026-03-06 13:00:00");
    r2.provider = "usertrans".into();
    r2.card_masked = Some("448533******1111".into());
    let mut p = cardrecon::normalize::provider_frame(&[r1, r2], UTC).unwrap();
    let records = d.join("provider_records.parquet");
    cardrecon::normalize::write_parquet(&mut p, &records).unwrap();
    let ledger = d.join("statement.csv");
    std::fs::write(
        &ledger,
        "entry_id,card,amount,currency,status,booked_at,description\nS1,**** 6937,100.10,EUR,success,2026-03-06T18:00:00Z,SHOP\nS2,**** 1111,50.00,EUR,success,2026-03-06T19:00:00Z,SHOP\n",
    )
    .unwrap();
    let config = d.join("cardrecon.toml");
    std::fs::write(
        &config,
        "timezone = \"UTC\"\n[fx]\nrates = \"rates.csv\"\n[[matching.rules]]\nname = \"card and day\"\nmatch_on = [\"card\"]\n",
    )
    .unwrap();
    let out = d.join("out");
    let reconciled = run_reconcile(
        &records,
        &ledger,
        "2026-03",
        "UTC",
        &out,
        &["--config", config.to_str().unwrap(), "--exit-zero"],
    );
    assert_eq!(reconciled.code, 0, "{}", reconciled.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["by_category"]["matched"], 2);
    assert_eq!(
        summary["rules"],
        serde_json::json!([{"name": "card and day", "paired": 2, "ambiguous": 0}])
    );
    assert_eq!(
        summary["fx"],
        serde_json::json!([{"provider_currency": "USD", "ledger_currency": "EUR", "pairs": 2, "difference": "0.10"}])
    );
    // Only summary.json: the same rules' counts and FX lines (the rows are still made for them).
    let json_only = d.join("json-only");
    let again = run_reconcile(
        &records,
        &ledger,
        "2026-03",
        "UTC",
        &json_only,
        &[
            "--config",
            config.to_str().unwrap(),
            "--outputs",
            "json",
            "--exit-zero",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let alone: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json_only.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        (&alone["rules"], &alone["fx"]),
        (&summary["rules"], &summary["fx"])
    );
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Summary").unwrap();
    let find = |text: &str| {
        sheet
            .cells()
            .find(|(_, _, v)| matches!(v, Data::String(s) if s == text))
            .map(|(r, c, _)| (r, c))
    };
    let (r, c) = find("USD → EUR").expect("the FX line on the Summary sheet");
    assert_eq!(sheet.get((r, c + 1)), Some(&Data::Float(2.0)));
    assert_eq!(sheet.get((r, c + 2)), Some(&Data::Float(0.1)));
    let (r, c) = find("card and day").expect("the rule's line on the Summary sheet");
    assert_eq!(sheet.get((r, c + 1)), Some(&Data::Float(2.0)));
    // `explain` says how the pair was made: by the rule, not by a key.
    let e = run(&["explain", "--run", out.to_str().unwrap(), "T1"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stdout
            .contains("how: matched by a configured rule (named in the detail)")
            && e.stdout.contains("matched by rule `card and day`")
            && e.stdout.contains("converted at 0.92592593 USD→EUR"),
        "{}",
        e.stdout
    );
}
