//! A check that the emulator's modules form layers: no source file reaches
//! (through `crate::` or `super::` paths) a file that reaches back to it,
//! directly or through others, so each file can be read knowing only the
//! ones below it. Files are the nodes (`state/book.rs` is `state::book`); a
//! folder's `mod.rs` may name its children, and a child that names its
//! parent's `mod.rs` back is a cycle like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every source file's module path, with the module paths its imports name.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("the emulator's sources are readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).expect("under src").with_extension("");
                let mut parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                files.insert(parts.join("::"), std::fs::read_to_string(&path).expect("a source file"));
            }
        }
    }
    let known: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        // The crate root and this check sit outside the layers.
        if module == "lib" || module == "layering" {
            continue;
        }
        // Unit tests and comments (doc links included) are not imports.
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let parent: Vec<&str> = module.split("::").collect();
        let parent = &parent[..parent.len() - 1];
        let mut targets = BTreeSet::new();
        for (prefix, base) in [("crate::", Vec::new()), ("super::", parent.to_vec())] {
            for path in paths(&code, prefix) {
                let mut full: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                full.extend(path);
                // The deepest module the path names that is a file.
                while !full.is_empty() && !known.contains(&full.join("::")) {
                    full.pop();
                }
                let target = full.join("::");
                if !target.is_empty() && target != *module {
                    targets.insert(target);
                }
            }
        }
        // A module reaches the children it declares (`mod child;`).
        for line in code.lines().map(str::trim) {
            let declared = line.strip_prefix("pub ").or_else(|| line.strip_prefix("pub(crate) ")).unwrap_or(line);
            if let Some(child) = declared.strip_prefix("mod ").and_then(|c| c.strip_suffix(';')) {
                let child = if module.is_empty() { child.to_owned() } else { format!("{module}::{child}") };
                if known.contains(&child) {
                    targets.insert(child);
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The segments of every path after `prefix` in `code`, braces opened one level (`crate::{a::b, c}` names `a::b` and `c`).
fn paths(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        // `super::` inside a longer path (`crate::x::super::`) does not happen; a word before the prefix is not this prefix.
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        let (head, group) = match rest.find(['{', ';', ' ', '(', ')', ',', '\n', '<', '>', '!']) {
            Some(at) if rest[at..].starts_with('{') => (&rest[..at], Some(&rest[at + 1..at + 1 + rest[at + 1..].find('}').unwrap_or(0)])),
            Some(at) => (&rest[..at], None),
            None => (rest, None),
        };
        let head: Vec<String> = head.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
        match group {
            Some(inner) => {
                for item in inner.split(',') {
                    let mut p = head.clone();
                    p.extend(item.trim().split("::").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty() && s != "self"));
                    out.push(p);
                }
            }
            None => out.push(head),
        }
    }
    out
}

/// A path from `from` back to itself, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(graph: &BTreeMap<String, BTreeSet<String>>, at: &str, goal: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == goal {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_owned()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_source_file_reaches_back_to_itself() {
    let graph = edges();
    assert!(graph.contains_key("rules::meter_usage") && graph.contains_key("server"), "the walk found the sources: {graph:?}");
    let cycles: Vec<String> = graph.keys().filter_map(|m| cycle_through(&graph, m)).map(|c| c.join(" -> ")).collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}
