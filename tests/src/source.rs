//! Rust sources as the architecture test reads them: the code without comments, strings and
//! character literals ([`code_of`]), the functions and their lengths ([`functions`]), and the
//! modules of a crate with the modules each one uses ([`module_graph`], [`cycles`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir` (none below a `target` directory).
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() && p.file_name().is_some_and(|n| n != "target") {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// `text` with every comment, string and character literal blanked (line breaks kept), so
/// that braces and paths in it are code.
pub fn code_of(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let end = if c == '/' && next == Some('/') {
            b[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(b.len(), |p| i + p)
        } else if c == '/' && next == Some('*') {
            block_comment_end(&b, i)
        } else if c == '"' {
            string_end(&b, i + 1, 0)
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&b, i) {
            raw_string_end(&b, i).unwrap_or(i + 1)
        } else if c == '\'' {
            char_end(&b, i).unwrap_or(i + 1)
        } else {
            i + 1
        };
        if end == i + 1 {
            out.push(c);
        } else {
            b[i..end].iter().for_each(|&c| blank(&mut out, c));
        }
        i = end;
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn block_comment_end(b: &[char], start: usize) -> usize {
    let (mut depth, mut i) = (0, start);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of a string whose body starts at `i`, closed by `"` and `hashes` `#`s.
fn string_end(b: &[char], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == '\\' && hashes == 0 {
            i += 2;
            continue;
        }
        if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

fn raw_string_end(b: &[char], start: usize) -> Option<usize> {
    let hashes = b[start + 1..].iter().take_while(|&&c| c == '#').count();
    (b.get(start + 1 + hashes) == Some(&'"')).then(|| string_end(b, start + 2 + hashes, hashes))
}

/// A character literal's end (`'a'`, `'\n'`, `'\u{7f}'`); `None` for a lifetime.
fn char_end(b: &[char], start: usize) -> Option<usize> {
    if b.get(start + 1) == Some(&'\\') {
        let close = b[start + 2..].iter().take(10).position(|&c| c == '\'')?;
        return Some(start + 2 + close + 1);
    }
    (b.get(start + 2) == Some(&'\'')).then_some(start + 3)
}

/// A function of a file: its name, the line it starts on (1-based) and its length in lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub line: usize,
    pub lines: usize,
}

/// The functions with a body in `text`, outside `#[cfg(test)]` modules and `#[test]`s.
pub fn functions(text: &str) -> Vec<Function> {
    let code = code_of(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut skip_until: Option<usize> = None;
    let mut test_attr = false;
    for (n, line) in lines.iter().enumerate() {
        if skip_until.is_some_and(|end| n <= end) {
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") || t.starts_with("#[test]") {
            test_attr = true;
            continue;
        }
        if t.starts_with("#[") || t.is_empty() {
            continue;
        }
        let name = fn_name(t);
        let is_mod =
            t.starts_with("mod ") || t.starts_with("pub mod ") || t.starts_with("pub(crate) mod ");
        if name.is_some() || is_mod {
            match (test_attr, name, body_end(&lines, n)) {
                (true, _, Some(end)) => skip_until = Some(end),
                (false, Some(name), Some(end)) => out.push(Function {
                    name,
                    line: n + 1,
                    lines: end - n + 1,
                }),
                _ => {}
            }
        }
        test_attr = false;
    }
    out
}

/// The name of the function a line declares, if it does.
fn fn_name(t: &str) -> Option<String> {
    let mut words = t.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if w == "fn" {
            let name = words.next()?;
            return Some(name.split(['(', '<']).next().unwrap_or(name).to_owned());
        }
        let modifier = w.starts_with("pub")
            || matches!(
                w,
                "async" | "const" | "unsafe" | "extern" | "\"C\"" | "default"
            );
        if !modifier {
            return None;
        }
    }
    None
}

/// The line of the brace that closes the body opened at or after line `from` (`None` for a
/// declaration without a body).
fn body_end(lines: &[&str], from: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate().skip(from) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened && depth == 0 => return None,
                _ => {}
            }
            if opened && depth == 0 {
                return Some(n);
            }
        }
    }
    None
}

/// The top-level modules of a crate's `src/` and, for each, the other top-level modules its
/// code names (`crate::m`, also inside `use crate::{…}` groups), test code left out.
pub fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for f in rust_files(src) {
        let rel = f.strip_prefix(src).unwrap_or(&f);
        let top = rel
            .components()
            .next()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned()
            })
            .unwrap_or_default();
        let test_file = f.file_name().is_some_and(|n| n == "tests.rs");
        if top != "lib" && top != "main" && !test_file {
            modules.entry(top).or_default().push(f);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .into_iter()
        .map(|(m, files)| {
            let mut uses = BTreeSet::new();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                for used in crate_paths(&without_tests(&code_of(&text))) {
                    if used != m && names.contains(&used) {
                        uses.insert(used);
                    }
                }
            }
            (m, uses)
        })
        .collect()
}

/// `code` without its `#[cfg(test)]` modules.
fn without_tests(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < lines.len() {
        if lines[n].trim_start().starts_with("#[cfg(test)]")
            && let Some(end) = body_end(&lines, n + 1)
        {
            n = end + 1;
            continue;
        }
        out.push(lines[n]);
        n += 1;
    }
    out.join("\n")
}

/// The first segments after `crate::` in `code`, also of each path in a `crate::{…}` group.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in code.split("crate::").skip(1) {
        let part = part.trim_start();
        if let Some(group) = part.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.push(first_segment(&item));
        } else {
            out.push(first_segment(part));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The groups of modules that use each other in a circle (strongly connected components of
/// more than one module).
pub fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for m in graph.keys() {
        let group: BTreeSet<String> = graph
            .keys()
            .filter(|o| *o == m || (reachable[m].contains(*o) && reachable[*o].contains(m)))
            .cloned()
            .collect();
        if group.len() > 1 && !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_strings_and_chars_are_not_code() {
        let code = code_of("let s = \"{\"; // }\nlet c = '{'; let r = r#\"}\"#; fn f<'a>() {}");
        assert_eq!(code.matches('{').count(), 1, "{code}");
        assert!(code.contains("fn f<'a>() {}"));
        assert_eq!(code.lines().count(), 2);
    }

    #[test]
    fn functions_and_their_lengths() {
        let text = "pub fn a() {\n    1;\n}\n\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\nasync fn b(x: u8)\n    -> u8 {\n    x\n}\nfn decl();\n";
        let fns = functions(text);
        let seen: Vec<(&str, usize)> = fns.iter().map(|f| (f.name.as_str(), f.lines)).collect();
        assert_eq!(seen, [("a", 3), ("b", 4)]);
    }

    #[test]
    fn a_circle_of_modules_is_found() {
        let mut g = BTreeMap::new();
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        g.insert("a".to_owned(), set(&["b"]));
        g.insert("b".to_owned(), set(&["c"]));
        g.insert("c".to_owned(), set(&["a"]));
        g.insert("d".to_owned(), set(&["a"]));
        assert_eq!(cycles(&g), vec![set(&["a", "b", "c"])]);
        assert_eq!(
            crate_paths("use crate::{a::X, b, c::{d, e}};"),
            ["a", "b", "c"]
        );
    }
}
