//! The bad-input corpus (`tests/corpus/`): malformed ledgers (CSV, XLSX, Parquet), provider wire
//! records and pages, and configurations. Each case names the error kind it must produce and the
//! words its message must contain (the file, the row/line/page, the field). None may panic.

use std::path::PathBuf;

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::Error;

use crate::util::*;

fn corpus(rel: &str) -> PathBuf {
    repo_path("tests/corpus").join(rel)
}

/// The error's variant name (`LedgerRow`, `Config`, ...), or `ok`.
fn kind<T>(r: &Result<T, Error>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => format!("{e:?}")
            .split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn message<T>(r: &Result<T, Error>) -> String {
    match r {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

/// Runs one case, catching a panic so every case is reported.
fn outcome(f: impl FnOnce() -> (String, String) + std::panic::UnwindSafe) -> (String, String) {
    std::panic::catch_unwind(f).unwrap_or_else(|_| ("PANIC".into(), String::new()))
}

fn ledger_case(file: &str) -> (String, String) {
    let path = corpus(&format!("ledger/{file}"));
    outcome(move || {
        let s = Settings::defaults();
        let r = cardrecon::ledger::load(&path, &s);
        // The pipeline's loader (for Parquet a typed path first) must refuse the same way.
        let frame = cardrecon::ledger::load_frame(&path, &s, s.timezone);
        if (kind(&frame), message(&frame)) != (kind(&r), message(&r)) {
            return (
                "load_frame differs".into(),
                format!("{} / {}", message(&r), message(&frame)),
            );
        }
        (kind(&r), message(&r))
    })
}

fn provider_case(file: &str) -> (String, String) {
    let src = corpus(&format!("provider/{file}"));
    outcome(move || {
        // The layout the reader expects: DIR/<provider>/<file>.jsonl.
        let dir = tempdir();
        let (provider, name) = file.split_once('/').unwrap();
        std::fs::create_dir_all(dir.path().join(provider)).unwrap();
        std::fs::copy(&src, dir.path().join(provider).join(name)).unwrap();
        let r = cardrecon::normalize::read_provider_dir(dir.path(), &Settings::defaults());
        (kind(&r), message(&r))
    })
}

fn page_case(file: &str) -> (String, String) {
    let path = corpus(&format!("pages/{file}"));
    let (provider, _) = file.split_once('_').unwrap();
    let list = match provider {
        "keysecure" | "usertrans" => "/data/list",
        "txv3" => "/data/records",
        _ => "/data/trade_list",
    };
    let what = format!("{provider} list page 3 of {file}");
    outcome(move || {
        let text = std::fs::read_to_string(&path).unwrap();
        let r = cardrecon::providers::fetch::parse_page(
            provider,
            &what,
            text.as_bytes(),
            list,
            Some("/data/total"),
        );
        (kind(&r), message(&r))
    })
}

fn config_case(file: &str) -> (String, String) {
    let path = corpus(&format!("config/{file}"));
    outcome(move || {
        let r = ConfigFile::load(&path)
            .and_then(|f| Settings::resolve(&f, &path.display().to_string()));
        (kind(&r), message(&r))
    })
}

/// `(case, expected kind, words the message must contain)`.
type Case = (&'static str, &'static str, &'static [&'static str]);

const LEDGER: &[Case] = &[
    (
        "missing_amount_column.csv",
        "LedgerFile",
        &["missing_amount_column.csv", "amount"],
    ),
    (
        "missing_id_columns.csv",
        "LedgerFile",
        &[
            "missing_id_columns.csv",
            "neither a `tx_id` nor an `order_id` column",
        ],
    ),
    (
        "amount_text.csv",
        "LedgerRow",
        &["amount_text.csv", "line 3", "amount", "12.5x"],
    ),
    (
        "amount_nan.csv",
        "LedgerRow",
        &["amount_nan.csv", "line 4", "amount"],
    ),
    (
        "amount_empty.csv",
        "LedgerRow",
        &["amount_empty.csv", "line 2", "amount"],
    ),
    (
        "amount_too_many_places.csv",
        "LedgerRow",
        &["line 2", "amount", "8"],
    ),
    (
        "amount_absurd.csv",
        "LedgerRow",
        &["line 2", "amount", "out of range"],
    ),
    // 21 integer digits: rust_decimal holds it, but not at 8 places; it was silently rounded.
    (
        "amount_21_digits.csv",
        "LedgerRow",
        &["line 2", "amount", "out of range"],
    ),
    (
        "fee_text.csv",
        "LedgerRow",
        &["fee_text.csv", "line 2", "fee"],
    ),
    (
        "date_impossible.csv",
        "LedgerRow",
        &["line 2", "booked_at", "2026-13-45"],
    ),
    (
        "date_text.csv",
        "LedgerRow",
        &["line 2", "booked_at", "yesterday"],
    ),
    ("date_empty.csv", "LedgerRow", &["line 2", "booked_at"]),
    ("currency_empty.csv", "LedgerRow", &["line 2", "currency"]),
    (
        "status_unknown.csv",
        "LedgerRow",
        &["line 2", "status", "maybe"],
    ),
    (
        "kind_unknown.csv",
        "LedgerRow",
        &["line 2", "kind", "teleport"],
    ),
    // An entry of a provider that is not reconciled (a bank account, say) is not malformed: it
    // is read, and shows up as missing at the provider if it falls in the period.
    ("provider_unknown.csv", "ok", &[]),
    ("entry_id_empty.csv", "LedgerRow", &["line 2", "entry_id"]),
    // A manual adjustment with no provider reference is read; it cannot match, so it is reported.
    ("no_keys.csv", "ok", &[]),
    (
        "ragged_row.csv",
        "LedgerRow",
        &["ragged_row.csv", "line 3", "6 fields but the header has 10"],
    ),
    (
        "unterminated_quote.csv",
        "LedgerRow",
        &["unterminated_quote.csv", "line 3"],
    ),
    ("empty.csv", "LedgerFile", &["empty.csv"]),
    (
        "duplicate_header.csv",
        "LedgerFile",
        &["duplicate_header.csv", "`amount`", "more than once"],
    ),
    (
        "huge_field.csv",
        "LedgerRow",
        &["huge_field.csv", "line 3", "amount"],
    ),
    (
        "latin1.csv",
        "LedgerRow",
        &["latin1.csv", "line 3", "entry_id", "UTF-8"],
    ),
    ("formula_text_ok.csv", "ok", &[]),
    (
        "xlsx_amount_text.xlsx",
        "LedgerRow",
        &["xlsx_amount_text.xlsx", "row 3", "amount"],
    ),
    (
        "xlsx_missing_currency_column.xlsx",
        "LedgerFile",
        &["xlsx_missing_currency_column.xlsx", "currency"],
    ),
    (
        "xlsx_date_text.xlsx",
        "LedgerRow",
        &["row 2", "booked_at", "31/31/2026"],
    ),
    (
        "xlsx_amount_formula_error.xlsx",
        "LedgerRow",
        &["row 2", "amount"],
    ),
    (
        "xlsx_header_only_bad_sheet.xlsx",
        "LedgerFile",
        &["xlsx_header_only_bad_sheet.xlsx", "entry_id"],
    ),
    (
        "xlsx_not_a_zip.xlsx",
        "LedgerFile",
        &["xlsx_not_a_zip.xlsx"],
    ),
    (
        "parquet_amount_text.parquet",
        "LedgerRow",
        &["parquet_amount_text.parquet", "row 2", "amount", "twelve"],
    ),
    (
        "parquet_missing_status_column.parquet",
        "LedgerFile",
        &["parquet_missing_status_column.parquet", "status"],
    ),
    (
        "parquet_timestamp_text.parquet",
        "LedgerRow",
        &["row 2", "booked_at"],
    ),
    (
        "parquet_amount_nan.parquet",
        "LedgerRow",
        &["row 2", "amount"],
    ),
    (
        "parquet_not_parquet.parquet",
        "LedgerFile",
        &["parquet_not_parquet.parquet"],
    ),
    // Found by fuzzing: polars-parquet would reserve 2^61 bytes for this page and abort.
    (
        "parquet_negative_page_count.parquet",
        "LedgerFile",
        &[
            "parquet_negative_page_count.parquet",
            "row group 0",
            "column `entry_id`",
            "page 1",
            "negative count",
        ],
    ),
];

const PROVIDER: &[Case] = &[
    (
        "keysecure/truncated.jsonl",
        "ProviderRecord",
        &["truncated.jsonl", "line 2"],
    ),
    (
        "keysecure/amount_text.jsonl",
        "ProviderRecord",
        &["amount_text.jsonl", "line 1", "amount"],
    ),
    (
        "keysecure/missing_id.jsonl",
        "ProviderRecord",
        &["missing_id.jsonl", "line 2", "consume_no"],
    ),
    // A type or status code the adapter does not know is kept (kind `other`, status `unknown`,
    // the code in `status_raw`): it surfaces as a discrepancy instead of stopping month-end.
    ("keysecure/type_unknown.jsonl", "ok", &[]),
    ("keysecure/status_unknown.jsonl", "ok", &[]),
    (
        "keysecure/time_text.jsonl",
        "ProviderRecord",
        &["line 1", "time"],
    ),
    (
        "keysecure/not_an_object.jsonl",
        "ProviderRecord",
        &["not_an_object.jsonl", "line 1"],
    ),
    (
        "txv3/amount_absurd.jsonl",
        "ProviderRecord",
        &["line 1", "tx_amount"],
    ),
    (
        "txv3/amount_negative.jsonl",
        "ProviderRecord",
        &["line 1", "currency_amount", "negative"],
    ),
    (
        "txv3/original_negative.jsonl",
        "ProviderRecord",
        &["line 1", "tx_amount", "negative"],
    ),
    ("txv3/status_code_wrong.jsonl", "ok", &[]),
    (
        "txv3/business_type_wrong.jsonl",
        "ProviderRecord",
        &["line 1", "business_type", "77"],
    ),
    (
        "txv3/amount_object.jsonl",
        "ProviderRecord",
        &["line 1", "tx_amount"],
    ),
    (
        "txv3/missing_time.jsonl",
        "ProviderRecord",
        &["line 1", "tx_time"],
    ),
    (
        "cardapp/date_impossible.jsonl",
        "ProviderRecord",
        &["line 1", "trade_at", "2026-02-30"],
    ),
    (
        "cardapp/amount_bool.jsonl",
        "ProviderRecord",
        &["line 1", "amount"],
    ),
    ("cardapp/trade_type_wrong.jsonl", "ok", &[]),
    (
        "cardapp/currency_missing.jsonl",
        "ProviderRecord",
        &["line 1", "currency"],
    ),
    (
        "usertrans/missing_time.jsonl",
        "ProviderRecord",
        &["line 1", "created_at"],
    ),
    ("usertrans/trans_type_unknown.jsonl", "ok", &[]),
    (
        "usertrans/amount_too_many_places.jsonl",
        "ProviderRecord",
        &["line 1", "amount"],
    ),
    (
        "usertrans/id_wrong_type.jsonl",
        "ProviderRecord",
        &["line 1", "trans_id"],
    ),
];

const PAGES: &[Case] = &[
    (
        "keysecure_no_list.json",
        "Fetch",
        &["keysecure", "page 3", "data.list"],
    ),
    (
        "txv3_records_not_array.json",
        "Fetch",
        &["txv3", "page 3", "data.records"],
    ),
    (
        "cardapp_no_data.json",
        "Fetch",
        &["cardapp", "page 3", "data.trade_list"],
    ),
    (
        "usertrans_list_null.json",
        "Fetch",
        &["usertrans", "page 3", "data.list"],
    ),
    (
        "keysecure_truncated.json",
        "Fetch",
        &["keysecure", "page 3", "JSON"],
    ),
    (
        "txv3_total_negative.json",
        "Fetch",
        &["txv3", "page 3", "data.total is -4", "not a record count"],
    ),
    (
        "keysecure_total_text.json",
        "Fetch",
        &["keysecure", "page 3", "data.total is \"12\""],
    ),
];

const CONFIG: &[Case] = &[
    (
        "zone_unknown.toml",
        "Config",
        &["zone_unknown.toml", "timezone", "Europe/Atlantis"],
    ),
    (
        "period_bad.toml",
        "Config",
        &["period_bad.toml", "period", "2026-13"],
    ),
    (
        "period_reversed.toml",
        "Config",
        &["period_reversed.toml", "period"],
    ),
    (
        "tolerance_negative.toml",
        "Config",
        &["tolerance", "negative"],
    ),
    ("tolerance_text.toml", "Config", &["tolerance", "a penny"]),
    (
        "credentials_missing.toml",
        "Config",
        &["credentials_missing.toml", "api_secret"],
    ),
    (
        "env_unset.toml",
        "Config",
        &[
            "env_unset.toml",
            "api_key",
            "CARDRECON_CORPUS_UNSET_VARIABLE",
        ],
    ),
    (
        "http_not_loopback.toml",
        "Config",
        &["http_not_loopback.toml", "base_url", "https"],
    ),
    (
        "page_size_too_big.toml",
        "Config",
        &["page_size_too_big.toml", "page_size", "5000"],
    ),
    (
        "syntax_error.toml",
        "Config",
        &["syntax_error.toml", "line 1"],
    ),
    (
        "provider_type_unknown.toml",
        "Config",
        &["provider_type_unknown.toml", "acmebank"],
    ),
    (
        "margin_wrong_type.toml",
        "Config",
        &["margin_wrong_type.toml", "margin_days"],
    ),
];

fn check(group: &str, cases: &[Case], run: impl Fn(&str) -> (String, String)) -> usize {
    let mut failures = Vec::new();
    for (file, want, words) in cases {
        let (got, msg) = run(file);
        let missing: Vec<&&str> = words.iter().filter(|w| !msg.contains(**w)).collect();
        if got != *want || !missing.is_empty() {
            failures.push(format!(
                "{group}/{file}: expected {want} naming {words:?}, got {got}: {msg}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {group} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn every_corpus_case_fails_with_its_error_kind_and_names_file_row_and_field() {
    let n = check("ledger", LEDGER, ledger_case)
        + check("provider", PROVIDER, provider_case)
        + check("pages", PAGES, page_case)
        + check("config", CONFIG, config_case);
    assert!(n >= 70, "{n} cases");
}

/// Every file in the corpus directories is a case of the tables above (none forgotten).
#[test]
fn every_corpus_file_is_listed() {
    let listed: std::collections::BTreeSet<String> = LEDGER
        .iter()
        .map(|c| format!("ledger/{}", c.0))
        .chain(PROVIDER.iter().map(|c| format!("provider/{}", c.0)))
        .chain(PAGES.iter().map(|c| format!("pages/{}", c.0)))
        .chain(CONFIG.iter().map(|c| format!("config/{}", c.0)))
        .collect();
    let root = corpus("");
    let found: std::collections::BTreeSet<String> = ["ledger", "provider", "pages", "config"]
        .iter()
        .flat_map(|dir| files(&corpus(dir)))
        .map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(found, listed);
}

/// Inputs the fuzz targets (`fuzz/`, `bench/fuzz.sh`) found or that were written to probe them:
/// each one, fed to the same function as its target, returns (an error or a value) without
/// panicking.
#[test]
fn fuzz_regression_inputs_are_refused_without_panic() {
    let mut tried = 0;
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(corpus("fuzz")).unwrap() {
        let dir = entry.unwrap().path();
        let target = dir.file_name().unwrap().to_string_lossy().to_string();
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let t = target.clone();
            // Every kept input is malformed: it must be refused with an error, not read and not a panic.
            let refused = std::panic::catch_unwind(move || match t.as_str() {
                "page_keysecure" => cardrecon::providers::read_page(
                    &cardrecon::providers::keysecure::SPEC,
                    "page",
                    &bytes,
                )
                .is_err(),
                "page_txv3" => cardrecon::providers::read_page(
                    &cardrecon::providers::txv3::SPEC,
                    "page",
                    &bytes,
                )
                .is_err(),
                "page_cardapp" => cardrecon::providers::read_page(
                    &cardrecon::providers::cardapp::SPEC,
                    "page",
                    &bytes,
                )
                .is_err(),
                "page_usertrans" => cardrecon::providers::read_page(
                    &cardrecon::providers::usertrans::SPEC,
                    "page",
                    &bytes,
                )
                .is_err(),
                ledger => {
                    let dir = tempdir();
                    let file = dir
                        .path()
                        .join(format!("ledger.{}", ledger.trim_start_matches("ledger_")));
                    std::fs::write(&file, &bytes).unwrap();
                    matches!(
                        cardrecon::ledger::load(&file, &Settings::defaults()),
                        Err(Error::LedgerFile { .. })
                    )
                }
            });
            tried += 1;
            match refused {
                Ok(true) => {}
                Ok(false) => wrong.push(format!("{}: not refused", path.display())),
                Err(_) => wrong.push(format!("{}: panicked", path.display())),
            }
        }
    }
    assert_eq!(tried, 11);
    assert!(wrong.is_empty(), "{wrong:?}");
}
