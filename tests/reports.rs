//! The workbook read back with calamine, and the HTML page: sheets, headers, values and types,
//! text that looks like a formula stays text, provider text is escaped.

use calamine::{open_workbook, Data, Reader, Xlsx};

use cardrecon::report::layout;

use crate::util::*;

fn reconciled(records: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempdir();
    let data = dir.path().join("data");
    assert_eq!(run_generate(&data, records, &["--seed", "4"]).code, 0);
    let out = dir.path().join("out");
    let providers = data.join("providers");
    let r = run_reconcile(
        &providers,
        &data.join("ledger.csv"),
        "2026-03",
        "Europe/London",
        &out,
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    (dir, out)
}

#[test]
fn the_workbook_has_every_sheet_with_typed_cells() {
    let (_dir, out) = reconciled("1500");
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec![
            "Summary",
            "Discrepancies",
            "Links",
            "Cards",
            "Fetch",
            "Matched",
            "Daily",
            "Breakdown",
            "Provider records",
            "Ledger entries"
        ]
    );
    let disc_csv = read_csv(&out.join("discrepancies.csv"));
    let results_csv = read_csv(&out.join("results.csv"));

    let disc = wb.worksheet_range("Discrepancies").unwrap();
    let headers: Vec<String> = disc
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        headers,
        layout::DISCREPANCY_COLUMNS
            .iter()
            .map(|(h, _)| h.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(disc.height() - 1, disc_csv.len(), "one row per discrepancy");
    // The same items as discrepancies.csv, amounts as numbers equal to the CSV's decimals; the
    // sheet lists them as a reviewer reads them (by category, the most at stake first), so each
    // row is found in the CSV by its keys.
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut csv_rows: std::collections::HashMap<(String, String), Vec<&Vec<String>>> =
        std::collections::HashMap::new();
    for r in &disc_csv {
        csv_rows
            .entry((r[3].clone(), r[5].clone()))
            .or_default()
            .push(r);
    }
    let label_rank = |label: &str| {
        cardrecon::matching::Category::ALL
            .iter()
            .position(|c| layout::category_label(*c) == label)
            .unwrap()
    };
    let mut last: Option<(usize, f64)> = None;
    for row in disc.rows().skip(1) {
        let key = (
            row[col("Provider tx id")].to_string(),
            row[col("Ledger entry")].to_string(),
        );
        let candidates = csv_rows
            .get_mut(&key)
            .expect("the row is in discrepancies.csv");
        let csv_row = candidates.pop().unwrap();
        match &row[col("Provider amount")] {
            Data::Float(v) => assert_eq!(
                cardrecon::money::format(cardrecon::money::parse(&format!("{v}")).unwrap()),
                csv_row[6]
            ),
            Data::Empty => assert_eq!(csv_row[6], ""),
            other => panic!("provider amount is {other:?}"),
        }
        if !csv_row[15].is_empty() {
            assert!(
                matches!(row[col("Provider day")], Data::DateTime(_)),
                "days are Excel dates"
            );
        }
        // Categories in the taxonomy's order; within one, ungrouped rows by what is at stake
        // (the difference for an amount mismatch, else the amount), largest first.
        let rank = label_rank(&row[0].to_string());
        let stake = match (
            &row[col("Difference")],
            &row[col("Provider amount")],
            &row[col("Ledger amount")],
        ) {
            (Data::Float(d), _, _) if row[0] == "Amount mismatch" => d.abs(),
            (_, Data::Float(p), _) => p.abs(),
            (_, _, Data::Float(l)) => l.abs(),
            _ => 0.0,
        };
        let grouped = !row[col("Match")].to_string().is_empty();
        if let Some((r, s)) = last {
            assert!(rank >= r, "categories in order");
            if rank == r && !grouped && row[0] != "Fee mismatch" {
                assert!(
                    stake <= s + 1e-9,
                    "the most at stake first: {stake} after {s}"
                );
            }
        }
        last = (!grouped)
            .then_some((rank, stake))
            .or(last.map(|(_, s)| (rank, s)));
    }
    assert!(
        csv_rows.values().all(|v| v.is_empty()),
        "every CSV row is on the sheet"
    );
    // Labels in words, not machine names.
    assert!(disc.rows().skip(1).any(|r| r[0] == "Timing (cut-off)"));

    let matched = wb.worksheet_range("Matched").unwrap();
    assert_eq!(
        matched.height() - 1,
        results_csv.iter().filter(|r| r[0] == "matched").count()
    );

    // A merchant named like a formula is stored as text, never as a formula.
    let formulas = wb.worksheet_formula("Matched").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas anywhere"
    );
    let m = col_of(&matched, "Merchant / description");
    let cell = matched
        .rows()
        .skip(1)
        .map(|r| r[m].clone())
        .find(|c| c.to_string().starts_with("=HYPERLINK"))
        .expect("the generator's formula-looking merchant");
    assert!(matches!(cell, Data::String(_)), "{cell:?}");

    // Cards: a card without a finding says "ok"; statuses in words with their code.
    let cards = wb.worksheet_range("Cards").unwrap();
    let card_rows: Vec<&[Data]> = cards
        .rows()
        .skip(1)
        .take_while(|r| r[1] != Data::Empty)
        .collect();
    assert!(!card_rows.is_empty());
    assert!(card_rows.iter().any(|r| r[0] == "ok"));
    assert!(card_rows.iter().all(|r| r[0] != Data::Empty));
    assert!(card_rows
        .iter()
        .all(|r| r[4].to_string().ends_with(')') && r[4].to_string().contains(" (")));
    assert!(card_rows.iter().any(|r| r[4] == "closed (5)"));
    // Links: the accounting day is a date.
    let links = wb.worksheet_range("Links").unwrap();
    let link_rows: Vec<&[Data]> = links
        .rows()
        .skip(1)
        .take_while(|r| r[1] != Data::Empty)
        .collect();
    assert!(!link_rows.is_empty());
    assert!(
        link_rows.iter().all(|r| matches!(r[7], Data::DateTime(_))),
        "{:?}",
        link_rows[0]
    );

    let providers = wb.worksheet_range("Provider records").unwrap();
    let p_headers: Vec<String> = providers
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        p_headers[..4],
        ["Provider", "Kind", "Tx id", "Order id"].map(String::from)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        providers.height() as u64 - 1,
        summary["provider_read"]["records"].as_u64().unwrap()
    );
    let amount = col_of(&providers, "Amount");
    assert!(providers
        .rows()
        .skip(1)
        .all(|r| matches!(r[amount], Data::Float(_))));
    let t = col_of(&providers, "Occurred at");
    assert!(matches!(
        providers.rows().nth(1).unwrap()[t],
        Data::DateTime(_)
    ));

    // Summary: the category × provider grid adds up to the run's rows and discrepancies.
    let s = wb.worksheet_range("Summary").unwrap();
    let rows: Vec<Vec<Data>> = s.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.first().map(|c| c.to_string()) == Some("Category".into()))
        .unwrap();
    let heads: Vec<String> = rows[header].iter().map(|c| c.to_string()).collect();
    let rows_col = heads.iter().position(|h| h == "Rows").unwrap();
    let line = |label: &str| -> &Vec<Data> {
        rows.iter()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_string()))
            .unwrap_or_else(|| panic!("no line {label}"))
    };
    let number = |c: &Data| match c {
        Data::Float(v) => *v as u64,
        Data::Empty => 0,
        other => panic!("not a number: {other:?}"),
    };
    assert_eq!(
        number(&line("All rows")[rows_col]),
        summary["results"].as_u64().unwrap()
    );
    assert_eq!(
        number(&line("Of which discrepancies")[rows_col]),
        summary["discrepancies"].as_u64().unwrap()
    );
    // Each provider's column in the All rows line is that provider's rows in summary.json.
    let mut by_provider: std::collections::BTreeMap<String, u64> = Default::default();
    for g in summary["groups"].as_array().unwrap() {
        *by_provider
            .entry(g["provider"].as_str().unwrap().to_string())
            .or_default() += g["count"].as_u64().unwrap();
    }
    for (p, n) in &by_provider {
        let name = if p.is_empty() {
            "(no provider)"
        } else {
            p.as_str()
        };
        let c = heads.iter().position(|h| h == name).unwrap();
        assert_eq!(number(&line("All rows")[c]), *n, "{name}");
    }
    assert_eq!(heads[1..rows_col].len(), by_provider.len());
    let matched_label =
        cardrecon::report::layout::category_label(cardrecon::matching::Category::Matched);
    assert_eq!(
        number(&line(matched_label)[rows_col]),
        summary["by_category"]["matched"].as_u64().unwrap()
    );
    assert!(
        rows.len() < 60,
        "the Summary fits a page: {} rows",
        rows.len()
    );

    // Breakdown: totals per currency add up the rows above them.
    let s = wb.worksheet_range("Breakdown").unwrap();
    let rows: Vec<Vec<Data>> = s.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.first().map(|c| c.to_string()) == Some("Provider".into()))
        .unwrap();
    let mut sums: std::collections::BTreeMap<String, f64> = Default::default();
    let mut totals: std::collections::BTreeMap<String, f64> = Default::default();
    for r in &rows[header + 1..] {
        let first = r[0].to_string();
        let count = match r[4] {
            Data::Float(v) => v,
            _ => continue,
        };
        if let Some(cur) = first.strip_prefix("Total ") {
            totals.insert(cur.to_string(), count);
        } else {
            *sums.entry(r[3].to_string()).or_default() += count;
        }
    }
    assert!(!totals.is_empty());
    assert_eq!(sums, totals);
    assert_eq!(
        totals.values().sum::<f64>() as u64,
        summary["results"].as_u64().unwrap()
    );

    let daily = wb.worksheet_range("Daily").unwrap();
    assert!(daily.height() > 28, "a row per day and currency");
}

