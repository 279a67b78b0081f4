//! Ledger loading: the same books from CSV, XLSX and Parquet read the same; bad rows are
//! reported with file, row and column, or skipped and listed when asked.

use std::path::Path;

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::ledger;
use cardrecon::model::{Kind, LedgerEntry, Status};
use cardrecon::Error;
use polars::prelude::*;

use crate::util::*;

fn settings_with(toml_text: &str) -> Settings {
    let f: ConfigFile = toml::from_str(toml_text).unwrap();
    Settings::resolve(&f, "test.toml").unwrap()
}

fn london() -> Settings {
    settings_with("timezone = \"Europe/London\"")
}

fn strip_sources(mut v: Vec<LedgerEntry>) -> Vec<LedgerEntry> {
    for e in &mut v {
        e.source.clear();
    }
    v
}

const HEADER: &str = "entry_id,provider,kind,tx_id,order_id,amount,currency,fee,status,booked_at";

#[test]
fn csv_with_bom_formats_and_blank_trailing_rows() {
    let dir = tempdir();
    let p = dir.path().join("books.csv");
    let body = format!(
        "\u{feff}{HEADER}\nL1,txv3,consumption,T1,,100.50,usd,0.25,success,2026-03-31 23:59:59.999\nL2,cardapp,,,MO-1,7,EUR,,pending,2026-03-01T00:00:00+01:00\nL3,,refund,T3,,-3.10000000,USD,,reversed,2026-03-29\n,,,,,,,,,\n\n"
    );
    std::fs::write(&p, body).unwrap();
    let l = ledger::load(&p, &london()).unwrap();
    assert_eq!(l.entries.len(), 3);
    let e = &l.entries[0];
    assert_eq!(
        (
            e.entry_id.as_str(),
            e.currency.as_str(),
            e.amount.to_string().as_str()
        ),
        ("L1", "USD", "100.50")
    );
    assert_eq!(e.fee.unwrap().to_string(), "0.25");
    // London is on BST on 31 March: 23:59:59.999 local is 22:59:59.999 UTC.
    assert_eq!(e.booked_at.to_rfc3339(), "2026-03-31T22:59:59.999+00:00");
    assert_eq!(
        l.entries[1].booked_at.to_rfc3339(),
        "2026-02-28T23:00:00+00:00"
    );
    assert_eq!(
        (l.entries[1].kind, l.entries[1].status),
        (None, Status::Pending)
    );
    assert_eq!(
        (l.entries[2].provider.clone(), l.entries[2].kind),
        (None, Some(Kind::Refund))
    );
    assert_eq!(
        l.entries[2].booked_at.to_rfc3339(),
        "2026-03-29T00:00:00+00:00"
    );
    assert_eq!(l.entries[0].source, "books.csv:2");
}

fn write_xlsx(path: &Path) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let dt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss.000");
    // Row 2: an Excel date cell and numbers.
    ws.write_string(1, 0, "L1").unwrap();
    ws.write_string(1, 1, "txv3").unwrap();
    ws.write_string(1, 2, "consumption").unwrap();
    ws.write_string(1, 3, "T1").unwrap();
    ws.write_number(1, 5, 100.5).unwrap();
    ws.write_string(1, 6, "USD").unwrap();
    ws.write_number(1, 7, 0.25).unwrap();
    ws.write_string(1, 8, "success").unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2026, 3, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 999)
        .unwrap();
    ws.write_datetime_with_format(1, 9, when, &dt).unwrap();
    // Row 3: numbers stored as text, a date serial as a plain number (2026-03-01 00:00 = 46082).
    ws.write_string(2, 0, "L2").unwrap();
    ws.write_string(2, 1, "cardapp").unwrap();
    ws.write_string(2, 4, "MO-1").unwrap();
    ws.write_string(2, 5, "7").unwrap();
    ws.write_string(2, 6, "EUR").unwrap();
    ws.write_string(2, 8, "pending").unwrap();
    ws.write_number(2, 9, 46082.0 - 1.0 / 24.0).unwrap();
    // Row 4: refund, date text.
    ws.write_number(3, 0, 3).unwrap();
    ws.write_string(3, 2, "refund").unwrap();
    ws.write_string(3, 3, "T3").unwrap();
    ws.write_number(3, 5, -3.1).unwrap();
    ws.write_string(3, 6, "USD").unwrap();
    ws.write_string(3, 8, "reversed").unwrap();
    ws.write_string(3, 9, "2026-03-29").unwrap();
    // Trailing blank (but formatted) rows.
    ws.write_string(5, 0, "").unwrap();
    wb.save(path).unwrap();
}

