//! Fetching over HTTP from the in-process sandbox: faults, auth, clock, limits, resume.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::generate::{generate, GenerateOptions};
use cardrecon::period::Period;
use cardrecon::pipeline::run::RunJob;
use cardrecon::pipeline::{self, ReconcileJob};
use cardrecon::sandbox::{self, Faults, SandboxOptions};
use cardrecon::Error;
use rust_decimal::Decimal;

use crate::util::*;

fn month(dir: &Path, records: u64, seed: u64) -> PathBuf {
    let data = dir.join("data");
    generate(&GenerateOptions {
        out: data.clone(),
        records,
        seed,
        period: Period::parse("2026-03").unwrap(),
        timezone: chrono_tz::Europe::London,
        discrepancy_share: None,
        opening_cards: None,
        ledger_style: Default::default(),
    })
    .unwrap();
    data
}

/// The `init` template pointed at a sandbox, with the sandbox's credentials written in.
fn config_text(url: &str, ledger: &Path) -> String {
    let mut text = cardrecon::config::template::config_template(
        Some(url),
        "Europe/London",
        Some("2026-03"),
        &ledger.display().to_string(),
    );
    for (k, v) in cardrecon::config::template::sandbox_env() {
        text = text.replace(&format!("${{{k}}}"), v);
    }
    text
}

fn settings(text: &str, out: &Path) -> Settings {
    let f: ConfigFile = toml::from_str(text).unwrap();
    let mut s = Settings::resolve(&f, "test.toml").unwrap();
    s.output_dir = out.to_path_buf();
    s
}

fn offline(dir: &Path, data: &Path) -> PathBuf {
    let out = dir.join("offline");
    let mut s = Settings::defaults();
    s.timezone = chrono_tz::Europe::London;
    pipeline::reconcile(&ReconcileJob {
        provider_data: data.join("providers"),
        ledger: data.join("ledger.csv"),
        out: out.clone(),
        period: Period::parse("2026-03").unwrap(),
        settings: s,
        fetch_stats: vec![],
        fetch_evidence: None,
        fetched_until: None,
        run: None,
        outputs: cardrecon::pipeline::Outputs::ALL,
        thresholds: Default::default(),
        external: Default::default(),
    })
    .unwrap();
    out
}

