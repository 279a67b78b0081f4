//! `[[matching.rules]]` (issue 29, part 2): a ledger booked from card statements, with no
//! provider id, matched by the team's own rules, in order, only where unambiguous.

use cardrecon::config::{ConfigFile, Settings};
use cardrecon::matching::ledger_rules::{Action, Fields, MatchRule, RuleCount};
use cardrecon::model::{LedgerEntry, ProviderRecord, Status};
use cardrecon::results::ResultRows;
use chrono_tz::UTC;

use crate::util::*;

fn card_rule(name: &str, day_window: u32, action: Action) -> MatchRule {
    MatchRule {
        name: name.into(),
        on: Fields {
            card: true,
            currency: true,
            amount: true,
            merchant: false,
        },
        day_window,
        amount_tolerance: None,
        providers: vec!["usertrans".into()],
        kinds: Vec::new(),
        action,
    }
}

fn spent(tx: &str, card: &str, amount: &str, when: &str) -> ProviderRecord {
    let mut r = rec("usertrans", tx, amount, utc(when));
    r.card_masked = Some(format!("448533******{card}"));
    r
}

fn line(id: &str, card: &str, amount: &str, when: &str) -> LedgerEntry {
    let mut e = entry(id, "usertrans", "", amount, utc(when));
    e.provider = None;
    e.kind = None;
    e.card = Some(card.into());
    e
}

#[test]
fn a_statement_ledger_is_matched_by_rules_only_where_each_is_the_others_only_candidate() {
    let records = vec![
        spent("U1", "6937", "12.50", "2026-03-05 10:00:00"),
        // Two records on one card, amount and day: one statement line cannot tell them apart.
        spent("U2", "1111", "30.00", "2026-03-07 09:00:00"),
        spent("U3", "1111", "30.00", "2026-03-07 15:00:00"),
        // Booked the next day: outside the first rule's window, inside the second's.
        spent("U4", "6937", "99.00", "2026-03-10 23:00:00"),
        // Paired by the rule, then classified as any pair: the statement says it failed.
        spent("U6", "2222", "20.00", "2026-03-12 12:00:00"),
        // Another provider: out of the rules' scope.
        {
            let mut r = spent("K1", "3333", "5.00", "2026-03-14 12:00:00");
            r.provider = "keysecure".into();
            r
        },
    ];
    let mut failed = line("S6", "2222", "20.00", "2026-03-12 20:00:00");
    failed.status = Status::Failed;
    let entries = vec![
        line("S1", "6937", "12.50", "2026-03-05 18:00:00"),
        line("S2", "1111", "30.00", "2026-03-07 20:00:00"),
        line("S4", "6937", "99.00", "2026-03-11 08:00:00"),
        failed,
        line("S7", "3333", "5.00", "2026-03-14 13:00:00"),
    ];
    let mut opts = options("2026-03");
    opts.loose = cardrecon::matching::Loose::off();
    opts.rules = vec![
        card_rule("card, amount, same day", 0, Action::Match),
        card_rule("card, amount, within 2 days", 2, Action::Suggest),
    ];
    let df = engine_frame(&records, &entries, UTC, &opts);
    let rows = ResultRows::new(&df).unwrap();
    let all: Vec<_> = (0..rows.len()).map(|i| rows.row(i)).collect();
    assert_eq!(
        triples(&all),
        vec![
            t("matched", "U1", "S1"),
            t("missing_at_provider", "", "S2"),
            t("missing_at_provider", "", "S7"),
            t("missing_in_ledger", "K1", ""),
            t("missing_in_ledger", "U2", ""),
            t("missing_in_ledger", "U3", ""),
            t("status_mismatch", "U6", "S6"),
            t("suggested_match", "U4", "S4"),
        ]
    );
    let detail = |tx: &str, entry: &str| row(&all, tx, entry).detail.clone();
    assert_eq!(
        detail("U1", "S1"),
        "matched by rule `card, amount, same day`: each is the other's only candidate under it"
    );
    assert_eq!(
        detail("U6", "S6"),
        "matched by rule `card, amount, same day`: each is the other's only candidate under it; status: provider success, ledger failed"
    );
    assert_eq!(
        detail("U4", "S4"),
        "suggested by rule `card, amount, within 2 days`: each is the other's only candidate under it"
    );
    assert_eq!(
        detail("U2", ""),
        "no ledger entry for this successful provider record; 1 candidate under rule `card, amount, same day`, not unique both ways: not matched"
    );
    assert_eq!(
        detail("", "S2"),
        "the entry has neither tx_id nor order_id to match on; 2 candidates under rule `card, amount, same day`, not unique both ways: not matched"
    );
    // Counted per rule for summary.json: pairs made, provider records left ambiguous.
    let counts =
        cardrecon::report::summary::rule_counts(&rows, opts.rules.iter().map(|r| r.name.as_str()));
    assert_eq!(
        counts,
        vec![
            RuleCount {
                name: "card, amount, same day".into(),
                paired: 2,
                ambiguous: 2,
            },
            RuleCount {
                name: "card, amount, within 2 days".into(),
                paired: 1,
                ambiguous: 0,
            },
        ]
    );
}

