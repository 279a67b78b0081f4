//! The workspace in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! with fantoccini). A preparer signs in, filters to `amount_mismatch`, opens an item and
//! proposes an acceptance, signs out; an approver signs in and approves it; the store then
//! says the item is accepted, with both people in its history. In CI a browser that cannot
//! start fails the test; elsewhere it is skipped with a message.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::util::tempdir;
use crate::workspace::{accepted_by_paul_and_alex, Server, Setup, PASSWORD};

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl Driver {
    fn start() -> Result<Driver, String> {
        let exe = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .ok_or("no chromedriver (install Debian's chromium-driver)")?;
        let port = free_port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(d);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("chromedriver did not start listening".into())
    }
}

/// Headless Chromium as the machine allows it: no sandbox (CI runs as root), no background
/// connections (the network is closed), a fresh profile.
async fn browser(driver: &Driver, profile: &std::path::Path) -> Result<Client, String> {
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        return Err("capabilities".into());
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .map_err(|e| e.to_string())
}

/// Waits (up to 10 s) until the page's URL satisfies `ok`: a click that submits a form returns
/// before the browser has navigated.
async fn wait_url(c: &Client, what: &str, ok: impl Fn(&url::Url) -> bool) -> url::Url {
    for _ in 0..100 {
        let url = c.current_url().await.unwrap();
        if ok(&url) {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: still at {}", c.current_url().await.unwrap());
}

/// Waits (up to 10 s) until the element `id` says `text`.
async fn wait_text(c: &Client, id: &str, text: &str) {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id(id)).await {
            if e.text().await.is_ok_and(|t| t == text) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("#{id} never said `{text}`");
}

async fn sign_in(c: &Client, base: &str, name: &str) {
    c.goto(&format!("{base}/sign-in")).await.unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(c, &format!("{name} signs in"), |u| u.path() == "/periods").await;
}

async fn review(c: &Client, base: &str) -> String {
    sign_in(c, base, "paul").await;
    c.goto(&format!("{base}/items?state=open")).await.unwrap();
    c.find(Locator::Id("category"))
        .await
        .unwrap()
        .select_by_value("amount_mismatch")
        .await
        .unwrap();
    c.find(Locator::Id("apply-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(c, "the filter is in the URL", |u| {
        u.query().unwrap_or("").contains("category=amount_mismatch")
    })
    .await;
    let link = c
        .find(Locator::Css("#items td a"))
        .await
        .expect("an amount_mismatch item listed");
    let item = link.text().await.unwrap();
    link.click().await.unwrap();
    wait_url(c, "the item's page", |u| {
        u.path() == format!("/items/{item}")
    })
    .await;
    wait_text(c, "item-state", "open").await;
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .select_by_value("timing")
        .await
        .unwrap();
    c.find(Locator::Id("note"))
        .await
        .unwrap()
        .send_keys("booked on the 1st of next month")
        .await
        .unwrap();
    c.find(Locator::Id("propose-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "item-state", "proposed").await;
    c.find(Locator::Css("header form[action='/sign-out'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(c, "signed out", |u| u.path() == "/sign-in").await;

    sign_in(c, base, "alex").await;
    c.goto(&format!("{base}/approvals")).await.unwrap();
    c.find(Locator::Css("#approvals input[name='proposal']"))
        .await
        .expect("the proposal waits for alex")
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("approve-selected"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The queue is empty once the approval has been posted and the page drawn again.
    let mut emptied = false;
    for _ in 0..100 {
        if c.find(Locator::Id("approvals")).await.is_err() {
            emptied = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(emptied, "the approvals queue never emptied");
    c.goto(&format!("{base}/items/{item}")).await.unwrap();
    wait_text(c, "item-state", "accepted").await;
    item
}

#[test]
fn a_preparer_proposes_and_an_approver_approves_in_chromium() {
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the browser test's chromedriver could not start in CI: {why}")
        }
        Err(why) => {
            eprintln!("skipping: {why}");
            return;
        }
    };
    let setup = Setup::demo();
    let server = Server::start(&setup.config);
    let profile = tempdir();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let item = rt.block_on(async {
        let c = match browser(&driver, profile.path()).await {
            Ok(c) => c,
            Err(why) => panic!("headless Chromium could not start: {why}"),
        };
        // The browser is closed whatever happens, so a failed step leaves no Chromium behind.
        use futures::FutureExt;
        let done = std::panic::AssertUnwindSafe(review(&c, &server.base))
            .catch_unwind()
            .await;
        let _ = c.close().await;
        match done {
            Ok(item) => item,
            Err(p) => std::panic::resume_unwind(p),
        }
    });
    accepted_by_paul_and_alex(&setup.store, &item);
}
