//! The import rules of docs/architecture.md, checked on the source: which
//! top-level module of ours may name which (`crate::x`), and that the MQTT
//! library is named under `src/client/` only. Items of the crate root
//! (`Binary`, `runtime`, the macros) are the glue every layer may use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crate's top-level modules.
const MODULES: &[&str] = &[
    "bench",
    "check",
    "cli",
    "client",
    "codec",
    "exit",
    "format",
    "fuzzing",
    "mqtt",
    "passwd",
    "progress",
    "publish",
    "rr",
    "settings",
    "signals",
    "subscribe",
];
const FEATURES: &[&str] = &["bench", "check", "passwd", "publish", "rr", "subscribe"];
const LIBRARY: &[&str] = &["rumqttc::", "rumqttc5::", "rumqttc_core::"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules of ours a source names: `crate::x` and `crate::{x, y}`.
fn named(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let group = match rest.strip_prefix('{') {
            Some(inner) => &inner[..inner.find('}').unwrap_or(inner.len())],
            None => rest,
        };
        for part in group.split(',') {
            let name: String = (part.trim_start().chars())
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if MODULES.contains(&name.as_str()) {
                found.insert(name);
            }
            if !rest.starts_with('{') {
                break;
            }
        }
    }
    found
}

/// (top-level module, modules of ours it names, whether it names the MQTT library).
fn graph() -> BTreeMap<String, (BTreeSet<String>, bool)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let top = first.trim_end_matches(".rs").to_string();
        if !MODULES.contains(&top.as_str()) {
            continue; // lib.rs and the binaries: the glue
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let entry = graph.entry(top.clone()).or_default();
        entry.0.extend(named(&text).into_iter().filter(|m| *m != top));
        entry.1 |= LIBRARY.iter().any(|l| text.contains(l));
    }
    graph
}

#[test]
fn the_mqtt_library_is_named_under_src_client_only() {
    let users: Vec<String> = (graph().into_iter())
        .filter(|(_, (_, library))| *library)
        .map(|(m, _)| m)
        .collect();
    assert_eq!(users, ["client"]);
}

#[test]
fn each_layer_imports_only_what_the_architecture_allows() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("mqtt", &[][..]),
        ("codec", &[]),
        ("exit", &[]),
        ("signals", &[]),
        ("progress", &[]),
        ("cli", &["exit"]),
        ("format", &["codec", "exit", "mqtt"]),
        ("settings", &["cli", "codec", "exit", "format", "mqtt"]),
        ("client", &["exit", "mqtt", "settings"]),
    ]);
    let mut wrong = Vec::new();
    for (module, (names, _)) in graph() {
        let extra: Vec<&String> = match allowed.get(module.as_str()) {
            Some(ok) => names.iter().filter(|n| !ok.contains(&n.as_str())).collect(),
            // A feature: anything below it and other features, never clap's types.
            None if FEATURES.contains(&module.as_str()) => names.iter().filter(|n| *n == "cli").collect(),
            None => Vec::new(), // the fuzz targets' bodies drive everything
        };
        if !extra.is_empty() {
            wrong.push(format!("{module} imports {extra:?}"));
        }
    }
    assert!(wrong.is_empty(), "imports against docs/architecture.md: {wrong:?}");
}

#[test]
fn the_checker_sees_imports_in_both_spellings() {
    let found =
        named("use crate::client::Connection;\nuse crate::{exit, mqtt::QoS};\nlet x = crate::format::render();");
    assert_eq!(
        found,
        BTreeSet::from(["client", "exit", "mqtt", "format"].map(String::from))
    );
}

/// A line without its string and char literals and its `//` comment, for
/// counting braces.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => drop(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            // A char literal ('{', '\n'); a lifetime ('a) has no closing quote.
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            c => out.push(c),
        }
    }
    out
}

/// (file, function, lines) of every function in `text` longer than `limit`
/// lines, tests excluded.
fn long_functions(file: &str, text: &str, limit: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().take_while(|l| l.trim() != "#[cfg(test)]").collect();
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "fn") else {
            continue;
        };
        if !words[..at]
            .iter()
            .all(|w| w.starts_with("pub") || ["async", "const", "unsafe"].contains(w))
        {
            continue;
        }
        let name = words
            .get(at + 1)
            .map_or("", |w| w.split(['(', '<']).next().unwrap_or(w));
        let (mut depth, mut opened) = (0i32, false);
        for (end, l) in lines.iter().enumerate().skip(start) {
            let code = code_of(l);
            for c in code.chars() {
                match c {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                if end - start + 1 > limit {
                    long.push(format!("{file}: {name} ({} lines)", end - start + 1));
                }
                break;
            }
        }
    }
    long
}

#[test]
fn no_function_is_over_80_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        long.extend(long_functions(&shown, &text, 80));
    }
    assert!(long.is_empty(), "functions over 80 lines: {long:?}");
}

#[test]
fn the_length_check_counts_a_function_through_braces_in_strings() {
    let body: String = (0..85).map(|_| "    let x = \"{\";\n").collect();
    let text = format!("fn long() {{\n{body}}}\n\npub async fn short(a: &str) -> usize {{\n    a.len()\n}}\n");
    assert_eq!(long_functions("f.rs", &text, 80), ["f.rs: long (87 lines)"]);
}
