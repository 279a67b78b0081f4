//! Errors keep their causes (issue 28): code can match on the kind of what went wrong (the
//! cause is the error's `source()`), and the message still names the place and says the cause
//! once.

use std::error::Error as _;

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::Error;

use crate::util::*;

#[test]
fn a_configuration_error_keeps_tomls_error_and_names_the_line() {
    let dir = tempdir();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "timezone = \"UTC\"\nmargin_days = \"three\"\n").unwrap();
    let e = ConfigFile::load(&path).unwrap_err();
    assert!(
        matches!(&e, Error::Config { field, .. } if field.contains("margin_days")),
        "{e}"
    );
    let cause = e.source().expect("a cause");
    assert!(
        cause.downcast_ref::<toml::de::Error>().is_some(),
        "{cause:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("line 2") && text.contains("margin_days"),
        "{text}"
    );
}

#[test]
fn a_ledger_that_is_no_workbook_keeps_calamines_error() {
    let dir = tempdir();
    let path = dir.path().join("ledger.xlsx");
    std::fs::write(&path, "entry_id,amount\nL1,1.00\n").unwrap();
    let e =
        cardrecon::ledger::load_frame(&path, &Settings::defaults(), chrono_tz::UTC).unwrap_err();
    assert!(matches!(&e, Error::LedgerFile { .. }), "{e}");
    let cause = e.source().expect("a cause");
    assert!(
        cause.downcast_ref::<calamine::Error>().is_some(),
        "{cause:?}"
    );
    // Said once.
    let text = e.to_string();
    assert!(text.contains("cannot be opened as a workbook"), "{text}");
    assert_eq!(text.matches(&cause.to_string()).count(), 1, "{text}");
}

#[tokio::test]
async fn a_store_whose_table_is_gone_keeps_sqlxs_database_error() {
    let dir = tempdir();
    let url = format!("sqlite:{}", dir.path().join("s.db").display());
    let store = cardrecon::store::Store::open(&url).await.unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query("DROP TABLE items")
        .execute(&pool)
        .await
        .unwrap();
    let e = store
        .snapshot(&cardrecon::period::Period::parse("2026-03").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Store { .. }), "{e}");
    let cause = e.source().expect("a cause");
    let db = cause.downcast_ref::<sqlx::Error>().expect("sqlx's error");
    assert!(matches!(db, sqlx::Error::Database(_)), "{db:?}");
    assert!(e.to_string().contains("items"), "{e}");
}

/// rust_xlsxwriter panics when a write to a sheet's temporary file fails (a full disk; here a
/// file size limit). The run ends as any output's failure does: an error naming the workbook,
/// exit code 2, and no half-written workbook in place.
#[test]
fn a_workbook_that_cannot_be_written_is_an_error_naming_it() {
    let dir = tempdir();
    let out = dir.path().join("out");
    // `ulimit -f 16`: no file past 16 blocks; SIGXFSZ ignored, so a write past it fails.
    let script = "trap '' XFSZ; ulimit -f 16; exec \"$0\" reconcile --provider-data \"$1\" \
        --ledger \"$2\" --period 2026-03 --timezone Europe/London --out \"$3\" \
        --outputs xlsx --exit-zero";
    let o = std::process::Command::new("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_cardrecon")])
        .arg(repo_path("sample-data/providers"))
        .arg(repo_path("sample-data/ledger.csv"))
        .arg(&out)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("cardrecon: error: ")
            && last.contains("report.xlsx: the workbook could not be written: ")
            && last.contains("File too large"),
        "{stderr}"
    );
    assert!(!out.join("report.xlsx").exists());
    assert!(!out.join("report.xlsx.tmp").exists());
}
