//! The message and its sending: a plain-text body with the headline, the workbook and the page
//! attached, through SMTP with lettre (STARTTLS, TLS, or plain to a server on this machine).
//!
//! Attachments larger together than `max_attachment_bytes` are not sent whole: mail servers
//! commonly refuse messages above 10–25 MB, and a refused message is a month's report nobody
//! gets. The page goes alone if it fits, the workbook is named by its path, and the body says so.

use std::path::Path;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::headline::Headline;
use super::{Email, Security};
use crate::error::{Error, Result};

/// What was sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sent {
    pub recipients: Vec<String>,
    pub attached: Vec<String>,
    pub not_attached: Vec<String>,
}

/// The report files and their MIME types, in the order they are attached.
const REPORTS: [(&str, &str); 2] = [
    (
        crate::run_dir::REPORT_XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (crate::run_dir::REPORT_HTML, "text/html; charset=utf-8"),
];

/// Which of the run's reports (name, size) go into the message: all if they fit together, else
/// the page alone if it fits, else none. Returns the names attached and the names left out.
pub fn choose(
    present: &[(&'static str, u64)],
    limit: u64,
) -> (Vec<&'static str>, Vec<&'static str>) {
    let total: u64 = present.iter().map(|(_, n)| n).sum();
    if total <= limit {
        return (present.iter().map(|(f, _)| *f).collect(), Vec::new());
    }
    let page_fits = present
        .iter()
        .any(|&(f, n)| f == crate::run_dir::REPORT_HTML && n <= limit);
    present
        .iter()
        .map(|(f, _)| *f)
        .partition(|f| page_fits && *f == crate::run_dir::REPORT_HTML)
}

/// Builds the message for `run_dir`: subject and body from the headline, the reports chosen by
/// size. Returns the message and what was attached and left out.
pub fn message(
    run_dir: &Path,
    head: &Headline,
    e: &Email,
) -> Result<(Message, Vec<String>, Vec<String>)> {
    let mut present = Vec::new();
    for (file, _) in REPORTS {
        let path = run_dir.join(file);
        if let Ok(meta) = std::fs::metadata(&path) {
            present.push((file, meta.len()));
        }
    }
    let (attach, leave) = choose(&present, e.max_attachment_bytes);
    let mut body = head.body();
    body.push('\n');
    if attach.is_empty() && leave.is_empty() {
        body.push_str("The run wrote no workbook or page to attach.\n");
    }
    if !attach.is_empty() {
        body.push_str(&format!("Attached: {}.\n", attach.join(", ")));
    }
    for f in &leave {
        body.push_str(&format!(
            "Not attached (above the {} byte limit for attachments): {}\n",
            e.max_attachment_bytes,
            run_dir.join(f).display()
        ));
    }
    body.push_str(&format!("Run directory: {}\n", run_dir.display()));

    let mut builder = Message::builder()
        .from(e.from.clone())
        .subject(head.subject());
    for to in &e.to {
        builder = builder.to(to.clone());
    }
    for cc in &e.cc {
        builder = builder.cc(cc.clone());
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    for f in &attach {
        let path = run_dir.join(f);
        let bytes = std::fs::read(&path).map_err(|err| Error::io(&path, err))?;
        let mime = REPORTS
            .iter()
            .find(|(name, _)| name == f)
            .map_or("application/octet-stream", |(_, m)| m);
        let content_type = ContentType::parse(mime)
            .map_err(|err| Error::input(*f, format!("content type `{mime}`: {err}")))?;
        parts = parts.singlepart(Attachment::new(f.to_string()).body(bytes, content_type));
    }
    let message = builder
        .multipart(parts)
        .map_err(|err| Error::input("the delivery message", err.to_string()))?;
    Ok((
        message,
        attach.iter().map(|f| f.to_string()).collect(),
        leave.iter().map(|f| f.to_string()).collect(),
    ))
}

/// The transport for `e`: its security, credentials, timeout and extra trusted authority.
fn transport(e: &Email) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let server = format!("{}:{}", e.host, e.port);
    let fail = |m: String| Error::delivery(&server, m);
    let tls_parameters = || -> Result<TlsParameters> {
        let mut b = TlsParameters::builder(e.host.clone());
        if let Some(ca) = &e.ca_file {
            let pem = std::fs::read(ca).map_err(|err| Error::io(ca, err))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|err| fail(format!("{}: not a PEM certificate: {err}", ca.display())))?;
            b = b.add_root_certificate(cert);
        }
        b.build().map_err(|err| fail(format!("TLS set-up: {err}")))
    };
    let tls = match e.security {
        Security::StartTls => Tls::Required(tls_parameters()?),
        Security::Tls => Tls::Wrapper(tls_parameters()?),
        Security::None => Tls::None,
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(e.host.clone())
        .port(e.port)
        .tls(tls)
        .timeout(Some(e.timeout));
    if let Some((user, password)) = &e.credentials {
        b = b.credentials(Credentials::new(
            user.expose().to_string(),
            password.expose().to_string(),
        ));
    }
    Ok(b.build())
}

/// Sends the run's message.
pub async fn send(run_dir: &Path, head: &Headline, e: &Email) -> Result<Sent> {
    let (message, attached, not_attached) = message(run_dir, head, e)?;
    let server = format!("{}:{}", e.host, e.port);
    transport(e)?
        .send(message)
        .await
        .map_err(|err| Error::delivery(&server, describe(&err)).because(err))?;
    let recipients =
        e.to.iter()
            .chain(&e.cc)
            .map(|m| m.email.to_string())
            .collect();
    Ok(Sent {
        recipients,
        attached,
        not_attached,
    })
}

/// lettre's error with its causes, in words a person acts on.
fn describe(err: &lettre::transport::smtp::Error) -> String {
    let what = if err.is_permanent()
        && err
            .status()
            .is_some_and(|c| c.to_string().starts_with("535"))
    {
        "the server refused the login"
    } else if err.is_permanent() {
        "the server refused the message"
    } else if err.is_transient() {
        "the server deferred the message (try again later)"
    } else if err.is_timeout() {
        "the server did not answer in time"
    } else if err.is_tls() {
        "the TLS connection failed"
    } else {
        "the connection failed"
    };
    let mut text = format!("{what}: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        // lettre's message often already ends with its cause's words: say them once.
        let cause = s.to_string();
        if !text.ends_with(&cause) {
            text.push_str(&format!(": {cause}"));
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_chosen_by_size() {
        let both = [("report.xlsx", 600), ("report.html", 300)];
        assert_eq!(
            choose(&both, 900),
            (vec!["report.xlsx", "report.html"], vec![])
        );
        assert_eq!(
            choose(&both, 899),
            (vec!["report.html"], vec!["report.xlsx"])
        );
        assert_eq!(
            choose(&both, 299),
            (vec![], vec!["report.xlsx", "report.html"])
        );
        assert_eq!(
            choose(&[("report.html", 10)], 5),
            (vec![], vec!["report.html"])
        );
        assert_eq!(choose(&[], 5), (vec![], vec![]));
    }
}
