//! The README's month-end workflow, run as written on a fresh demo: a newcomer's first commands
//! must work. The block after "The workflow, on the demo's store" is run line by line in bash
//! (continuation lines joined), with `cargo run --` standing for the built binary; each line
//! must exit as its comment says (`exit 1` where the README says so, 0 or 1 for a reconcile,
//! whose 1 means "discrepancies found", and 0 otherwise).

use std::path::Path;
use std::process::Command;

use crate::util::{repo_path, tempdir};

/// The commands of the README's workflow block, continuation lines joined.
fn workflow() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let start = readme
        .find("The workflow, on the demo's store")
        .expect("the README has its workflow block");
    let block = &readme[start..];
    let open = block.find("```sh\n").expect("the block opens") + "```sh\n".len();
    let close = block[open..].find("```").expect("the block closes") + open;
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in block[open..close].lines() {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    lines.into_iter().filter(|l| !l.trim().is_empty()).collect()
}

/// A line without its trailing `# comment` (a `#` outside quotes after white space), and the
/// comment.
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() || i == 0 => return (&line[..i], &line[i..]),
            _ => {}
        }
        prev = c;
    }
    (line, "")
}

#[test]
fn the_readme_workflow_runs_as_written_on_the_demo() {
    let dir = tempdir();
    let bin = env!("CARGO_BIN_EXE_cardrecon");
    let demo = Command::new(bin)
        .arg("demo")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "demo: {}{}",
        String::from_utf8_lossy(&demo.stdout),
        String::from_utf8_lossy(&demo.stderr)
    );
    let mut script = String::from(
        "set -u\ncargo() { if [ \"$1\" = run ] && [ \"$2\" = -- ]; then shift 2; fi; \"$CARDRECON\" \"$@\"; }\n",
    );
    let mut expected = Vec::new();
    for (n, line) in workflow().iter().enumerate() {
        let (command, comment) = split_comment(line);
        let command = command.trim();
        if command.is_empty() {
            continue;
        }
        let want: &[i32] = if comment.contains("exit 1") {
            &[1]
        } else if command.contains(" reconcile ")
            || command.contains(" run ") && command.contains("--period")
        {
            &[0, 1]
        } else {
            &[0]
        };
        // An assignment sets a variable for the lines after it; a command reports its code.
        if command.contains('=') && !command.contains(' ') {
            script.push_str(&format!("{command}\n"));
        } else {
            script.push_str(&format!("{command}\necho \"##rc {n} $?\" >&2\n"));
            expected.push((n, line.clone(), want));
        }
    }
    assert!(expected.len() >= 6, "the workflow block: {expected:?}");
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("CARDRECON", bin)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let codes: std::collections::BTreeMap<usize, i32> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("##rc "))
        .filter_map(|l| {
            let (n, rc) = l.split_once(' ')?;
            Some((n.parse().ok()?, rc.parse().ok()?))
        })
        .collect();
    for (n, line, want) in &expected {
        let got = codes.get(n).copied();
        assert!(
            got.is_some_and(|c| want.contains(&c)),
            "README workflow line `{line}` exited {got:?}, expected {want:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
    // What the lines did, as the README says: an item accepted by the operating-system user,
    // April reconciled against the store, March closed.
    assert!(stdout.contains("accepted"), "{stdout}");
    assert!(stdout.contains("2026-03 closed by"), "{stdout}");
    assert!(Path::new(&dir.path().join("demo-out/2026-04/summary.json")).is_file());
    let april: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("demo-out/2026-04/summary.json")).unwrap(),
    )
    .unwrap();
    // April opens with what March reported open, less nothing: the accepted item is April's
    // movement, and every line balances.
    assert_eq!(april["close"]["roll_forward_balances"], true, "{april}");
    let accepted: u64 = april["close"]["roll_forward"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["accepted"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        accepted, 1,
        "the README's acceptance counts in April's roll-forward"
    );
    // After the close: the write-off booked, the FX rounding below the cent listed unbooked,
    // the pack made and verified with the log.
    let journal =
        std::fs::read_to_string(dir.path().join("demo-out/journal-2026-03/journal.csv")).unwrap();
    assert!(
        journal.contains(",2026-03-31,6990 Other expenses,0.50,,EUR,item i-8e0b5830bdaac48c: write_off; fee difference below materiality; accepted by ")
            && journal.contains(",2026-03-31,1190 Provider clearing cardapp,,0.50,EUR,1 accepted item (0.50)"),
        "{journal}"
    );
    let unbooked =
        std::fs::read_to_string(dir.path().join("demo-out/journal-2026-03/unbooked.csv")).unwrap();
    assert!(
        unbooked.contains("i-44305ec5961af52e,fx_rounding,-0.00000001,EUR,"),
        "{unbooked}"
    );
    for f in [
        "close.xlsx",
        "decisions.csv",
        "events.csv",
        "events.jsonl",
        "journal.csv",
        "report.xlsx",
        "summary.json",
        "manifest.json",
        "pack-manifest.json",
    ] {
        assert!(
            dir.path().join("demo-out/close-2026-03").join(f).is_file(),
            "{f}"
        );
    }
    assert!(dir.path().join("demo-out/close-2026-03.zip").is_file());
    assert!(stdout.contains("the event log verifies: "), "{stdout}");
    assert!(stdout.contains("the close pack verifies: "), "{stdout}");
}
