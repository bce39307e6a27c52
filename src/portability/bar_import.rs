//! A Blog Archive (`.bar`, a zip) read into posts and pages: one from Micro.blog, or one that
//! Porch exported. Posts come from `feed.json` (the Markdown in `content_text` when there is
//! some, else the HTML), with their dates, titles and categories; Porch's own `_porch`
//! extension brings pages, drafts (`porch/drafts/feed.json`), photos with alt text, replies and
//! navigation back. Every file of the archive a post points at is taken into the media library
//! (checked and cleaned like any upload) and the post pointed at its copy here.
//!
//! The feed is streamed an item at a time and saved in batches, each its own short transaction;
//! images are decoded outside them. Nothing is federated, pinged or mailed (`posts::import`),
//! and an item imported before (by its id) is left as it is, so the same file read twice adds
//! nothing. An item that cannot be saved is reported and skipped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use crate::media::process::{self, MAX_UPLOAD_BYTES};
use crate::media::{files, upload};
use crate::posts::import::{self as post_import, Imported, Origin};
use crate::posts::save::{Action, Compose, SaveError};
use crate::store::Db;
use crate::store::media::{self, Media};
use crate::store::posts::Kind;
use crate::store::{imported_posts, imports, settings};

use super::feed::{self, Item};
use super::uploads;

/// Items saved per transaction.
const BATCH_ITEMS: usize = 50;
/// More entries than any blog has; a zip past it is refused before anything is read.
const MAX_ENTRIES: usize = 500_000;
/// The feed of drafts in a Porch archive.
const DRAFTS: &str = "porch/drafts/feed.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Exported by Porch: its `porch/` folder rides along.
    Porch,
    /// From Micro.blog or another blog that writes the format.
    BlogArchive,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Porch => "Porch archive",
            Format::BlogArchive => "Blog Archive",
        }
    }
}

pub type Outcome = imports::Outcome<Format>;

type Archive = ZipArchive<BufReader<File>>;

fn open(path: &Path) -> Result<(Archive, Format), String> {
    let file = File::open(path).map_err(|e| format!("The file could not be opened: {e}."))?;
    let zip = ZipArchive::new(BufReader::new(file))
        .map_err(|_| "This is not a zip file, so it is not a blog archive.".to_string())?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "This archive holds {} files; Porch reads archives of at most {MAX_ENTRIES}.",
            zip.len()
        ));
    }
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

/// Whether the file starts as a zip file does (an archive of some kind).
pub fn is_zip(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == *b"PK\x03\x04"
}

/// Whether the file is a blog archive Porch reads; why not, for the owner.
pub fn check_file(path: &Path) -> Result<Format, String> {
    open(path).map(|(_, format)| format)
}

/// What an archive holds, read before it is imported (the panel's preview).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Survey {
    pub posts: i64,
    pub pages: i64,
    pub drafts: i64,
    /// Files under `uploads/`.
    pub files: i64,
    /// Items that are not items Porch can read, with why (the first ones).
    pub unreadable: Vec<String>,
    pub unreadable_count: i64,
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
                Err(e) => {
                    survey.unreadable_count += 1;
                    if survey.unreadable.len() < imports::MAX_REPORTED {
                        survey.unreadable.push(format!("Item {n} of {name}: {e}"));
                    }
                }
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
    after_batch: &mut dyn FnMut(&Connection, &Outcome) -> Result<()>,
) -> Result<Outcome> {
    let (mut feeds, format) = open(path).map_err(anyhow::Error::msg)?;
    // A second reader of the same file takes the media out while the first streams the feed.
    let (files, _) = open(path).map_err(anyhow::Error::msg)?;
    let mut settings = db.read_blocking(settings::load)?;
    // An import must not lose a post for a photo the old site let go without alt text.
    settings.require_alt = false;
    let base = base.trim_end_matches('/').to_string();
    let site_host = url::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let mut importer = Importer {
        db,
        media_dir,
        files,
        placed: HashMap::new(),
        library: HashMap::new(),
        base,
        outcome: Outcome::of(format),
    };
    importer.read_library()?;
    let mut pending: Vec<Prepared> = Vec::with_capacity(BATCH_ITEMS);
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
                    if let Some(p) = importer.prepare(n, item)? {
                        pending.push(p);
                    }
                }
            }
            if pending.len() >= BATCH_ITEMS {
                importer.save(&settings, site_host.as_deref(), &mut pending, after_batch)?;
            }
            Ok(())
        })?;
    }
    importer.save(&settings, site_host.as_deref(), &mut pending, after_batch)?;
    importer.rest_of_library()?;
    Ok(importer.outcome)
}