fn col_of(range: &calamine::Range<Data>, name: &str) -> usize {
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn the_html_page_is_self_contained_and_escaped() {
    let (_dir, out) = reconciled("1500");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert("),
        "provider text is escaped"
    );
    assert!(
        !html.contains("<script>alert("),
        "no provider markup survives"
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own filter script"
    );
    assert!(
        !html.contains("http://")
            || html.matches("http://").count() == html.matches("http://example.invalid").count(),
        "no external resources"
    );
    assert!(html.contains("<polyline") && html.contains("id=\"q\"") && html.contains("id=\"cat\""));
    let disc = read_csv(&out.join("discrepancies.csv"));
    assert_eq!(html.matches("<tr data-category=").count(), disc.len());
    // Each discrepancy category's figure at the top links to the table filtered to it
    // (bench/html_browser_check.sh clicks one in a browser); the others are not links.
    let mut linked: Vec<&str> = disc.iter().map(|r| r[0].as_str()).collect();
    linked.sort();
    linked.dedup();
    for c in &linked {
        assert!(
            html.contains(&format!(r##"<a class="card" href="#cat={c}""##)),
            "{c}"
        );
    }
    assert_eq!(
        html.matches(r##"<a class="card" href="#cat="##).count(),
        linked.len()
    );
    assert!(!html.contains(r##"href="#cat=matched""##));
    // Amounts as people read them: each discrepancy's provider amount appears with separators
    // at its currency's units, and the ones finer than a cent (txv3 sends eight places) are
    // shown whole and flagged.
    let mut fine = 0;
    for row in &disc {
        let (amount, currency) = (&row[6], &row[9]);
        if amount.is_empty() {
            continue;
        }
        let (shown, is_fine) = cardrecon::money::display(dec(amount), currency);
        fine += usize::from(is_fine);
        assert!(
            html.contains(&format!(">{shown}</td>")),
            "{amount} {currency} as {shown}"
        );
    }
    assert!(fine > 0, "the month has amounts finer than cents");
    assert!(html.matches(" fine\"").count() >= fine);
}

#[test]
fn explain_tells_both_sides_and_how_they_matched() {
    let (dir, out) = reconciled("1500");
    let results = read_csv(&out.join("results.csv"));
    let timing = results
        .iter()
        .find(|r| r[0] == "timing_difference")
        .unwrap();
    let providers = dir.path().join("data/providers");
    let r = run(&[
        "explain",
        "--run",
        out.to_str().unwrap(),
        "--provider-data",
        providers.to_str().unwrap(),
        "--json",
        &timing[3],
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(e["results"].as_array().unwrap().len(), 1);
    assert_eq!(e["results"][0]["category"], "timing_difference");
    assert_eq!(e["provider_records"][0]["tx_id"], timing[3].as_str());
    assert_eq!(e["ledger_entries"][0]["entry_id"], timing[5].as_str());
    assert_eq!(
        e["ledger_entries"][0]["source"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("ledger.csv")
    );
    assert_eq!(
        e["raw_records"].as_array().unwrap().len(),
        1,
        "the wire record as sent"
    );
    let raw = e["raw_records"][0].to_string();
    assert!(
        !raw.chars()
            .filter(|c| c.is_ascii_digit())
            .collect::<String>()
            .contains("4485333"),
        "card numbers masked: {raw}"
    );
    // By ledger entry id, in words.
    let human = run(&["explain", "--run", out.to_str().unwrap(), &timing[5]]);
    assert_eq!(human.code, 0);
    assert!(
        human.stdout.contains("Timing (cut-off)")
            && human.stdout.contains("matched on the provider tx id"),
        "{}",
        human.stdout
    );
    // A double booking shows both entries.
    let dup = results
        .iter()
        .find(|r| r[0] == "duplicate_in_ledger")
        .unwrap();
    let e: serde_json::Value = serde_json::from_str(
        &run(&["explain", "--run", out.to_str().unwrap(), "--json", &dup[3]]).stdout,
    )
    .unwrap();
    assert_eq!(e["ledger_entries"].as_array().unwrap().len(), 2);
    assert_eq!(e["results"].as_array().unwrap().len(), 2);
    let missing = run(&["explain", "--run", out.to_str().unwrap(), "NO-SUCH-ID"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("NO-SUCH-ID"));
}

#[test]
fn explain_shows_a_consumptions_refunds_and_fees() {
    let dir = tempdir();
    let p = dir.path().join("providers");
    std::fs::create_dir_all(p.join("keysecure")).unwrap();
    std::fs::create_dir_all(p.join("txv3")).unwrap();
    std::fs::write(
        p.join("keysecure/c.jsonl"),
        concat!(
            "{\"consume_no\": \"C1\", \"card_no\": \"k1\", \"type\": \"Consumption\", \"amount\": \"50.00\", \"status\": \"Success\", \"time\": 1773400000000}\n",
            "{\"consume_no\": \"R1\", \"consume_relate_no\": \"C1\", \"card_no\": \"k1\", \"type\": \"Refund\", \"amount\": \"20.00\", \"status\": \"Success\", \"time\": 1773500000000}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("txv3/t.jsonl"),
        "{\"business_type\": 10, \"tx_amount\": \"0.20000000\", \"consume_tx_id\": \"C1\", \"tx_time\": 1773400100, \"tx_id\": \"F1\", \"tx_status\": 1}\n",
    )
    .unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(&ledger, "entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\nL1,keysecure,consumption,C1,,50.00,USD,success,2026-03-13 12:00:00\n").unwrap();
    let out = dir.path().join("out");
    let r = run(&[
        "reconcile",
        "--provider-data",
        p.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
        "--period",
        "2026-03",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e: serde_json::Value = serde_json::from_str(
        &run(&["explain", "--run", out.to_str().unwrap(), "--json", "C1"]).stdout,
    )
    .unwrap();
    let mut related: Vec<String> = e["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["kind"].as_str().unwrap(),
                r["tx_id"].as_str().unwrap()
            )
        })
        .collect();
    related.sort();
    assert_eq!(related, vec!["fee F1", "refund R1"]);
    let e: serde_json::Value = serde_json::from_str(
        &run(&["explain", "--run", out.to_str().unwrap(), "--json", "R1"]).stdout,
    )
    .unwrap();
    assert_eq!(
        e["related"][0]["tx_id"], "C1",
        "a refund points to its original"
    );
    assert_eq!(e["results"][0]["category"], "missing_in_ledger");
    let human = run(&["explain", "--run", out.to_str().unwrap(), "C1"]).stdout;
    assert!(
        human.contains("related:") && human.contains("refund R1 (names C1) 20.00 USD"),
        "{human}"
    );
}

/// Every sheet prints: landscape, one page wide, the period in the page header, the sheet name
/// and page numbers in the footer, and the header row repeated on every page of the lists.
#[test]
fn every_sheet_has_a_page_setup_for_printing() {
    use std::io::Read;
    let (_dir, out) = reconciled("1500");
    let file = std::fs::File::open(out.join("report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let workbook = read("xl/workbook.xml");
    let sheets = workbook.matches("<sheet ").count();
    assert_eq!(sheets, 10);
    for i in 1..=sheets {
        let xml = read(&format!("xl/worksheets/sheet{i}.xml"));
        // The Summary (the first sheet) prints on one page (Excel's default height, 1, is left
        // out of the XML); the others one page wide and as long as they take.
        assert_eq!(xml.contains(r#"fitToHeight="0""#), i != 1, "sheet{i}.xml");
        for part in [
            r#"<pageSetUpPr fitToPage="1"/>"#,
            r#"orientation="landscape""#,
            "Card reconciliation — 2026-03</oddHeader>",
            "<oddFooter>&amp;L&amp;A&amp;RPage &amp;P of &amp;N</oddFooter>",
        ] {
            assert!(xml.contains(part), "sheet{i}.xml lacks {part}");
        }
    }
    // Every sheet but the Summary and Fetch (three tables under each other, no one header)
    // repeats its header row.
    assert_eq!(
        workbook.matches(r#"name="_xlnm.Print_Titles""#).count(),
        sheets - 2
    );
    assert!(workbook.contains("Discrepancies!$1:$1</definedName>"));
    // Issue 26: every sheet on A4 (the business timezone is London's); the Discrepancies sheet
    // prints its first 12 columns (A to L), on narrow margins; the Daily sheet has one date-axis
    // chart per currency.
    for i in 1..=sheets {
        let xml = read(&format!("xl/worksheets/sheet{i}.xml"));
        assert!(
            xml.contains(r#"paperSize="9""#),
            "sheet{i}.xml is not on A4"
        );
    }
    let area = workbook
        .split("<definedName ")
        .find(|d| d.contains(r#"name="_xlnm.Print_Area""#))
        .expect("a print area");
    assert!(area.contains("Discrepancies!$A$1:$L$"), "{area}");
    let discrepancies = read("xl/worksheets/sheet2.xml");
    assert!(
        discrepancies.contains(r#"<pageMargins left="0.3" right="0.3""#),
        "narrow margins"
    );
    let charts: Vec<String> = (1..=2)
        .map(|n| read(&format!("xl/charts/chart{n}.xml")))
        .collect();
    assert!(charts.iter().all(|c| c.contains("<c:dateAx>")));
    assert!(charts[0].contains("Daily amounts, EUR") && charts[1].contains("Daily amounts, USD"));
}

/// Issue 26: what a person reads after a run. The terminal marks the informational categories,
/// shows amounts with separators and ends pointing at the workbook; the page puts the
/// discrepancies right after the headline, in the workbook's order, each row carrying its
/// amount at stake for the shown rows' totals.
#[test]
fn the_terminal_and_the_page_lead_to_what_needs_reading() {
    let dir = tempdir();
    let data = dir.path().join("data");
    assert_eq!(run_generate(&data, "1500", &["--seed", "4"]).code, 0);
    let out = dir.path().join("out");
    let r = reconcile_month(&data, &out, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let matched = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("matched "))
        .unwrap();
    assert!(
        matched.ends_with("(informational)") && matched.contains(','),
        "{matched}"
    );
    assert!(r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("amount_mismatch "))
        .all(|l| !l.contains("informational")));
    assert_eq!(
        r.stdout.lines().last().unwrap(),
        format!(
            "Read the month in {} (print-ready; report.html beside it for the screen).",
            out.join("report.xlsx").display()
        )
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at(r#"id="sec-discrepancies""#) < at(r#"id="sec-links""#));
    assert!(at(r#"id="sec-discrepancies""#) < at(r#"id="sec-daily""#));
    assert!(html.contains(r#"<p id="totals" class="note"></p>"#));
    // The first discrepancy row is the first on the Discrepancies sheet.
    let first_row = &html[at("<tbody>\n<tr data-category=")..];
    let stake = first_row
        .split("data-stake=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(stake.is_empty() || stake.parse::<i128>().is_ok(), "{stake}");
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Discrepancies").unwrap();
    let first_tx = sheet.rows().nth(1).unwrap()[2].to_string();
    assert!(
        first_row[..first_row.find("</tr>").unwrap()].contains(&format!("<td>{first_tx}</td>")),
        "the page starts with the sheet's first row ({first_tx})"
    );
}

/// Issue 26: explain on a suggested match says how it was suggested, and ends with the
/// commands that decide it.
#[test]
fn explain_on_a_suggestion_says_how_it_was_suggested_and_how_to_decide_it() {
    let dir = tempdir();
    let data = dir.path().join("data");
    assert_eq!(run_generate(&data, "1500", &["--seed", "4"]).code, 0);
    let out = dir.path().join("out");
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let r = reconcile_month(&data, &out, &["--store", &store]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let suggestion = read_csv(&out.join("discrepancies.csv"))
        .into_iter()
        .find(|r| r[0] == "suggested_match")
        .expect("the generated month seeds suggestions");
    let x = run(&["explain", "--run", out.to_str().unwrap(), &suggestion[3]]);
    assert_eq!(x.code, 0, "{}", x.stderr);
    assert!(
        x.stdout
            .contains("how: suggested, not matched: each is the other's only loose candidate")
            && !x.stdout.contains("matched on the provider tx id"),
        "{}",
        x.stdout
    );
    let decide = &x.stdout[x.stdout.find("To decide:").expect("the commands")..];
    assert!(
        decide.contains(&format!("cardrecon accept --store {store} i-"))
            && decide.contains("--reason matched_manually")
            && decide.contains(&format!("cardrecon reject --store {store} i-")),
        "{decide}"
    );
}

/// Issue 14: a group is explained whole from any member, and in the workbook its rows sit
/// together on the Matched sheet with one match id.
#[test]
fn a_group_is_explained_whole_and_kept_together_in_the_workbook() {
    let (_dir, out) = reconciled("1500");
    let results = read_csv(&out.join("results.csv"));
    let size_of = |detail: &str| -> Option<usize> {
        detail
            .split("group of ")
            .nth(1)?
            .split(' ')
            .next()?
            .parse()
            .ok()
    };
    // A lone member (no pair of its own): the second or third part of a group.
    let lone = results
        .iter()
        .find(|r| size_of(&r[18]).is_some() && (r[5].is_empty() || r[6].is_empty()))
        .expect("the generated month seeds groups");
    let id = lone[19].clone();
    let size = size_of(&lone[18]).unwrap();
    let members = results.iter().filter(|r| r[19] == id).count();
    assert_eq!(members, size, "every member carries the group's match id");
    let key = if lone[5].is_empty() {
        &lone[3]
    } else {
        &lone[5]
    };
    let r = run(&["explain", "--run", out.to_str().unwrap(), "--json", key]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let shown: Vec<&str> = e["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["match_id"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), size, "{shown:?}");
    assert!(shown.iter().all(|m| *m == id));

    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let matched = wb.worksheet_range("Matched").unwrap();
    let headers: Vec<String> = matched
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let m = headers.iter().position(|h| h == "Match").unwrap();
    let rows: Vec<usize> = matched
        .rows()
        .enumerate()
        .filter(|(_, row)| row[m].to_string() == id)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(rows.len(), size);
    assert_eq!(
        rows[size - 1] - rows[0],
        size - 1,
        "the members are adjacent"
    );
}

/// An amount with more significant digits than a double holds (cardrecon accepts up to 20
/// integer digits and 8 places) is shown exactly in the workbook, as text, and a difference of
/// 10^-8 between two such amounts is a number: nothing on a sheet is a rounded figure.
#[test]
fn amounts_beyond_a_doubles_digits_are_exact_in_the_workbook() {
    let dir = tempdir();
    let records = vec![rec(
        "keysecure",
        "BIG1",
        "12345678901234.12345678",
        utc("2026-03-10 10:00:00"),
    )];
    let p = dir.path().join("p.parquet");
    let mut df = cardrecon::normalize::provider_frame(&records, chrono_tz::UTC).unwrap();
    cardrecon::normalize::write_parquet(&mut df, &p).unwrap();
    let l = dir.path().join("l.csv");
    std::fs::write(
        &l,
        "entry_id,provider,kind,tx_id,order_id,amount,currency,status,booked_at\n\
         L1,keysecure,consumption,BIG1,,12345678901234.12345677,USD,success,2026-03-10 10:00:00\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = run_reconcile(&p, &l, "2026-03", "UTC", &out, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = read_csv(&out.join("discrepancies.csv"));
    assert_eq!(
        (&rows[0][0][..], &rows[0][6][..], &rows[0][8][..]),
        ("amount_mismatch", "12345678901234.12345678", "0.00000001")
    );
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let d = wb.worksheet_range(layout::DISCREPANCIES_SHEET).unwrap();
    let row: Vec<&Data> = d.rows().nth(1).unwrap().iter().collect();
    let cell = |name: &str| row[col_of(&d, name)].clone();
    assert_eq!(
        cell("Provider amount"),
        Data::String("12,345,678,901,234.12345678".into())
    );
    assert_eq!(
        cell("Ledger amount"),
        Data::String("12,345,678,901,234.12345677".into())
    );
    assert_eq!(cell("Difference"), Data::Float(0.00000001));
}

/// `results.csv` and `discrepancies.csv` are formatted in chunks on two threads: whatever the
/// chunk, the files are the same bytes (one row per chunk, a few, or all in one); and so when
/// the rows read the inputs' columns through their positions, each chunk gathering its own.
#[test]
fn the_result_files_do_not_depend_on_how_they_are_chunked() {
    use cardrecon::model::Status;
    let records: Vec<_> = (0..40)
        .map(|i| {
            let mut r = rec(
                "usertrans",
                &format!("T{i:03}"),
                &format!("{}.25", 10 + i),
                utc("2026-03-05 10:00:00"),
            );
            if i % 7 == 0 {
                r.status = Status::Failed;
            }
            r
        })
        .collect();
    let entries: Vec<_> = (0..40)
        .filter(|i| i % 5 != 0)
        .map(|i| {
            entry(
                &format!("E{i:03}"),
                "usertrans",
                &format!("T{i:03}"),
                &format!("{}.25", 10 + i + i % 3),
                utc("2026-03-05 11:00:00"),
            )
        })
        .collect();
    let df = engine_frame(&records, &entries, chrono_tz::UTC, &options("2026-03"));
    let rows = cardrecon::results::ResultRows::new(&df).unwrap();
    let dir = tempdir();
    let write = |rows: &cardrecon::results::ResultRows<'_>, chunk: usize| {
        let (a, b) = (
            dir.path().join(format!("r{chunk}.csv")),
            dir.path().join(format!("d{chunk}.csv")),
        );
        cardrecon::report::csv::write_results_in_chunks(rows, chrono_tz::UTC, &a, &b, chunk)
            .unwrap();
        (std::fs::read(a).unwrap(), std::fs::read(b).unwrap())
    };
    let whole = write(&rows, 1000);
    assert_eq!(String::from_utf8_lossy(&whole.0).lines().count(), 41);
    assert!(String::from_utf8_lossy(&whole.1).lines().count() > 10);
    for chunk in [1, 3, 7, 40] {
        assert_eq!(write(&rows, chunk), whole, "chunks of {chunk}");
    }
    let p = cardrecon::normalize::provider_frame(&records, chrono_tz::UTC).unwrap();
    let l = cardrecon::ledger::ledger_frame(&entries, chrono_tz::UTC).unwrap();
    let mut opts = options("2026-03");
    opts.gather = cardrecon::matching::Gather::Positions;
    let compact = cardrecon::matching::reconcile(&p, &l, &opts).unwrap();
    assert!(compact.column("p_tx_id").is_err());
    let through = cardrecon::results::ResultRows::over(&compact, &p, &l).unwrap();
    for chunk in [1, 3, 7, 40, 1000] {
        assert_eq!(
            write(&through, chunk),
            whole,
            "through positions, chunks of {chunk}"
        );
    }
}
