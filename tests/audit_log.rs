//! Issue 30, part 3: the store's event log is a hash chain, and `verify-log` proves it, on a
//! real SQLite file and a real PostgreSQL server, each tampered with directly in SQL: an edited
//! note, a deleted event, two events re-ordered, an inserted event, the newest event deleted.
//! A store whose events were written before the chain existed is chained once, and says so.

use std::path::Path;

use crate::store::Postgres;
use crate::util::*;

/// Runs `statements` on the database at `url`, as someone with write access to it would.
pub fn tamper(url: &str, statements: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        pool.close().await;
    });
}

/// A store with a month's items (each an `opened` event) and a decision on one of them.
fn fill(dir: &Path, url: &str, tag: &str) -> u64 {
    let data = dir.join("data");
    if !data.exists() {
        let g = run_generate(&data, "300", &["--seed", "4"]);
        assert_eq!(g.code, 0, "{}", g.stderr);
    }
    let out = dir.join(format!("out-{tag}"));
    let r = reconcile_month(&data, &out, &["--store", url, "--outputs", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let first = first_item_id(url);
    let a = run(&[
        "accept",
        "--store",
        url,
        "--reason",
        "write_off",
        "--note",
        "below materiality",
        "--by",
        "ana",
        &first,
    ]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let v = run(&["verify-log", "--store", url]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    let n: u64 = v
        .stdout
        .split("verifies: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{}", v.stdout));
    assert!(n > 10, "{}", v.stdout);
    n
}

/// `verify-log` on a tampered store: exit 1 and the words it must say.
fn refused(url: &str, words: &[&str]) {
    let v = run(&["verify-log", "--store", url]);
    assert_eq!(v.code, 1, "{}{}", v.stdout, v.stderr);
    for w in words {
        assert!(v.stdout.contains(w), "{w}: {}", v.stdout);
    }
}

/// Every kind of tampering, each on a fresh copy of the store made by `fresh`.
fn every_tampering(fresh: &mut dyn FnMut(&str) -> String) {
    let url = fresh("edited");
    tamper(
        &url,
        &["UPDATE events SET note = 'nothing to see' WHERE seq = 3"],
    );
    refused(
        &url,
        &[
            "event 3 (",
            "does not verify",
            "edited",
            "2 events before it verify",
        ],
    );

    let url = fresh("deleted");
    tamper(&url, &["DELETE FROM events WHERE seq = 3"]);
    refused(
        &url,
        &[
            "event 4 (",
            "does not follow event 2",
            "deleted, inserted or re-ordered",
        ],
    );

    let url = fresh("reordered");
    tamper(
        &url,
        &[
            "UPDATE events SET seq = 1000003 WHERE seq = 3",
            "UPDATE events SET seq = 3 WHERE seq = 4",
            "UPDATE events SET seq = 4 WHERE seq = 1000003",
        ],
    );
    refused(&url, &["event 3 (", "does not follow event 2"]);

    let url = fresh("inserted");
    tamper(
        &url,
        &["INSERT INTO events (item_id, period, at, by_whom, event, note) VALUES (NULL, '2026-03', '2026-04-01T00:00:00Z', 'mallory', 'period closed', 'inserted')"],
    );
    refused(
        &url,
        &[
            "`period closed` by mallory on period 2026-03",
            "does not follow event",
        ],
    );

    let url = fresh("truncated");
    tamper(
        &url,
        &["DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"],
    );
    refused(&url, &["events at its end were deleted"]);

    // Written before the chain: every hash gone, the head as a new migration leaves it. The
    // first open chains them, in order, and says so; the log then verifies.
    let url = fresh("earlier");
    tamper(
        &url,
        &[
            "UPDATE events SET prev_hash = NULL, hash = NULL",
            "UPDATE event_chain SET head = NULL, events = 0, pending = 1",
        ],
    );
    let v = run(&["verify-log", "--store", &url]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(
        v.stderr
            .contains("written by an earlier version) is now a hash chain"),
        "{}",
        v.stderr
    );
    let again = run(&["verify-log", "--store", &url]);
    assert_eq!((again.code, again.stdout.clone()), (0, v.stdout.clone()));
    assert!(again.stderr.is_empty(), "chained once: {}", again.stderr);
}

#[test]
fn every_tampering_of_a_sqlite_store_is_named() {
    let dir = tempdir();
    let base = dir.path().join("base.db");
    fill(dir.path(), &format!("sqlite:{}", base.display()), "base");
    let d = dir.path().to_path_buf();
    every_tampering(&mut |name| {
        let copy = d.join(format!("{name}.db"));
        std::fs::copy(&base, &copy).unwrap();
        format!("sqlite:{}", copy.display())
    });
}

#[test]
fn every_tampering_of_a_postgres_store_is_named() {
    let Some(pg) = Postgres::start() else { return };
    let dir = tempdir();
    let d = dir.path().to_path_buf();
    every_tampering(&mut |name| {
        let url = pg.url(&format!("chain_{name}"));
        fill(&d, &url, name);
        url
    });
}
