//! The roll-forward across three months with people deciding between every run: each period's
//! open at end, as its run reported it, is the next period's open at start, per provider and
//! currency, in count and amount; a decision made between runs is a movement (Accepted,
//! Reopened) of the next run that sees it, with the decision's date.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cardrecon::model::ProviderRecord;

use crate::util::{rec, run, run_reconcile, tempdir, utc};

/// keysecure USD, UTC, margin 3 days:
/// - October: A1 and A2 never booked in October, A3 booked 1.00 short, A4 matched;
/// - November: B1 and B2 not booked; A2 booked late (clears A2); N1 matched;
/// - December: C1 not booked; B2 booked late (clears B2); D1 matched.
///
/// A cardapp EUR record missing in October (E1) makes a second line that never moves.
fn records() -> Vec<ProviderRecord> {
    let mut e1 = rec("cardapp", "E1", "7.00", utc("2026-10-07 10:00:00"));
    e1.currency = "EUR".into();
    vec![
        rec("keysecure", "A1", "10.00", utc("2026-10-05 10:00:00")),
        rec("keysecure", "A2", "20.00", utc("2026-10-08 10:00:00")),
        rec("keysecure", "A3", "100.00", utc("2026-10-12 10:00:00")),
        rec("keysecure", "A4", "5.00", utc("2026-10-20 10:00:00")),
        e1,
        rec("keysecure", "B1", "30.00", utc("2026-11-06 10:00:00")),
        rec("keysecure", "B2", "40.00", utc("2026-11-09 10:00:00")),
        rec("keysecure", "N1", "6.00", utc("2026-11-20 10:00:00")),
        rec("keysecure", "C1", "50.00", utc("2026-12-04 10:00:00")),
        rec("keysecure", "D1", "7.00", utc("2026-12-20 10:00:00")),
    ]
}

const LEDGER: &str = "entry_id,provider,kind,tx_id,order_id,amount,currency,fee,status,booked_at
L-A3,keysecure,consumption,A3,,99.00,USD,,success,2026-10-12 10:05:00
L-A4,keysecure,consumption,A4,,5.00,USD,,success,2026-10-20 10:05:00
L-A2,keysecure,consumption,A2,,20.00,USD,,success,2026-11-15 09:00:00
L-N1,keysecure,consumption,N1,,6.00,USD,,success,2026-11-20 10:05:00
L-B2,keysecure,consumption,B2,,40.00,USD,,success,2026-12-10 09:00:00
L-D1,keysecure,consumption,D1,,7.00,USD,,success,2026-12-20 10:05:00
";

/// Per (provider, currency): the seven figures (start, new, reopened, cleared, resolved,
/// accepted, end) as (count, amount text), and whether the line balances.
type Lines = BTreeMap<(String, String), ([(u64, String); 7], bool)>;

fn lines(out: &Path) -> Lines {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut m = Lines::new();
    for l in s["close"]["roll_forward"].as_array().unwrap() {
        let t = |k: &str| {
            (
                l[k]["count"].as_u64().unwrap(),
                l[k]["amount"].as_str().unwrap().to_string(),
            )
        };
        m.insert(
            (
                l["provider"].as_str().unwrap().to_string(),
                l["currency"].as_str().unwrap().to_string(),
            ),
            (
                [
                    t("open_at_start"),
                    t("new"),
                    t("reopened"),
                    t("cleared"),
                    t("resolved"),
                    t("accepted"),
                    t("open_at_end"),
                ],
                l["balances"].as_bool().unwrap(),
            ),
        );
    }
    m
}

/// The keysecure USD line's counts, in the seven figures' order.
fn counts(l: &Lines) -> [u64; 7] {
    l[&("keysecure".to_string(), "USD".to_string())]
        .0
        .clone()
        .map(|(n, _)| n)
}

/// The keysecure USD line's amount of one figure, normalized (`130.00` → `130`).
fn amount(l: &Lines, figure: usize) -> String {
    norm(&l[&("keysecure".to_string(), "USD".to_string())].0[figure].1)
}