fn write_parquet(path: &Path) {
    let s = |n: &str, v: Vec<Option<&str>>| Column::new(n.into(), v);
    let amount =
        Int128Chunked::from_slice_options("amount".into(), &[Some(10_050), Some(700), Some(-310)])
            .into_decimal_unchecked(20, 2)
            .into_column();
    let fee = Column::new("fee".into(), [Some(0.25f64), None, None]);
    let micros = [
        cardrecon::period::local_to_utc(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31)
                .unwrap()
                .and_hms_milli_opt(23, 59, 59, 999)
                .unwrap(),
            chrono_tz::Europe::London,
        )
        .timestamp_micros(),
        utc("2026-02-28 23:00:00").timestamp_micros(),
        utc("2026-03-29 00:00:00").timestamp_micros(),
    ];
    let booked = Int64Chunked::from_vec("booked_at".into(), micros.to_vec())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column();
    let mut df = DataFrame::new(
        3,
        vec![
            Column::new("entry_id".into(), [1i64, 2, 3]),
            s("provider", vec![Some("txv3"), Some("cardapp"), None]),
            s("kind", vec![Some("consumption"), None, Some("refund")]),
            s("tx_id", vec![Some("T1"), None, Some("T3")]),
            s("order_id", vec![None, Some("MO-1"), None]),
            amount,
            s("currency", vec![Some("USD"), Some("EUR"), Some("USD")]),
            fee,
            s(
                "status",
                vec![Some("success"), Some("pending"), Some("reversed")],
            ),
            booked,
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn csv_xlsx_and_parquet_read_the_same_entries() {
    let dir = tempdir();
    let csv = dir.path().join("l.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}\n1,txv3,consumption,T1,,100.50,USD,0.25,success,2026-03-31 23:59:59.999\n2,cardapp,,,MO-1,7,EUR,,pending,2026-03-01T00:00:00+01:00\n3,,refund,T3,,-3.10,USD,,reversed,2026-03-29\n"),
    )
    .unwrap();
    let xlsx = dir.path().join("l.xlsx");
    write_xlsx(&xlsx);
    let pq = dir.path().join("l.parquet");
    write_parquet(&pq);
    let s = london();
    let from_csv = strip_sources(ledger::load(&csv, &s).unwrap().entries);
    let mut from_xlsx = strip_sources(ledger::load(&xlsx, &s).unwrap().entries);
    from_xlsx[0].entry_id = "1".into();
    from_xlsx[1].entry_id = "2".into();
    let from_parquet = strip_sources(ledger::load(&pq, &s).unwrap().entries);
    assert_eq!(from_csv.len(), 3);
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_parquet, from_csv);
}

fn row_error(e: Error) -> (usize, String, String) {
    match e {
        Error::LedgerRow {
            row,
            column,
            message,
            ..
        } => (row, column, message),
        other => panic!("expected a row error, got {other}"),
    }
}

