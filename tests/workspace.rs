//! The review workspace (`cardrecon serve`), tested over HTTP against the real binary on a
//! loopback port, on SQLite (the demo's store, with its run directories) and a real
//! PostgreSQL: the route × role table, CSRF, throttling, escaping, bound filters, downloads,
//! maker-checker, and that a decision made here is what `items` and `history` show.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::store::Postgres;
use crate::util::{bin, run, tempdir};

/// A running `cardrecon serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `serve --config config` on a free loopback port and waits for its address line.
    pub fn start(config: &Path) -> Server {
        let mut child = bin()
            .args([
                "serve",
                "--config",
                config.to_str().unwrap(),
                "--addr",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        let Some(base) = first
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(|w| w.trim_end_matches('/').to_string())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not print its address: `{first}`");
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }
}

/// A browser's worth of HTTP: cookies kept, redirects not followed (they are asserted).
pub struct Client {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    rt: std::sync::Arc<tokio::runtime::Runtime>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client::trusting(base, None)
    }

    /// A client that also trusts the certificate authority in `ca` (a PEM file).
    pub fn trusting(base: &str, ca: Option<&Path>) -> Client {
        let mut http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = ca {
            let pem = std::fs::read(ca).unwrap();
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
        }
        Client {
            http: http.build().unwrap(),
            base: base.to_string(),
            cookies: BTreeMap::new(),
            rt: std::sync::Arc::new(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
            ),
        }
    }

    fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie)
        };
        let rt = self.rt.clone();
        let (status, headers, body) = rt.block_on(async {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            (status, headers, res.text().await.unwrap())
        });
        for c in headers.get_all("set-cookie") {
            let text = c.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            let expired = text.contains("Max-Age=0") || text.contains("1970");
            if v.is_empty() || expired {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Page {
            status,
            location: headers
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
            body,
            headers,
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req)
    }

    /// Posts a form as it is (no token added).
    pub fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req)
    }

    /// Posts a form with the CSRF token of the page at `from` (as a browser would).
    pub fn post(&mut self, from: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(from);
        let token = token_in(&page.body).unwrap_or_else(|| panic!("no form token on {from}"));
        let mut all: Vec<(&str, &str)> = vec![("authenticity_token", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all)
    }

    pub fn sign_in(&mut self, name: &str, password: &str) -> Page {
        self.post(
            "/sign-in",
            "/sign-in",
            &[("name", name), ("password", password)],
        )
    }
}

