//! A folder or zip of Markdown files with front matter, as Hugo, Jekyll and most static site
//! generators keep a blog: YAML between `---` lines or TOML between `+++` lines, with `title`,
//! `date`, `slug`, `categories` and `tags` (both become categories), `draft: true` or
//! `published: false`, and `layout`/`type: page` for a page. A Jekyll file's name gives its
//! date and slug (`2019-05-04-hello.md`), a Hugo bundle's folder its slug (`hello/index.md`).
//! Images the Markdown points at inside the folder (relative to the file, or from the site's
//! root or Hugo's `static/`) are taken into the media library.

use std::path::Path;

use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use yaml_rust2::{Yaml, YamlLoader};

use crate::posts::save::{Action, Compose};
use crate::store::Db;
use crate::store::posts::Kind;

use super::importer::{AfterBatch, Files, Format, Importer, Outcome, Prepared, Survey, open_zip};

/// More Markdown files than any blog has.
const MAX_FILES: usize = 100_000;
/// A post's file: about a book.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Folders a site keeps that hold no posts (built output, themes, tools).
const SKIPPED_DIRS: [&str; 5] = ["node_modules", "public", "_site", "themes", "resources"];

fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".md") || lower.ends_with(".markdown"))
        && !name
            .split('/')
            .any(|part| part.starts_with('.') || part == "__MACOSX" || SKIPPED_DIRS.contains(&part))
}

/// The Markdown files at `path` (a folder or a zip), by their `/`-separated names inside, and
/// the files to read them from.
fn open(path: &Path) -> Result<(Files, Vec<String>), String> {
    let (files, mut names) = if path.is_dir() {
        let mut names = Vec::new();
        walk(path, "", 0, &mut names)?;
        (Files::Folder(path.to_path_buf()), names)
    } else {
        let zip = open_zip(path)?;
        let names: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| is_markdown(n))
            .map(|n| n.into_owned())
            .collect();
        (Files::Zip(zip), names)
    };
    if names.is_empty() {
        return Err("There are no Markdown files (.md) in it.".into());
    }
    names.sort();
    Ok((files, names))
}

fn walk(root: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) -> Result<(), String> {
    if depth > 12 {
        return Ok(());
    }
    let dir = root.join(prefix);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        // Symbolic links are not followed: the import reads what is in the folder.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
            walk(root, &rel, depth + 1, out)?;
        } else if kind.is_file() && is_markdown(&rel) {
            if out.len() >= MAX_FILES {
                return Err(format!("It holds more than {MAX_FILES} Markdown files."));
            }
            out.push(rel);
        }
    }
    Ok(())
}

/// Whether `path` is a folder or zip of Markdown files; why not, for the owner.
pub fn check_file(path: &Path) -> Result<(), String> {
    open(path).map(drop)
}

/// What a file's front matter says.
#[derive(Debug, Default, PartialEq)]
struct Front {
    title: Option<String>,
    date: Option<String>,
    slug: Option<String>,
    categories: Vec<String>,
    draft: bool,
    page: bool,
    summary: Option<String>,
}

impl Front {
    /// The fields a site generator's front matter names, however it is written: `text`, `list`
    /// and `flag` read one key each.
    fn read(
        text: impl Fn(&str) -> Option<String>,
        list: impl Fn(&str) -> Vec<String>,
        flag: impl Fn(&str) -> Option<bool>,
    ) -> Front {
        let mut categories = list("categories");
        categories.extend(list("tags"));
        Front {
            title: text("title"),
            date: text("date"),
            slug: text("slug"),
            categories,
            draft: flag("draft") == Some(true) || flag("published") == Some(false),
            page: ["layout", "type"]
                .iter()
                .any(|k| text(k).as_deref() == Some("page")),
            summary: text("description").or_else(|| text("summary")),
        }
    }
}

/// The front matter and the Markdown after it.
fn split(text: &str) -> Result<(Front, &str), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (fence, yaml) in [("---", true), ("+++", false)] {
        let Some(rest) = text
            .strip_prefix(fence)
            .and_then(|r| r.strip_prefix("\r\n").or_else(|| r.strip_prefix('\n')))
        else {
            continue;
        };
        let end = rest
            .match_indices(fence)
            .find(|(i, _)| *i == 0 || rest[..*i].ends_with('\n'))
            .map(|(i, _)| i)
            .ok_or("its front matter has no closing line")?;
        let body = rest[end + fence.len()..].trim_start_matches(['\r', '\n']);
        let front = if yaml {
            yaml_front(&rest[..end])?
        } else {
            toml_front(&rest[..end])?
        };
        return Ok((front, body));
    }
    Ok((Front::default(), text))
}