#[test]
fn malformed_rows_name_file_row_and_column() {
    let dir = tempdir();
    let cases = [
        (
            "1,txv3,consumption,T1,,1O0.00,USD,,success,2026-03-01 10:00:00",
            2,
            "amount",
            "not a decimal amount",
        ),
        (
            "1,txv3,consumption,T1,,100,USD,,settled,2026-03-01 10:00:00",
            2,
            "status",
            "settled",
        ),
        (
            "1,txv3,consumption,T1,,100,USD,,success,31/03/2026",
            2,
            "booked_at",
            "31/03/2026",
        ),
        (
            "1,txv3,purchase,T1,,100,USD,,success,2026-03-01 10:00:00",
            2,
            "kind",
            "purchase",
        ),
        (
            ",txv3,consumption,T1,,100,USD,,success,2026-03-01 10:00:00",
            2,
            "entry_id",
            "empty",
        ),
        (
            "1,txv3,consumption,T1,,100,,,success,2026-03-01 10:00:00",
            2,
            "currency",
            "empty",
        ),
        (
            "1,txv3,consumption,T1,,100.123456789,USD,,success,2026-03-01 10:00:00",
            2,
            "amount",
            "more than 8",
        ),
        (
            "1,txv3,consumption,T1,,100,USD,abc,success,2026-03-01 10:00:00",
            2,
            "fee",
            "abc",
        ),
        (
            "1,txv3,consumption,T1,,100,USD,,success,2026-03-01 10:00:00,extra",
            2,
            "#11",
            "11 fields",
        ),
    ];
    for (line, row, column, needle) in cases {
        let p = dir.path().join("bad.csv");
        std::fs::write(&p, format!("{HEADER}\n{line}\n")).unwrap();
        let e = ledger::load(&p, &london()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("bad.csv"), "{text}");
        let (r, c, m) = row_error(e);
        assert_eq!((r, c.as_str()), (row, column), "{line}: {m}");
        assert!(m.contains(needle), "{line}: {m}");
    }
    // A later row is named by its own row number.
    let p = dir.path().join("third.csv");
    std::fs::write(&p, format!("{HEADER}\n1,txv3,consumption,T1,,1,USD,,success,2026-03-01 10:00:00\n2,txv3,consumption,T2,,x,USD,,success,2026-03-01 10:00:00\n")).unwrap();
    assert_eq!(row_error(ledger::load(&p, &london()).unwrap_err()).0, 3);
}

#[test]
fn whole_file_problems_are_clear() {
    let dir = tempdir();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(ledger::load(&empty, &london())
        .unwrap_err()
        .to_string()
        .contains("is empty"));
    let missing = dir.path().join("missing.csv");
    std::fs::write(
        &missing,
        "entry_id,amount,currency,status\n1,2,USD,success\n",
    )
    .unwrap();
    let e = ledger::load(&missing, &london()).unwrap_err().to_string();
    assert!(
        e.contains("missing.csv")
            && e.contains("no `booked_at` column")
            && e.contains("[ledger.columns]"),
        "{e}"
    );
    let latin1 = dir.path().join("latin1.csv");
    let mut bytes = format!(
        "{HEADER}\n1,txv3,consumption,T1,,1,USD,,success,2026-03-01 10:00:00\n2,txv3,consumption,"
    )
    .into_bytes();
    bytes.extend([b'C', 0xe9, b',', b',']);
    bytes.extend(b"1,USD,,success,2026-03-01 10:00:00\n");
    std::fs::write(&latin1, bytes).unwrap();
    let (row, column, message) = row_error(ledger::load(&latin1, &london()).unwrap_err());
    assert_eq!((row, column.as_str()), (3, "tx_id"));
    assert!(message.contains("UTF-8"));
    let odd = dir.path().join("ledger.json");
    std::fs::write(&odd, "{}").unwrap();
    assert!(ledger::load(&odd, &london())
        .unwrap_err()
        .to_string()
        .contains("unsupported ledger format"));
    let not_xlsx = dir.path().join("fake.xlsx");
    std::fs::write(&not_xlsx, "not a zip").unwrap();
    assert!(ledger::load(&not_xlsx, &london())
        .unwrap_err()
        .to_string()
        .contains("fake.xlsx"));
}

#[test]
fn bad_rows_can_be_skipped_and_listed() {
    let dir = tempdir();
    let p = dir.path().join("l.csv");
    std::fs::write(&p, format!("{HEADER}\n1,txv3,consumption,T1,,1,USD,,success,2026-03-01 10:00:00\n2,txv3,consumption,T2,,x,USD,,success,2026-03-01 10:00:00\n3,txv3,consumption,T3,,3,USD,,success,bad-date\n")).unwrap();
    let l = ledger::load(&p, &settings_with("[ledger]\nskip_bad_rows = true")).unwrap();
    assert_eq!(l.entries.len(), 1);
    assert_eq!(
        l.skipped
            .iter()
            .map(|s| (s.row, s.column.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, "amount"), (4, "booked_at")]
    );
}

