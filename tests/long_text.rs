//! No value of any length stops a month: every text column, from either side, at Excel's cell
//! limit and far above it. The workbook and the page shorten with a marker; the CSV and Parquet
//! outputs keep every value whole.

use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::json;

use cardrecon::report::shown_text::{self, XLSX_CELL_LIMIT};

use crate::util::*;

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Text of exactly `units` UTF-16 units starting with `tag`, with characters of every width
/// (1-byte, 2-byte, and 4-byte ones that take two UTF-16 units) after it.
fn text(tag: &str, units: usize) -> String {
    let mut s = tag.to_string();
    let mut used = utf16(&s);
    for c in ['a', 'é', '😀', 'z'].into_iter().cycle() {
        if used == units {
            break;
        }
        let c = if used + c.len_utf16() > units { 'a' } else { c };
        s.push(c);
        used += c.len_utf16();
    }
    s
}

/// One side's texts for a size: every id, the card number, the merchant name, the currencies.
struct Texts {
    trade_id: String,
    order_no: String,
    order_id: String,
    card_no: String,
    merchant: String,
    currency: String,
    ledger_currency: String,
    entry_id: String,
    entry_id_2: String,
    entry_id_3: String,
    ledger_provider: String,
}

fn texts(units: usize) -> Texts {
    // Currency codes and card numbers as a provider would send them (upper case, digits), so
    // canonicalisation keeps their length.
    let upper = |c: char| std::iter::repeat_n(c, units).collect::<String>();
    Texts {
        trade_id: text(&format!("TRADE{units}-"), units),
        order_no: text(&format!("ORDERNO{units}-"), units),
        order_id: text(&format!("MERCHANTORDER{units}-"), units),
        card_no: upper('4'),
        merchant: text(&format!("Merchant {units} "), units),
        currency: upper(if units == XLSX_CELL_LIMIT { 'Q' } else { 'R' }),
        ledger_currency: upper(if units == XLSX_CELL_LIMIT { 'S' } else { 'T' }),
        entry_id: text(&format!("ENTRY{units}-"), units),
        entry_id_2: text(&format!("ENTRYTWO{units}-"), units),
        entry_id_3: text(&format!("ENTRYTHREE{units}-"), units),
        ledger_provider: text(&format!("PROVIDER{units}-"), units),
    }
}

const AT: usize = XLSX_CELL_LIMIT;
const FAR: usize = 100_000;

