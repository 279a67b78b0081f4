//! Delivery (issue 16) against a real SMTP server: `tests/smtp/server.py` (aiosmtpd, Debian's
//! `python3-aiosmtpd`) started by each test on a loopback port, not a mock of the client. The
//! tests read back what the server stored: the message, its attachments byte for byte, the
//! envelope and the login. In CI (`CI=true`) a server that cannot start fails the test;
//! elsewhere the test says so and passes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;

use crate::util::{bin, reconcile_month, run_generate, tempdir, Run};

const USER: &str = "recon-mailer";
const PASSWORD: &str = "smtp-pass-Zq81-never-shown";

/// A running `tests/smtp/server.py`; killed when dropped.
struct Smtp {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Smtp {
    fn start(dir: &Path, extra: &[&str]) -> Option<Smtp> {
        match Smtp::try_start(dir, extra) {
            Ok(s) => Some(s),
            Err(why) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("the SMTP test server could not start in CI: {why}");
                }
                eprintln!("skipped: the SMTP test server could not start ({why}); install python3-aiosmtpd");
                None
            }
        }
    }

    fn try_start(dir: &Path, extra: &[&str]) -> Result<Smtp, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let script = crate::util::repo_path("tests/smtp/server.py");
        // Debian's Python, where python3-aiosmtpd installs (not a pyenv or venv `python3`).
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("/usr/bin/python3: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let port = line
            .strip_prefix("ready ")
            .and_then(|p| p.trim().parse().ok());
        match port {
            Some(port) => Ok(Smtp {
                child,
                port,
                dir: dir.to_path_buf(),
            }),
            None => {
                let _ = child.kill();
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                Err(format!(
                    "it said {line:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        }
    }

    /// The messages stored, oldest first: (raw message, envelope JSON).
    fn messages(&self) -> Vec<(String, serde_json::Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let env = std::fs::read_to_string(p.with_extension("json")).unwrap();
                (
                    std::fs::read_to_string(p).unwrap(),
                    serde_json::from_str(&env).unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server in `dir/name` that wants the login USER/PASSWORD, with `extra` arguments.
fn server(dir: &Path, name: &str, extra: &[&str]) -> Option<Smtp> {
    let mut args = vec!["--user", USER, "--password", PASSWORD];
    args.extend_from_slice(extra);
    Smtp::start(&dir.join(name), &args)
}

/// A reconciled generated month (every output) in `dir/out`.
fn reconciled(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let g = run_generate(&data, "1500", &["--seed", "16"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let out = dir.join("out");
    let r = reconcile_month(&data, &out, &["--exit-zero"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    out
}

/// `[delivery.email]` for the server on `port`, credentials as `${ENV}` references.
fn email_table(port: u16, extra: &str) -> String {
    format!(
        "[delivery.email]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         username = \"${{CARDRECON_TEST_SMTP_USER}}\"\npassword = \"${{CARDRECON_TEST_SMTP_PASSWORD}}\"\n\
         from = \"cardrecon <recon@example.com>\"\nto = [\"controller@example.com\"]\n\
         cc = [\"audit@example.com\"]\n{extra}"
    )
}

fn deliver(cfg: &Path, run_dir: &Path, password: &str) -> Run {
    let out = bin()
        .args(["deliver", "--config"])
        .arg(cfg)
        .arg("--run")
        .arg(run_dir)
        .env("CARDRECON_TEST_SMTP_USER", USER)
        .env("CARDRECON_TEST_SMTP_PASSWORD", password)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The MIME parts of a message: (headers, decoded body).
fn parts(eml: &str) -> Vec<(String, Vec<u8>)> {
    let eml = eml.replace("\r\n", "\n");
    let boundary = eml
        .split("boundary=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a multipart message")
        .to_string();
    eml.split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|p| {
            let (head, body) = p.trim_start_matches('\n').split_once("\n\n").unwrap();
            let enc = head.to_ascii_lowercase();
            let body = if enc.contains("content-transfer-encoding: base64") {
                let b64: String = body.split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap()
            } else if enc.contains("content-transfer-encoding: quoted-printable") {
                quoted_printable(body)
            } else {
                body.as_bytes().to_vec()
            };
            (head.to_string(), body)
        })
        .collect()
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\n", "");
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn attachment<'p>(parts: &'p [(String, Vec<u8>)], name: &str) -> Option<&'p [u8]> {
    parts
        .iter()
        .find(|(h, _)| h.contains(&format!("filename=\"{name}\"")))
        .map(|(_, b)| &b[..])
}

fn summary(run_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_run_is_emailed_with_its_reports_and_its_headline_and_no_secret() {
    let dir = tempdir();
    let run_dir = reconciled(dir.path());
    let Some(smtp) = server(dir.path(), "mail", &[]) else {
        return;
    };
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(&cfg, email_table(smtp.port, "")).unwrap();
    let r = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "emailed to controller@example.com, audit@example.com (report.xlsx, report.html)"
        ),
        "{}",
        r.stdout
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let (eml, envelope) = &messages[0];
    assert_eq!(envelope["login"], USER);
    assert_eq!(envelope["mail_from"], "recon@example.com");
    assert_eq!(
        envelope["rcpt_tos"],
        serde_json::json!(["controller@example.com", "audit@example.com"])
    );
    let s = summary(&run_dir);
    let n = s["discrepancies"].as_u64().unwrap();
    let rate = s["matched_rate_by_count"].as_str().unwrap();
    assert!(
        eml.contains(&format!(
            "Subject: cardrecon 2026-03: {n} discrepancies, {rate}% matched"
        )),
        "{}",
        &eml[..eml.len().min(800)]
    );
    let parts = parts(eml);
    assert_eq!(parts.len(), 3, "the text and two attachments");
    let text = String::from_utf8(parts[0].1.clone()).unwrap();
    assert!(
        text.contains(&format!(
            "{n} discrepancies, {rate}% of provider records matched."
        )),
        "{text}"
    );
    // Every discrepancy category with rows, with its count.
    let by_category = s["by_category"].as_object().unwrap();
    let amount_mismatch = by_category["amount_mismatch"].as_u64().unwrap();
    assert!(amount_mismatch > 0);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("amount_mismatch")
                && l.trim_end().ends_with(&format!(" {amount_mismatch}"))),
        "{text}"
    );
    assert!(
        !text.contains("failed_not_booked"),
        "informational categories are not discrepancies: {text}"
    );
    assert!(text.contains("Amount at stake in this run's"), "{text}");
    assert!(
        text.contains("Attached: report.xlsx, report.html."),
        "{text}"
    );
    // The attachments are the run's files, byte for byte.
    assert_eq!(
        attachment(&parts, "report.xlsx").unwrap(),
        std::fs::read(run_dir.join("report.xlsx")).unwrap()
    );
    assert_eq!(
        attachment(&parts, "report.html").unwrap(),
        std::fs::read(run_dir.join("report.html")).unwrap()
    );
    // The password is nowhere: not in the message, not in what the command printed.
    let b64 = base64::engine::general_purpose::STANDARD.encode(PASSWORD);
    for (name, text) in [
        ("message", eml.as_str()),
        ("stdout", &r.stdout),
        ("stderr", &r.stderr),
    ] {
        assert!(
            !text.contains(PASSWORD) && !text.contains(&b64),
            "the password in the {name}"
        );
    }
}

#[test]
fn a_workbook_above_the_size_limit_is_named_by_its_path_not_attached() {
    let dir = tempdir();
    let run_dir = reconciled(dir.path());
    let Some(smtp) = server(dir.path(), "mail", &[]) else {
        return;
    };
    let page = std::fs::metadata(run_dir.join("report.html"))
        .unwrap()
        .len();
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(
        &cfg,
        email_table(smtp.port, &format!("max_attachment_bytes = {page}\n")),
    )
    .unwrap();
    let r = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("not attached, above the size limit"),
        "{}",
        r.stdout
    );
    let messages = smtp.messages();
    let parts = parts(&messages[0].0);
    assert_eq!(parts.len(), 2, "the text and the page");
    assert!(attachment(&parts, "report.html").is_some());
    assert!(attachment(&parts, "report.xlsx").is_none());
    let text = String::from_utf8(parts[0].1.clone()).unwrap();
    let workbook = run_dir.join("report.xlsx").display().to_string();
    assert!(
        text.contains(&format!(
            "Not attached (above the {page} byte limit for attachments): {workbook}"
        )),
        "{text}"
    );
}

#[test]
fn a_refused_login_and_a_server_that_vanishes_fail_the_delivery_and_a_retry_sends_it() {
    let dir = tempdir();
    let run_dir = reconciled(dir.path());
    let Some(smtp) = server(dir.path(), "mail", &[]) else {
        return;
    };
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(&cfg, email_table(smtp.port, "")).unwrap();
    let refused = deliver(&cfg, &run_dir, "a-wrong-password-Kp2");
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&format!(
            "delivery failed: delivery to 127.0.0.1:{}: the server refused the login",
            smtp.port
        )),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("a-wrong-password-Kp2"));
    assert!(smtp.messages().is_empty());
    // With a drop directory as well, the copy is made and the failure says so.
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let cfg_both = dir.path().join("both.toml");
    std::fs::write(
        &cfg_both,
        format!(
            "[delivery]\ndrop_dir = \"inbox\"\n{}",
            email_table(smtp.port, "")
        ),
    )
    .unwrap();
    let half = deliver(&cfg_both, &run_dir, "a-wrong-password-Kp2");
    assert_eq!(half.code, 3, "{}", half.stderr);
    assert!(
        half.stderr.contains("(the reports were copied into ")
            && half.stderr.contains("inbox/cardrecon-2026-03-"),
        "{}",
        half.stderr
    );
    assert_eq!(std::fs::read_dir(&inbox).unwrap().count(), 1);

    // A server that goes away once the message is on the wire, before it answers.
    let Some(vanishing) = server(dir.path(), "mail-vanishing", &["--die-on-data"]) else {
        return;
    };
    let cfg_vanishing = dir.path().join("vanishing.toml");
    std::fs::write(&cfg_vanishing, email_table(vanishing.port, "")).unwrap();
    let lost = deliver(&cfg_vanishing, &run_dir, PASSWORD);
    assert_eq!(lost.code, 3, "{}", lost.stderr);
    assert!(
        lost.stderr
            .contains("delivery failed: delivery to 127.0.0.1:"),
        "{}",
        lost.stderr
    );
    assert!(vanishing.messages().is_empty());

    // The run is untouched; the same command with the right password delivers it.
    let again = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(smtp.messages().len(), 1);
}

/// A CA and a server certificate for `localhost` made with the openssl command.
pub fn certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let sh = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    let ok = sh(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=cardrecon test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]) && sh(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]) && sh(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    ok.then(|| {
        (
            dir.join("ca.pem"),
            dir.join("server.pem"),
            dir.join("server.key"),
        )
    })
}

#[test]
fn starttls_and_tls_with_a_private_authority_and_a_drop_directory_written_whole() {
    let dir = tempdir();
    let run_dir = reconciled(dir.path());
    let Some((ca, cert, key)) = certificates(dir.path()) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "openssl could not make certificates in CI"
        );
        return;
    };
    let Some(smtp) = server(
        dir.path(),
        "mail",
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    let drop = dir.path().join("inbox");
    std::fs::create_dir(&drop).unwrap();
    let cfg = dir.path().join("cardrecon.toml");
    let table = email_table(smtp.port, &format!("ca_file = \"{}\"\n", ca.display()))
        .replace("host = \"127.0.0.1\"", "host = \"localhost\"")
        .replace("security = \"none\"", "security = \"starttls\"");
    std::fs::write(&cfg, format!("[delivery]\ndrop_dir = \"inbox\"\n{table}")).unwrap();
    let r = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].1["tls"], true, "sent after STARTTLS");
    assert_eq!(messages[0].1["login"], USER);

    // The drop directory holds one finished folder, relative to the config, and nothing half-made.
    let run_id = run_dir.file_name().unwrap().to_string_lossy().into_owned();
    let target = drop.join(format!("cardrecon-2026-03-{run_id}"));
    let mut names: Vec<String> = std::fs::read_dir(&drop)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec![format!("cardrecon-2026-03-{run_id}")]);
    assert!(
        r.stdout
            .contains(&format!("copied the reports into {}", target.display())),
        "{}",
        r.stdout
    );
    for f in [
        "report.xlsx",
        "report.html",
        "summary.json",
        "discrepancies.csv",
    ] {
        assert!(
            std::fs::read(run_dir.join(f)).unwrap() == std::fs::read(target.join(f)).unwrap(),
            "{f} copied whole"
        );
    }
    // TLS from the first byte (SMTPS) to a server with the same certificate.
    let Some(smtps) = server(
        dir.path(),
        "mail-smtps",
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--implicit-tls",
        ],
    ) else {
        return;
    };
    let cfg_smtps = dir.path().join("smtps.toml");
    let table = email_table(smtps.port, &format!("ca_file = \"{}\"\n", ca.display()))
        .replace("host = \"127.0.0.1\"", "host = \"localhost\"")
        .replace("security = \"none\"", "security = \"tls\"");
    std::fs::write(&cfg_smtps, table).unwrap();
    let r = deliver(&cfg_smtps, &run_dir, PASSWORD);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(smtps.messages().len(), 1);
    assert_eq!(smtps.messages()[0].1["login"], USER);
    // Without the private authority the certificate is refused: nothing is sent.
    std::fs::write(
        &cfg_smtps,
        std::fs::read_to_string(&cfg_smtps)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("ca_file"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let refused = deliver(&cfg_smtps, &run_dir, PASSWORD);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert_eq!(smtps.messages().len(), 1);
    assert!(
        refused.stderr.contains("the TLS connection failed")
            || refused.stderr.contains("the connection failed"),
        "{}",
        refused.stderr
    );

    // Delivered again (a retry): replaced whole, still one folder.
    std::fs::write(target.join("stale.txt"), "from the first delivery").unwrap();
    let again = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!target.join("stale.txt").exists());
    assert_eq!(std::fs::read_dir(&drop).unwrap().count(), 1);
}