#[test]
fn xlsx_errors_name_the_spreadsheet_row() {
    use rust_xlsxwriter::Workbook;
    let dir = tempdir();
    let p = dir.path().join("books.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let row = [
        "1",
        "txv3",
        "consumption",
        "T1",
        "",
        "12.5",
        "USD",
        "",
        "success",
        "2026-03-01 10:00:00",
    ];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
        ws.write_string(2, c as u16, *v).unwrap();
    }
    ws.write_string(2, 5, "twelve").unwrap();
    // An id Excel has turned into a float: refused rather than silently rounded.
    ws.write_number(1, 3, 2.023101610280651e24).unwrap();
    wb.save(&p).unwrap();
    let (r, c, m) = row_error(ledger::load(&p, &london()).unwrap_err());
    assert_eq!((r, c.as_str()), (2, "tx_id"), "{m}");
    assert!(m.contains("store identifiers"), "{m}");
}

#[test]
fn config_mapping_renames_columns_and_maps_values() {
    let dir = tempdir();
    let p = dir.path().join("export.csv");
    std::fs::write(&p, "Buchung,Anbieter,Referenz,Betrag,Waehrung,Zustand,Zeit\nB-1,KS,C1,12.50,EUR,Gebucht,01.03.2026 10:00\n").unwrap();
    let s = settings_with(
        "timezone = \"Europe/Berlin\"\n[ledger]\nbooked_at_format = \"%d.%m.%Y %H:%M\"\n[ledger.columns]\nentry_id = \"Buchung\"\nprovider = \"Anbieter\"\ntx_id = \"Referenz\"\namount = \"Betrag\"\ncurrency = \"Waehrung\"\nstatus = \"Zustand\"\nbooked_at = \"Zeit\"\n[ledger.values.status]\nGebucht = \"success\"\n[ledger.values.provider]\nKS = \"keysecure\"\n",
    );
    let l = ledger::load(&p, &s).unwrap();
    let e = &l.entries[0];
    assert_eq!(
        (e.entry_id.as_str(), e.provider.as_deref(), e.status),
        ("B-1", Some("keysecure"), Status::Success)
    );
    assert_eq!(e.booked_at.to_rfc3339(), "2026-03-01T09:00:00+00:00");
}

/// Parquet written by another tool (pyarrow: data page v2 with dictionaries and snappy in 3 row
/// groups; v1 plain with zstd and a page index in 4; both with small pages and a list column the
/// ledger ignores) passes the page-header checks and reads whole, the same on the pipeline's
/// path (`load_frame`) as on the row loader's.
#[test]
fn parquet_ledgers_written_by_pyarrow_are_read_whole() {
    let s = london();
    for name in [
        "pyarrow_v2_dict_snappy.parquet",
        "pyarrow_v1_plain_zstd.parquet",
    ] {
        let p = repo_path("tests/fixtures").join(name);
        let (df, skipped) = ledger::load_frame(&p, &s, s.timezone).unwrap();
        assert_eq!(df.height(), 300, "{name}");
        assert!(skipped.is_empty());
        let units = |c: &str| -> i128 {
            df.column(c)
                .unwrap()
                .decimal()
                .unwrap()
                .physical()
                .iter()
                .flatten()
                .sum()
        };
        assert_eq!(units("amount"), 4_492_500_000_000, "{name}: 44925.00");
        assert_eq!(units("fee"), 3_600_000_000_000, "{name}: 36000");
        assert_eq!(df.column("tx_id").unwrap().null_count(), 43, "{name}");
        let rows = ledger::load(&p, &s).unwrap();
        let from_rows = ledger::ledger_frame(&rows.entries, s.timezone).unwrap();
        assert!(
            df.equals_missing(&from_rows),
            "{name}: load_frame and load differ"
        );
    }
}