/// An item ready to save.
struct Prepared {
    n: i64,
    compose: Compose,
    source: String,
    original_url: String,
}

struct Importer<'a> {
    db: &'a Db,
    media_dir: &'a Path,
    files: Archive,
    /// Files of the archive taken in so far (None: not an image Porch takes).
    placed: HashMap<String, Option<Media>>,
    /// A Porch archive's library: file → (alt text, original name).
    library: HashMap<String, (String, String)>,
    base: String,
    outcome: Outcome,
}

#[derive(serde::Deserialize)]
struct LibraryItem {
    file: String,
    #[serde(default)]
    alt: String,
    #[serde(default)]
    original_name: String,
}

impl Importer<'_> {
    fn read_library(&mut self) -> Result<()> {
        let Ok(entry) = self.files.by_name("porch/media.json") else {
            return Ok(());
        };
        let items: Vec<LibraryItem> = serde_json::from_reader(BufReader::new(entry))
            .context("porch/media.json is not a list of media")?;
        self.library = items
            .into_iter()
            .map(|i| (i.file, (i.alt, i.original_name)))
            .collect();
        Ok(())
    }

    /// Media of the library that no post used, so that the whole library moves.
    fn rest_of_library(&mut self) -> Result<()> {
        let mut files: Vec<String> = self.library.keys().cloned().collect();
        files.sort();
        for file in files {
            self.media(&file)?;
        }
        Ok(())
    }

    /// The item as a Compose, its media taken in; None when it was imported before or cannot
    /// be (reported).
    fn prepare(&mut self, n: i64, item: Item) -> Result<Option<Prepared>> {
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
            self.outcome.skip(format!(
                "{label}: it has no id, so it could not be told apart."
            ));
            return Ok(None);
        }
        let key = source.clone();
        if self
            .db
            .read_blocking(|c| imported_posts::find(c, &key))?
            .is_some()
        {
            self.outcome.counts.existing += 1;
            return Ok(None);
        }
        let (kind, action) = classify(&item);
        let text = item
            .content_text
            .filter(|t| !t.trim().is_empty())
            .or(item.content_html)
            .unwrap_or_default();
        let markdown = self.point_here(&text)?;
        let ext = item.porch.unwrap_or_default();
        let mut photos = Vec::new();
        for photo in &ext.photos {
            let file = photo.url.trim_start_matches("./");
            match self.media(file)? {
                Some((m, _)) => photos.push((m.id, photo.alt.clone())),
                None => self
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
            self.outcome
                .note(format!("{label} has no date: it was kept as a draft."));
        }
        Ok(Some(Prepared {
            n,
            compose,
            source,
            original_url: item.url,
        }))
    }

    /// `text` with its references to the archive's files pointed at their copies here.
    fn point_here(&mut self, text: &str) -> Result<String> {
        let mut failed = None;
        let out = uploads::from_archive(text, |path| match self.media(path) {
            Ok(Some((m, width))) => Some(format!(
                "{}{}",
                self.base,
                files::url_path(&m.hash, &m.ext, width)
            )),
            Ok(None) => None,
            Err(e) => {
                failed.get_or_insert(e);
                None
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// The media item for the archive's file at `path` (`uploads/…`), taken in the first time
    /// it is asked for, and the width of the resized copy the path named, if it named one. None
    /// when the archive has no such file or it is no image Porch takes (reported once).
    fn media(&mut self, path: &str) -> Result<Option<(Media, Option<u32>)>> {
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned();
        if let Some(placed) = self.placed.get(&path) {
            return Ok(placed.clone().map(|m| (m, None)));
        }
        // A resized copy Porch made is made again from its original, when the archive has it.
        let original = resized_copy(&path).and_then(|(stem, width)| {
            ["jpg", "png", "gif", "webp"]
                .iter()
                .map(|ext| format!("{stem}.{ext}"))
                .find(|name| self.files.index_for_name(name).is_some())
                .map(|name| (name, width))
        });
        if let Some((original, width)) = original {
            let found = self.media(&original)?;
            return Ok(found.map(|(m, _)| {
                let width = Some(width).filter(|w| m.variants.contains(w));
                (m, width)
            }));
        }
        if self.files.index_for_name(&path).is_none() {
            self.outcome.note(format!(
                "{path} is not in the archive; the post still points at it."
            ));
            self.placed.insert(path, None);
            return Ok(None);
        }
        let taken = self.take_in(&path)?;
        if let Err(reason) = &taken {
            self.outcome.note(format!("{path}: {reason}"));
        }
        let media = taken.ok();
        self.placed.insert(path, media.clone());
        Ok(media.map(|m| (m, None)))
    }

    /// Reads one image out of the archive into the media library; why not, for the owner.
    fn take_in(&mut self, path: &str) -> Result<Result<Media, String>> {
        let mut entry = self.files.by_name(path)?;
        if entry.size() > MAX_UPLOAD_BYTES as u64 {
            return Ok(Err(format!(
                "it is larger than the {} MB an image may be.",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            )));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(MAX_UPLOAD_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("read {path} from the archive"))?;
        drop(entry);
        // The same bytes as a file already here (Porch's own files are already clean): that
        // file, with no second decoding.
        let hash = hex::encode(Sha256::digest(&bytes));
        if let Some(m) = self.db.read_blocking(|c| media::by_hash(c, &hash))? {
            return Ok(Ok(m));
        }
        let processed = match process::process(&bytes) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.to_string())),
        };
        files::write(self.media_dir, &processed)?;
        let (alt, name) = self.library.get(path).cloned().unwrap_or_else(|| {
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            (String::new(), name)
        });
        let m = self
            .db
            .write_blocking(|tx| upload::record(tx, &processed, &name, &alt))?;
        Ok(Ok(m))
    }

    /// Saves the prepared items in one transaction, each on its own savepoint, so that one
    /// refused changes nothing and the rest are kept.
    fn save(
        &mut self,
        settings: &settings::SiteSettings,
        site_host: Option<&str>,
        pending: &mut Vec<Prepared>,
        after_batch: &mut dyn FnMut(&Connection, &Outcome) -> Result<()>,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(pending);
        let outcome = &mut self.outcome;
        self.db.write_blocking(|tx| {
            for p in batch {
                tx.execute_batch("SAVEPOINT item")?;
                let origin = Origin {
                    source: &p.source,
                    original_url: &p.original_url,
                    site_host,
                };
                match post_import::save(tx, settings, &p.compose, &origin) {
                    Ok(Imported::Added(_)) => outcome.counts.added += 1,
                    Ok(Imported::Existing(_)) => outcome.counts.existing += 1,
                    Err(SaveError::Invalid(refusal)) => {
                        tx.execute_batch("ROLLBACK TO item")?;
                        let label = match p.compose.title.trim() {
                            "" => format!("Item {}", p.n),
                            t => format!("Item {} (“{t}”)", p.n),
                        };
                        outcome.skip(format!("{label}: {}", refusal.message));
                    }
                    Err(SaveError::Internal(e)) => return Err(e),
                }
                tx.execute_batch("RELEASE item")?;
            }
            after_batch(tx, outcome)
        })
    }
}

/// `uploads/<hash>-<width>.<ext>` (a resized copy Porch made) as its original's path without
/// the extension (a copy of a WebP is a JPEG), and the width.
fn resized_copy(path: &str) -> Option<(String, u32)> {
    let (dir, name) = path.rsplit_once('/')?;
    let (stem, _) = name.rsplit_once('.')?;
    let (hash, width) = stem.split_once('-')?;
    let width: u32 = width.parse().ok()?;
    (hash.len() == 64).then(|| (format!("{dir}/{hash}"), width))
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

    #[test]
    fn a_resized_copy_names_its_original() {
        let hash = "a".repeat(64);
        assert_eq!(
            resized_copy(&format!("uploads/{hash}-480.jpg")),
            Some((format!("uploads/{hash}"), 480))
        );
        assert_eq!(resized_copy("uploads/2020/photo-480.jpg"), None);
        assert_eq!(resized_copy(&format!("uploads/{hash}.jpg")), None);
    }
}
