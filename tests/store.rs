//! The store across periods, on SQLite and on a real PostgreSQL server that the test starts
//! itself (`initdb` + `pg_ctl` into a temporary directory, on a free port, as an unprivileged
//! user). In CI (`CI=true`) a PostgreSQL that cannot start fails the test; elsewhere it is
//! skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;

use cardrecon::model::ProviderRecord;

use crate::util::{read_csv, rec, run, run_reconcile, tempdir, utc};

// ---- the two months ---------------------------------------------------------------------------

/// One provider history spanning October and November 2026 (UTC, margin 3 days):
/// - T-CUT1: provider Oct 31, ledger Nov 1 (cut-off, provider first);
/// - T-CUT2: ledger Oct 31, provider Nov 1 (cut-off, ledger first);
/// - T-LATE: provider Oct 20, booked by the ledger three weeks later (Nov 10);
/// - T-PROV: booked Oct 15, reported by the provider only on Nov 12;
/// - T-AMT: Oct 12, provider 100.00, ledger 99.50 (accepted as fx_rounding);
/// - T-OPEN: provider Oct 25, never booked (stays open until dealt with);
/// - T-OK (Oct 5) and T-NOV (Nov 5): matched.
pub(crate) fn provider_records() -> Vec<ProviderRecord> {
    vec![
        rec("keysecure", "T-OK", "10.00", utc("2026-10-05 10:00:00")),
        rec("keysecure", "T-AMT", "100.00", utc("2026-10-12 10:00:00")),
        rec("keysecure", "T-LATE", "30.00", utc("2026-10-20 10:00:00")),
        rec("keysecure", "T-OPEN", "45.00", utc("2026-10-25 10:00:00")),
        rec("keysecure", "T-CUT1", "11.00", utc("2026-10-31 23:00:00")),
        rec("keysecure", "T-CUT2", "12.00", utc("2026-11-01 00:30:00")),
        rec("keysecure", "T-NOV", "13.00", utc("2026-11-05 10:00:00")),
        rec("keysecure", "T-PROV", "40.00", utc("2026-11-12 10:00:00")),
    ]
}

pub(crate) const LEDGER: &str =
    "entry_id,provider,kind,tx_id,order_id,amount,currency,fee,status,booked_at
L-OK,keysecure,consumption,T-OK,,10.00,USD,,success,2026-10-05 10:05:00
L-AMT,keysecure,consumption,T-AMT,,99.50,USD,,success,2026-10-12 10:05:00
L-PROV,keysecure,consumption,T-PROV,,40.00,USD,,success,2026-10-15 09:00:00
L-CUT2,keysecure,consumption,T-CUT2,,12.00,USD,,success,2026-10-31 22:00:00
L-CUT1,keysecure,consumption,T-CUT1,,11.00,USD,,success,2026-11-01 01:00:00
L-NOV,keysecure,consumption,T-NOV,,13.00,USD,,success,2026-11-05 10:05:00
L-LATE,keysecure,consumption,T-LATE,,30.00,USD,,success,2026-11-10 09:00:00
";

struct Month<'a> {
    dir: &'a Path,
    providers: PathBuf,
    store: &'a str,
}