/// The CSRF token of the first form on a page.
pub fn token_in(body: &str) -> Option<String> {
    let at = body.find("name=\"authenticity_token\" value=\"")?;
    let rest = &body[at + "name=\"authenticity_token\" value=\"".len()..];
    Some(html_unescape(&rest[..rest.find('"')?]))
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A store with a reconciled month, four people (one per role) and a config that serves it.
pub struct Setup {
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub store: String,
    pub config: PathBuf,
}

fn add_user(store: &str, name: &str, role: &str) {
    let mut child = bin()
        .args([
            "user",
            "add",
            name,
            "--role",
            role,
            "--store",
            store,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Setup {
    /// The demo's month (run directories and all) in its SQLite store.
    pub fn demo() -> Setup {
        let dir = tempdir();
        let out = dir.path().join("demo");
        let r = run(&["demo", "--records", "1500", "--out", out.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("ana  preparer"), "{}", r.stdout);
        let store = format!("sqlite:{}", out.join("runs/cardrecon.db").display());
        Setup::people(&store);
        Setup {
            dir: out.clone(),
            store,
            config: out.join("cardrecon.toml"),
            _dir: dir,
        }
    }

    /// A generated month reconciled into `store` (its run directory is not where `serve`
    /// looks: the item page then shows what the store kept).
    pub fn reconciled(store: &str) -> Setup {
        let dir = tempdir();
        let root = dir.path().to_path_buf();
        let data = root.join("data");
        let g = crate::util::run_generate(
            &data,
            "1500",
            &["--period", "2026-03", "--timezone", "Europe/London"],
        );
        assert_eq!(g.code, 0, "{}", g.stderr);
        let r = crate::util::reconcile_month(&data, &root.join("out"), &["--store", store]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        Setup::people(store);
        let config = root.join("cardrecon.toml");
        std::fs::write(
            &config,
            format!("timezone = \"Europe/London\"\n[store]\nurl = \"{store}\"\n[output]\ndir = \"runs\"\n"),
        )
        .unwrap();
        Setup {
            dir: root,
            store: store.to_string(),
            config,
            _dir: dir,
        }
    }

    fn people(store: &str) {
        for (name, role) in [
            ("vera", "viewer"),
            ("paul", "preparer"),
            ("pia", "preparer"),
            ("alex", "approver"),
            ("ada", "admin"),
        ] {
            add_user(store, name, role);
        }
    }

    /// An open item of `category`, by `items --format csv`.
    pub fn open_item(&self, category: &str) -> String {
        let r = run(&["items", "--store", &self.store, "--format", "csv"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
            .lines()
            .skip(1)
            .find(|l| l.split(',').nth(2) == Some(category))
            .and_then(|l| l.split(',').next())
            .unwrap_or_else(|| panic!("no open {category} item"))
            .to_string()
    }
}

/// What the store says of an item paul proposed (accept, `timing`) and alex approved: `items`
/// lists it accepted and signed by both, and `history` has the proposal and the acceptance.
pub fn accepted_by_paul_and_alex(store: &str, item: &str) {
    let accepted = run(&[
        "items", "--store", store, "--status", "accepted", "--format", "csv",
    ]);
    let line = accepted
        .stdout
        .lines()
        .find(|l| l.starts_with(item))
        .unwrap_or_else(|| panic!("{item} accepted in the store:\n{}", accepted.stdout));
    assert!(
        line.contains(",timing,") && line.contains("paul, approved by alex"),
        "{line}"
    );
    let history = run(&["history", "--store", store, item]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    assert!(
        history.stdout.contains("proposed") && history.stdout.contains("paul"),
        "{}",
        history.stdout
    );
    assert!(
        history.stdout.contains("accepted") && history.stdout.contains("alex"),
        "{}",
        history.stdout
    );
}

fn signed_in(server: &Server, name: &str) -> Client {
    let mut c = Client::new(&server.base);
    let p = c.sign_in(name, PASSWORD);
    assert_eq!(p.status, 303, "{name}: {}", p.body);
    assert_eq!(p.location.as_deref(), Some("/periods"));
    c
}

/// Every route × every role: allowed, refused (403) or sent to sign in. A GET that is allowed
/// answers 200 (or a redirect of its own, or 404 for the made-up ids in the path); a POST
/// that is allowed gets past the guard and is then refused for its missing token (403 with
/// the CSRF words), so no cell writes anything.
fn route_table(server: &Server) {
    use cardrecon::store::users::Role;
    use cardrecon::workspace::routes::{Method, ROUTES};
    let people = [
        (None, "nobody"),
        (Some(Role::Viewer), "vera"),
        (Some(Role::Preparer), "paul"),
        (Some(Role::Approver), "alex"),
        (Some(Role::Admin), "ada"),
    ];
    for (role, name) in people {
        let mut c = Client::new(&server.base);
        if role.is_some() {
            assert_eq!(c.sign_in(name, PASSWORD).status, 303);
        }
        for r in ROUTES {
            let path = r
                .path
                .replace("{period}", "2026-03")
                .replace("{run_id}", "no-such-run")
                .replace("{file}", "report.xlsx")
                .replace("{id}", "i-0000000000000000")
                .replace("{name}", "nobody-here");
            if r.path == "/sign-out" {
                continue; // would end the session the rest of the table uses
            }
            let page = match r.method {
                Method::Get => c.get(&path),
                Method::Post => c.post_raw(&path, &[("note", "x")]),
            };
            let cell = format!("{:?} {} as {name}", r.method, r.path);
            match (r.role, role) {
                (None, _) => assert!(
                    page.status == 200 || page.status == 403,
                    "{cell}: {}",
                    page.status
                ),
                (Some(_), None) => {
                    assert_eq!(page.status, 303, "{cell}");
                    assert!(
                        page.location.as_deref().unwrap().starts_with("/sign-in"),
                        "{cell}"
                    );
                }
                (Some(need), Some(have)) if have < need => {
                    assert_eq!(page.status, 403, "{cell}");
                    assert!(page.body.contains("this needs a"), "{cell}: {}", page.body);
                }
                (Some(_), Some(_)) => match r.method {
                    Method::Get => assert!(
                        [200, 303, 404].contains(&page.status)
                            && !page.body.contains("this needs a"),
                        "{cell}: {} {}",
                        page.status,
                        page.body
                    ),
                    Method::Post => {
                        assert_eq!(page.status, 403, "{cell}");
                        assert!(page.body.contains("CSRF"), "{cell}: {}", page.body);
                    }
                },
            }
        }
    }
}

/// The whole review on one store: maker-checker, refusals, escaping, bound filters.
fn review(setup: &Setup, server: &Server) {
    let item = setup.open_item("amount_mismatch");
    let mut paul = signed_in(server, "paul");
    // The items page filters in the URL, on the server.
    let list = paul.get("/items?state=open&category=amount_mismatch");
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&item), "the filtered list shows {item}");
    assert!(
        !list.body.contains("<td>missing_in_ledger</td>"),
        "only amount_mismatch rows"
    );
    assert!(list.body.contains("<td>amount_mismatch</td>"));
    // Security headers on every page.
    let csp = list.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(list.headers["x-content-type-options"], "nosniff");
    // Provider text in a search is text: a query that is SQL finds nothing and breaks nothing.
    let sql = paul.get("/items?q=%27%20OR%201%3D1%20--&state=all");
    assert_eq!(sql.status, 200);
    assert!(
        sql.body.contains("0 items"),
        "{}",
        &sql.body[..sql.body.len().min(3000)]
    );
    // A form without its token changes nothing.
    let forged = paul.post_raw(
        &format!("/items/{item}/propose"),
        &[
            ("action", "accept"),
            ("reason", "timing"),
            ("note", "forged"),
        ],
    );
    assert_eq!(forged.status, 403);
    // A proposal whose note is markup.
    let from = format!("/items/{item}");
    let p = paul.post(
        &from,
        &format!("/items/{item}/propose"),
        &[
            ("action", "accept"),
            ("reason", "timing"),
            (
                "note",
                "<script>alert(1)</script>\"><img src=x onerror=alert(2)>",
            ),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let shown = paul.get(&from);
    assert!(
        shown
            .body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "escaped note"
    );
    assert!(
        !shown.body.contains("<script>alert(1)"),
        "no markup from a note"
    );
    assert!(!shown.body.contains("<img src=x"), "no markup from a note");
    assert!(
        shown.body.contains(">proposed<"),
        "the item shows its pending proposal"
    );
    // Still open in the store until approved.
    let items = run(&["items", "--store", &setup.store, "--format", "csv"]);
    assert!(
        items.stdout.lines().any(|l| l.starts_with(&item)),
        "still open"
    );
    // The preparer cannot approve (role), and an approver cannot approve their own.
    let queue = paul.get("/approvals");
    let pid = queue
        .body
        .split("<td>p-")
        .nth(1)
        .map(|s| format!("p-{}", &s[..16]))
        .expect("the queue lists the proposal");
    let own = paul.post("/approvals", "/approvals/approve", &[("proposal", &pid)]);
    assert_eq!(own.status, 403, "a preparer cannot approve");
    let mut alex = signed_in(server, "alex");
    // An approver's own proposal cannot be approved by them.
    let other = setup.open_item("missing_in_ledger");
    let p2 = alex.post(
        &format!("/items/{other}"),
        &format!("/items/{other}/propose"),
        &[
            ("action", "accept"),
            ("reason", "timing"),
            ("note", "cut-off"),
        ],
    );
    assert_eq!(p2.status, 303);
    let queue = alex.get("/approvals");
    let pid2 = queue
        .body
        .split("<td>p-")
        .skip(1)
        .filter_map(|s| s.get(..16))
        .map(|s| format!("p-{s}"))
        .find(|p| *p != pid)
        .unwrap();
    let selfish = alex.post("/approvals", "/approvals/approve", &[("proposal", &pid2)]);
    assert_eq!(selfish.status, 409, "{}", selfish.body);
    assert!(
        selfish.body.contains("needs a second person"),
        "{}",
        selfish.body
    );
    // The approver approves the preparer's: the item is accepted with both people.
    let ok = alex.post("/approvals", "/approvals/approve", &[("proposal", &pid)]);
    assert_eq!(ok.status, 303, "{}", ok.body);
    accepted_by_paul_and_alex(&setup.store, &item);
    // Closing is refused while items are open or proposals wait.
    let close = alex.post("/periods/2026-03", "/periods/2026-03/close", &[]);
    assert_eq!(close.status, 409, "{}", close.body);
    assert!(
        close.body.contains("waiting for approval") || close.body.contains("open items"),
        "{}",
        close.body
    );
    // The audit log has the sign-ins, the proposal and the approval, and downloads as CSV.
    let audit = alex.get("/audit.csv");
    assert_eq!(audit.status, 200);
    for e in ["signed in", "proposed", "accepted"] {
        assert!(audit.body.contains(e), "audit has {e}");
    }
    assert!(
        !audit.body.contains(PASSWORD),
        "no password in the audit log"
    );
    // Downloads: only a known run's known files.
    let traversal = alex.get("/runs/..%2F..%2Fetc/passwd");
    assert_eq!(traversal.status, 404);
    // The filtered list downloads as CSV: exactly the rows the filters select.
    let csv = alex.get("/items.csv?state=open&category=amount_mismatch&min=100&max=500");
    assert_eq!(csv.status, 200);
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert!(
        !rows.is_empty(),
        "some open amount mismatches between 100 and 500"
    );
    for r in &rows {
        let amount = crate::util::dec(&r[8]).abs();
        assert!(r[2] == "amount_mismatch" && r[10] == "open", "{r:?}");
        assert!(
            amount >= crate::util::dec("100") && amount <= crate::util::dec("500"),
            "{r:?}"
        );
    }
    let page = alex.get("/items?state=open&category=amount_mismatch&min=100&max=500");
    assert!(
        page.body.contains(&format!("{} items", rows.len())),
        "the page counts what the CSV holds"
    );
    // A comment is an event in the item's history.
    let c = alex.post(
        &format!("/items/{other}"),
        &format!("/items/{other}/comment"),
        &[("note", "asked the provider")],
    );
    assert_eq!(c.status, 303);
    let h = run(&["history", "--store", &setup.store, &other]);
    assert!(
        h.stdout.contains("comment") && h.stdout.contains("asked the provider"),
        "{}",
        h.stdout
    );
    // An approver rejects a proposal with a note; it leaves the item open.
    let r = paul.post(
        &format!("/items/{other}"),
        "/approvals/{pid2}/reject".replace("{pid2}", &pid2).as_str(),
        &[("note", "no")],
    );
    assert_eq!(r.status, 403, "a preparer cannot reject");
    let r = alex.post(
        "/approvals",
        &format!("/approvals/{pid2}/reject"),
        &[("note", "not without evidence")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // Closing with force and a note closes; reopening needs a note and an approver.
    let forced = alex.post(
        "/periods/2026-03",
        "/periods/2026-03/close",
        &[("force", "yes"), ("note", "handed to accounting")],
    );
    assert_eq!(forced.status, 303, "{}", forced.body);
    assert!(alex.get("/periods").body.contains("closed</span> by alex"));
    let no_note = alex.post("/periods/2026-03", "/periods/2026-03/reopen", &[]);
    assert_eq!(no_note.status, 400);
    let reopened = alex.post(
        "/periods/2026-03",
        "/periods/2026-03/reopen",
        &[("note", "late invoice")],
    );
    assert_eq!(reopened.status, 303, "{}", reopened.body);
    let audit = alex.get("/audit?event=period+reopened");
    assert!(
        audit.body.contains("late invoice"),
        "the audit log filters by action"
    );
    // An admin adds a user (a password shown once) and disables them.
    let mut ada = signed_in(server, "ada");
    let added = ada.post(
        "/users",
        "/users",
        &[("name", "newbie"), ("role", "viewer")],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(
        added.body.contains("newbie can sign in as a viewer"),
        "{}",
        added.body
    );
    let off = ada.post("/users", "/users/newbie/disable", &[]);
    assert_eq!(off.status, 303);
    let last = ada.post("/users", "/users/ada/disable", &[]);
    assert_eq!(last.status, 409, "the last admin stays: {}", last.body);
    assert!(
        !ada.get("/users").body.contains("$argon2"),
        "no hash on any page"
    );
}

/// Sign-in: one message for an unknown user and a wrong password; throttled after five
/// failures; a disabled user's session ends at once; sign-out ends the session.
fn sign_in_rules(setup: &Setup, server: &Server) {
    let mut c = Client::new(&server.base);
    let unknown = c.sign_in("nobody", PASSWORD);
    let wrong = c.sign_in("pia", "wrong password!!");
    assert_eq!(unknown.status, 200);
    assert!(unknown
        .body
        .contains("The user name or password is not right."));
    assert!(wrong
        .body
        .contains("The user name or password is not right."));
    for _ in 0..4 {
        c.sign_in("pia", "wrong password!!");
    }
    let throttled = c.sign_in("pia", PASSWORD);
    assert_eq!(
        throttled.status, 200,
        "the right password is refused while throttled"
    );
    assert!(
        throttled.body.contains("Too many failed sign-ins"),
        "{}",
        throttled.body
    );
    // Disabling a user ends their session at once.
    let mut paul = signed_in(server, "paul");
    assert_eq!(paul.get("/periods").status, 200);
    let d = run(&["user", "disable", "paul", "--store", &setup.store]);
    assert_eq!(d.code, 0, "{}", d.stderr);
    let after = paul.get("/periods");
    assert_eq!(after.status, 303);
    // Sign-out ends the session: the old cookie is worth nothing.
    let mut vera = signed_in(server, "vera");
    let session = vera.cookies.get("cardrecon_session").cloned().unwrap();
    let out = vera.post("/periods", "/sign-out", &[]);
    assert_eq!(out.status, 303);
    let mut replay = Client::new(&server.base);
    replay.cookies.insert("cardrecon_session".into(), session);
    assert_eq!(replay.get("/periods").status, 303);
}

#[test]
fn workspace_on_sqlite() {
    let setup = Setup::demo();
    let server = Server::start(&setup.config);
    route_table(&server);
    review(&setup, &server);
    // The demo's runs download from the periods page.
    let mut vera = signed_in(&server, "vera");
    let periods = vera.get("/periods");
    let link = periods
        .body
        .split("href=\"/runs/")
        .nth(1)
        .map(|s| format!("/runs/{}", &s[..s.find('"').unwrap()]))
        .expect("a run file link");
    let file = vera.get(&link.replace("&#x2f;", "/"));
    assert_eq!(file.status, 200, "{link}");
    // The periods page's open count is what `items` lists open for the period.
    let open = run(&[
        "items",
        "--store",
        &setup.store,
        "--period",
        "2026-03",
        "--format",
        "csv",
    ]);
    let n = open.stdout.lines().skip(1).count();
    assert!(n > 0);
    assert!(
        periods.body.contains(&format!("state=open\">{n}<")),
        "{n} open on the periods page"
    );
    // A cardapp record's item shows the card's roll-forward from the run's cards.csv, and the
    // provider's wire record and the ledger row's file:row from the run.
    let list = vera.get("/items?state=all&provider=cardapp&category=amount_mismatch");
    let id = list
        .body
        .split("href=\"/items/i-")
        .nth(1)
        .map(|s| format!("i-{}", &s[..16]))
        .expect("a cardapp amount mismatch");
    let page = vera.get(&format!("/items/{id}"));
    for heading in [
        "What the provider sent",
        "The card's roll-forward",
        "Ledger entry",
    ] {
        assert!(page.body.contains(heading), "{id}: {heading}");
    }
    assert!(
        page.body.contains("ledger.csv:"),
        "{id}: the ledger row's file:row"
    );
    // The generator names a merchant `<script>alert('x')</script> Books`: found by the text
    // search, and shown as text on its item's page (the wire record and the normalized one).
    let found = vera.get("/items?state=all&q=%3Cscript%3E");
    let id = found
        .body
        .split("href=\"/items/i-")
        .nth(1)
        .map(|s| format!("i-{}", &s[..16]))
        .expect("an item whose record names the <script> merchant");
    let page = vera.get(&format!("/items/{id}"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt; Books"),
        "{id}"
    );
    assert!(
        !page.body.contains("<script>alert"),
        "{id}: markup from a provider"
    );
    sign_in_rules(&setup, &server);
}

#[test]
fn workspace_on_postgres() {
    let Some(pg) = Postgres::start() else { return };
    let setup = Setup::reconciled(&pg.url("workspace"));
    let server = Server::start(&setup.config);
    route_table(&server);
    review(&setup, &server);
    sign_in_rules(&setup, &server);
}

/// `[review] cli_decisions = false` makes the CLI's decisions refuse (kept in the store by
/// `serve`), while user management still works from the command line.
#[test]
fn cli_decisions_can_be_turned_off() {
    let dir = tempdir();
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let setup = Setup::reconciled(&store);
    let mut text = std::fs::read_to_string(&setup.config).unwrap();
    text.push_str("[review]\ncli_decisions = false\n");
    std::fs::write(&setup.config, text).unwrap();
    let item = setup.open_item("amount_mismatch");
    drop(Server::start(&setup.config));
    let r = run(&[
        "accept", "--store", &store, &item, "--reason", "timing", "--note", "n",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("cli_decisions = false"), "{}", r.stderr);
    // User commands still work, here given the configuration instead of the store's URL.
    let u = run(&["user", "list", "--config", setup.config.to_str().unwrap()]);
    assert_eq!(u.code, 0, "{}", u.stderr);
    assert!(
        u.stdout.contains("alex") && u.stdout.contains("approver"),
        "{}",
        u.stdout
    );
    let _ = &setup.dir;
}

/// `serve` refuses to listen beyond loopback without TLS or a proxy, and says why.
#[test]
fn serve_refuses_plain_http_beyond_loopback() {
    let dir = tempdir();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[serve]\naddr = \"0.0.0.0:0\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cardrecon"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("serve.addr") && err.contains("unencrypted"),
        "{err}"
    );
}

/// With `tls_cert`/`tls_key` the workspace speaks TLS (rustls) and its cookies are `Secure`;
/// the same server then may listen beyond loopback.
#[test]
fn serve_over_tls_with_secure_cookies() {
    let dir = tempdir();
    let Some((ca, cert, key)) = crate::deliver::certificates(dir.path()) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "openssl could not make certificates in CI"
        );
        return;
    };
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    add_user(&store, "ada", "admin");
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{store}\"\n[serve]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let server = Server::start(&config);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let base = server.base.replace("127.0.0.1", "localhost");
    let mut c = Client::trusting(&base, Some(&ca));
    let page = c.get("/sign-in");
    assert_eq!(page.status, 200);
    let cookies: Vec<&str> = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.contains("Secure")),
        "{cookies:?}"
    );
    let signed = c.sign_in("ada", PASSWORD);
    assert_eq!(signed.status, 303);
    let session = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cardrecon_session="))
        .unwrap();
    assert!(
        session.contains("Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert_eq!(c.get("/users").status, 200);
}

/// Many items selected on the list get one proposal each; under `[review] approve_above` a
/// proposal on an item within the limit takes effect at once, and one above it waits.
#[test]
fn bulk_proposals_and_approve_above() {
    let dir = tempdir();
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let setup = Setup::reconciled(&store);
    let mut text = std::fs::read_to_string(&setup.config).unwrap();
    text.push_str("[review]\napprove_above = \"USD=0.05,EUR=0.05\"\n");
    std::fs::write(&setup.config, text).unwrap();
    let server = Server::start(&setup.config);
    let mut paul = signed_in(&server, "paul");
    let open = run(&["items", "--store", &store, "--format", "csv"]);
    // Two amount mismatches (a cent or so at stake: within the limit) and two missing in the
    // ledger (their whole amount at stake: above it).
    let pick = |category: &str| -> Vec<String> {
        open.stdout
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(2) == Some(category))
            .filter(|l| {
                let at_stake = l.rsplit(',').next().unwrap_or("");
                category != "amount_mismatch"
                    || crate::util::dec(at_stake).abs() <= crate::util::dec("0.05")
            })
            .take(2)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    let small = pick("amount_mismatch");
    let large = pick("missing_in_ledger");
    assert_eq!((small.len(), large.len()), (2, 2), "{}", open.stdout);
    let mut fields: Vec<(&str, &str)> = vec![
        ("action", "accept"),
        ("reason", "timing"),
        ("note", "month-end cut-off"),
        ("back", "/items?state=open"),
    ];
    for id in small.iter().chain(&large) {
        fields.push(("item", id));
    }
    let done = paul.post("/items?state=open", "/items/propose", &fields);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body
            .contains("2 proposals are waiting for an approver"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("2 items are within approve_above"),
        "{}",
        done.body
    );
    let accepted = run(&[
        "items", "--store", &store, "--status", "accepted", "--format", "csv",
    ]);
    for id in &small {
        assert!(
            accepted.stdout.lines().any(|l| l.starts_with(id.as_str())),
            "{id} accepted at once"
        );
    }
    let queue = paul.get("/approvals");
    for id in &large {
        assert!(queue.body.contains(id.as_str()), "{id} waits");
    }
    for id in &small {
        assert!(!queue.body.contains(id.as_str()), "{id} does not wait");
    }
    // The list marks the waiting items `proposed`.
    let proposed = paul.get("/items?state=proposed");
    assert!(
        proposed.body.contains("2 items"),
        "{}",
        &proposed.body[..proposed.body.len().min(2000)]
    );
}
