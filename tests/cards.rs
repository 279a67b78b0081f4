//! The card roll-forward through the binary: cardapp's card list in two months' files, with a
//! store in between: the first month only records the list, the second rolls it forward with
//! the month's records and finds one seeded difference and one closed card not at zero.

use std::path::{Path, PathBuf};

use crate::util::*;

/// A card-list line as cardapp sends it (with the cvv and pin the adapter must drop).
fn card(id: &str, status: i64, balance: &str) -> String {
    format!(
        r#"{{"app_id": 100001, "card_id": "{id}", "bin_id": "b1", "holder_id": "", "card_no": "4485339168269{}", "balance": {balance}, "limit": 500.0, "expiry": "03/28", "cvv": "123", "pin": "9876", "status": {status}, "use_at": "2025-11-24 02:53:47", "close_at": "", "end_at": ""}}"#,
        &id[id.len() - 3..]
    )
}

/// A card trade: 1 consumption, 2 refund, 3 fee (cardapp's wall clock, Asia/Shanghai).
fn trade(id: &str, card: &str, kind: u8, amount: &str, at: &str) -> String {
    format!(
        r#"{{"trade_id": "{id}", "card_id": "{card}", "trade_type": {kind}, "trade_result": 1, "amount": {amount}, "currency": "USD", "trade_at": "{at}"}}"#
    )
}

/// An order: 2 recharge, 3 card closure (the balance paid out); status 3 success.
fn order(id: &str, card: &str, kind: u8, amount: &str, at: &str) -> String {
    format!(
        r#"{{"order_no": "{id}", "merchant_order_no": "M-{id}", "order_type": {kind}, "order_status": 3, "card_id": "{card}", "amount": {amount}, "currency": "USD", "created_at": "{at}", "finished_at": "{at}"}}"#
    )
}

fn month(
    dir: &Path,
    name: &str,
    cards: &[String],
    trades: &[String],
    orders: &[String],
) -> PathBuf {
    let p = dir.join(name).join("cardapp");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("cards.jsonl"), cards.join("\n")).unwrap();
    std::fs::write(p.join("trades.jsonl"), trades.join("\n")).unwrap();
    std::fs::write(p.join("orders.jsonl"), orders.join("\n")).unwrap();
    dir.join(name)
}

fn ledger(dir: &Path) -> PathBuf {
    let l = dir.join("ledger.csv");
    std::fs::write(
        &l,
        "entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\n",
    )
    .unwrap();
    l
}

/// `(finding, card_id, previous_balance, expected_balance, balance, difference)` per row.
fn rows(out: &Path) -> Vec<[String; 6]> {
    read_csv(&out.join("cards.csv"))
        .into_iter()
        .map(|r| {
            [
                r[0].clone(),
                r[2].clone(),
                r[6].clone(),
                r[13].clone(),
                r[14].clone(),
                r[15].clone(),
            ]
        })
        .collect()
}

fn row(f: &str, id: &str, prev: &str, exp: &str, bal: &str, diff: &str) -> [String; 6] {
    [f, id, prev, exp, bal, diff].map(str::to_string)
}

fn cards_summary(out: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    s["cards"].clone()
}

fn two_months(store: &str) {
    let dir = tempdir();
    let l = ledger(dir.path());
    // February: the store's first list. Card 003 is already closed and at zero.
    let feb = month(
        dir.path(),
        "feb",
        &[
            card("card001", 2, "200.0"),
            card("card002", 2, "50.0"),
            card("card003", 5, "0"),
        ],
        &[],
        &[],
    );
    let out_feb = dir.path().join("out-feb");
    let r = run_reconcile(&feb, &l, "2026-02", "UTC", &out_feb, &["--store", store]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        rows(&out_feb),
        vec![
            row("", "card001", "", "", "200.00", ""),
            row("", "card002", "", "", "50.00", ""),
            row("", "card003", "", "", "0.00", ""),
        ]
    );
    let s = cards_summary(&out_feb);
    assert!(
        s["note"]
            .as_str()
            .unwrap()
            .starts_with("the store's first card list"),
        "{s}"
    );
    assert_eq!(s["findings"], 0);
    // March: card001 recharged 100, spent 30, refunded 5, charged a 1.00 fee: 274, but the
    // list says 273.00 (a seeded difference). card002 closed: its 50 paid out, at zero. card004
    // opened in March and recharged 20, listed at 20. card005 is listed closed with 12.50 left.
    let mar = month(
        dir.path(),
        "mar",
        &[
            card("card001", 2, "273.0"),
            card("card002", 5, "0"),
            card("card003", 5, "0"),
            card("card004", 2, "20.0"),
            card("card005", 5, "12.5"),
        ],
        &[
            trade("T1", "card001", 1, "30.0", "2026-03-05 12:00:00"),
            trade("T2", "card001", 2, "5.0", "2026-03-06 12:00:00"),
            trade("T3", "card001", 3, "1.0", "2026-03-07 12:00:00"),
        ],
        &[
            order("O1", "card001", 2, "100.0", "2026-03-02 12:00:00"),
            order("O2", "card002", 3, "50.0", "2026-03-10 12:00:00"),
            order("O3", "card004", 2, "20.0", "2026-03-11 12:00:00"),
        ],
    );
    let out = dir.path().join("out-mar");
    let r = run_reconcile(&mar, &l, "2026-03", "UTC", &out, &["--store", store]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        rows(&out),
        vec![
            row(
                "balance_mismatch",
                "card001",
                "200.00",
                "274.00",
                "273.00",
                "-1.00"
            ),
            row("", "card002", "50.00", "0.00", "0.00", "0.00"),
            row("", "card003", "0.00", "0.00", "0.00", "0.00"),
            row("", "card004", "0.00", "20.00", "20.00", "0.00"),
            row(
                "closed_card_not_zero",
                "card005",
                "0.00",
                "0.00",
                "12.50",
                "12.50"
            ),
        ]
    );
    let csv = read_csv(&out.join("cards.csv"));
    assert_eq!(
        &csv[0][7..13],
        ["100.00", "5.00", "30.00", "1.00", "0.00", "0.00"],
        "card001's movements: recharges, refunds, consumption, fees, withdrawals, closures"
    );
    assert_eq!(csv[1][12], "50.00", "card002's closure payout");
    assert!(csv[0][16].contains("short by 1.00 USD"), "{}", csv[0][16]);
    assert_eq!(csv[0][3], "448533******9001", "masked card");
    let s = cards_summary(&out);
    assert_eq!(s["previous_period"], "2026-02");
    assert_eq!(s["rolled_forward"], 5);
    assert_eq!(s["by_finding"]["balance_mismatch"], 1);
    assert_eq!(s["by_finding"]["closed_card_not_zero"], 1);
    // explain on a card shows its roll-forward.
    let x = run(&["explain", "--run", out.to_str().unwrap(), "card001"]);
    assert_eq!(x.code, 0, "{}", x.stderr);
    assert!(
        x.stdout.contains("200.00 at the end of 2026-02 + recharges 100.00 + refunds 5.00 - consumption 30.00 - fees 1.00 - withdrawals 0.00 - closures 0.00 = 274.00 expected; difference -1.00")
            && x.stdout.contains("balance_mismatch: the list says 273.00 USD"),
        "{}",
        x.stdout
    );
    // No cvv or pin anywhere in the outputs.
    for f in ["cards.csv", "summary.json", "report.html"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.contains("9876") && !text.contains("\"cvv\""), "{f}");
    }
}

