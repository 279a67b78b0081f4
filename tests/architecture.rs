//! The module graph has no cycles: every `crate::a::…` path in a module's code (test modules
//! excluded) is an edge to top-level module `a`, and inside one parent module an edge between
//! siblings (`crate::providers::spec` from `providers::keysecure`, or `super::spec`). A cycle
//! means two parts of the tree can only be understood, changed and tested together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::*;

/// `src/a/b/mod.rs` → `["a", "b"]`; `src/a/c.rs` → `["a", "c"]`; `lib.rs`/`main.rs` → `[]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text without `#[cfg(test)] mod … { … }` blocks and without `//` comments.
fn code_of(text: &str) -> String {
    let mut t = text.to_string();
    while let Some(start) = t.find("#[cfg(test)]") {
        let Some(open) = t[start..].find('{').map(|i| start + i) else {
            break;
        };
        let mut depth = 0usize;
        let mut end = t.len();
        for (i, c) in t[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        t.replace_range(start..end, "");
    }
    t.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lower-case path segments following `prefix` (`crate::providers::spec::X` → `providers`,
/// `spec`); a path to an item (`crate::Error`) names no module and is left out.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(prefix)
        .map(|(i, _)| {
            code[i + prefix.len()..]
                .split("::")
                .map(|seg| {
                    let end = seg
                        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                        .unwrap_or(seg.len());
                    &seg[..end]
                })
                .take_while(|seg| !seg.is_empty())
                .take(2)
                .collect::<Vec<_>>()
        })
        .filter(|path| !path.is_empty())
        .collect()
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_path("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files(&src) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let module = module_of(file.strip_prefix(&src).unwrap());
        if module.is_empty() {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for path in paths_after(&code, "crate::") {
            if path[0] != module[0] {
                edges
                    .entry(module[0].clone())
                    .or_default()
                    .insert(path[0].to_string());
            } else if module.len() >= 2 && path.len() == 2 && path[1] != module[1] {
                edges
                    .entry(format!("{}::{}", module[0], module[1]))
                    .or_default()
                    .insert(format!("{}::{}", path[0], path[1]));
            }
        }
        if module.len() == 2 {
            for path in paths_after(&code, "super::") {
                if path[0] != module[1] {
                    edges
                        .entry(format!("{}::{}", module[0], module[1]))
                        .or_default()
                        .insert(format!("{}::{}", module[0], path[0]));
                }
            }
        }
    }
    edges
}

/// A cycle through `from`, if there is one (depth-first search).
fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        edges: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        target: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in edges.get(at).into_iter().flatten() {
            if next == target {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(edges, next, target, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(edges, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let edges = graph();
    // The graph is read: the dependencies every layer has are there.
    assert!(edges["pipeline"].contains("matching") && edges["pipeline"].contains("report"));
    assert!(edges["config"].contains("providers"));
    assert!(edges["providers::keysecure"].contains("providers::spec"));
    let cycles: Vec<Vec<String>> = edges.keys().filter_map(|m| cycle_from(&edges, m)).collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
}

/// Rooms that must not depend on each other even without a cycle (issue 28): the store plans
/// from the result rows, not from the reports that show them; the ledger is not built from the
/// provider side's module.
#[test]
fn rooms_that_must_not_depend_on_each_other_do_not() {
    let edges = graph();
    assert!(edges["store"].contains("results"), "the graph is read");
    assert!(
        !edges["store"].contains("report"),
        "store → report: {:?}",
        edges["store"]
    );
    assert!(!edges
        .get("results")
        .is_some_and(|e| e.contains("report") || e.contains("store")));
    // The workspace is a front end over the store and the runs, like the CLI: nothing the
    // engine, the store or the reports do may depend on it.
    assert!(edges["workspace"].contains("store"), "the graph is read");
    for room in [
        "store", "report", "results", "pipeline", "matching", "explain",
    ] {
        let deps: Vec<&String> = edges
            .iter()
            .filter(|(from, _)| *from == room || from.starts_with(&format!("{room}::")))
            .flat_map(|(_, to)| to)
            .filter(|to| *to == "workspace" || to.starts_with("workspace::"))
            .collect();
        assert!(deps.is_empty(), "{room} → workspace");
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle_from(&edges, "a"), None);
    edges.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle_from(&edges, "a"),
        Some(vec!["a".to_string(), "b".into(), "c".into()])
    );
    assert_eq!(
        paths_after("use crate::providers::spec::{Spec};", "crate::"),
        vec![vec!["providers", "spec"]]
    );
    assert_eq!(
        code_of("a\n#[cfg(test)]\nmod tests { fn x() { crate::b::c(); } }\nd // crate::e"),
        "a\n\nd "
    );
}

/// The providers: every directory under `src/providers/` that holds a `SPEC`.
fn provider_names() -> Vec<String> {
    let dir = repo_path("src/providers");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let spec = std::fs::read_to_string(path.join("mod.rs")).ok()?;
            spec.contains("pub static SPEC: Spec")
                .then(|| path.file_name().unwrap().to_string_lossy().to_string())
        })
        .collect();
    names.sort();
    names
}

/// Where `name` occurs in `code` as a word (letters and digits on neither side), any case.
fn spelled(code: &str, name: &str) -> Vec<usize> {
    let lower = code.to_ascii_lowercase();
    lower
        .match_indices(name)
        .filter(|(i, _)| {
            let before = lower[..*i].chars().next_back();
            let after = lower[i + name.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
        .map(|(i, _)| lower[..i].lines().count().max(1))
        .collect()
}

/// A provider is its directory (issue 28): outside `src/providers/<name>/`, no code in `src/`
/// spells a provider's name (comments and test modules aside), except `providers/mod.rs`
/// declaring the module and listing its `SPEC` in `SPECS`. So adding a provider touches its
/// directory and that one list, and nothing else can depend on one provider by name.
#[test]
fn no_provider_name_is_spelled_outside_its_directory_and_the_list() {
    let names = provider_names();
    assert_eq!(names, ["cardapp", "keysecure", "txv3", "usertrans"]);
    let src = repo_path("src");
    let mut found = Vec::new();
    for file in files(&src) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let mut code = code_of(&std::fs::read_to_string(&file).unwrap());
        for name in &names {
            if rel.starts_with(&format!("providers/{name}/")) {
                continue;
            }
            if rel == "providers/mod.rs" {
                code = code
                    .replace(&format!("pub mod {name};"), "")
                    .replace(&format!("&{name}::SPEC"), "");
            }
            for line in spelled(&code, name) {
                found.push(format!("src/{rel}: `{name}` (code line {line})"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "provider names outside their directories:\n{}",
        found.join("\n")
    );
    // The check finds a name.
    assert_eq!(
        spelled("let p = \"txv3\";\nlet q = Txv3Thing;", "txv3"),
        [1]
    );
}