/// Count and sum of amounts per provider in a provider-data directory.
fn totals(dir: &Path) -> Vec<(String, usize, Decimal)> {
    let (records, _) = cardrecon::normalize::read_provider_dir(dir, &Settings::defaults()).unwrap();
    let mut m: std::collections::BTreeMap<String, (usize, Decimal)> = Default::default();
    for r in records {
        let e = m.entry(r.provider.clone()).or_default();
        e.0 += 1;
        e.1 += r.amount;
    }
    m.into_iter().map(|(k, (n, s))| (k, n, s)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_the_fetch_equals_the_offline_reconciliation() {
    let dir = tempdir();
    let data = month(dir.path(), 3_000, 21);
    let faults = Faults {
        server_errors: 0.10,
        rate_limited: 0.05,
        retry_after_secs: 0,
        latency: Duration::from_millis(2),
        token_uses: Some(40),
        page_drift_after: Some(2),
        truncated: 0.03,
        extra_fields: true,
    };
    let (url, handle) = sandbox::start(
        &data.join("providers"),
        SandboxOptions {
            seed: 5,
            faults,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ledger = data.join("ledger.csv");
    let s = settings(&config_text(&url, &ledger), &dir.path().join("runs"));
    let job = RunJob {
        settings: s,
        config_path: None,
        period: Period::parse("2026-03").unwrap(),
        ledger,
        run_id: Some("faults".into()),
        progress: false,
        thresholds: Default::default(),
        reopen_period: false,
        refresh: false,
        export: None,
    };
    let done = pipeline::run::run(&job).await.unwrap();
    handle.stop().await;
    let off = offline(dir.path(), &data);
    for f in ["results.csv", "discrepancies.csv"] {
        assert_same_file(&done.run_dir.join(f), &off.join(f));
    }
    // Exactly the records served: count and sum per provider.
    assert_eq!(
        totals(&done.run_dir.join("raw")),
        totals(&data.join("providers"))
    );
    let fetch = &done.outcome.summary.fetch;
    assert_eq!(fetch.len(), 4);
    assert!(
        fetch.iter().all(|f| f.retries > 0),
        "every provider met faults: {fetch:?}"
    );
    // keysecure pages its one window in order, so the drift is met the same way every time:
    // records inserted after page 0 shift later pages (repeats) and the window is read again.
    // (Providers whose windows are requested at once meet it depending on scheduling.)
    let ks = fetch.iter().find(|f| f.provider == "keysecure").unwrap();
    assert!(
        ks.windows_reread > 0 && ks.identical_repeats_dropped > 0,
        "page drift: {ks:?}"
    );
    assert!(ks.token_refreshes > 0, "tokens expired: {ks:?}");
    assert!(done.run_dir.join("manifest.json").is_file());
    // Completeness shown: per provider and accounting day, the records and sums fetched equal
    // what the sandbox served (the same files, read offline).
    let mut s = Settings::defaults();
    s.timezone = chrono_tz::Europe::London;
    let (served, _) = cardrecon::normalize::read_provider_dir(&data.join("providers"), &s).unwrap();
    let served = cardrecon::normalize::provider_frame(&served, chrono_tz::Europe::London).unwrap();
    let expected = cardrecon::report::fetch::fetched_by_day(&served).unwrap();
    let summary = &done.outcome.summary;
    assert!(expected.len() > 100, "{} provider-days", expected.len());
    assert_eq!(summary.fetched_by_day, expected);
    // Per window: where the API gives a total, it equals the records kept; keysecure gives
    // none and says what was done instead; every window's records add up to the provider's.
    for f in fetch {
        assert!(!f.window_checks.is_empty(), "{}", f.provider);
        let kept: u64 = f.window_checks.iter().map(|w| w.fetched).sum();
        let repeats: u64 = f.window_checks.iter().map(|w| w.repeats_dropped).sum();
        assert!(repeats <= f.identical_repeats_dropped, "{f:?}");
        if f.provider == "keysecure" {
            assert!(f.window_checks.iter().all(|w| w.total.is_none()));
            assert!(f.completeness.contains("no totals"), "{}", f.completeness);
            assert_eq!(kept, f.records, "keysecure");
        } else {
            assert!(
                f.completeness.contains("total the API reports"),
                "{}",
                f.completeness
            );
            for w in &f.window_checks {
                assert_eq!(w.total, Some(w.fetched), "{} {}", f.provider, w.window);
            }
        }
        // Every window is a UTC range except cardapp's card list, which is not a range at all
        // (it used to show as 1970-01-01).
        for w in &f.window_checks {
            let ranged = w.window != "cards/all";
            assert_eq!(w.from.is_some(), ranged, "{} {}", f.provider, w.window);
            assert_eq!(w.to.is_some(), ranged, "{} {}", f.provider, w.window);
            if let Some(from) = &w.from {
                assert!(from.starts_with("2026-"), "{} {from}", w.window);
            }
        }
    }
    let cardapp = fetch.iter().find(|f| f.provider == "cardapp").unwrap();
    assert_eq!(cardapp.window_checks[0].window, "cards/all");
    let page = std::fs::read_to_string(done.run_dir.join("report.html")).unwrap();
    assert!(
        page.contains("<td>cards&#x2f;all</td><td>whole list</td><td></td>")
            && !page.contains("1970-"),
        "the page shows the card list as a whole list"
    );
    let ks_reads: u64 = ks.window_checks.iter().map(|w| w.reads - 1).sum();
    assert_eq!(ks_reads, ks.windows_reread, "re-reads are per window");
    // The same links findings as offline (a fetched provider duplicate lacks its detail's link,
    // and is still one refund, not an orphan), and exactly the seeded ones.
    let keys = |p: &Path| -> Vec<(String, String, String)> {
        let mut v: Vec<_> = read_csv(p)
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[3].clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        keys(&done.run_dir.join("links.csv")),
        keys(&off.join("links.csv"))
    );
    let mut seeded: Vec<(String, String, String)> = read_csv(&data.join("link_labels.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    seeded.sort();
    assert_eq!(keys(&off.join("links.csv")), seeded);
    // An offline reconcile says it has no fetch evidence.
    let off_summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(off.join("summary.json")).unwrap()).unwrap();
    assert!(off_summary["fetch_evidence"]
        .as_str()
        .unwrap()
        .starts_with("none: this run was reconciled offline"));
    assert_eq!(off_summary["fetched_by_day"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_providers_auth_failure_is_named() {
    let dir = tempdir();
    let data = month(dir.path(), 200, 3);
    let (url, handle) = sandbox::start(&data.join("providers"), SandboxOptions::default())
        .await
        .unwrap();
    let ledger = data.join("ledger.csv");
    let good = config_text(&url, &ledger);
    let cases = [
        (
            "keysecure",
            "sandbox-keysecure-secret",
            "check api_key / api_secret",
        ),
        ("txv3", "sandbox-txv3-key", "check api_key"),
        (
            "cardapp",
            "sandbox-cardapp-key",
            "check customer_id, app_id, key",
        ),
        (
            "usertrans",
            "sandbox-usertrans-secret",
            "check app_key / app_secret",
        ),
    ];
    for (provider, secret, hint) in cases {
        let text = good.replace(secret, "wrong-value");
        let s = settings(&text, &dir.path().join(format!("runs-{provider}")));
        let job = RunJob {
            settings: s,
            config_path: None,
            period: Period::parse("2026-03").unwrap(),
            ledger: ledger.clone(),
            run_id: None,
            progress: false,
            thresholds: Default::default(),
            reopen_period: false,
            refresh: false,
            export: None,
        };
        match pipeline::run::run(&job).await {
            Err(Error::Fetch {
                provider: p,
                message,
                ..
            }) => {
                assert_eq!(p, provider);
                assert!(message.contains(hint), "{provider}: {message}");
                assert!(
                    !message.contains("wrong-value"),
                    "a credential leaked into the error"
                );
            }
            Err(other) => panic!("{provider}: unexpected error {other}"),
            Ok(_) => panic!("{provider}: a wrong credential was accepted"),
        }
    }
    handle.stop().await;
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, String)],
    body: serde_json::Value,
) -> serde_json::Value {
    let mut r = client.post(url).json(&body);
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.send().await.unwrap().json().await.unwrap()
}

fn now_ms(offset_ms: i64) -> String {
    (chrono::Utc::now().timestamp_millis() + offset_ms).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keysecure_clock_rule_timezone_windows_and_pages() {
    let dir = tempdir();
    let d = dir.path().join("p");
    std::fs::create_dir_all(d.join("keysecure")).unwrap();
    // 2026-03-01T16:30:00Z: 2 March in UTC+8, 1 March in UTC.
    std::fs::write(
        d.join("keysecure/a.jsonl"),
        "{\"consume_no\": \"C1\", \"card_no\": \"k1\", \"type\": \"Consumption\", \"amount\": \"5.00\", \"status\": \"Success\", \"time\": 1772382600000, \"fee_list\": [{\"fee_type\": \"fx\", \"amount\": \"0.10\"}]}\n",
    )
    .unwrap();
    let (url, handle) = sandbox::start(&d, SandboxOptions::default()).await.unwrap();
    let c = reqwest::Client::new();
    let key = ("Api-Key", "sandbox-keysecure-key".to_string());
    let token_url = format!("{url}/keysecure/open-api/v1/auth/token");
    let secret = serde_json::json!({"api_secret": "sandbox-keysecure-secret"});
    for (ts, why) in [
        (now_ms(-61_000), "stale"),
        (now_ms(5_000), "future"),
        ("yesterday".to_string(), "not ms"),
    ] {
        let r = post(
            &c,
            &token_url,
            &[key.clone(), ("Timestamp", ts)],
            secret.clone(),
        )
        .await;
        assert_eq!(r["code"], 40103, "{why}: {r}");
    }
    let r = post(
        &c,
        &token_url,
        &[("Api-Key", "nope".into()), ("Timestamp", now_ms(-1000))],
        secret.clone(),
    )
    .await;
    assert_eq!(r["code"], 40101);
    let r = post(
        &c,
        &token_url,
        &[key.clone(), ("Timestamp", now_ms(-1000))],
        secret.clone(),
    )
    .await;
    assert_eq!(r["code"], 0, "{r}");
    let token = r["data"]["access_token"].as_str().unwrap().to_string();
    let list = format!("{url}/keysecure/open-api/v1/card/consume/list");
    let h = |tz: &str| {
        vec![
            key.clone(),
            ("Timestamp", now_ms(-1000)),
            ("Access-Token", token.clone()),
            ("Timezone", tz.to_string()),
        ]
    };
    let day = |d: &str| serde_json::json!({"start_time": d, "end_time": d, "page": 0, "size": 100});
    let r = post(&c, &list, &h("UTC+8"), day("2026-03-02")).await;
    assert_eq!(r["data"]["list"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(
        r["data"]["list"][0].as_object().unwrap().len(),
        6,
        "the list shape has the document's six fields"
    );
    let r = post(&c, &list, &h("UTC+0"), day("2026-03-02")).await;
    assert_eq!(r["data"]["list"].as_array().unwrap().len(), 0);
    let r = post(&c, &list, &h("UTC+0"), day("2026-03-01")).await;
    assert_eq!(r["data"]["list"].as_array().unwrap().len(), 1);
    // The document's own example window (90 days) is accepted; 91 is not.
    let r = post(
        &c,
        &list,
        &h("UTC+8"),
        serde_json::json!({"start_time": "2026-01-01", "end_time": "2026-03-31"}),
    )
    .await;
    assert_eq!(r["code"], 0, "{r}");
    let r = post(
        &c,
        &list,
        &h("UTC+8"),
        serde_json::json!({"start_time": "2026-01-01", "end_time": "2026-04-01"}),
    )
    .await;
    assert_eq!(r["code"], 40001, "{r}");
    for body in [
        serde_json::json!({"start_time": "2026-03-01", "end_time": "2026-03-02", "size": 101}),
        serde_json::json!({"start_time": "2026-03-01", "end_time": "2026-03-02", "page": -1}),
        serde_json::json!({"start_time": "03/01/2026", "end_time": "2026-03-02"}),
    ] {
        assert_eq!(
            post(&c, &list, &h("UTC+8"), body.clone()).await["code"],
            40001,
            "{body}"
        );
    }
    // Page 1 (0-based) of a one-record window is empty.
    let r = post(&c, &list, &h("UTC+0"), serde_json::json!({"start_time": "2026-03-01", "end_time": "2026-03-01", "page": 1, "size": 1})).await;
    assert_eq!(r["data"]["list"].as_array().unwrap().len(), 0);
    let r: serde_json::Value = c
        .get(format!("{url}/keysecure/open-api/v1/card/consume/C1/info"))
        .header(key.0, key.1.clone())
        .header("Timestamp", now_ms(-1000))
        .header("Access-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["data"]["fee_list"][0]["amount"], "0.10", "{r}");
    let r = post(
        &c,
        &list,
        &[
            key.clone(),
            ("Timestamp", now_ms(-1000)),
            ("Access-Token", "forged".into()),
        ],
        day("2026-03-01"),
    )
    .await;
    assert_eq!(r["code"], 40102);
    handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn txv3_cardapp_usertrans_limits_and_errors() {
    let dir = tempdir();
    let data = month(dir.path(), 300, 8);
    let opts = SandboxOptions {
        faults: Faults {
            token_uses: Some(2),
            ..Default::default()
        },
        ..Default::default()
    };
    let (url, handle) = sandbox::start(&data.join("providers"), opts).await.unwrap();
    let c = reqwest::Client::new();
    // txv3: 60-day windows, pages from 1, size 10..200, business_type required, X-Api-Key.
    let tx = format!("{url}/txv3/v3/openapi/card/transactions");
    let k = [("X-Api-Key", "sandbox-txv3-key".to_string())];
    let start = 1_772_323_200i64; // 2026-03-01T00:00:00Z
    let q = |end: i64, page: i64, size: i64| serde_json::json!({"start_time": start.to_string(), "end_time": end.to_string(), "page": page, "size": size, "business_type": 1});
    let ok = post(&c, &tx, &k, q(start + 60 * 86_400, 1, 10)).await;
    assert_eq!(ok["code"], "00000", "{ok}");
    assert!(ok["data"]["total"].as_u64().unwrap() > 10);
    assert_eq!(ok["data"]["records"].as_array().unwrap().len(), 10);
    for (body, why) in [
        (q(start + 60 * 86_400 + 1, 1, 10), "61 days"),
        (q(start + 86_400, 0, 10), "page 0"),
        (q(start + 86_400, 1, 9), "size 9"),
        (q(start + 86_400, 1, 201), "size 201"),
        (
            serde_json::json!({"start_time": "1", "end_time": "2", "page": 1, "size": 10}),
            "no business_type",
        ),
        (
            serde_json::json!({"tx_id": "X", "business_type": 1}),
            "tx_id without card_id",
        ),
    ] {
        assert_eq!(post(&c, &tx, &k, body).await["code"], "40000", "{why}");
    }
    assert_eq!(
        post(
            &c,
            &tx,
            &[("X-Api-Key", "nope".into())],
            q(start + 86_400, 1, 10)
        )
        .await["code"],
        "40100"
    );
    let first = &ok["data"]["records"][0];
    let one = post(&c, &tx, &k, serde_json::json!({"tx_id": first["tx_id"], "card_id": first["card_id"], "business_type": 1})).await;
    assert_eq!(one["data"]["records"][0]["tx_id"], first["tx_id"]);
    // cardapp: body credentials, page_no from 1, page_size up to 100, 31-day windows.
    let ca = format!("{url}/cardapp/v1/openApi/card/tradeList");
    let body = |page_no: i64, size: i64, key: &str| {
        serde_json::json!({"customer_id": 10000011, "app_id": 100001, "key": key, "page_no": page_no, "page_size": size,
            "start_time": "2026-03-01 00:00:00", "end_time": "2026-03-31 23:59:59"})
    };
    let r = post(&c, &ca, &[], body(1, 100, "sandbox-cardapp-key")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["page_no"], 1);
    assert_eq!(
        post(&c, &ca, &[], body(0, 10, "sandbox-cardapp-key")).await["code"],
        1002
    );
    assert_eq!(
        post(&c, &ca, &[], body(1, 101, "sandbox-cardapp-key")).await["code"],
        1002
    );
    assert_eq!(post(&c, &ca, &[], body(1, 10, "wrong")).await["code"], 1001);
    let cards = post(
        &c,
        &format!("{url}/cardapp/v1/openApi/card/cardList"),
        &[],
        body(1, 100, "sandbox-cardapp-key"),
    )
    .await;
    assert_eq!(cards["data"]["total"], 20);
    // usertrans: bearer token from /thirdPartyLogin, HTTP status codes, tokens expiring.
    let login = post(&c, &format!("{url}/usertrans/thirdPartyLogin"), &[], serde_json::json!({"app_key": "sandbox-usertrans-key", "app_secret": "sandbox-usertrans-secret"})).await;
    assert_eq!(
        (login["code"].clone(), login["status"].clone()),
        (serde_json::json!(200), serde_json::json!("true"))
    );
    let token = login["data"]["userToken"].as_str().unwrap().to_string();
    let get = |q: &'static str, tok: Option<String>| {
        let mut r = c.get(format!("{url}/usertrans/userTrans?{q}"));
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get("page=1", None).await.unwrap().status(), 401);
    assert_eq!(
        get("page=1&page_num=101", Some(token.clone()))
            .await
            .unwrap()
            .status(),
        400
    );
    let r = get(
        "page=1&page_num=5&start_date=2026-03-01&end_date=2026-03-31",
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = get("page=1", Some(token.clone())).await.unwrap();
    assert_eq!(r.status(), 401, "the token's third use: expired");
    let bad = post(
        &c,
        &format!("{url}/usertrans/thirdPartyLogin"),
        &[],
        serde_json::json!({"app_key": "x", "app_secret": "y"}),
    )
    .await;
    assert_eq!(
        (bad["code"].clone(), bad["status"].clone()),
        (serde_json::json!(401), serde_json::json!("false"))
    );
    handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_from_its_archive_with_identical_results() {
    let dir = tempdir();
    let data = month(dir.path(), 1_500, 13);
    let faults = Faults {
        latency: Duration::from_millis(15),
        ..Default::default()
    };
    let (url, handle) = sandbox::start(
        &data.join("providers"),
        SandboxOptions {
            faults,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cfg = dir.path().join("cardrecon.toml");
    let text = cardrecon::config::template::config_template(
        Some(&url),
        "Europe/London",
        Some("2026-03"),
        &data.join("ledger.csv").display().to_string(),
    );
    std::fs::write(
        &cfg,
        text.replace("max_concurrency = 8", "max_concurrency = 1"),
    )
    .unwrap();
    let spawn = || {
        let mut c = bin();
        c.args(["run", "--config", cfg.to_str().unwrap()]);
        for (k, v) in cardrecon::config::template::sandbox_env() {
            c.env(k, v);
        }
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    };
    let mut child = spawn().spawn().unwrap();
    let runs = dir.path().join("runs/2026-03");
    // Wait until some pages are archived, then kill it mid-fetch.
    let count_pages = || {
        files(&runs)
            .into_iter()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.to_string_lossy().contains("/pages/")
            })
            .count()
    };
    let mut waited = 0;
    while count_pages() < 40 && waited < 600 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();
    let archived = count_pages();
    assert!(archived >= 40, "{archived} pages archived before the kill");
    let run_dirs: Vec<PathBuf> = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(run_dirs.len(), 1);
    assert!(
        !run_dirs[0].join("manifest.json").exists(),
        "a killed run must not look complete"
    );
    // Started again: it resumes the same directory and finishes.
    let out = spawn().output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("resumed the unfinished run"), "{stdout}");
    handle.stop().await;
    assert!(run_dirs[0].join("manifest.json").is_file());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dirs[0].join("summary.json")).unwrap())
            .unwrap();
    let from_archive: u64 = summary["fetch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pages_from_archive"].as_u64().unwrap())
        .sum();
    assert!(
        from_archive >= 40,
        "resumed from {from_archive} archived pages"
    );
    let off = offline(dir.path(), &data);
    assert_same_file(&run_dirs[0].join("results.csv"), &off.join("results.csv"));
}

/// Two runs of one period at once: the second stops at once with a clear message and touches
/// nothing; once the first is done, a run goes ahead.
#[test]
fn a_second_run_of_the_same_period_is_refused_while_one_holds_the_lock() {
    let dir = tempdir();
    let cfg = dir.path().join("cardrecon.toml");
    // Nothing listens on port 9: the lock is taken before any fetch.
    std::fs::write(
        &cfg,
        config_text("http://127.0.0.1:9", &dir.path().join("ledger.csv")),
    )
    .unwrap();
    let file = ConfigFile::load(&cfg).unwrap();
    let mut s = Settings::resolve(&file, "cardrecon.toml").unwrap();
    s.output_dir = dir.path().join("runs");
    let period = Period::parse("2026-03").unwrap();
    let held = pipeline::run::lock_period(&s, &period).unwrap();
    let out = bin()
        .args(["run", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another `cardrecon run` of 2026-03 is in progress")
            && stderr.contains("runs/2026-03/.lock"),
        "{stderr}"
    );
    let entries: Vec<String> = std::fs::read_dir(dir.path().join("runs/2026-03"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(entries, [".lock"], "the refused run created nothing");
    drop(held);
    // Free again: the next run gets past the lock (and fails later, on the closed port).
    let out = bin()
        .args(["run", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr.contains("in progress") && stderr.contains("127.0.0.1:9"),
        "{stderr}"
    );
}

/// `fetch` archives a month without reconciling; `reconcile --provider-data` on that archive gives
/// the same results as the provider files themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_then_reconcile_equals_the_offline_reconciliation() {
    let dir = tempdir();
    let data = month(dir.path(), 1_200, 17);
    let (url, handle) = sandbox::start(&data.join("providers"), SandboxOptions::default())
        .await
        .unwrap();
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(&cfg, config_text(&url, &data.join("ledger.csv"))).unwrap();
    let archive = dir.path().join("archive");
    let out = bin()
        .args([
            "fetch",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            archive.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    handle.stop().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let served: usize = totals(&data.join("providers")).iter().map(|t| t.1).sum();
    assert!(
        stdout.contains(&format!("fetched {served} records")),
        "{stdout}"
    );
    // Each provider's line says how completeness was established.
    let lines: Vec<&str> = stdout.lines().take(4).collect();
    assert_eq!(
        lines
            .iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        ["cardapp", "keysecure", "txv3", "usertrans"]
    );
    for line in lines {
        let no_totals = line.starts_with("keysecure");
        assert_eq!(
            line.contains("no totals sent: read until unchanged"),
            no_totals,
            "{line}"
        );
        assert_eq!(
            line.contains("windows equal the API's totals"),
            !no_totals,
            "{line}"
        );
    }
    assert!(
        !archive.join("manifest.json").exists() && !archive.join("results.csv").exists(),
        "fetch only fetches"
    );
    let again = dir.path().join("again");
    let r = run_reconcile(
        &archive,
        &data.join("ledger.csv"),
        "2026-03",
        "Europe/London",
        &again,
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_same_file(
        &again.join("results.csv"),
        &offline(dir.path(), &data).join("results.csv"),
    );
    // The archive keeps the fetch's evidence, and the reconciliation from it shows it: per
    // provider and window what the API said, per accounting day what was fetched (equal to what
    // the sandbox served).
    let summary = |out: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    let shown = summary(&again);
    assert!(
        shown["fetch_evidence"]
            .as_str()
            .unwrap()
            .starts_with("the provider records were fetched by cardrecon on "),
        "{}",
        shown["fetch_evidence"]
    );
    let providers: Vec<&str> = shown["fetch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["cardapp", "keysecure", "txv3", "usertrans"]);
    let kept: u64 = shown["fetch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["records"].as_u64().unwrap())
        .sum();
    assert!(
        stdout.contains(&format!("fetched {kept} records")),
        "{stdout}"
    );
    let s = settings(&config_text(&url, &data.join("ledger.csv")), dir.path());
    let (served, _) = cardrecon::normalize::read_provider_dir(&data.join("providers"), &s).unwrap();
    let served = cardrecon::normalize::provider_frame(&served, chrono_tz::Europe::London).unwrap();
    let by_day = cardrecon::report::fetch::fetched_by_day(&served).unwrap();
    assert_eq!(
        shown["fetched_by_day"],
        serde_json::to_value(&by_day).unwrap()
    );
    // A month the fetch did not cover: the evidence is not shown, and the run says why.
    let april = dir.path().join("april");
    let r = run_reconcile(
        &archive,
        &data.join("ledger.csv"),
        "2026-04",
        "Europe/London",
        &april,
        &["--exit-zero"],
    );
    // The terminal says the data is not April's (which days it covers), and March's card list,
    // fetched with March's window, is not April's closing list.
    assert!(
        r.stdout
            .contains("WARNING: the provider data covers 2026-02-")
            && r.stdout.contains(" to 2026-04-0")
            && r.stdout
                .contains("not the whole of 2026-04 (2026-04-01 to 2026-04-30)"),
        "{}",
        r.stdout
    );
    let april = summary(&april);
    assert!(
        april["cards"]["note"]
            .as_str()
            .unwrap()
            .starts_with("the card list in the inputs was fetched with another period's window (ending 2026-04-03T23:00:00Z): it is not 2026-04's closing list"),
        "{}",
        april["cards"]["note"]
    );
    assert_eq!(april["cards"]["findings"], 0);
    assert_eq!(april["cards"]["by_finding"]["balance_mismatch"], 0);
    assert!(
        april["fetch_evidence"]
            .as_str()
            .unwrap()
            .contains("which does not cover this reconciliation's"),
        "{}",
        april["fetch_evidence"]
    );
    assert_eq!(april["fetch"], serde_json::json!([]));
    // A record file changed after the fetch: the figures no longer describe the records.
    let consume = archive.join("keysecure/consume.jsonl");
    let mut text = std::fs::read_to_string(&consume).unwrap();
    let first = text.lines().next().unwrap().to_string();
    text.push_str(&first);
    text.push('\n');
    std::fs::write(&consume, text).unwrap();
    let edited = dir.path().join("edited");
    run_reconcile(
        &archive,
        &data.join("ledger.csv"),
        "2026-03",
        "Europe/London",
        &edited,
        &[],
    );
    let e = summary(&edited);
    assert_eq!(
        e["fetch_evidence"].as_str().unwrap(),
        format!(
            "none: keysecure/consume.jsonl in the archive is not the file fetched on {} (changed, added or removed since), so the fetch's figures do not describe these records",
            &shown["fetch_evidence"].as_str().unwrap()[50..70]
        )
    );
    assert_eq!(e["fetch"], serde_json::json!([]));
    let page = std::fs::read_to_string(edited.join("report.html")).unwrap();
    assert!(page.contains(
        "No fetch evidence: keysecure&#x2f;consume.jsonl in the archive is not the file fetched"
    ));
}

/// Generate → serve → fetch → parse, for every provider: each fetched record equals, field by
/// field, the record read from the wire file the generator wrote (all but where it was read
/// from), with faults on, extra fields added by the server and secrets stripped on the way.
///
/// One exception is the API's own: keysecure's list lacks fees, merchant and links, and its
/// detail is looked up by id, so of two different records the provider lists under one id
/// (a seeded `duplicate_at_provider`) only one can get its detail; the other comes back in its
/// list form, which is asserted exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_record_comes_back_field_for_field_through_the_api() {
    let dir = tempdir();
    let data = month(dir.path(), 2_000, 29);
    let (url, handle) = sandbox::start(
        &data.join("providers"),
        SandboxOptions {
            seed: 9,
            faults: Faults {
                server_errors: 0.05,
                rate_limited: 0.05,
                retry_after_secs: 0,
                // Token expiry is left to every_fault_on_the_fetch_equals_the_offline_reconciliation:
                // with 40 uses a token and 8 requests at once, a keysecure request under a loaded
                // test run can lose its fresh token four times running ("the Access-Token kept
                // expiring"), which is about the fault's own budget, not about field equality.
                page_drift_after: Some(3),
                truncated: 0.03,
                extra_fields: true,
                ..Faults::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = settings(
        &config_text(&url, &data.join("ledger.csv")),
        &dir.path().join("runs"),
    );
    let raw = dir.path().join("raw");
    let stats = pipeline::run::fetch_all(&s, &raw, &Period::parse("2026-03").unwrap(), false, None)
        .await
        .unwrap();
    handle.stop().await;
    assert_eq!(stats.len(), cardrecon::providers::SPECS.len());

    let read = |d: &Path| {
        let (mut records, _) =
            cardrecon::normalize::read_provider_dir(d, &Settings::defaults()).unwrap();
        for r in &mut records {
            r.source.clear();
        }
        records.sort_by(|a, b| {
            (&a.provider, &a.tx_id, a.occurred_at, a.amount).cmp(&(
                &b.provider,
                &b.tx_id,
                b.occurred_at,
                b.amount,
            ))
        });
        records
    };
    let generated = read(&data.join("providers"));
    let fetched = read(&raw);
    for spec in cardrecon::providers::SPECS {
        let n = |v: &[cardrecon::model::ProviderRecord]| {
            v.iter().filter(|r| r.provider == spec.name).count()
        };
        assert!(
            n(&generated) > 100,
            "{}: {} generated",
            spec.name,
            n(&generated)
        );
        assert_eq!(n(&fetched), n(&generated), "{}: record count", spec.name);
    }
    let mut ids: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for g in &generated {
        *ids.entry((&g.provider, &g.tx_id)).or_default() += 1;
    }
    let mut list_form = 0;
    for (g, f) in generated.iter().zip(&fetched) {
        if g == f {
            continue;
        }
        assert!(
            g.provider == "keysecure" && ids[&(g.provider.as_str(), g.tx_id.as_str())] > 1,
            "a fetched record differs from what was generated:\n{g:?}\n{f:?}"
        );
        let expected = cardrecon::model::ProviderRecord {
            fee: None,
            fee_currency: None,
            description: None,
            original_amount: None,
            original_currency: None,
            related_tx_id: None,
            order_id: None,
            ..g.clone()
        };
        assert_eq!(
            &expected, f,
            "a duplicate id's second record in its list form"
        );
        list_form += 1;
    }
    let duplicated = ids
        .iter()
        .filter(|((p, _), n)| *p == "keysecure" && **n > 1)
        .count();
    assert!(
        list_form <= duplicated,
        "{list_form} list forms, {duplicated} duplicated ids"
    );
    assert_eq!(generated.len(), fetched.len());
}
