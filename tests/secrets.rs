//! Secrets never leave the process: a whole `run` with known credential values, expiring tokens
//! and a cardapp card list carrying `cvv`/`pin`, then every file of the run directory (text,
//! the workbook's cells, the Parquet tables) and the `-vv` log are searched.

use std::path::Path;

use cardrecon::generate::{generate, GenerateOptions};
use cardrecon::period::Period;
use cardrecon::sandbox::{self, Faults, SandboxOptions};

use crate::util::*;

const SECRETS: [(&str, &str); 6] = [
    ("CARDRECON_KEYSECURE_API_KEY", "ks-key-canary-5e1f0c"),
    ("CARDRECON_KEYSECURE_API_SECRET", "ks-secret-canary-93ab77"),
    ("CARDRECON_TXV3_API_KEY", "txv3-key-canary-20d4e1"),
    ("CARDRECON_CARDAPP_KEY", "cardapp-key-canary-7c66aa"),
    ("CARDRECON_USERTRANS_APP_KEY", "ut-key-canary-11f0b2"),
    ("CARDRECON_USERTRANS_APP_SECRET", "ut-secret-canary-4d2e98"),
];

/// What a person or a program could read in the file: text as is, the workbook's cells, the
/// Parquet tables' values.
fn readable(path: &Path) -> String {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" => {
            use calamine::{open_workbook_auto, Reader};
            let mut wb = open_workbook_auto(path).unwrap();
            let mut text = String::new();
            for name in wb.sheet_names() {
                let range = wb.worksheet_range(&name).unwrap();
                for row in range.rows() {
                    for c in row {
                        text.push_str(&c.to_string());
                        text.push('\t');
                    }
                }
            }
            text
        }
        "parquet" => {
            use polars::prelude::*;
            let df = ParquetReader::new(std::fs::File::open(path).unwrap())
                .finish()
                .unwrap();
            let mut text = String::new();
            // Text columns: where a card number, token or secret could be.
            for col in df
                .columns()
                .iter()
                .filter(|c| c.dtype() == &DataType::String)
            {
                for v in col.str().unwrap().iter().flatten() {
                    text.push_str(v);
                    text.push('\t');
                }
            }
            text
        }
        _ => String::from_utf8_lossy(&std::fs::read(path).unwrap()).to_string(),
    }
}

/// The sandbox's tokens: `ks-` or `ut-` and 16 hex digits.
fn tokens_in(text: &str) -> usize {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(18))
        .filter(|&i| {
            (&b[i..i + 3] == b"ks-" || &b[i..i + 3] == b"ut-")
                && b[i + 3..i + 19].iter().all(|c| c.is_ascii_hexdigit())
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_leaves_no_credential_token_cvv_pin_or_card_number_anywhere() {
    let dir = tempdir();
    let data = dir.path().join("data");
    generate(&GenerateOptions {
        out: data.clone(),
        records: 1_500,
        seed: 31,
        period: Period::parse("2026-03").unwrap(),
        timezone: chrono_tz::Europe::London,
        discrepancy_share: None,
        opening_cards: None,
        ledger_style: Default::default(),
    })
    .unwrap();
    // Distinctive cvv/pin values in the card list, so a hit cannot be a coincidence.
    let cards = data.join("providers/cardapp/cards.jsonl");
    let text = std::fs::read_to_string(&cards).unwrap();
    let mut card_lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["cvv"] = format!("cvv-canary-{i:03}").into();
        v["pin"] = format!("pin-canary-{i:03}").into();
        card_lines.push(v.to_string());
    }
    std::fs::write(&cards, card_lines.join("\n") + "\n").unwrap();
    // Every full card number the providers send (cardapp sends them unmasked).
    let mut pans = std::collections::BTreeSet::new();
    for f in files(&data.join("providers")) {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for k in ["card_no", "card_number"] {
                if let Some(s) = v.get(k).and_then(|s| s.as_str()) {
                    if (13..=19).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit()) {
                        pans.insert(s.to_string());
                    }
                }
            }
        }
    }
    assert!(
        pans.len() >= 20,
        "the inputs carry full card numbers: {}",
        pans.len()
    );

    let mut options = SandboxOptions::default();
    for (env, value) in SECRETS {
        options.credentials.set(env, value);
    }
    // Tokens expire after a few uses, so several are issued and refreshed.
    let faults = Faults {
        token_uses: Some(7),
        ..Default::default()
    };
    let (url, handle) = sandbox::start(
        &data.join("providers"),
        SandboxOptions { faults, ..options },
    )
    .await
    .unwrap();
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(
        &cfg,
        cardrecon::config::template::config_template(
            Some(&url),
            "Europe/London",
            Some("2026-03"),
            &data.join("ledger.csv").display().to_string(),
        ),
    )
    .unwrap();
    let mut cmd = bin();
    cmd.args(["-vv", "run", "--config", cfg.to_str().unwrap()]);
    for (k, v) in SECRETS {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    handle.stop().await;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("token") || log.contains("DEBUG"),
        "the -vv log is verbose: {}",
        &log[..log.len().min(500)]
    );

    let mut searched = vec![("run log".to_string(), log)];
    let runs = dir.path().join("runs");
    for f in files(&runs) {
        searched.push((f.display().to_string(), readable(&f)));
    }
    assert!(
        searched.iter().any(|(n, _)| n.contains("/raw/cardapp/")),
        "the archive was searched"
    );
    // The search sees what is there: masked card numbers in the workbook, the Parquet table and
    // the archive (so a full one would have been seen too).
    for part in ["report.xlsx", "provider_records.parquet", "/raw/cardapp/"] {
        assert!(
            searched
                .iter()
                .any(|(n, t)| n.contains(part) && t.contains("448533******")),
            "{part} searched and read"
        );
    }
    let mut hits = Vec::new();
    for (name, text) in &searched {
        for (_, value) in SECRETS {
            if text.contains(value) {
                hits.push(format!("{name}: credential {value}"));
            }
        }
        if text.contains("cvv-canary")
            || text.contains("pin-canary")
            || text.contains("\"cvv\"")
            || text.contains("\"pin\"")
        {
            hits.push(format!("{name}: cvv/pin"));
        }
        if tokens_in(text) > 0 {
            hits.push(format!("{name}: {} access tokens", tokens_in(text)));
        }
        for pan in &pans {
            if text.contains(pan.as_str()) {
                hits.push(format!("{name}: card number {pan}"));
                break;
            }
        }
    }
    assert!(hits.is_empty(), "{} hits:\n{}", hits.len(), hits.join("\n"));
    assert!(searched.len() > 20, "{} files searched", searched.len());
}