impl Month<'_> {
    fn new<'a>(dir: &'a Path, store: &'a str) -> Month<'a> {
        let providers = dir.join("provider_records.parquet");
        let zone = chrono_tz::UTC;
        let mut df = cardrecon::normalize::provider_frame(&provider_records(), zone).unwrap();
        cardrecon::normalize::write_parquet(&mut df, &providers).unwrap();
        Month {
            dir,
            providers,
            store,
        }
    }

    /// Reconciles `period` against `ledger` text with the store; returns the exit code and the
    /// output directory.
    fn reconcile(
        &self,
        period: &str,
        ledger: &str,
        name: &str,
        extra: &[&str],
    ) -> (i32, PathBuf, String) {
        let ledger_path = self.dir.join(format!("{name}.csv"));
        std::fs::write(&ledger_path, ledger).unwrap();
        let out = self.dir.join(name);
        let mut args = vec!["--store", self.store];
        args.extend_from_slice(extra);
        let r = run_reconcile(&self.providers, &ledger_path, period, "UTC", &out, &args);
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: {}{}",
            r.stdout,
            r.stderr
        );
        (r.code, out, r.stderr)
    }

    /// `items --format csv` as (tx_id or ledger entry) → row (by column name).
    fn items(&self, status: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let r = run(&[
            "items", "--store", self.store, "--status", status, "--format", "csv",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
        let headers: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(headers, cardrecon::cli::items::COLUMNS);
        rd.records()
            .map(|rec| {
                headers
                    .iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(str::to_string))
                    .collect()
            })
            .collect()
    }

    /// (tx_id, category, status, cleared_in) of every item, sorted.
    fn states(&self) -> Vec<(String, String, String, String)> {
        let mut v: Vec<_> = self
            .items("all")
            .into_iter()
            .map(|i| {
                (
                    i["tx_id"].clone(),
                    i["category"].clone(),
                    i["status"].clone(),
                    i["cleared_in"].clone(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn id_of(&self, tx: &str) -> String {
        self.items("all")
            .into_iter()
            .find(|i| i["tx_id"] == tx)
            .unwrap_or_else(|| panic!("no item for {tx}"))["item_id"]
            .clone()
    }
}

fn categories(out: &Path, file: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = read_csv(&out.join(file))
        .into_iter()
        .map(|r| (r[0].clone(), r[3].clone()))
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// The roll-forward's figures of the only provider × currency line:
/// (start, new, reopened, cleared, resolved, accepted, end) counts, and whether it balances.
fn roll(out: &Path) -> ([u64; 7], bool) {
    let s = summary(out);
    let lines = s["close"]["roll_forward"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let l = &lines[0];
    let n = |k: &str| l[k]["count"].as_u64().unwrap();
    (
        [
            n("open_at_start"),
            n("new"),
            n("reopened"),
            n("cleared"),
            n("resolved"),
            n("accepted"),
            n("open_at_end"),
        ],
        l["balances"].as_bool().unwrap() && s["close"]["roll_forward_balances"].as_bool().unwrap(),
    )
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The issue's two-month close, step by step, with exact expectations.
fn two_months(store: &str) {
    let dir = tempdir();
    let m = Month::new(dir.path(), store);

    // October: two cut-offs, a record not yet booked, a booking not yet reported, an amount
    // difference and one that stays open.
    let (code, oct, _) = m.reconcile("2026-10", LEDGER, "oct", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        categories(&oct, "discrepancies.csv"),
        pairs(&[
            ("amount_mismatch", "T-AMT"),
            ("missing_at_provider", "T-PROV"),
            ("missing_in_ledger", "T-LATE"),
            ("missing_in_ledger", "T-OPEN"),
            ("timing_difference", "T-CUT1"),
            ("timing_difference", "T-CUT2"),
        ])
    );
    assert_eq!(roll(&oct), ([0, 6, 0, 0, 0, 0, 6], true));
    assert_eq!(m.items("open").len(), 6);

    // Accounting explains the amount difference.
    let amt = m.id_of("T-AMT");
    let r = run(&[
        "accept",
        "--store",
        store,
        &amt,
        "--reason",
        "fx_rounding",
        "--note",
        "card FX rounding",
        "--by",
        "ana",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // November: none of October's items is new; each is cleared (or stays accepted).
    let (code, nov, _) = m.reconcile("2026-11", LEDGER, "nov", &[]);
    assert_eq!(
        code,
        0,
        "November has nothing new to explain: {}",
        std::fs::read_to_string(nov.join("results.csv")).unwrap()
    );
    assert!(read_csv(&nov.join("discrepancies.csv")).is_empty());
    assert_eq!(
        categories(&nov, "results.csv"),
        pairs(&[
            ("cleared_prior", "T-CUT1"),
            ("cleared_prior", "T-CUT2"),
            ("cleared_prior", "T-LATE"),
            ("cleared_prior", "T-PROV"),
            ("matched", "T-NOV"),
        ])
    );
    let late = read_csv(&nov.join("results.csv"))
        .into_iter()
        .find(|r| r[3] == "T-LATE")
        .unwrap();
    let late_id = m.id_of("T-LATE");
    assert!(
        late[18].contains(&format!(
            "clears item {late_id} (missing_in_ledger of 2026-10)"
        )),
        "{}",
        late[18]
    );
    assert_eq!(
        m.states(),
        vec![
            (s("T-AMT"), s("amount_mismatch"), s("accepted"), s("")),
            (
                s("T-CUT1"),
                s("timing_difference"),
                s("cleared"),
                s("2026-11")
            ),
            (
                s("T-CUT2"),
                s("timing_difference"),
                s("cleared"),
                s("2026-11")
            ),
            (
                s("T-LATE"),
                s("missing_in_ledger"),
                s("cleared"),
                s("2026-11")
            ),
            (s("T-OPEN"), s("missing_in_ledger"), s("open"), s("")),
            (
                s("T-PROV"),
                s("missing_at_provider"),
                s("cleared"),
                s("2026-11")
            ),
        ]
    );
    // Open at the start: the six October's report closed with; the acceptance made since is
    // November's movement; four cleared; one left.
    assert_eq!(roll(&nov), ([6, 0, 0, 4, 0, 1, 1], true));
    let open = summary(&nov)["close"]["open_items"].clone();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["tx_id"], "T-OPEN");
    assert_eq!(open[0]["age_days"], 36);
    assert_eq!(open[0]["age_bucket"], "over 30 days");
    let open_id = m.id_of("T-OPEN");
    // The same in the workbook (Open items sheet, roll-forward on Summary) and on the page.
    {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = open_workbook(nov.join("report.xlsx")).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names[..3], ["Summary", "Discrepancies", "Open items"]);
        let items = wb.worksheet_range("Open items").unwrap();
        let rows: Vec<&[Data]> = items.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], Data::String(open_id.clone()));
        // Provider amount, no ledger amount or difference, −45.00 at stake (money out).
        assert_eq!(rows[1][8], Data::Float(45.0));
        assert_eq!(rows[1][9], Data::Empty);
        assert_eq!(rows[1][11], Data::Float(-45.0));
        assert_eq!(rows[1][13], Data::Float(36.0));
        let summary_sheet = wb.worksheet_range("Summary").unwrap();
        let line: Vec<String> = summary_sheet
            .rows()
            .find(|r| r.first() == Some(&Data::String("keysecure".into())) && r.len() > 16)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            line[..17],
            [
                "keysecure",
                "USD",
                "6",
                "238",
                "0",
                "0",
                "0",
                "0",
                "4",
                "93",
                "0",
                "0",
                "1",
                "100",
                "1",
                "45",
                "yes"
            ]
        );
    }
    // explain finds the store from the run's summary and shows the item and its history.
    let x = run(&["explain", "--run", nov.to_str().unwrap(), "T-LATE"]);
    assert_eq!(x.code, 0, "{}", x.stderr);
    assert!(
        x.stdout.contains("In the store:")
            && x.stdout
                .contains(&format!("item {late_id} (missing_in_ledger of 2026-10)")),
        "{}",
        x.stdout
    );
    assert!(
        x.stdout.contains("cleared") && x.stdout.contains("its counterpart arrived in 2026-11"),
        "{}",
        x.stdout
    );
    let page = std::fs::read_to_string(nov.join("report.html")).unwrap();
    assert!(
        page.contains(r#"<h2 id="sec-close">Month-end close</h2>"#) && page.contains(&open_id),
        "the page lists the open item"
    );

    // Re-running November gives the same answer and changes nothing.
    let before = m.states();
    let (code, nov2, _) = m.reconcile("2026-11", LEDGER, "nov2", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        categories(&nov2, "results.csv"),
        categories(&nov, "results.csv")
    );
    assert_eq!(m.states(), before);

    // Re-running October after November changes nothing November cleared.
    let (_, oct2, _) = m.reconcile("2026-10", LEDGER, "oct2", &[]);
    assert_eq!(
        categories(&oct2, "discrepancies.csv"),
        categories(&oct, "discrepancies.csv")
    );
    assert_eq!(m.states(), before);

    // A corrected ledger: T-OPEN is booked, and T-AMT's booking changes again. The first is
    // resolved; the second's evidence changed, so the acceptance no longer holds.
    let corrected = LEDGER.replace("99.50", "99.00")
        + "L-OPEN,keysecure,consumption,T-OPEN,,45.00,USD,,success,2026-10-25 12:00:00\n";
    let (_, oct3, _) = m.reconcile("2026-10", &corrected, "oct3", &[]);
    let states = m.states();
    assert!(
        states.contains(&(s("T-OPEN"), s("missing_in_ledger"), s("resolved"), s(""))),
        "{states:?}"
    );
    assert!(
        states.contains(&(s("T-AMT"), s("amount_mismatch"), s("open"), s(""))),
        "{states:?}"
    );
    assert!(states.contains(&(
        s("T-LATE"),
        s("missing_in_ledger"),
        s("cleared"),
        s("2026-11")
    )));
    // October's own roll-forward: six new; T-OPEN resolved; the four November cleared are still
    // open at the end of October (they were, then).
    assert_eq!(roll(&oct3), ([0, 6, 0, 0, 1, 0, 5], true));
    let h = run(&["history", "--store", store, &amt]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let events: Vec<&str> = h.stdout.lines().skip(1).collect();
    assert_eq!(events.len(), 3, "{}", h.stdout);
    assert!(events[0].contains("opened"), "{}", h.stdout);
    assert!(
        events[1].contains("accepted")
            && events[1].contains("by ana")
            && events[1].contains("fx_rounding")
    );
    assert!(
        events[2].contains("reopened") && events[2].contains("ledger amount 99.5 → 99"),
        "{}",
        h.stdout
    );

    // Closing October: refused while T-AMT is open, listing it; accepted, it closes.
    let r = run(&["close-period", "--store", store, "2026-10"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&amt) && r.stdout.contains("1 item is still open"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "accept",
        "--store",
        store,
        &amt,
        "--reason",
        "write_off",
        "--note",
        "below threshold",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["close-period", "--store", store, "2026-10"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A closed period is not run again unless reopened, which is recorded.
    let ledger_path = dir.path().join("oct3.csv");
    let r = run_reconcile(
        &m.providers,
        &ledger_path,
        "2026-10",
        "UTC",
        &dir.path().join("oct4"),
        &["--store", store],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("2026-10 is closed") && r.stderr.contains("--reopen-period"),
        "{}",
        r.stderr
    );
    let (_, _, _) = m.reconcile("2026-10", &corrected, "oct5", &["--reopen-period"]);
}

#[test]
fn two_months_close_on_sqlite() {
    let dir = tempdir();
    let url = format!("sqlite:{}", dir.path().join("books/cardrecon.db").display());
    two_months(&url);
}

#[test]
fn two_months_close_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    two_months(&pg.url("two_months"));
}

#[test]
fn a_plain_reconcile_does_not_touch_a_store_and_item_commands_explain_bad_input() {
    let dir = tempdir();
    let m = Month::new(dir.path(), "unused");
    let ledger = dir.path().join("l.csv");
    std::fs::write(&ledger, LEDGER).unwrap();
    let a = run_reconcile(
        &m.providers,
        &ledger,
        "2026-10",
        "UTC",
        &dir.path().join("a"),
        &[],
    );
    let b = run_reconcile(
        &m.providers,
        &ledger,
        "2026-10",
        "UTC",
        &dir.path().join("b"),
        &[],
    );
    assert_eq!((a.code, b.code), (1, 1));
    for f in ["results.csv", "discrepancies.csv", "summary.json"] {
        crate::util::assert_same_file(&dir.path().join("a").join(f), &dir.path().join("b").join(f));
    }
    assert!(!summary(&dir.path().join("a"))
        .as_object()
        .unwrap()
        .contains_key("close"));
    let r = run(&["items", "--store", "mysql://x@y/z"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("expected sqlite:PATH or postgres://"),
        "{}",
        r.stderr
    );
    let url = format!("sqlite:{}", dir.path().join("s.db").display());
    let r = run(&[
        "accept",
        "--store",
        &url,
        "i-0000000000000000",
        "--reason",
        "because",
        "--note",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`because` is not one of timing, fee_unbooked"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "accept",
        "--store",
        &url,
        "i-0000000000000000",
        "--reason",
        "other",
        "--note",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no store at"), "{}", r.stderr);
    assert!(
        !dir.path().join("s.db").exists(),
        "a mistyped path creates no store"
    );
    // With the store there, an unknown item is named.
    let r = run_reconcile(
        &m.providers,
        &ledger,
        "2026-10",
        "UTC",
        &dir.path().join("c"),
        &["--store", &url],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run(&[
        "accept",
        "--store",
        &url,
        "i-0000000000000000",
        "--reason",
        "other",
        "--note",
        "x",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no item i-0000000000000000"),
        "{}",
        r.stderr
    );
}

// ---- a real PostgreSQL server ---------------------------------------------------------------

/// A PostgreSQL server in a temporary directory, stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
    as_user: Option<String>,
}

impl Postgres {
    /// Starts a server, or returns `None` (skipping) when PostgreSQL is not installed and this
    /// is not CI. In CI, a server that cannot start fails the test.
    pub fn start() -> Option<Postgres> {
        match Postgres::try_start() {
            Ok(pg) => Some(pg),
            Err(why) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL could not start in CI: {why}");
                }
                eprintln!("skipping: PostgreSQL could not start: {why}");
                None
            }
        }
    }

    fn try_start() -> Result<Postgres, String> {
        let bin = pg_bindir().ok_or("no initdb found (install Debian's postgresql package)")?;
        let dir = tempfile::Builder::new()
            .prefix("cardrecon-pg")
            .tempdir()
            .map_err(|e| e.to_string())?;
        // initdb refuses to run as root: as root, run the server as the `postgres` user.
        let as_user = if unsafe_is_root() {
            Some("postgres".to_string())
        } else {
            None
        };
        if let Some(user) = &as_user {
            let st = Command::new("chown")
                .args(["-R", user, dir.path().to_str().unwrap()])
                .status()
                .map_err(|e| e.to_string())?;
            if !st.success() {
                return Err(format!("chown to {user} failed"));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let pg = Postgres {
            dir,
            port,
            bin,
            as_user,
        };
        let data = pg.dir.path().join("data");
        pg.cmd(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "cardrecon",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        )?;
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            port,
            pg.dir.path().display()
        );
        pg.cmd(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                pg.dir.path().join("log").to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(pg)
    }

    fn cmd(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let out = match &self.as_user {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(&exe)
                .args(args)
                .output(),
            None => Command::new(&exe).args(args).output(),
        }
        .map_err(|e| format!("{}: {e}", exe.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed: {}{}",
                program,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// A new, empty database on the server and its URL.
    pub fn url(&self, db: &str) -> String {
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "cardrecon",
                db,
            ])
            .output()
            .expect("createdb runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://cardrecon@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.cmd(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Debian's versioned binary directory (`/usr/lib/postgresql/<v>/bin`), newest first.
fn pg_bindir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

// ---- one writer at a time; a killed write leaves nothing ---------------------------------------

/// A generated March served by the sandbox, and a config for `run` against it (store in
/// `runs/cardrecon.db`).
pub(crate) async fn sandbox_month(
    records: u64,
    seed: u64,
) -> (
    tempfile::TempDir,
    PathBuf,
    cardrecon::sandbox::SandboxHandle,
) {
    let dir = tempdir();
    let data = dir.path().join("data");
    cardrecon::generate::generate(&cardrecon::generate::GenerateOptions {
        out: data.clone(),
        records,
        seed,
        period: cardrecon::period::Period::parse("2026-03").unwrap(),
        timezone: chrono_tz::Europe::London,
        discrepancy_share: None,
        opening_cards: None,
        ledger_style: Default::default(),
    })
    .unwrap();
    let (url, handle) = cardrecon::sandbox::start(&data.join("providers"), Default::default())
        .await
        .unwrap();
    let cfg = dir.path().join("cardrecon.toml");
    let text = cardrecon::config::template::config_template(
        Some(&url),
        "Europe/London",
        Some("2026-03"),
        &data.join("ledger.csv").display().to_string(),
    );
    std::fs::write(&cfg, text).unwrap();
    (dir, cfg, handle)
}

/// `cardrecon run --config CFG --run-id ID` with the sandbox's credentials.
pub(crate) fn run_command(cfg: &Path, run_id: &str) -> Command {
    let mut c = crate::util::bin();
    c.args(["run", "--config", cfg.to_str().unwrap(), "--run-id", run_id]);
    for (k, v) in cardrecon::config::template::sandbox_env() {
        c.env(k, v);
    }
    c
}

/// A run that read the store before someone else wrote it is refused at its commit, writing
/// nothing, with a message saying to run again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_read_an_older_store_is_refused_and_writes_nothing() {
    use cardrecon::store::{plan, RunRecord, Store};
    let dir = tempdir();
    let url = format!("sqlite:{}", dir.path().join("s.db").display());
    // A month with one open item.
    let m = Month::new(dir.path(), &url);
    tokio::task::spawn_blocking({
        let (dir, url) = (dir.path().to_path_buf(), url.clone());
        move || {
            let m = Month::new(&dir, &url);
            m.reconcile("2026-10", LEDGER, "oct", &[]);
        }
    })
    .await
    .unwrap();
    let period = cardrecon::period::Period::parse("2026-11").unwrap();
    let store = Store::open(&url).await.unwrap();
    let snapshot = store.snapshot(&period).await.unwrap();
    // Meanwhile a person accepts an item (another connection, another process in real life).
    let other = Store::open(&url).await.unwrap();
    let id = snapshot.items[0].item_id.clone();
    other
        .accept(
            &[id],
            cardrecon::store::item::Reason::Other,
            "checked",
            "bo",
            "2026-11-24T10:00:00Z",
        )
        .await
        .unwrap();
    let empty = plan::Plan {
        items: Default::default(),
        changed: Vec::new(),
        events: Vec::new(),
        categories: Vec::new(),
        notes: Vec::new(),
        counts: Default::default(),
    };
    let record = RunRecord {
        run_id: "late".into(),
        period,
        at: "2026-11-24T10:00:01Z".into(),
        by: "cron".into(),
        inputs_sha256: "0".repeat(64),
        result_rows: 0,
        discrepancies: 0,
        reopen_period: false,
        details: Vec::new(),
        link_records: Vec::new(),
        cards: Vec::new(),
    };
    let before = m.items("all");
    let err = store
        .commit(snapshot.generation, &record, &empty)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the store changed while this command was working")
            && err.to_string().contains("nothing was written"),
        "{err}"
    );
    assert_eq!(m.items("all"), before);
    // Read again, the same write goes through.
    let fresh = store.snapshot(&period).await.unwrap();
    store
        .commit(fresh.generation, &record, &empty)
        .await
        .unwrap();
}

/// `run` killed while it holds the store's write transaction open: the store is as before, and
/// the run started again completes and writes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_during_its_store_write_leaves_the_store_unchanged() {
    use std::io::BufRead;
    let (dir, cfg, handle) = sandbox_month(600, 5).await;
    let store = format!("sqlite:{}", dir.path().join("runs/cardrecon.db").display());
    let spawn = |run_id: &str, pause: bool| {
        let mut c = run_command(&cfg, run_id);
        if pause {
            c.env("CARDRECON_STORE_PAUSE_MS", "60000");
        }
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    };
    let items = || {
        let r = run(&[
            "items", "--store", &store, "--status", "all", "--format", "csv",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let first = tokio::task::spawn_blocking({
        let mut c = spawn("first", false);
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = items();
    let open = before.lines().count() - 1;
    assert!(open > 20, "{open} items after the first run");

    // The second run: killed once it is inside its store write.
    let mut child = spawn("second", true).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let saw = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(|l| l.ok())
            .any(|l| l.contains("store write in progress"))
    });
    let saw = tokio::time::timeout(std::time::Duration::from_secs(120), saw)
        .await
        .expect("the run reached its store write")
        .unwrap();
    assert!(saw);
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(items(), before, "the killed write left the store as it was");

    // Started again, it resumes its run directory and writes the store.
    let again = tokio::task::spawn_blocking({
        let mut c = spawn("second", false);
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    handle.stop().await;
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert_eq!(
        again.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let after = items();
    assert_eq!(
        after.lines().count(),
        before.lines().count(),
        "the same items, none doubled"
    );
    assert!(
        after.contains(",second,") && !before.contains(",second,"),
        "last_run is the resumed run"
    );
}

/// A re-run of the same period against an unchanged provider takes keysecure's per-record
/// details from the store's fetch cache: at most 5% of its first run's requests, and the same
/// results. `--refresh` asks for everything again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_sends_at_most_5_percent_of_the_first_runs_requests() {
    let (dir, cfg, handle) = sandbox_month(2_000, 11).await;
    // keysecure one request at a time: the month has three ids each listed twice (provider
    // duplicates), and a second record of an id once took its detail from the run's archive
    // when the first had finished, but asked again when both were in flight, so the count
    // depended on timing. Sequential, the old way shows as pages read from the archive.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replacen("max_concurrency = 8", "max_concurrency = 1", 1),
    )
    .unwrap();
    let run_once = |id: &str, extra: &[&str]| {
        let mut c = run_command(&cfg, id);
        c.args(extra);
        async move {
            let out = tokio::task::spawn_blocking(move || c.output().unwrap())
                .await
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    // Requests asked, not counting retries: on a loaded machine (the whole suite at once) a
    // request can time out and be sent again, which is the retry policy's business, not the
    // cache's.
    let asked =
        |f: &serde_json::Value| f["requests"].as_u64().unwrap() - f["retries"].as_u64().unwrap();
    let requests = |id: &str| -> (u64, u64) {
        let s = summary(&dir.path().join("runs/2026-03").join(id));
        let all = s["fetch"].as_array().unwrap();
        let total = all.iter().map(asked).sum();
        let ks = all
            .iter()
            .find(|f| f["provider"] == "keysecure")
            .map(asked)
            .unwrap();
        (total, ks)
    };
    run_once("first", &[]).await;
    run_once("again", &[]).await;
    run_once("refreshed", &["--refresh"]).await;
    handle.stop().await;
    let (first, first_ks) = requests("first");
    let (again, again_ks) = requests("again");
    let (refreshed, _) = requests("refreshed");
    assert!(
        first_ks > 300,
        "keysecure asked {first_ks} times the first time"
    );
    // keysecure's details (one request per record) come from the cache: what is left is its list
    // pages and the details of records not yet final. The other providers send everything in
    // their lists, so they read the same pages again (the only way to know nothing changed).
    assert!(
        again_ks * 20 <= first_ks,
        "keysecure's re-run sent {again_ks} requests, the first {first_ks}"
    );
    assert_eq!(
        again - again_ks,
        first - first_ks,
        "the other providers' pages, once each"
    );
    assert_eq!(refreshed, first, "--refresh asks for everything again");
    // A first run reads nothing from its own archive: two records listed under one id share one
    // detail request instead of racing to the archive (which made the count depend on timing).
    let s = summary(&dir.path().join("runs/2026-03/first"));
    for f in s["fetch"].as_array().unwrap() {
        assert_eq!(f["pages_from_archive"], 0, "{}", f["provider"]);
    }
    let runs = dir.path().join("runs/2026-03");
    for f in ["results.csv", "discrepancies.csv"] {
        crate::util::assert_same_file(&runs.join("first").join(f), &runs.join("again").join(f));
        crate::util::assert_same_file(&runs.join("first").join(f), &runs.join("refreshed").join(f));
    }
}

/// Issue 14: a suggestion a person confirms is a match in every later run of the period; one
/// they reject leaves both sides unmatched and is never suggested again.
#[test]
fn confirmed_and_rejected_suggestions_hold_on_a_rerun() {
    let dir = tempdir();
    let d = dir.path();
    let store_url = format!("sqlite:{}", d.join("s.db").display());
    let providers = d.join("p.parquet");
    let recs = vec![
        rec("keysecure", "T-OK", "10.00", utc("2026-11-05 10:00:00")),
        rec("keysecure", "T-S1", "50.00", utc("2026-11-10 10:00:00")),
        rec("keysecure", "T-S2", "70.00", utc("2026-11-12 10:00:00")),
    ];
    let mut df = cardrecon::normalize::provider_frame(&recs, chrono_tz::UTC).unwrap();
    cardrecon::normalize::write_parquet(&mut df, &providers).unwrap();
    let m = Month {
        dir: d,
        providers,
        store: &store_url,
    };
    let ledger = "entry_id,provider,kind,tx_id,order_id,amount,currency,fee,status,booked_at
L-OK,keysecure,consumption,T-OK,,10.00,USD,,success,2026-11-05 10:05:00
L-S1,keysecure,consumption,T-S1-typo,,50.00,USD,,success,2026-11-10 12:00:00
L-S2,keysecure,consumption,REF-77,,70.00,USD,,success,2026-11-12 15:00:00
";
    let reconcile = |name: &str| {
        let (code, out, stderr) = m.reconcile("2026-11", ledger, name, &[]);
        assert_eq!(code, 1, "{name}: {stderr}");
        out
    };
    let first = reconcile("first");
    assert_eq!(
        categories(&first, "results.csv"),
        pairs(&[
            ("matched", "T-OK"),
            ("suggested_match", "T-S1"),
            ("suggested_match", "T-S2")
        ])
    );
    let (s1, s2) = (m.id_of("T-S1"), m.id_of("T-S2"));
    let r = run(&[
        "accept",
        "--store",
        &store_url,
        &s1,
        "--reason",
        "matched_manually",
        "--note",
        "the ledger typed the reference wrong",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "reject",
        "--store",
        &store_url,
        &s2,
        "--note",
        "REF-77 is another payment",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("not suggested again"), "{}", r.stdout);
    // Rejecting it again is refused: it is no longer open.
    let again = run(&["reject", "--store", &store_url, &s2, "--note", "twice"]);
    assert_eq!(again.code, 2, "{}", again.stdout);

    let out = reconcile("second");
    assert_eq!(
        categories(&out, "results.csv"),
        pairs(&[
            ("matched", "T-OK"),
            ("matched", "T-S1"),
            ("missing_at_provider", "REF-77"),
            ("missing_in_ledger", "T-S2"),
        ])
    );
    let rows = read_csv(&out.join("results.csv"));
    let s1_row = rows.iter().find(|r| r[3] == "T-S1").unwrap();
    assert!(
        s1_row[18].contains("as a person confirmed it"),
        "{}",
        s1_row[18]
    );
    assert!(
        rows.iter().all(|r| !r[18].contains("candidate")),
        "a rejected pair is no candidate"
    );
    // The decisions stand: the confirmed item stays accepted, the rejected one resolved.
    let status = |id: &str| {
        m.items("all")
            .into_iter()
            .find(|i| i["item_id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&s1), "accepted");
    assert_eq!(status(&s2), "resolved");
}

// ---- several commands at once ------------------------------------------------------------------

/// Issue 27: four `reconcile --store` started at once on a new store. Opening and migrating it
/// takes turns (three of four used to fail with "table store_lock already exists"), and a run
/// whose commit finds the store changed since it read it plans again instead of failing: all
/// four finish, each recorded once, and the items are those of one run of the month.
fn four_at_once(store: &str) {
    let dir = tempdir();
    let m = Month::new(dir.path(), store);
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, LEDGER).unwrap();
    let children: Vec<std::process::Child> = (0..4)
        .map(|n| {
            crate::util::bin()
                .args([
                    "reconcile",
                    "--provider-data",
                    m.providers.to_str().unwrap(),
                    "--ledger",
                    ledger.to_str().unwrap(),
                    "--period",
                    "2026-10",
                    "--timezone",
                    "UTC",
                    "--out",
                    dir.path().join(format!("out{n}")).to_str().unwrap(),
                    "--store",
                    store,
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (n, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "run {n} (1: discrepancies found): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Six October items, whichever run wrote them last; every run reported the same.
    assert_eq!(m.items("open").len(), 6);
    for n in 0..4 {
        let s = summary(&dir.path().join(format!("out{n}")));
        assert_eq!(s["discrepancies"], 6, "run {n}");
    }
    let r = run(&[
        "items", "--store", store, "--status", "all", "--format", "json",
    ]);
    let items: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 6);
}

#[test]
fn four_runs_at_once_on_a_new_sqlite_store() {
    let dir = tempdir();
    let url = format!("sqlite:{}", dir.path().join("new/cardrecon.db").display());
    four_at_once(&url);
}

#[test]
fn four_runs_at_once_on_a_new_postgres_store() {
    let Some(pg) = Postgres::start() else { return };
    four_at_once(&pg.url("four_at_once"));
}

/// Issue 27: 20 people deciding at once while a run of the same period is writing the store.
/// The run holds its write transaction open (the test hook `CARDRECON_STORE_PAUSE_MS`) when the
/// 20 `accept` commands start: each waits its turn, finds the store changed since it read it,
/// reads again and writes; none is refused, lost or written twice, and the run finishes.
#[test]
fn twenty_decisions_while_a_run_writes_are_each_kept_once() {
    use std::io::BufRead;
    let dir = tempdir();
    let data = dir.path().join("data");
    assert_eq!(
        crate::util::run_generate(&data, "1500", &["--seed", "4"]).code,
        0
    );
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let reconcile = |out: &str| {
        let mut c = crate::util::bin();
        c.args([
            "reconcile",
            "--provider-data",
            data.join("providers").to_str().unwrap(),
            "--ledger",
            data.join("ledger.csv").to_str().unwrap(),
            "--period",
            "2026-03",
            "--timezone",
            "Europe/London",
            "--out",
            dir.path().join(out).to_str().unwrap(),
            "--store",
            &store,
        ]);
        c
    };
    assert_eq!(reconcile("first").output().unwrap().status.code(), Some(1));
    let r = run(&["items", "--store", &store, "--format", "json"]);
    let items: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["category"] != "suggested_match")
        .take(20)
        .map(|i| i["item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 20);

    let mut the_run = reconcile("second")
        .env("CARDRECON_STORE_PAUSE_MS", "1500")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(the_run.stderr.take().unwrap()).lines();
    let mut said = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains("store write in progress") {
            break;
        }
    }
    assert!(said.contains("store write in progress"), "{said}");
    let people: Vec<std::process::Child> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            crate::util::bin()
                .args([
                    "accept",
                    "--store",
                    &store,
                    id,
                    "--reason",
                    "write_off",
                    "--note",
                    "small",
                    "--by",
                ])
                .arg(format!("person{n}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (n, p) in people.into_iter().enumerate() {
        let out = p.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "person{n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rest: Vec<String> = lines.map_while(|l| l.ok()).collect();
    assert_eq!(
        the_run.wait().unwrap().code(),
        Some(1),
        "{said}{}",
        rest.join("\n")
    );

    // Each decision is in the store once, by its person.
    let r = run(&[
        "items", "--store", &store, "--status", "accepted", "--format", "json",
    ]);
    let accepted: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got: Vec<(String, String)> = accepted
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item_id"].as_str().unwrap().to_string(),
                i["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| (id.clone(), format!("person{n}")))
        .collect();
    want.sort();
    assert_eq!(got, want);
    for id in &ids {
        let h = run(&["history", "--store", &store, id]);
        assert_eq!(
            h.stdout.matches("open → accepted").count(),
            1,
            "{}",
            h.stdout
        );
    }
}

// ---- users -------------------------------------------------------------------------------------

/// Issue 27's users: added with a role and a password read from standard input, kept as an
/// Argon2id hash only (the text is in no output and nowhere in the store), checked at sign-in
/// (a wrong password and an unknown name answer alike; a disabled user cannot sign in), and the
/// last enabled admin cannot be disabled or demoted.
fn users(store: &str, file: Option<&Path>) {
    // Everything every command printed, checked for the passwords at the end.
    let printed = std::cell::RefCell::new(String::new());
    let user = |args: &[&str], stdin: Option<&str>| {
        let mut c = crate::util::bin();
        c.arg("user").args(args).args(["--store", store]);
        c.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{text}\n").as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        printed.borrow_mut().push_str(&said);
        (out.status.code().unwrap(), said)
    };
    let ana_pw = "correct horse battery staple";
    let ben_pw = "tr0ub4dor & three more words";
    let (code, said) = user(
        &["add", "ana", "--role", "admin", "--password-stdin"],
        Some(ana_pw),
    );
    assert_eq!(code, 0, "{said}");
    let (code, said) = user(
        &["add", "ben", "--role", "preparer", "--password-stdin"],
        Some(ben_pw),
    );
    assert_eq!(code, 0, "{said}");
    let (code, said) = user(
        &["add", "cy", "--role", "preparer", "--password-stdin"],
        Some("short"),
    );
    assert_eq!(code, 2);
    assert!(said.contains("at least 12 characters"), "{said}");
    let (code, said) = user(
        &["add", "ben", "--role", "viewer", "--password-stdin"],
        Some(ben_pw),
    );
    assert_eq!(code, 2);
    assert!(said.contains("already a user ben"), "{said}");
    let (code, list) = user(&["list"], None);
    assert_eq!(code, 0);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .take(2)
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        [["ana", "admin", "enabled"], ["ben", "preparer", "enabled"]]
    );
    // The last enabled admin stays one.
    let (code, said) = user(&["disable", "ana"], None);
    assert_eq!(code, 2);
    assert!(said.contains("ana is the last enabled admin"), "{said}");
    let (code, said) = user(&["set-role", "ana", "viewer"], None);
    assert_eq!(code, 2, "{said}");
    let (code, said) = user(&["set-role", "ben", "approver"], None);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("ben") && said.contains("approver"), "{said}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = cardrecon::store::Store::open(store).await.unwrap();
        let ana = s.verify_password("ana", ana_pw).await.unwrap();
        assert_eq!(
            ana.map(|u| u.role),
            Some(cardrecon::store::users::Role::Admin)
        );
        assert_eq!(s.verify_password("ana", ben_pw).await.unwrap(), None);
        assert_eq!(s.verify_password("nobody", ana_pw).await.unwrap(), None);
        assert!(s.verify_password("ben", ben_pw).await.unwrap().is_some());
    });
    let (code, said) = user(&["disable", "ben"], None);
    assert_eq!(code, 0, "{said}");
    let (code, said) = user(
        &["set-password", "ana", "--password-stdin"],
        Some("a new and longer passphrase"),
    );
    assert_eq!(code, 0, "{said}");
    rt.block_on(async {
        let s = cardrecon::store::Store::open(store).await.unwrap();
        assert_eq!(
            s.verify_password("ben", ben_pw).await.unwrap(),
            None,
            "disabled"
        );
        assert_eq!(
            s.verify_password("ana", ana_pw).await.unwrap(),
            None,
            "the old password"
        );
        assert!(s
            .verify_password("ana", "a new and longer passphrase")
            .await
            .unwrap()
            .is_some());
    });
    // No password (nor a hash) in any output, nor a password in the store's file.
    let printed = printed.into_inner();
    assert!(printed.contains("added ana") && printed.contains("disabled ben"));
    for secret in [ana_pw, ben_pw, "a new and longer passphrase", "argon2"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    if let Some(file) = file {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(ana_pw) && !text.contains(ben_pw));
        assert!(text.contains("$argon2id$"), "hashes are Argon2id");
    }
}

#[test]
fn users_on_sqlite() {
    let dir = tempdir();
    let file = dir.path().join("new/s.db");
    users(&format!("sqlite:{}", file.display()), Some(&file));
}

#[test]
fn users_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    users(&pg.url("users"), None);
}