#[test]
fn plain_smtp_to_another_machine_is_refused_by_the_configuration() {
    let dir = tempdir();
    let run_dir = reconciled(dir.path());
    let cfg = dir.path().join("cardrecon.toml");
    std::fs::write(
        &cfg,
        email_table(25, "").replace("127.0.0.1", "mail.example.com"),
    )
    .unwrap();
    let r = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "`delivery.email.security`: `none` sends the password and the reports unencrypted"
        ),
        "{}",
        r.stderr
    );
}

/// `run` delivers at its end; when that fails the run is complete (reports written, store
/// committed), the exit code is 3 with the way to retry, and `deliver` sends it later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_delivery_fails_is_complete_and_delivered_later() {
    let (dir, cfg, handle) = crate::store::sandbox_month(1200, 5).await;
    let Some(smtp) = server(dir.path(), "mail", &[]) else {
        handle.stop().await;
        return;
    };
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&email_table(smtp.port, ""));
    std::fs::write(&cfg, text).unwrap();
    let out = crate::store::run_command(&cfg, "r1")
        .env("CARDRECON_TEST_SMTP_USER", USER)
        .env("CARDRECON_TEST_SMTP_PASSWORD", "not-the-password")
        .output()
        .unwrap();
    handle.stop().await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let run_dir = dir.path().join("runs/2026-03/r1");
    assert!(
        stderr.contains(&format!("the run is complete in {}", run_dir.display())),
        "{stderr}"
    );
    assert!(stderr.contains("the server refused the login"), "{stderr}");
    for f in [
        "summary.json",
        "report.xlsx",
        "report.html",
        "manifest.json",
    ] {
        assert!(run_dir.join(f).is_file(), "{f} written before the delivery");
    }
    assert!(smtp.messages().is_empty());
    let r = deliver(&cfg, &run_dir, PASSWORD);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let text = String::from_utf8(parts(&messages[0].0)[0].1.clone()).unwrap();
    assert!(
        text.contains("Open items at the end of the period"),
        "the store's open items: {text}"
    );
}