/// Large ledgers are converted in chunks on every core; the result must not depend on it: the
/// first bad row in file order is the one reported, skipped rows are listed in file order, and
/// entries keep the file's order.
#[test]
fn large_ledgers_report_the_first_bad_row_and_keep_file_order() {
    let dir = tempdir();
    let p = dir.path().join("big.csv");
    let mut body = format!("{HEADER}\n");
    for i in 0..50_000 {
        // Spreadsheet rows 10,002 and 45,002 (entries 10,000 and 45,000) are bad: in different
        // chunks on any number of cores.
        let amount = if i == 10_000 {
            "thirty".to_string()
        } else {
            format!("{i}.5")
        };
        let status = if i == 45_000 { "lost" } else { "success" };
        body.push_str(&format!(
            "E{i},txv3,consumption,T{i},,{amount},USD,,{status},2026-03-10 12:00:00\n"
        ));
    }
    std::fs::write(&p, body).unwrap();

    let (row, column, _) = row_error(ledger::load(&p, &london()).unwrap_err());
    assert_eq!((row, column.as_str()), (10_002, "amount"));

    let l = ledger::load(
        &p,
        &settings_with("timezone = \"Europe/London\"\n[ledger]\nskip_bad_rows = true"),
    )
    .unwrap();
    let skipped: Vec<(usize, &str)> = l
        .skipped
        .iter()
        .map(|s| (s.row, s.column.as_str()))
        .collect();
    assert_eq!(skipped, [(10_002, "amount"), (45_002, "status")]);
    assert_eq!(l.entries.len(), 49_998);
    assert_eq!(l.entries[0].source, "big.csv:2");
    assert_eq!(l.entries[9_999].source, "big.csv:10001");
    assert_eq!(l.entries[10_000].source, "big.csv:10003");
    assert_eq!(l.entries[49_997].source, "big.csv:50001");
    let numbers: Vec<u32> = l
        .entries
        .iter()
        .map(|e| e.entry_id[1..].parse().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "entries out of file order"
    );
}

/// An XLSX ledger is parsed on one thread and converted on the other, in batches of rows. The
/// result must be the range reader's: the named sheet, the header where the first cell is (here
/// row 3 from column B), a cell left of the header ignored, blank rows skipped, spreadsheet row
/// numbers, file order, and the first bad row in file order even in a later batch.
#[test]
fn xlsx_ledgers_read_in_batches_keep_rows_columns_and_the_first_bad_row() {
    use rust_xlsxwriter::Workbook;
    let dir = tempdir();
    let p = dir.path().join("books.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet()
        .set_name("Notes")
        .unwrap()
        .write_string(0, 0, "not the ledger")
        .unwrap();
    let ws = wb.add_worksheet().set_name("Books").unwrap();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(2, 1 + c as u16, h).unwrap();
    }
    ws.write_string(9, 0, "a note left of the table").unwrap();
    for i in 0..10_000u32 {
        let row = if i < 5_000 { 3 + i } else { 4 + i }; // a blank row after entry 4,999
        let amount = if i == 6_000 {
            "thirty".to_string()
        } else {
            format!("{i}.5")
        };
        let cells = [
            format!("E{i}"),
            "txv3".into(),
            "consumption".into(),
            format!("T{i}"),
            "  ".into(), // whitespace only: no order id
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, 1 + c as u16, v).unwrap();
        }
        ws.write_string(row, 6, &amount).unwrap();
        ws.write_string(row, 7, "USD").unwrap();
        ws.write_number(row, 8, 0.25).unwrap();
        ws.write_string(row, 9, "success").unwrap();
        ws.write_string(row, 10, "2026-03-10 12:00:00").unwrap();
    }
    wb.save(&p).unwrap();

    let named = |extra: &str| {
        settings_with(&format!(
            "timezone = \"Europe/London\"\n[ledger]\nsheet = \"Books\"\n{extra}"
        ))
    };
    let (row, column, m) = row_error(ledger::load(&p, &named("")).unwrap_err());
    assert_eq!((row, column.as_str()), (6_005, "amount"), "{m}");

    let l = ledger::load(&p, &named("skip_bad_rows = true")).unwrap();
    let skipped: Vec<(usize, &str)> = l
        .skipped
        .iter()
        .map(|s| (s.row, s.column.as_str()))
        .collect();
    assert_eq!(skipped, [(6_005, "amount")]);
    assert_eq!(l.entries.len(), 9_999);
    let e = &l.entries[5_000];
    assert_eq!(
        (
            e.entry_id.as_str(),
            e.source.as_str(),
            e.order_id.as_deref(),
            e.tx_id.as_deref()
        ),
        ("E5000", "books.xlsx:5005", None, Some("T5000"))
    );
    assert_eq!(l.entries[0].source, "books.xlsx:4");
    assert_eq!(l.entries[9_998].source, "books.xlsx:10004");
    assert_eq!(e.fee, Some(rust_decimal::Decimal::new(25, 2)));
    let sum: rust_decimal::Decimal = l.entries.iter().map(|e| e.amount).sum();
    // 0.5 + 1.5 + ... + 9999.5 = 50,000,000, without row 6,005's 6000.5
    assert_eq!(sum, rust_decimal::Decimal::new(499_939_995, 1));

    // The first sheet, by default, is not a ledger; an unknown sheet names the ones there are.
    let e = ledger::load(&p, &london()).unwrap_err().to_string();
    assert!(e.contains("books.xlsx") && e.contains("entry_id"), "{e}");
    let e = ledger::load(
        &p,
        &settings_with("timezone = \"Europe/London\"\n[ledger]\nsheet = \"Buch\""),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("sheet `Buch`") && e.contains("Notes, Books"),
        "{e}"
    );
}

