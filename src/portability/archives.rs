//! Which reader knows an archive of posts: a Blog Archive (`feed.json` at its top, from
//! Micro.blog or Porch), Mastodon's archive (`outbox.json` and `actor.json`, in a zip or a
//! `.tar.gz`), a folder or zip
//! of Markdown files, or WordPress's export (WXR). `porch import` and the panel's Import screen
//! go through here.

use std::path::Path;

use anyhow::Result;

use crate::net::HttpClient;
use crate::store::Db;

use super::importer::{AfterBatch, Format, Outcome, Survey, is_gzip, is_zip, open_zip};
use super::{bar_import, markdown_site, mastodon, wordpress};

/// The kind of archive at `path`; why it is none Porch reads, for the owner.
pub fn check_file(path: &Path) -> Result<Format, String> {
    if path.is_dir() {
        if wordpress::check_file(path).is_ok() {
            return Ok(Format::WordPress);
        }
        return markdown_site::check_file(path).map(|()| Format::Markdown);
    }
    if is_gzip(path) {
        return mastodon::check_file(path).map(|()| Format::Mastodon);
    }
    if !is_zip(path) {
        return wordpress::check_file(path)
            .map(|()| Format::WordPress)
            .map_err(|_| {
                "This is neither a zip file (a blog archive, a Mastodon archive, Markdown files) \
             nor a WordPress export (WXR), so Porch cannot read posts from it."
                    .to_string()
            });
    }
    open_zip(path)?;
    if let Ok(format) = bar_import::check_file(path) {
        return Ok(format);
    }
    if mastodon::check_file(path).is_ok() {
        return Ok(Format::Mastodon);
    }
    if wordpress::check_file(path).is_ok() {
        return Ok(Format::WordPress);
    }
    if markdown_site::check_file(path).is_ok() {
        return Ok(Format::Markdown);
    }
    Err(
        "This zip file has neither a feed.json (a blog archive) nor an outbox.json \
         (a Mastodon archive) nor a WordPress export (.xml) at its top, nor Markdown files, so \
         Porch cannot read posts from it."
            .into(),
    )
}

/// What the archive at `path` holds.
pub fn survey(path: &Path) -> Result<Survey> {
    let format = check_file(path).map_err(anyhow::Error::msg)?;
    let survey = match format {
        Format::Mastodon => mastodon::survey(path),
        Format::Markdown => markdown_site::survey(path),
        Format::WordPress => wordpress::survey(path),
        Format::Porch | Format::BlogArchive => bar_import::survey(path),
    }?;
    Ok(Survey {
        format: format.name(),
        ..survey
    })
}

/// Imports the archive at `path` with the reader that knows it; `net` downloads what an archive
/// points at instead of holding (a WordPress export's images).
pub fn import_file(
    db: &Db,
    media_dir: &Path,
    base: &str,
    path: &Path,
    net: &HttpClient,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    match check_file(path).map_err(anyhow::Error::msg)? {
        Format::Mastodon => mastodon::import_file(db, media_dir, base, path, after_batch),
        Format::Markdown => markdown_site::import_file(db, media_dir, base, path, after_batch),
        Format::WordPress => wordpress::import_file(db, media_dir, base, path, net, after_batch),
        Format::Porch | Format::BlogArchive => {
            bar_import::import_file(db, media_dir, base, path, after_batch)
        }
    }
}
