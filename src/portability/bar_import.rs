//! A Blog Archive (`.bar`, a zip) read into posts and pages: one from Micro.blog, or one that
//! Porch exported. Posts come from `feed.json` (the Markdown in `content_text` when there is
//! some, else the HTML), with their dates, titles and categories; Porch's own `_porch`
//! extension brings pages, drafts (`porch/drafts/feed.json`), photos with alt text, replies and
//! navigation back, and its bookshelf and bookmarks go back through their own imports
//! (`shelves`). Every file of the archive a post points at is taken into the media library
//! (checked and cleaned like any upload) and the post pointed at its copy here.
//!
//! The feed is streamed an item at a time and saved in batches, each its own short transaction;
//! images are decoded outside them. Nothing is federated, pinged or mailed (`posts::import`),
//! and an item imported before (by its id) is left as it is, so the same file read twice adds
//! nothing. An item that cannot be saved is reported and skipped.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};

use crate::posts::save::{Action, Compose};
use crate::store::Db;
use crate::store::posts::Kind;

use super::feed::{self, Item};
use super::importer::{
    AfterBatch, Archive, Files, Format, Importer, Outcome, Prepared, Survey, open_zip,
};
use super::shelves;

/// The feed of drafts in a Porch archive.
const DRAFTS: &str = "porch/drafts/feed.json";

fn open(path: &Path) -> Result<(Archive, Format), String> {
    let zip = open_zip(path)?;
    if zip.index_for_name("feed.json").is_none() {
        return Err(
            "This zip file has no feed.json at its top, so it is not a blog archive.".into(),
        );
    }
    let format = if zip.index_for_name("porch/site.json").is_some() {
        Format::Porch
    } else {
        Format::BlogArchive
    };
    Ok((zip, format))
}

/// Whether the file is a blog archive Porch reads; why not, for the owner.
pub fn check_file(path: &Path) -> Result<Format, String> {
    open(path).map(|(_, format)| format)
}

/// Counts what the archive at `path` holds, reading its feeds once.
pub fn survey(path: &Path) -> Result<Survey> {
    let (mut zip, _) = open(path).map_err(anyhow::Error::msg)?;
    let mut survey = Survey {
        files: zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| n.starts_with("uploads/") && !n.ends_with('/'))
            .count() as i64,
        ..Survey::default()
    };
    for name in ["feed.json", DRAFTS] {
        let Ok(entry) = zip.by_name(name) else {
            continue;
        };
        let mut n = 0;
        feed::read_items(BufReader::new(entry), &mut |item| {
            n += 1;
            match item {
                Ok(item) => match classify(&item) {
                    (_, Action::Draft) => survey.drafts += 1,
                    (Kind::Page, _) => survey.pages += 1,
                    (Kind::Post, _) => survey.posts += 1,
                },
                Err(e) => survey.unreadable(format!("Item {n} of {name}: {e}")),
            }
            Ok(())
        })?;
    }
    Ok(survey)
}

/// Whether an item is a post or a page, and whether it is published (when) or a draft.
fn classify(item: &Item) -> (Kind, Action) {
    let ext = item.porch.as_ref();
    let kind = match ext.map(|e| e.kind.as_str()) {
        Some("page") => Kind::Page,
        _ => Kind::Post,
    };
    let draft = ext.is_some_and(|e| matches!(e.status.as_str(), "draft" | "scheduled"));
    let date = item
        .date_published
        .as_deref()
        .or(item.date_modified.as_deref())
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d.trim()).ok())
        .map(|d| d.timestamp());
    let action = match (draft, date) {
        (false, Some(at)) => Action::Schedule(at),
        // Undated: kept as a draft for the owner to date, rather than dated today.
        _ => Action::Draft,
    };
    (kind, action)
}

/// Imports the archive at `path` into the site in `db`, served from the origin `base`, its
/// media into `media_dir`. `after_batch` runs inside each batch's transaction with the outcome
/// so far.
pub fn import_file(
    db: &Db,
    media_dir: &Path,
    base: &str,
    path: &Path,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    let (mut feeds, format) = open(path).map_err(anyhow::Error::msg)?;
    // A second reader of the same file takes the media out while the first streams the feed.
    let (files, _) = open(path).map_err(anyhow::Error::msg)?;
    let mut importer = Importer::new(db, media_dir, base, Files::Zip(files), format)?;
    importer.library = read_library(importer.files())?;
    for name in ["feed.json", DRAFTS] {
        let Ok(entry) = feeds.by_name(name) else {
            continue;
        };
        feed::read_items(BufReader::new(entry), &mut |item| {
            importer.outcome.counts.rows += 1;
            let n = importer.outcome.counts.rows;
            match item {
                Err(e) => importer.outcome.skip(format!("Item {n}: {e}")),
                Ok(item) => {
                    if let Some(p) = prepare(&mut importer, n, item)? {
                        importer.add(p, after_batch)?;
                    }
                }
            }
            Ok(())
        })?;
    }
    // Media of the library that no post used, so that the whole library moves.
    let mut files: Vec<String> = importer.library.keys().cloned().collect();
    files.sort();
    for file in files {
        importer.media(&file)?;
    }
    if format == Format::Porch {
        let scratch = media_dir.parent().unwrap_or(media_dir);
        shelves::restore(db, &mut feeds, scratch, &mut importer.outcome)?;
    }
    importer.finish(after_batch)
}

