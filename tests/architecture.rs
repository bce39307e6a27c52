//! The layers ARCHITECTURE.md describes, held against the code: every `crate::…` path in `src/`
//! (outside `#[cfg(test)]` modules) is read, and no file may reach into a layer above its own.
//! A change that breaks a rule fails here with the file and the path it used; if the rule is
//! what should change, change ARCHITECTURE.md and this table together.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The floors, from the ground up. A module is a top-level file or folder of `src/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Floor {
    /// Knows no feature and not the app: the store, rendering, the outbound client, forms,
    /// the job queue, URL facts, the failure type, configuration.
    Ground,
    /// The composition root: holds plain values.
    App,
    /// What every feature leans on: sessions and tokens, the media library.
    Services,
    /// Writing posts: the one publish path, the post-changed fact.
    Posts,
    /// The site, the feeds, the panel and the protocols.
    Features,
    /// The tables that name every handler, the server and the command line.
    Wiring,
}

const GROUND: &[&str] = &[
    "config",
    "error",
    "urls",
    "paging",
    "store",
    "render",
    "net",
    "forms",
    "jobs",
    "middleware",
    "encoding",
    // The `ctx!` macro, defined in render/.
    "ctx",
];
const SERVICES: &[&str] = &["auth", "media"];
const FEATURES: &[&str] = &[
    "site",
    "books",
    "bookmarks",
    "portability",
    "feeds",
    "activitypub",
    "indieweb",
    "xmlrpc",
    "admin",
];
const WIRING: &[&str] = &[
    "acme",
    "job_table",
    "routes",
    "server",
    "cli",
    "backup",
    "main",
    "lib",
];
/// The protocols, which posts/ must not know.
const PROTOCOLS: &[&str] = &["activitypub", "indieweb", "xmlrpc"];

/// Files inside a feature's folder that hold only plain state the app keeps (a key pair, a page
/// store, a throttle): they stand on the ground floor, so that the app may hold them without a
/// circle through the feature.
const STATE_FILES: &[&str] = &[
    "activitypub/keys.rs",
    "site/page_cache.rs",
    "auth/password.rs",
    "auth/secret.rs",
    "auth/throttle.rs",
];

fn floor_of_module(module: &str) -> Floor {
    if GROUND.contains(&module) {
        Floor::Ground
    } else if module == "app" {
        Floor::App
    } else if SERVICES.contains(&module) {
        Floor::Services
    } else if module == "posts" {
        Floor::Posts
    } else if FEATURES.contains(&module) {
        Floor::Features
    } else if WIRING.contains(&module) {
        Floor::Wiring
    } else {
        panic!(
            "src/{module} is on no floor: add it to the table in tests/architecture.rs and to ARCHITECTURE.md"
        )
    }
}

/// A file of src/, relative to it, and the module it belongs to.
struct Source {
    rel: String,
    module: String,
    code: String,
}

impl Source {
    fn floor(&self) -> Floor {
        if STATE_FILES.contains(&self.rel.as_str()) {
            Floor::Ground
        } else {
            floor_of_module(&self.module)
        }
    }
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            Source {
                rel,
                module,
                code: production_code(&text),
            }
        })
        .collect()
}