#[test]
fn card_balances_roll_forward_across_two_months_on_sqlite() {
    let dir = tempdir();
    two_months(&format!("sqlite:{}", dir.path().join("s.db").display()));
}

#[test]
fn card_balances_roll_forward_across_two_months_on_postgres() {
    let Some(pg) = crate::store::Postgres::start() else {
        return;
    };
    two_months(&pg.url("cards"));
}

/// Without a store only closed cards are checked, and the run says so.
#[test]
fn without_a_store_only_closed_cards_are_checked() {
    let dir = tempdir();
    let l = ledger(dir.path());
    let m = month(
        dir.path(),
        "m",
        &[
            card("card001", 2, "273.0"),
            card("card005", 5, "12.5"),
            // A balance no one can read is said on its row; the month still runs.
            card("card006", 2, "\"12,50\""),
        ],
        &[],
        &[],
    );
    let out = dir.path().join("out");
    let r = run_reconcile(&m, &l, "2026-03", "UTC", &out, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        rows(&out),
        vec![
            row("", "card001", "", "", "273.00", ""),
            row("closed_card_not_zero", "card005", "", "", "12.50", ""),
            row("", "card006", "", "", "", ""),
        ]
    );
    let csv = read_csv(&out.join("cards.csv"));
    assert!(
        csv[2][16].starts_with("the list's balance could not be read (balance: "),
        "{}",
        csv[2][16]
    );
    assert!(cards_summary(&out)["note"]
        .as_str()
        .unwrap()
        .starts_with("no store"));
}

/// Two generated months, the second's card list opening from the first's: reconciled in turn
/// with a store, the second finds exactly its seeded card findings (one card off by 1.00, the
/// closed card with a balance left) and every other card rolls forward.
#[test]
fn generated_months_roll_forward_and_find_their_seeded_card_findings() {
    let dir = tempdir();
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let feb = dir.path().join("feb");
    let mar = dir.path().join("mar");
    let g = run_generate(&feb, "1500", &["--seed", "4", "--period", "2026-02"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let opening = feb.join("providers/cardapp/cards.jsonl");
    let g = run_generate(
        &mar,
        "1500",
        &[
            "--seed",
            "5",
            "--period",
            "2026-03",
            "--opening-cards",
            opening.to_str().unwrap(),
        ],
    );
    assert_eq!(g.code, 0, "{}", g.stderr);
    for (data, period) in [(&feb, "2026-02"), (&mar, "2026-03")] {
        let out = dir.path().join(format!("out-{period}"));
        let r = run_reconcile(
            &data.join("providers"),
            &data.join("ledger.csv"),
            period,
            "Europe/London",
            &out,
            &["--store", &store],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        let mut found: Vec<Vec<String>> = read_csv(&out.join("cards.csv"))
            .into_iter()
            .filter(|r| !r[0].is_empty())
            .map(|r| r[..3].to_vec())
            .collect();
        found.sort();
        assert_eq!(found, read_csv(&data.join("card_labels.csv")), "{period}");
    }
    let s = cards_summary(&dir.path().join("out-2026-03"));
    assert_eq!(s["rolled_forward"], 20);
    assert_eq!(s["by_finding"]["balance_mismatch"], 1);
    assert_eq!(s["previous_period"], "2026-02");
}