#[test]
fn rules_are_read_from_the_configuration_and_a_statement_ledger_needs_no_id_column() {
    let dir = tempdir();
    let ledger = dir.path().join("statement.csv");
    std::fs::write(
        &ledger,
        "entry_id,card,amount,currency,status,booked_at,description\nS1,**** 6937,12.50,USD,success,2026-03-05T18:00:00Z,COFFEE SHOP LONDON\n",
    )
    .unwrap();
    let settings = |rules: &str| {
        let f: ConfigFile = toml::from_str(rules).unwrap();
        Settings::resolve(&f, "t.toml")
    };
    // Without a rule, an id column is required, as before.
    let e = cardrecon::ledger::load_frame(&ledger, &settings("").unwrap(), UTC).unwrap_err();
    assert!(
        e.to_string()
            .contains("neither a `tx_id` nor an `order_id`"),
        "{e}"
    );
    let s = settings(
        "[[matching.rules]]\nname = \"card, amount, same day\"\nmatch_on = [\"card\", \"currency\", \"amount\", \"description_contains_merchant\"]\nproviders = [\"usertrans\"]\nkinds = [\"consumption\"]\namount_tolerance = \"0.00\"\n",
    )
    .unwrap();
    assert_eq!(
        s.matching.rules,
        vec![MatchRule {
            name: "card, amount, same day".into(),
            on: Fields {
                card: true,
                currency: true,
                amount: true,
                merchant: true,
            },
            day_window: 0,
            amount_tolerance: Some("0.00".parse().unwrap()),
            providers: vec!["usertrans".into()],
            kinds: vec!["consumption".into()],
            action: Action::Match,
        }]
    );
    let (df, _) = cardrecon::ledger::load_frame(&ledger, &s, UTC).unwrap();
    // The card kept as its last four digits only; the description as written.
    let card = df
        .column("card")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .map(str::to_string);
    assert_eq!(card.as_deref(), Some("6937"));
    let desc = df
        .column("description")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .map(str::to_string);
    assert_eq!(desc.as_deref(), Some("COFFEE SHOP LONDON"));
    // Each mistake named by its key.
    for (text, key, words) in [
        ("[[matching.rules]]\nmatch_on = [\"card\"]\n", "matching.rules[0].name", "is required"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\", \"merchant\"]\n", "matching.rules[0].match_on", "`merchant` is not a field"),
        ("[[matching.rules]]\nname = \"x\"\n", "matching.rules[0].match_on", "names no field"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\"]\naction = \"pair\"\n", "matching.rules[0].action", "`pair` is not `match` or `suggest`"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\"]\nkinds = [\"purchase\"]\n", "matching.rules[0].kinds", "`purchase` is not a kind"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\"]\nproviders = [\"usertran\"]\n", "matching.rules[0].providers", "`usertran` is not a configured provider"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\"]\namount_tolerance = \"-1\"\n", "matching.rules[0].amount_tolerance", "cannot be negative"),
        ("[[matching.rules]]\nname = \"x\"\nmatch_on = [\"card\"]\n[[matching.rules]]\nname = \"x\"\nmatch_on = [\"amount\"]\n", "matching.rules[1].name", "names two rules"),
    ] {
        let e = settings(text).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(words), "{text}: {e}");
    }
}

#[test]
fn the_merchant_must_appear_in_the_statement_line_when_the_rule_says_so() {
    let mut coffee = rec("usertrans", "U1", "4.20", utc("2026-03-05 08:00:00"));
    coffee.description = Some("Coffee Shop".into());
    let mut books = rec("usertrans", "U2", "4.20", utc("2026-03-05 09:00:00"));
    books.description = Some("Book Store".into());
    let mut s1 = entry("S1", "usertrans", "", "4.20", utc("2026-03-05 12:00:00"));
    s1.provider = None;
    s1.card = Some("6937".into());
    s1.description = Some("COFFEE SHOP LONDON GB".into());
    let mut opts = options("2026-03");
    opts.loose = cardrecon::matching::Loose::off();
    opts.rules = vec![MatchRule {
        on: Fields {
            merchant: true,
            ..card_rule("", 0, Action::Match).on
        },
        ..card_rule("card, amount, merchant", 0, Action::Match)
    }];
    let rows = run_engine(&[coffee, books], &[s1], UTC, &opts);
    // Both records are on card 6937 for 4.20 that day; only the coffee is in the line's words.
    assert_eq!(
        triples(&rows),
        vec![t("matched", "U1", "S1"), t("missing_in_ledger", "U2", ""),]
    );
}

