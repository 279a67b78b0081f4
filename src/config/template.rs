//! The commented configuration `cardrecon init` writes (and the demo writes for its sandbox),
//! next to the code that reads it, so the two change together. Each provider's section comes
//! from its spec ([`crate::providers::spec::ConfigSection`]).

use crate::providers::SPECS;

/// The commented configuration `init` writes. With a sandbox URL, every provider points at it.
pub fn config_template(
    sandbox: Option<&str>,
    timezone: &str,
    period: Option<&str>,
    ledger: &str,
) -> String {
    format!(
        r#"# cardrecon configuration (`cardrecon init`). Credentials are ${{ENV_VAR}} references: set the
# variables in the environment; never write the values here.
timezone = "{timezone}"        # business timezone: where accounting days begin and end
{period_line}
margin_days = 3                   # days read on each side of the period, so cut-offs are recognised

[tolerance]
amount = "0.00"                   # amounts closer than this are equal
fee = "0.00"

{providers}[ledger]
path = "{ledger}"
# timezone = "{timezone}"        # zone of naive booked_at times (default: the business timezone)
# skip_bad_rows = false           # true: skip unreadable rows (listed), failing past max_skipped_share
# max_skipped_share = 0.01
# delimiter = ";"                 # CSV: default detected from the header (`,` `;` tab `|`)
# encoding = "windows-1252"       # CSV: default UTF-8; UTF-16 with a byte-order mark is recognised
# decimal_separator = ","         # amounts such as 1.234,56 (Germany) or 1 234,56 (France)
# thousands_separator = "."       # `.`, `,`, `'` (Switzerland: 1'234.56) or " "
# [ledger.columns]                # canonical name = your export's column name
# amount = "Amount"
# [ledger.values.status]          # your word = canonical status
# "Settled" = "success"

# [[matching.summaries]]          # a general ledger of daily journals: one line per provider, day, currency, kind
# name = "daily settlement"
# ledger_kind = "settlement"      # entries whose `journal` column is this are its lines
# group_by = ["provider", "day", "currency", "kind"]   # without "kind": the day's net
# kinds = ["consumption", "refund", "fee"]
# tolerance = "0.01"

# [[matching.rules]]              # a ledger without the provider's ids (booked from card statements)
# name = "card, amount, same day"
# match_on = ["card", "currency", "amount"]   # card: the ledger's `card` column, last four digits
# day_window = 0
# action = "match"                # or "suggest"

# [journal]                       # `cardrecon journal`: accepted items as adjusting entries
# template = "generic"            # or "xero", or a minijinja file of your own
# [[journal.rules]]
# reason = "write_off"
# debit = "6990 Other expenses"
# credit = "1190 Provider clearing {{provider}}"

# [fx]                            # a ledger in another currency, compared at the day's rate
# rates = "rates.csv"             # date,base,quote,rate (1 base = rate quote)
# tolerance_relative = "0.005"
# max_rate_age_days = 7

[output]
dir = "runs"                      # run directories: runs/<period>/<run-id>/
# paper = "a4"                    # the workbook's paper: a4 or letter (default: letter in the Americas)

[store]                           # open items, decisions and period status across months
# url = "sqlite:runs/cardrecon.db"  # the default: one file beside the run directories
# url = "postgres://recon:${{CARDRECON_DB_PASSWORD}}@db.internal/books"   # a team's shared store

# [delivery]                      # where `run` sends its reports at the end (`cardrecon deliver` again)
# drop_dir = "/srv/finance/inbox"
# [delivery.email]
# host = "smtp.example.com"
# security = "starttls"           # or "tls"; "none" only to a server on this machine
# username = "${{CARDRECON_SMTP_USER}}"
# password = "${{CARDRECON_SMTP_PASSWORD}}"
# from = "Card reconciliation <recon@example.com>"
# to = ["controller@example.com"]

# [serve]                         # `cardrecon serve`: the review workspace in a browser
# addr = "127.0.0.1:8080"         # beyond loopback only with tls_cert/tls_key or behind_proxy = true
# public_url = "https://recon.example.com"
# session_hours = 12              # a session ends this long after sign-in ...
# idle_minutes = 30               # ... or after this long without a request
# tls_cert = "cert.pem"
# tls_key = "key.pem"
# behind_proxy = true             # a proxy in front terminates TLS

# [review]
# approve_above = "USD=1000,EUR=1000"   # proposals at or below take effect without an approver
# cli_decisions = false                 # every decision through signed-in people in the workspace
"#,
        period_line = match period {
            Some(p) => format!("period = \"{p}\""),
            None => "# period = \"2026-03\"            # or pass --period".to_string(),
        },
        providers = providers(sandbox),
    )
}

/// Each provider's `[providers.<name>]` section, from its spec: its base URL (the sandbox's
/// `/<name>` when there is one), the rate the sandbox can take, its credentials as `${ENV}`
/// references, and its own settings.
fn providers(sandbox: Option<&str>) -> String {
    let mut out = String::new();
    for spec in SPECS {
        let section = &spec.config;
        let url = match sandbox {
            Some(s) => format!("{}/{}", s.trim_end_matches('/'), spec.name),
            None => section.base_url.to_string(),
        };
        out.push_str(&format!(
            "[providers.{}]\nbase_url = \"{url}\"\n",
            spec.name
        ));
        if sandbox.is_some() {
            // The sandbox on loopback can take far more than a real API's default cap.
            out.push_str(
                "requests_per_second = 2000      # the sandbox on loopback\nmax_concurrency = 8\n",
            );
        }
        for c in section.credentials {
            out.push_str(&format!("{} = \"${{{}}}\"\n", c.key, c.env));
        }
        out.push_str(section.settings);
        out.push('\n');
    }
    out
}

/// The sandbox's default credentials as the environment variables the template names.
pub fn sandbox_env() -> Vec<(&'static str, &'static str)> {
    SPECS
        .iter()
        .flat_map(|s| s.config.credentials)
        .map(|c| (c.env, c.sandbox))
        .collect()
}