#[test]
fn every_text_column_at_and_far_above_excels_limit_is_reported_not_fatal() {
    let dir = tempdir();
    let providers = dir.path().join("providers");
    std::fs::create_dir_all(providers.join("cardapp")).unwrap();
    let mut trades = String::new();
    let mut orders = String::new();
    let mut ledger = csv::Writer::from_writer(Vec::new());
    ledger
        .write_record([
            "entry_id",
            "provider",
            "kind",
            "tx_id",
            "order_id",
            "amount",
            "currency",
            "fee",
            "status",
            "booked_at",
        ])
        .unwrap();
    for units in [AT, FAR] {
        let t = texts(units);
        // A consumption booked at another amount: amount_mismatch, ids, card and merchant shown.
        trades.push_str(
            &json!({"trade_id": t.trade_id, "card_id": t.trade_id, "card_no": t.card_no,
                "trade_type": 1, "trade_result": 1, "amount": 10.0, "currency": "USD",
                "merchant_name": t.merchant, "relate_trade_id": t.order_no,
                "trade_at": "2026-03-10 12:00:00"})
            .to_string(),
        );
        trades.push('\n');
        ledger
            .write_record([
                &t.entry_id,
                "cardapp",
                "consumption",
                &t.trade_id,
                "",
                "9.00",
                "USD",
                "",
                "success",
                "2026-03-10 04:00:00",
            ])
            .unwrap();
        // A recharge matched on its order id in another currency: currency_mismatch, both
        // currencies and the detail naming them.
        orders.push_str(
            &json!({"order_no": t.order_no, "merchant_order_no": t.order_id, "order_type": 2,
                "order_status": 3, "card_id": "c1", "amount": 5.0, "currency": t.currency,
                "created_at": "2026-03-11 12:00:00", "finished_at": "2026-03-11 12:00:30"})
            .to_string(),
        );
        orders.push('\n');
        ledger
            .write_record([
                &t.entry_id_2,
                "cardapp",
                "recharge",
                "",
                &t.order_id,
                "5.00",
                &t.ledger_currency,
                "",
                "success",
                "2026-03-11 04:00:30",
            ])
            .unwrap();
        // A booking for a provider nobody configured: missing_at_provider with that name.
        ledger
            .write_record([
                &t.entry_id_3,
                &t.ledger_provider,
                "fee",
                "",
                "",
                "1.00",
                "USD",
                "",
                "success",
                "2026-03-12 00:00:00",
            ])
            .unwrap();
    }
    std::fs::write(providers.join("cardapp/trades.jsonl"), trades).unwrap();
    std::fs::write(providers.join("cardapp/orders.jsonl"), orders).unwrap();
    let ledger_path = dir.path().join("ledger.csv");
    std::fs::write(&ledger_path, ledger.into_inner().unwrap()).unwrap();

    let out = dir.path().join("out");
    let r = run_reconcile(&providers, &ledger_path, "2026-03", "UTC", &out, &[]);
    assert_eq!(r.code, 1, "ran and found discrepancies: {}", r.stderr);

    // The CSV holds every value whole (the merchant name is not one of its columns).
    let rows = read_csv(&out.join("results.csv"));
    assert_eq!(rows.len(), 6);
    let categories: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        categories
            .iter()
            .filter(|c| **c == "amount_mismatch")
            .count(),
        2
    );
    assert_eq!(
        categories
            .iter()
            .filter(|c| **c == "currency_mismatch")
            .count(),
        2
    );
    assert_eq!(
        categories
            .iter()
            .filter(|c| **c == "missing_at_provider")
            .count(),
        2
    );
    let whole: Vec<String> = [AT, FAR]
        .into_iter()
        .flat_map(|u| {
            let t = texts(u);
            [
                t.trade_id,
                t.order_id,
                t.currency,
                t.ledger_currency,
                t.entry_id,
                t.entry_id_2,
                t.entry_id_3,
                t.ledger_provider,
                format!("444444{}4444", "*".repeat(u - 10)),
            ]
        })
        .collect();
    let csv_text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    for w in &whole {
        assert!(
            csv_text.contains(w.as_str()),
            "results.csv misses a whole value starting {}",
            w.chars().take(20).collect::<String>()
        );
    }
    // The Parquet table too.
    let (table, _) = cardrecon::normalize::read_provider_parquet(
        &out.join("normalized/provider_records.parquet"),
        chrono_tz::UTC,
    )
    .unwrap();
    let far = texts(FAR);
    let descriptions = table.column("description").unwrap().str().unwrap();
    assert!(
        descriptions
            .iter()
            .any(|d| d == Some(far.merchant.as_str())),
        "the merchant name is whole in provider_records.parquet"
    );

    // The workbook: every sheet opens, no cell over Excel's limit, values at the limit whole,
    // values above it shortened with the marker that gives their full length.
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let mut cells: Vec<String> = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for c in range.used_cells() {
            if let Data::String(s) = c.2 {
                assert!(utf16(s) <= XLSX_CELL_LIMIT, "{name}: a cell over the limit");
                cells.push(s.clone());
            }
        }
    }
    let at = texts(AT);
    for w in [
        &at.trade_id,
        &at.order_id,
        &at.merchant,
        &at.currency,
        &at.ledger_currency,
        &at.entry_id,
        &at.entry_id_2,
        &at.entry_id_3,
        &at.ledger_provider,
    ] {
        assert!(
            cells.iter().any(|c| c == w),
            "a value at the limit is whole in the workbook: {}",
            w.chars().take(20).collect::<String>()
        );
    }
    for w in [
        &far.trade_id,
        &far.order_id,
        &far.merchant,
        &far.entry_id,
        &far.entry_id_2,
        &far.entry_id_3,
        &far.ledger_provider,
    ] {
        let tag: String = w.chars().take(24).collect();
        let marker = shown_text::marker(w.chars().count());
        let shown: Vec<&String> = cells.iter().filter(|c| c.starts_with(&tag)).collect();
        assert!(!shown.is_empty(), "{tag}… is in the workbook");
        for c in shown {
            assert!(c.ends_with(&marker), "{tag}… ends with the marker");
            assert!(w.starts_with(c.trim_end_matches(&marker)));
        }
    }
    // Currency codes are ASCII: FAR characters.
    let marker = shown_text::marker(FAR);
    assert!(cells
        .iter()
        .any(|c| c.starts_with("RRRRRRRR") && c.ends_with(&marker)));
    assert!(cells
        .iter()
        .any(|c| c.starts_with("TTTTTTTT") && c.ends_with(&marker)));

    // The page: shortened with the same marker, the far values never whole.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&shown_text::marker(far.merchant.chars().count())));
    assert!(!html.contains(far.merchant.as_str()));
    assert!(html.contains(&far.merchant.chars().take(500).collect::<String>()));
}