fn yaml_front(text: &str) -> Result<Front, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("its front matter: {e}"))?;
    let Some(Yaml::Hash(map)) = docs.into_iter().next() else {
        return Ok(Front::default());
    };
    let get = |key: &str| map.get(&Yaml::String(key.into()));
    let text = |key: &str| match get(key) {
        Some(Yaml::String(s)) => Some(s.clone()),
        Some(Yaml::Integer(n)) => Some(n.to_string()),
        Some(Yaml::Real(r)) => Some(r.clone()),
        _ => None,
    };
    let list = |key: &str| match get(key) {
        Some(Yaml::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        // Jekyll allows a space-separated string.
        Some(Yaml::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let flag = |key: &str| get(key).and_then(Yaml::as_bool);
    Ok(Front::read(text, list, flag))
}

fn toml_front(text: &str) -> Result<Front, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("its front matter: {e}"))?;
    let text = |key: &str| match table.get(key) {
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(toml::Value::Datetime(d)) => Some(d.to_string()),
        _ => None,
    };
    let list = |key: &str| match table.get(key) {
        Some(toml::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let flag = |key: &str| table.get(key).and_then(toml::Value::as_bool);
    Ok(Front::read(text, list, flag))
}

/// A front matter date: RFC 3339, Jekyll's `2019-05-04 10:00:00 +0100`, a time without a
/// zone or a bare day (both in the site's time zone).
fn parse_date(text: &str, tz: chrono_tz::Tz) -> Option<i64> {
    let text = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(d.timestamp());
    }
    if let Ok(d) = chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z") {
        return Some(d.timestamp());
    }
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.timestamp())
}

/// The date and name a file's own name gives: Jekyll's `2019-05-04-hello.md`, a Hugo bundle's
/// folder (`hello/index.md`), else the file's name.
fn from_name(name: &str) -> (Option<&str>, String) {
    let mut parts = name.rsplit('/');
    let file = parts.next().unwrap_or(name);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let stem = if stem.eq_ignore_ascii_case("index") || stem == "_index" {
        parts.next().unwrap_or(stem)
    } else {
        stem
    };
    let dated = stem
        .get(..11)
        .filter(|d| NaiveDate::parse_from_str(&d[..10], "%Y-%m-%d").is_ok() && d.ends_with('-'));
    match dated {
        Some(d) => (Some(&d[..10]), stem[11..].to_string()),
        None => (None, stem.to_string()),
    }
}

/// Counts what the folder or zip at `path` holds.
pub fn survey(path: &Path) -> Result<Survey> {
    let (mut files, names) = open(path).map_err(anyhow::Error::msg)?;
    let mut survey = Survey::default();
    for name in &names {
        let read = files.read(name, MAX_FILE_BYTES + 1)?;
        match String::from_utf8(read)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(|t| split(&t).map(|(front, _)| front))
        {
            Ok(front) if front.draft => survey.drafts += 1,
            Ok(front) if front.page => survey.pages += 1,
            Ok(_) => survey.posts += 1,
            Err(e) => survey.unreadable(format!("{name}: {e}")),
        }
    }
    Ok(survey)
}

/// Imports the Markdown files at `path` (see `bar_import::import_file`).
pub fn import_file(
    db: &Db,
    media_dir: &Path,
    base: &str,
    path: &Path,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    let (files, names) = open(path).map_err(anyhow::Error::msg)?;
    let mut importer = Importer::new(db, media_dir, base, files, Format::Markdown)?;
    let tz = crate::render::time::zone(&importer.settings().timezone);
    for name in names {
        importer.outcome.counts.rows += 1;
        let n = importer.outcome.counts.rows;
        if let Some(p) = prepare(&mut importer, n, &name, tz)? {
            importer.add(p, after_batch)?;
        }
    }
    importer.finish(after_batch)
}

fn prepare(
    importer: &mut Importer,
    n: i64,
    name: &str,
    tz: chrono_tz::Tz,
) -> Result<Option<Prepared>> {
    let source = format!("markdown:{name}");
    if importer.imported_before(&source)? {
        return Ok(None);
    }
    let bytes = importer.files().read(name, MAX_FILE_BYTES + 1)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        importer
            .outcome
            .skip(format!("{name}: it is larger than a post may be (1 MB)."));
        return Ok(None);
    }
    let Ok(text) = String::from_utf8(bytes) else {
        importer
            .outcome
            .skip(format!("{name}: it is not UTF-8 text."));
        return Ok(None);
    };
    let (front, body) = match split(&text) {
        Ok(parts) => parts,
        Err(e) => {
            importer.outcome.skip(format!("{name}: {e}."));
            return Ok(None);
        }
    };
    let (name_date, name_slug) = from_name(name);
    let date = front
        .date
        .as_deref()
        .or(name_date)
        .and_then(|d| parse_date(d, tz));
    let action = match (front.draft, date) {
        (false, Some(at)) => Action::Schedule(at),
        (false, None) if front.page => Action::Publish,
        (false, None) => {
            importer
                .outcome
                .note(format!("{name} has no date: it was kept as a draft."));
            Action::Draft
        }
        (true, _) => Action::Draft,
    };
    let markdown = point_images(importer, name, body)?;
    let kind = if front.page { Kind::Page } else { Kind::Post };
    let mut compose = Compose::new(kind, action);
    compose.title = front.title.unwrap_or_default();
    compose.markdown = markdown;
    compose.new_categories = front.categories;
    compose.summary = front.summary.unwrap_or_default();
    compose.slug = front.slug.unwrap_or(name_slug);
    Ok(Some(Prepared {
        n,
        compose,
        source,
        original_url: String::new(),
        replies: Vec::new(),
    }))
}