// ---- European and other real exports -----------------------------------------------------------

/// (entry id, amount, currency) of each entry, for comparing exports of the same books.
fn books(l: &ledger::Ledger) -> Vec<(String, String, String)> {
    l.entries
        .iter()
        .map(|e| (e.entry_id.clone(), e.amount.to_string(), e.currency.clone()))
        .collect()
}

const EXPECTED: [(&str, &str, &str); 3] = [
    ("L1", "1234.56", "EUR"),
    ("L2", "-7.5", "EUR"),
    ("L3", "1234567.00", "CHF"),
];

fn expected() -> Vec<(String, String, String)> {
    EXPECTED
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn a_german_export_with_semicolons_and_decimal_commas() {
    let dir = tempdir();
    let p = dir.path().join("buchungen.csv");
    std::fs::write(
        &p,
        "entry_id;tx_id;amount;currency;status;booked_at\n\
         L1;T1;1.234,56;EUR;success;2026-03-01 10:00:00\n\
         L2;T2;-7,5;EUR;success;2026-03-02 10:00:00\n\
         L3;T3;1.234.567,00;CHF;success;2026-03-03 10:00:00\n",
    )
    .unwrap();
    // The delimiter is detected from the header; the number format is the config's.
    let s = settings_with("[ledger]\ndecimal_separator = \",\"\nthousands_separator = \".\"");
    assert_eq!(books(&ledger::load(&p, &s).unwrap()), expected());
    // Named explicitly, the same.
    let s = settings_with(
        "[ledger]\ndelimiter = \";\"\ndecimal_separator = \",\"\nthousands_separator = \".\"",
    );
    assert_eq!(books(&ledger::load(&p, &s).unwrap()), expected());
    // A grouping that is not in threes is an error for that cell, naming the file's line.
    std::fs::write(
        &p,
        "entry_id;tx_id;amount;currency;status;booked_at\nL1;T1;1.234,56;EUR;success;2026-03-01 10:00:00\nL2;T2;12.34,5;EUR;success;2026-03-02 10:00:00\n",
    )
    .unwrap();
    let e = ledger::load(&p, &s).unwrap_err();
    assert!(e.to_string().contains("buchungen.csv, line 3"), "{e}");
    let (row, column, message) = row_error(e);
    assert_eq!((row, column.as_str()), (3, "amount"));
    assert!(message.contains("`12.34,5`"), "{message}");
}

#[test]
fn a_french_export_with_spaces_between_thousands() {
    let dir = tempdir();
    let p = dir.path().join("ecritures.csv");
    // A no-break space, as French Excel writes it, and a plain one.
    std::fs::write(
        &p,
        "entry_id;tx_id;amount;currency;status;booked_at\n\
         L1;T1;1\u{a0}234,56;EUR;success;2026-03-01 10:00:00\n\
         L2;T2;-7,5;EUR;success;2026-03-02 10:00:00\n\
         L3;T3;\"1 234 567,00\";CHF;success;2026-03-03 10:00:00\n",
    )
    .unwrap();
    let nbsp =
        settings_with("[ledger]\ndecimal_separator = \",\"\nthousands_separator = \"\u{a0}\"");
    let e = ledger::load(&p, &nbsp).unwrap_err();
    assert_eq!(
        row_error(e).0,
        4,
        "a plain space is not the configured separator"
    );
    let space = settings_with("[ledger]\ndecimal_separator = \",\"\nthousands_separator = \" \"");
    std::fs::write(
        &p,
        std::fs::read_to_string(&p).unwrap().replace('\u{a0}', " "),
    )
    .unwrap();
    assert_eq!(books(&ledger::load(&p, &space).unwrap()), expected());
}

#[test]
fn a_swiss_export_with_apostrophes_and_tabs() {
    let dir = tempdir();
    let p = dir.path().join("buchhaltung.csv");
    std::fs::write(
        &p,
        "entry_id\ttx_id\tamount\tcurrency\tstatus\tbooked_at\n\
         L1\tT1\t1'234.56\tEUR\tsuccess\t2026-03-01 10:00:00\n\
         L2\tT2\t-7.5\tEUR\tsuccess\t2026-03-02 10:00:00\n\
         L3\tT3\t1'234'567.00\tCHF\tsuccess\t2026-03-03 10:00:00\n",
    )
    .unwrap();
    let s = settings_with("[ledger]\nthousands_separator = \"'\"");
    assert_eq!(books(&ledger::load(&p, &s).unwrap()), expected());
}

#[test]
fn windows_1252_and_utf16_exports_read_with_euro_signs_and_umlauts() {
    let dir = tempdir();
    let text = "entry_id;tx_id;order_id;amount;currency;status;booked_at\n\
                L1;T1;Bäckerei Müller €;1.234,56;EUR;success;2026-03-01 10:00:00\n\
                L2;T2;Café;-7,5;EUR;success;2026-03-02 10:00:00\n\
                L3;T3;Zürich;1.234.567,00;CHF;success;2026-03-03 10:00:00\n";
    let numbers = "[ledger]\ndecimal_separator = \",\"\nthousands_separator = \".\"";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    let p = dir.path().join("export-1252.csv");
    std::fs::write(&p, &bytes).unwrap();
    // Read as UTF-8 it is refused, naming the line and the setting.
    let e = ledger::load(&p, &settings_with(numbers))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("encoding"), "{e}");
    let s = settings_with(&format!("{numbers}\nencoding = \"windows-1252\""));
    let l = ledger::load(&p, &s).unwrap();
    assert_eq!(books(&l), expected());
    let orders: Vec<&str> = l
        .entries
        .iter()
        .filter_map(|e| e.order_id.as_deref())
        .collect();
    assert_eq!(orders, ["Bäckerei Müller €", "Café", "Zürich"]);
    // UTF-16 with its byte-order mark, as Excel's "Unicode text" writes it: no setting needed.
    let mut utf16 = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let p = dir.path().join("export-utf16.csv");
    std::fs::write(&p, &utf16).unwrap();
    let l = ledger::load(&p, &settings_with(numbers)).unwrap();
    assert_eq!(books(&l), expected());
    assert_eq!(l.entries[0].order_id.as_deref(), Some("Bäckerei Müller €"));
}