/// The text without its tests module and without comments.
fn production_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file names through `crate::…`, grouped imports included.
fn crate_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut end = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = j;
                    break;
                }
            }
            let inner = &group[..end];
            let mut depth = 0;
            let mut item = String::new();
            for c in inner.chars().chain(std::iter::once(',')) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let name = first_ident(item.trim());
                        if !name.is_empty() && name != "self" {
                            found.insert(name);
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            let name = first_ident(after);
            if !name.is_empty() {
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

fn first_ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Every (file, module it names) pair, outside the file's own module.
fn imports() -> Vec<(Source, BTreeSet<String>)> {
    sources()
        .into_iter()
        .map(|s| {
            let own = s.module.clone();
            let named = crate_modules(&s.code)
                .into_iter()
                .filter(|m| *m != own)
                .collect();
            (s, named)
        })
        .collect()
}

fn check(rule: &str, broken: Vec<String>) {
    assert!(
        broken.is_empty(),
        "{rule}:\n  {}\n(see ARCHITECTURE.md)",
        broken.join("\n  ")
    );
}

#[test]
fn the_ground_floor_imports_no_feature_and_not_the_app() {
    let mut broken = Vec::new();
    for (file, named) in imports() {
        if file.floor() != Floor::Ground {
            continue;
        }
        for module in named {
            if floor_of_module(&module) != Floor::Ground {
                broken.push(format!("src/{} names crate::{module}", file.rel));
            }
        }
    }
    check(
        "store/, render/, net, forms/, the queue in jobs/ and the other ground modules import only each other",
        broken,
    );
}

#[test]
fn the_app_holds_plain_values_and_nothing_below_it_imports_it() {
    let mut broken = Vec::new();
    for (file, named) in imports() {
        let floor = file.floor();
        if floor == Floor::App {
            for module in &named {
                if floor_of_module(module) != Floor::Ground && !state_file_of(module, &file.code) {
                    broken.push(format!("src/{} names crate::{module}", file.rel));
                }
            }
        }
        if floor < Floor::App && named.contains("app") {
            broken.push(format!("src/{} names crate::app from below it", file.rel));
        }
    }
    check(
        "app.rs imports only the ground floor and the state files; nothing below it imports it",
        broken,
    );
}

/// Whether every path a file takes from `module` is one of the state files.
fn state_file_of(module: &str, code: &str) -> bool {
    let allowed: Vec<String> = STATE_FILES
        .iter()
        .filter(|f| f.starts_with(&format!("{module}/")))
        .map(|f| {
            f.trim_start_matches(&format!("{module}/"))
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    let prefix = format!("crate::{module}::");
    let mut rest = code;
    let mut any = false;
    while let Some(i) = rest.find(&prefix) {
        any = true;
        let after = &rest[i + prefix.len()..];
        let next = first_ident(after);
        if !allowed.contains(&next) {
            return false;
        }
        rest = after;
    }
    any
}

#[test]
fn posts_know_no_protocol() {
    let mut broken = Vec::new();
    for (file, named) in imports() {
        if file.module != "posts" {
            continue;
        }
        for module in named {
            if PROTOCOLS.contains(&module.as_str()) || floor_of_module(&module) > Floor::Posts {
                broken.push(format!("src/{} names crate::{module}", file.rel));
            }
        }
    }
    check(
        "posts/ imports no protocol and nothing above it: a save states PostChanged and the job table fans it out",
        broken,
    );
}

#[test]
fn services_import_no_feature() {
    let mut broken = Vec::new();
    for (file, named) in imports() {
        if file.floor() != Floor::Services {
            continue;
        }
        for module in named {
            if floor_of_module(&module) > Floor::Services {
                broken.push(format!("src/{} names crate::{module}", file.rel));
            }
        }
    }
    check("auth/ and media/ import no feature", broken);
}

#[test]
fn only_the_wiring_names_the_wiring_and_only_the_route_table_names_the_panel() {
    let mut broken = Vec::new();
    for (file, named) in imports() {
        let floor = file.floor();
        for module in &named {
            if floor_of_module(module) == Floor::Wiring && floor != Floor::Wiring {
                broken.push(format!("src/{} names crate::{module}", file.rel));
            }
            if module == "admin" && floor != Floor::Wiring {
                broken.push(format!("src/{} names crate::admin", file.rel));
            }
        }
    }
    check(
        "the job table, the route table, the server and the command line are named only from the top; the panel only from the route table",
        broken,
    );
}

#[test]
fn the_reader_finds_grouped_and_inline_paths() {
    let named = crate_modules(
        "use crate::{a, b::c, d::{e, f}};\nlet x = crate::g::h(1);\nuse crate::i::{self, j};",
    );
    let expected: BTreeSet<String> = ["a", "b", "d", "g", "i"].map(String::from).into();
    assert_eq!(named, expected);
    let code = production_code("use crate::a; // crate::b\n#[cfg(test)]\nuse crate::c;");
    assert_eq!(crate_modules(&code), ["a".to_string()].into());
}