/// The Markdown with its images inside the folder pointed at their copies here: `](x.jpg)`
/// and `src="x.jpg"` targets, relative to the file or (with a leading `/`) to the site's root
/// or Hugo's `static/`.
fn point_images(importer: &mut Importer, name: &str, body: &str) -> Result<String> {
    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some((at, open_len)) = next_target(rest) {
        let start = at + open_len;
        let end = start
            + rest[start..]
                .find(|c: char| c == ')' || c == '"' || c == '\'' || c.is_whitespace())
                .unwrap_or(rest.len() - start);
        let target = &rest[start..end];
        out.push_str(&rest[..start]);
        match resolve(importer, dir, target)? {
            Some(url) => out.push_str(&url),
            None => out.push_str(target),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Where the next link or image target starts: after `](` or `src="`.
fn next_target(text: &str) -> Option<(usize, usize)> {
    let link = text.find("](").map(|i| (i, 2));
    let src = text.find("src=\"").map(|i| (i, 5));
    match (link, src) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The address here of an image the target names inside the folder, taken in the first time.
fn resolve(importer: &mut Importer, dir: &str, target: &str) -> Result<Option<String>> {
    let lower = target.to_ascii_lowercase();
    let image = [".jpg", ".jpeg", ".png", ".gif", ".webp"]
        .iter()
        .any(|e| lower.ends_with(e));
    if !image || target.contains("://") || target.starts_with("data:") {
        return Ok(None);
    }
    let candidates: Vec<String> = match target.strip_prefix('/') {
        Some(rooted) => vec![rooted.to_string(), format!("static/{rooted}")],
        None => vec![normalize(&format!("{dir}/{target}"))],
    };
    for path in candidates {
        if importer.files().size(&path).is_some() {
            return Ok(importer.media(&path)?.map(|(m, _)| importer.url_of(&m)));
        }
    }
    Ok(None)
}

/// `a/./b/../c` as `a/c`; a path that climbs out of the folder keeps its `..` (and is then
/// not found).
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_toml_front_matter_are_read() {
        let (front, body) = split(
            "---\ntitle: \"Hello: world\"\ndate: 2019-05-04 10:00:00 +0100\ncategories: [Life]\ntags:\n  - cats\n  - dogs\npublished: false\n---\n\nBody *here*.\n",
        )
        .unwrap();
        assert_eq!(front.title.as_deref(), Some("Hello: world"));
        assert_eq!(front.categories, ["Life", "cats", "dogs"]);
        assert!(front.draft);
        assert_eq!(body, "Body *here*.\n");
        let utc = chrono_tz::UTC;
        assert_eq!(
            parse_date(front.date.as_deref().unwrap(), utc),
            Some(1_556_960_400)
        );

        let (front, body) = split(
            "+++\ntitle = \"Notes\"\ndate = 2020-01-02T03:04:05Z\ndraft = true\nslug = \"my-notes\"\ntype = \"page\"\n+++\nText",
        )
        .unwrap();
        assert_eq!(front.title.as_deref(), Some("Notes"));
        assert_eq!(front.slug.as_deref(), Some("my-notes"));
        assert!(front.draft && front.page);
        assert_eq!(
            parse_date(front.date.as_deref().unwrap(), utc),
            Some(1_577_934_245)
        );
        assert_eq!(body, "Text");

        assert_eq!(split("No front matter.").unwrap().1, "No front matter.");
        assert!(split("---\ntitle: x\nno end").is_err());
        assert!(split("---\n: : [\n---\nx").is_err());
    }

    #[test]
    fn names_give_dates_and_slugs() {
        assert_eq!(
            from_name("_posts/2019-05-04-hello-there.md"),
            (Some("2019-05-04"), "hello-there".to_string())
        );
        assert_eq!(
            from_name("content/posts/trip/index.md"),
            (None, "trip".to_string())
        );
        assert_eq!(from_name("about.markdown"), (None, "about".to_string()));
        assert_eq!(normalize("posts/./a/../img/x.jpg"), "posts/img/x.jpg");
        assert_eq!(normalize("../x.jpg"), "../x.jpg");
        assert!(is_markdown("content/a.md") && !is_markdown("node_modules/x/README.md"));
        assert!(!is_markdown("__MACOSX/a.md") && !is_markdown("notes.txt"));
    }
}