/// The generated statement does not express the rules: `cardrecon sql` names each one, in the
/// engine's order, as left to `report --results` (which runs it after the statement's pairs;
/// `tests/sql.rs` checks the outcome on DuckDB), before the statement itself.
#[test]
fn the_statement_generator_names_the_rules_it_leaves_to_report() {
    let dir = tempdir();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "timezone = \"UTC\"\nperiod = \"2026-03\"\n[[matching.rules]]\nname = \"card, amount, same day\"\nmatch_on = [\"card\", \"amount\"]\n[[matching.rules]]\nname = \"card, within 3 days\"\nmatch_on = [\"card\"]\nday_window = 3\n",
    )
    .unwrap();
    let r = run(&[
        "sql",
        "--dialect",
        "duckdb",
        "--config",
        cfg.to_str().unwrap(),
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().take(3).collect();
    assert_eq!(
        lines,
        [
            "-- [[matching.rules]] `card, amount, same day` is left to `cardrecon report --results`, which runs it locally after this statement's key pairs (and the summaries)",
            "-- [[matching.rules]] `card, within 3 days` is left to `cardrecon report --results`, which runs it locally after this statement's key pairs (and the summaries)",
            "-- cardrecon: stages 1-5 of the classification (DuckDB), period 2026-03-01 to 2026-03-31 with 3 margin days.",
        ]
    );
}

/// A statement kept in EUR for card spend in USD: a rule without `currency` finds the line at
/// the day's rate when `[fx]` gives one, and never compares the two amounts as bare numbers.
#[test]
fn a_rule_without_currency_looks_in_the_ledgers_other_currency_at_the_days_rate() {
    let dir = tempdir();
    let rates = dir.path().join("rates.csv");
    std::fs::write(&rates, "date,base,quote,rate\n2026-03-06,EUR,USD,1.0800\n").unwrap();
    let records = vec![
        spent("U1", "6937", "108.00", "2026-03-06 10:00:00"),
        // 54 USD is 50 EUR; the line says 45: beyond the relative tolerance, no candidate.
        spent("U2", "1111", "54.00", "2026-03-06 11:00:00"),
        // The same number in the other currency is not the same amount.
        spent("U3", "2222", "20.00", "2026-03-06 12:00:00"),
    ];
    let euro = |id: &str, card: &str, amount: &str| {
        let mut e = line(id, card, amount, "2026-03-06 18:00:00");
        e.currency = "EUR".into();
        e
    };
    let entries = vec![
        euro("S1", "6937", "100.10"),
        euro("S2", "1111", "45.00"),
        euro("S3", "2222", "20.00"),
    ];
    let rule = MatchRule {
        on: Fields {
            card: true,
            amount: true,
            ..Fields::default()
        },
        ..card_rule("card and amount", 0, Action::Match)
    };
    let mut opts = options("2026-03");
    opts.loose = cardrecon::matching::Loose::off();
    opts.rules = vec![rule];
    opts.fx = Some(cardrecon::matching::fx::Fx::read(&rates, "0.005".parse().unwrap(), 7).unwrap());
    let rows = run_engine(&records, &entries, UTC, &opts);
    assert_eq!(
        triples(&rows),
        vec![
            t("matched", "U1", "S1"),
            t("missing_at_provider", "", "S2"),
            t("missing_at_provider", "", "S3"),
            t("missing_in_ledger", "U2", ""),
            t("missing_in_ledger", "U3", ""),
        ]
    );
    let u1 = row(&rows, "U1", "S1");
    assert_eq!(
        u1.detail,
        "matched by rule `card and amount`: each is the other's only candidate under it; converted at 0.92592593 USD→EUR (the rate of 2026-03-06): 108.00 USD is 100.00 EUR, booked 100.10 EUR; FX difference 0.10 EUR, within 0.005 of it"
    );
    // Without [fx], no line is in the records' currency: nothing pairs.
    opts.fx = None;
    let rows = run_engine(&records, &entries, UTC, &opts);
    assert!(
        rows.iter()
            .all(|r| r.ledger_entry_id.is_none() || r.tx_id.is_none()),
        "{:?}",
        triples(&rows)
    );
}
