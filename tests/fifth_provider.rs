//! A provider is its directory (issue 28): `tests/tinypay/`, a fifth provider no file in `src/`
//! knows, is served by the sandbox, paged by the fetcher (through faults) and reconciled by the
//! engine, registered only by handing its spec to what takes the list of providers.

use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use rust_decimal::Decimal;

use cardrecon::config::{ConfigFile, Settings, Uses};
use cardrecon::model::{Kind, Status};
use cardrecon::period::Period;
use cardrecon::pipeline::run::{run, RunJob};
use cardrecon::providers::sample::SampleRecord;
use cardrecon::providers::{Spec, SPECS};
use cardrecon::sandbox::{self, Faults, SandboxOptions};

use crate::tinypay;
use crate::util::*;

const RECORDS: u64 = 120;

/// The month tinypay sends: one record every six hours of March 2026, every tenth a refund.
fn records() -> Vec<SampleRecord> {
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap();
    (1..=RECORDS)
        .map(|n| SampleRecord {
            kind: if n % 10 == 0 {
                Kind::Refund
            } else {
                Kind::Consumption
            },
            tx_id: format!("tp-{n:06}"),
            order_id: None,
            amount: Decimal::new(125 * n as i64 + 100, 2),
            currency: "EUR".into(),
            fee: None,
            status: Status::Success,
            at: start + Duration::hours(6 * (n as i64 - 1)),
            card: (n % 20) as usize,
            related: None,
            merchant: "",
        })
        .collect()
}

/// The ledger: every record booked at its instant, but for two missing, one booked 1.00 short,
/// and one entry tinypay never sent.
fn write_ledger(path: &Path, records: &[SampleRecord]) {
    let mut text =
        String::from("entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\n");
    for (i, r) in records.iter().enumerate() {
        if r.tx_id == "tp-000005" || r.tx_id == "tp-000017" {
            continue;
        }
        let amount = if r.tx_id == "tp-000030" {
            r.amount - Decimal::ONE
        } else {
            r.amount
        };
        let kind = if r.kind == Kind::Refund {
            "refund"
        } else {
            "consumption"
        };
        text.push_str(&format!(
            "L{i},tinypay,{kind},{},,{amount},EUR,success,{}\n",
            r.tx_id,
            r.at.to_rfc3339()
        ));
    }
    text.push_str("L999,tinypay,consumption,tp-999999,,9.99,EUR,success,2026-03-15T12:00:00Z\n");
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifth_provider_from_its_own_directory_is_served_fetched_and_reconciled() {
    let dir = tempdir();
    let data = dir.path().join("providers");
    std::fs::create_dir_all(data.join(tinypay::NAME)).unwrap();
    let records = records();
    let lines: Vec<String> = records
        .iter()
        .map(|r| (tinypay::SPEC.sample.wire)(r, chrono_tz::UTC).unwrap())
        .collect();
    std::fs::write(data.join("tinypay/records.jsonl"), lines.join("\n") + "\n").unwrap();
    let ledger = dir.path().join("ledger.csv");
    write_ledger(&ledger, &records);

    // The one list: the providers cardrecon ships, and tinypay.
    let specs: Vec<&'static Spec> = SPECS.iter().copied().chain([&tinypay::SPEC]).collect();
    let options = SandboxOptions {
        seed: 3,
        faults: Faults {
            server_errors: 0.15,
            page_drift_after: Some(2),
            ..Default::default()
        },
        ..SandboxOptions::of(specs.clone())
    };
    assert_eq!(
        sandbox::mounts(&options.specs),
        "/keysecure, /txv3, /cardapp, /usertrans, /tinypay"
    );
    let (url, handle) = sandbox::start(&data, options).await.unwrap();

    // Its configuration section is read by its own `connect`: a wrong key is named, a missing
    // token is required in its own words.
    let text = |extra: &str| {
        format!(
            "timezone = \"Europe/London\"\nperiod = \"2026-03\"\n[providers.tinypay]\nbase_url = \"{url}/tinypay\"\npage_size = 20\nrequests_per_second = 2000\n{extra}\n[ledger]\npath = \"{}\"\n",
            ledger.display()
        )
    };
    let env = cardrecon::secret::Vars::new([(tinypay::TOKEN.env, tinypay::TOKEN.sandbox)]);
    let resolve = |t: &str| {
        let file: ConfigFile = toml::from_str(t).unwrap();
        Settings::resolve_among(&file, "t.toml", &env, Uses::ALL, &specs)
    };
    let e = resolve(&text("")).unwrap_err().to_string();
    assert!(
        e.contains("providers.tinypay.token") && e.contains("required for a tinypay provider"),
        "{e}"
    );
    let e = resolve(&text("tokn = \"x\"")).unwrap_err().to_string();
    assert!(e.contains("tokn"), "{e}");
    // Without the list, cardrecon does not know it.
    let file: ConfigFile = toml::from_str(&text("token = \"${CARDRECON_TINYPAY_TOKEN}\"")).unwrap();
    let e = Settings::resolve_with(&file, "t.toml", &env)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`tinypay` is not a provider type"), "{e}");

    let mut settings = resolve(&text("token = \"${CARDRECON_TINYPAY_TOKEN}\"")).unwrap();
    settings.output_dir = dir.path().join("runs");
    let done = run(&RunJob {
        settings,
        config_path: None,
        period: Period::parse("2026-03").unwrap(),
        ledger,
        run_id: Some("fifth".into()),
        progress: false,
        thresholds: Default::default(),
        reopen_period: false,
        refresh: false,
        export: None,
    })
    .await
    .unwrap();
    handle.stop().await;

    // Paged: six windows of at most 7 days (March with three margin days on each side is 37
    // days less the hour DST takes), 20 a page, through injected 5xx and a page drift; every
    // record once.
    let fetch = &done.outcome.summary.fetch;
    assert_eq!(fetch.len(), 1, "{fetch:?}");
    let f = &fetch[0];
    assert_eq!((f.provider.as_str(), f.records), ("tinypay", RECORDS));
    assert!(f.retries > 0, "it met the injected faults: {f:?}");
    assert_eq!(f.window_checks.len(), 6);
    for w in &f.window_checks {
        assert_eq!(w.total, Some(w.fetched), "{}", w.window);
    }
    let raw = std::fs::read_to_string(done.run_dir.join("raw/tinypay/records.jsonl")).unwrap();
    assert_eq!(raw.lines().count() as u64, RECORDS);
    assert!(
        !raw.contains("cvv") && !raw.contains("4485333916826937"),
        "secrets stripped"
    );

    // Reconciled like any provider.
    let by = &done.outcome.summary.by_category;
    assert_eq!(by["matched"], RECORDS - 3);
    assert_eq!(by["missing_in_ledger"], 2);
    assert_eq!(by["amount_mismatch"], 1);
    assert_eq!(by["missing_at_provider"], 1);
    let rows = read_csv(&done.run_dir.join("discrepancies.csv"));
    let header = csv::Reader::from_path(done.run_dir.join("discrepancies.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut found: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[col("category")].clone(), r[col("tx_id")].clone()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("amount_mismatch".to_string(), "tp-000030".to_string()),
            ("missing_at_provider".into(), "tp-999999".into()),
            ("missing_in_ledger".into(), "tp-000005".into()),
            ("missing_in_ledger".into(), "tp-000017".into()),
        ]
    );
    assert!(rows.iter().all(|r| r[col("provider")] == "tinypay"));
}