#[test]
fn a_header_of_one_column_names_the_delimiter_to_set() {
    let dir = tempdir();
    let p = dir.path().join("semikolon.csv");
    std::fs::write(
        &p,
        "entry_id;tx_id;amount;currency;status;booked_at\nL1;T1;1,5;EUR;success;2026-03-01 10:00:00\n",
    )
    .unwrap();
    let e = ledger::load(&p, &settings_with("[ledger]\ndelimiter = \",\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("semikolon.csv") && e.contains("delimiter = \";\""),
        "{e}"
    );
}

/// The case: a ledger with decimal commas run with skip_bad_rows skipped every row and
/// reported "matched 0.00%". Now the run fails (exit 2) naming the cause and the fix.
#[test]
fn skipping_every_row_or_too_many_fails_the_run() {
    let dir = tempdir();
    let providers = dir.path().join("providers.parquet");
    let recs = vec![crate::util::rec(
        "keysecure",
        "T1",
        "1.50",
        utc("2026-03-01 10:00:00"),
    )];
    let mut df = cardrecon::normalize::provider_frame(&recs, chrono_tz::UTC).unwrap();
    cardrecon::normalize::write_parquet(&mut df, &providers).unwrap();
    let ledger_path = dir.path().join("komma.csv");
    let mut text = String::from("entry_id,provider,tx_id,amount,currency,status,booked_at\n");
    for i in 0..200 {
        text.push_str(&format!(
            "L{i},keysecure,T{i},\"1,50\",EUR,success,2026-03-01 10:00:00\n"
        ));
    }
    std::fs::write(&ledger_path, &text).unwrap();
    let out = dir.path().join("out");
    let r = run_reconcile(
        &providers,
        &ledger_path,
        "2026-03",
        "UTC",
        &out,
        &["--skip-bad-rows"],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("200 of 200 rows could not be read (every row was skipped)")
            && r.stderr.contains("line 2, column `amount`")
            && r.stderr.contains("decimal_separator = \",\""),
        "{}",
        r.stderr
    );
    // 2 bad rows of 200 (1%) pass with the default share, and the terminal says so; 3 fail.
    let good = |i: usize| format!("L{i},keysecure,T{i},1.50,EUR,success,2026-03-01 10:00:00\n");
    let bad = |i: usize| format!("L{i},keysecure,T{i},oops,EUR,success,2026-03-01 10:00:00\n");
    for (n_bad, code) in [(2usize, 1), (3, 2)] {
        let mut text = String::from("entry_id,provider,tx_id,amount,currency,status,booked_at\n");
        for i in 0..200 {
            text.push_str(&if i < n_bad { bad(i) } else { good(i) });
        }
        std::fs::write(&ledger_path, &text).unwrap();
        let r = run_reconcile(
            &providers,
            &ledger_path,
            "2026-03",
            "UTC",
            &out,
            &["--skip-bad-rows"],
        );
        assert_eq!(r.code, code, "{n_bad} bad: {}{}", r.stdout, r.stderr);
        let said = format!("{}{}", r.stdout, r.stderr);
        if code == 1 {
            assert!(
                said.contains("SKIPPED: 2 ledger rows could not be read")
                    && said.contains("line 2, column `amount`")
                    && said.contains("line 3, column `amount`"),
                "{said}"
            );
        } else {
            assert!(
                said.contains("3 of 200 rows could not be read (1.5% of the rows were skipped, more than [ledger] max_skipped_share = 0.01 allows)"),
                "{said}"
            );
        }
    }
}

