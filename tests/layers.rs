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
        ("exit", &[]),
        ("signals", &[]),
        ("progress", &[]),
        ("cli", &["exit"]),
        ("format", &["exit", "mqtt"]),
        ("settings", &["cli", "exit", "format", "mqtt"]),
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