fn norm(text: &str) -> String {
    cardrecon::money::parse(text)
        .unwrap()
        .normalize()
        .to_string()
}

struct Books {
    providers: PathBuf,
    ledger: PathBuf,
    dir: PathBuf,
    store: String,
}

impl Books {
    fn reconcile(&self, period: &str, name: &str) -> PathBuf {
        let out = self.dir.join(name);
        let r = run_reconcile(
            &self.providers,
            &self.ledger,
            period,
            "UTC",
            &out,
            &["--store", &self.store],
        );
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: {}{}",
            r.stdout,
            r.stderr
        );
        out
    }

    fn id_of(&self, tx: &str) -> String {
        let r = run(&[
            "items",
            "--store",
            &self.store,
            "--status",
            "all",
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let items: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["tx_id"] == tx)
            .unwrap_or_else(|| panic!("no item for {tx}"))["item_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn decide(&self, args: &[&str]) {
        let mut all = vec![args[0], "--store", &self.store];
        all.extend_from_slice(&args[1..]);
        let r = run(&all);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    }
}

/// Every line of `next` opens where the same line of `before` closed, in count and amount.
fn continues(before: &Lines, next: &Lines) {
    for (key, (figures, _)) in before {
        let end = &figures[6];
        let start = next
            .get(key)
            .map(|(f, _)| f[0].clone())
            .unwrap_or((0, "0".into()));
        assert_eq!(
            (start.0, cardrecon::money::parse(&start.1).unwrap()),
            (end.0, cardrecon::money::parse(&end.1).unwrap()),
            "{key:?}: the next period opens where this one closed"
        );
    }
}

fn three_months(store: &str) {
    let dir = tempdir();
    let providers = dir.path().join("provider_records.parquet");
    let mut df = cardrecon::normalize::provider_frame(&records(), chrono_tz::UTC).unwrap();
    cardrecon::normalize::write_parquet(&mut df, &providers).unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, LEDGER).unwrap();
    let b = Books {
        providers,
        ledger,
        dir: dir.path().to_path_buf(),
        store: store.to_string(),
    };

    // October: A1, A2 missing, A3 short: three new items, all open.
    let oct = lines(&b.reconcile("2026-10", "oct"));
    assert_eq!(counts(&oct), [0, 3, 0, 0, 0, 0, 3]);
    assert_eq!(amount(&oct, 6), "130");
    assert!(oct.values().all(|(_, balances)| *balances));

    // Between October and November: A1 written off.
    let a1 = b.id_of("A1");
    b.decide(&[
        "accept",
        &a1,
        "--reason",
        "write_off",
        "--note",
        "small",
        "--by",
        "ana",
    ]);

    // November opens with October's three; A1's acceptance is November's movement; A2 clears.
    let nov = lines(&b.reconcile("2026-11", "nov"));
    continues(&oct, &nov);
    assert_eq!(counts(&nov), [3, 2, 0, 1, 0, 1, 3]);
    assert_eq!(
        [0, 1, 3, 5, 6].map(|f| amount(&nov, f)),
        ["130", "70", "20", "10", "170"]
    );
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("nov/summary.json")).unwrap(),
    )
    .unwrap();
    let decisions = s["close"]["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(
        (
            decisions[0]["item_id"].as_str().unwrap(),
            decisions[0]["movement"].as_str().unwrap(),
            decisions[0]["by"].as_str().unwrap(),
            decisions[0]["reason"].as_str().unwrap()
        ),
        (a1.as_str(), "accepted", "ana", "write_off")
    );
    assert!(decisions[0]["at"].as_str().unwrap().starts_with("20"));

    // Between November and December: A3 accepted as FX rounding, A1 reopened.
    let a3 = b.id_of("A3");
    b.decide(&[
        "accept",
        &a3,
        "--reason",
        "fx_rounding",
        "--note",
        "fx",
        "--by",
        "ben",
    ]);
    b.decide(&[
        "reopen",
        &a1,
        "--note",
        "not small after all",
        "--by",
        "ana",
    ]);

    // December opens with November's three; A3 accepted, A1 reopened, B2 clears, C1 new.
    let dec_dir = b.reconcile("2026-12", "dec");
    let dec = lines(&dec_dir);
    continues(&nov, &dec);
    assert_eq!(counts(&dec), [3, 1, 1, 1, 0, 1, 3]);
    assert_eq!(
        [0, 1, 2, 3, 5, 6].map(|f| amount(&dec, f)),
        ["170", "50", "10", "40", "100", "90"]
    );

    // After December's run: B1 accepted, and December run again. The re-run opens as December
    // did (November's report is issued) and counts the new decision.
    let b1 = b.id_of("B1");
    b.decide(&[
        "accept",
        &b1,
        "--reason",
        "timing",
        "--note",
        "in January",
        "--by",
        "ben",
    ]);
    let dec2 = lines(&b.reconcile("2026-12", "dec2"));
    continues(&nov, &dec2);
    assert_eq!(counts(&dec2), [3, 1, 1, 1, 0, 2, 2]);
    assert_eq!(amount(&dec2, 6), "60");

    // The cardapp EUR line carries its one item from October to December unchanged.
    for l in [&oct, &nov, &dec, &dec2] {
        let (f, balances) = &l[&("cardapp".to_string(), "EUR".to_string())];
        assert!(*balances);
        assert_eq!((f[6].0, norm(&f[6].1)), (1, "7".to_string()));
    }
    for l in [&nov, &dec, &dec2] {
        assert!(l.values().all(|(_, balances)| *balances));
    }

    // What is still open, with what it puts at stake per currency (money out negative): A1 and
    // C1 in USD, E1 in EUR.
    let r = run(&["items", "--store", store]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tail: Vec<&str> = r.stdout.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "  at stake USD: -60.00 over 2 items",
            "  at stake EUR: -7.00 over 1 item"
        ],
        "{}",
        r.stdout
    );
    // Closing October: refused while A1 and E1 are open, with their totals; forced, it says
    // what was handed on.
    let r = run(&["close-period", "--store", store, "2026-10"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("at stake EUR: -7.00 over 1 item")
            && r.stdout.contains("at stake USD: -10.00 over 1 item")
            && r.stdout.contains("at stake         -10.00 USD"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "close-period",
        "--store",
        store,
        "2026-10",
        "--force",
        "--note",
        "handed on",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("2 items are left open, handed on:")
            && r.stdout.contains("at stake USD: -10.00 over 1 item"),
        "{}",
        r.stdout
    );

    // Decisions made on the command line say so, with the account that ran them (`--by` is
    // free text); the run's own events name their run instead.
    let h = run(&["history", "--store", store, &a1]);
    let os_user = cardrecon::pipeline::stored::os_user();
    assert!(
        h.stdout.contains(&format!(
            "open → accepted  by ana (command line, os user {os_user}), reason write_off"
        )),
        "{}",
        h.stdout
    );
    assert!(
        h.stdout
            .lines()
            .filter(|l| l.contains(", run "))
            .all(|l| !l.contains("command line")),
        "{}",
        h.stdout
    );

    // `items` lists the open items with one age rule: to the period's end with --period.
    let r = run(&[
        "items", "--store", store, "--period", "2026-10", "--status", "all", "--format", "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let items: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let a1_row = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tx_id"] == "A1")
        .unwrap();
    // A1 (5 October) is open, counted to 31 October: 26 days, a number in JSON.
    assert_eq!(a1_row["age_days"], serde_json::json!(26));
    assert_eq!(a1_row["age_to"], "2026-10-31");
    assert_eq!(norm(a1_row["at_stake"].as_str().unwrap()), "-10");
}

#[test]
fn three_months_roll_forward_on_sqlite() {
    let dir = tempdir();
    let url = format!("sqlite:{}", dir.path().join("books.db").display());
    three_months(&url);
}

#[test]
fn three_months_roll_forward_on_postgres() {
    let Some(pg) = crate::store::Postgres::start() else {
        return;
    };
    three_months(&pg.url("three_months"));
}