/// A run reads a CSV ledger straight into the table, a chunk of rows at a time: the same
/// table and skipped rows as converting every entry first, whatever the chunk size.
#[test]
fn a_csv_ledger_read_in_chunks_is_the_table_of_its_entries() {
    let dir = tempdir();
    let p = dir.path().join("ledger.csv");
    let mut text = String::from(
        "entry_id,provider,kind,tx_id,order_id,amount,currency,fee,status,booked_at\n",
    );
    for i in 0..9 {
        text.push_str(&format!(
            "E{i},keysecure,consumption,T{i},,{i}.5{i},usd,,success,2026-03-{:02} 23:30:00\n",
            i + 1
        ));
        if i == 4 {
            text.push_str(
                "BAD,keysecure,consumption,TB,,not-money,USD,,success,2026-03-05 10:00:00\n",
            );
        }
    }
    std::fs::write(&p, text).unwrap();
    let settings = settings_with("timezone = \"Europe/London\"\n[ledger]\nskip_bad_rows = true");
    let zone = chrono_tz::Europe::London;
    let whole = ledger::load(&p, &settings).unwrap();
    assert_eq!((whole.entries.len(), whole.skipped.len()), (9, 1));
    assert_eq!(whole.skipped[0].row, 7);
    let expected = ledger::ledger_frame(&whole.entries, zone).unwrap();
    for chunk in [1, 2, 4, 9, 100] {
        let (df, skipped) = ledger::load_csv_frame_in_chunks(&p, &settings, zone, chunk).unwrap();
        assert!(
            df.equals_missing(&expected),
            "chunks of {chunk}:\n{df}\n{expected}"
        );
        assert_eq!(skipped, whole.skipped, "chunks of {chunk}");
    }
}