#[derive(serde::Deserialize)]
struct LibraryItem {
    file: String,
    #[serde(default)]
    alt: String,
    #[serde(default)]
    original_name: String,
}

/// A Porch archive's library: file → (alt text, original name).
fn read_library(files: &mut Files) -> Result<HashMap<String, (String, String)>> {
    const NAME: &str = "porch/media.json";
    if files.size(NAME).is_none() {
        return Ok(HashMap::new());
    }
    let items: Vec<LibraryItem> = serde_json::from_slice(&files.read(NAME, 64 * 1024 * 1024)?)
        .context("porch/media.json is not a list of media")?;
    Ok(items
        .into_iter()
        .map(|i| (i.file, (i.alt, i.original_name)))
        .collect())
}

/// The item as a Compose, its media taken in; None when it was imported before or cannot
/// be (reported).
fn prepare(importer: &mut Importer, n: i64, item: Item) -> Result<Option<Prepared>> {
    let label = match item.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => format!("Item {n} (“{}”)", t.trim()),
        None => format!("Item {n}"),
    };
    let source = if item.id.trim().is_empty() {
        item.url.trim().to_string()
    } else {
        item.id.trim().to_string()
    };
    if source.is_empty() {
        importer.outcome.skip(format!(
            "{label}: it has no id, so it could not be told apart."
        ));
        return Ok(None);
    }
    if importer.imported_before(&source)? {
        return Ok(None);
    }
    let (kind, action) = classify(&item);
    let text = item
        .content_text
        .filter(|t| !t.trim().is_empty())
        .or(item.content_html)
        .unwrap_or_default();
    let markdown = importer.point_here(&text)?;
    let ext = item.porch.unwrap_or_default();
    let mut photos = Vec::new();
    for photo in &ext.photos {
        let file = photo.url.trim_start_matches("./");
        match importer.media(file)? {
            Some((m, _)) => photos.push((m.id, photo.alt.clone())),
            None => importer
                .outcome
                .note(format!("{label}: its photo {file} could not be taken in.")),
        }
    }
    let mut compose = Compose::new(kind, action);
    compose.title = item.title.unwrap_or_default();
    compose.markdown = markdown;
    compose.new_categories = item.tags;
    compose.photos = photos;
    compose.in_nav = ext.in_nav;
    compose.nav_order = ext.nav_order;
    compose.content_warning = ext.content_warning;
    compose.in_reply_to = ext.in_reply_to;
    compose.bookmark_of = ext.bookmark_of;
    compose.summary = item.summary.unwrap_or_default();
    compose.slug = slug_of(&item.url);
    if matches!(compose.action, Action::Draft)
        && ext.status.is_empty()
        && item.date_published.is_none()
    {
        importer
            .outcome
            .note(format!("{label} has no date: it was kept as a draft."));
    }
    Ok(Some(Prepared {
        n,
        compose,
        source,
        original_url: item.url,
        replies: Vec::new(),
    }))
}

/// The name an item's address gives its permalink: `/2020/01/02/hello.html` → `hello`,
/// `/about/` → `about`.
fn slug_of(url: &str) -> String {
    let Ok(url) = url::Url::parse(url) else {
        return String::new();
    };
    let last = url
        .path_segments()
        .and_then(|mut s| s.rfind(|s| !s.is_empty()))
        .unwrap_or_default();
    let last = last.strip_suffix(".html").unwrap_or(last);
    crate::posts::permalink::slugify(
        &percent_encoding::percent_decode_str(last).decode_utf8_lossy(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permalink_gives_its_name() {
        assert_eq!(
            slug_of("https://a.example/2020/01/02/hello-there.html"),
            "hello-there"
        );
        assert_eq!(slug_of("https://a.example/about/"), "about");
        assert_eq!(
            slug_of("https://a.example/2020/01/02/101500.html"),
            "101500"
        );
        assert_eq!(slug_of("not a url"), "");
        assert_eq!(slug_of("https://a.example/"), "");
    }
}
