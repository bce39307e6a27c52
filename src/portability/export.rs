//! The whole site as one archive (`porch export`, the panel's Export screen): a Blog Archive
//! (`.bar`, a zip) that Micro.blog and Porch read back, with what a blog archive leaves out
//! under `porch/`. Everything is streamed: posts are read a batch at a time, files are copied
//! from disk into the zip, and nothing is held whole in memory.
//!
//! - `index.html`: an h-feed, one h-entry per published post and page;
//! - `feed.json`: JSON Feed 1.1 with the Markdown in `content_text`;
//! - `uploads/…`: every media file the posts use, and the whole media library;
//! - `porch/drafts/feed.json`: drafts and scheduled posts, in the same shape;
//! - `porch/media.json`: the library's alt text and original names;
//! - `porch/followers.csv`, `following.csv` (Mastodon's `Account address` layout),
//!   `blocks.csv` (Mastodon's domain-block layout), `replies.json` (replies and mentions
//!   received), `site.json` (title, description, bio, time zone, links, topics);
//! - `porch/books.csv` (Goodreads' layout), `porch/bookmarks.html` (Netscape) and
//!   `porch/bookmarks.json` (with the highlights).
//!
//! No secret is ever written: not the password hash, tokens, sessions or keys.

use std::collections::BTreeSet;
use std::io::{Seek, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono_tz::Tz;
use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::media::files;
use crate::render::time;
use crate::store::Db;
use crate::store::ids::PostId;
use crate::store::posts::{self, Exported, Kind, Post, Status};
use crate::store::settings::SiteSettings;
use crate::store::{blocks, follows, media, owner, remote_posts, settings};

use super::feed::{self, Extension, Item, Photo};
use super::{h_feed, social, uploads};

/// Posts read from the database at a time.
const BATCH: u32 = 200;

/// How far an export has come, and what it wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Published posts and pages.
    pub posts: i64,
    /// Drafts and scheduled posts.
    pub drafts: i64,
    /// Media files.
    pub files: i64,
}

/// What the archive is written from.
struct Site {
    base: String,
    title: String,
    description: String,
    author: String,
    tz: Tz,
    settings: SiteSettings,
}

fn text_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644)
}

/// Images are compressed already: they are stored as they are.
fn file_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644)
        .large_file(true)
}

/// Writes the archive of the site in `db` (media under `media_dir`, served from the origin
/// `base`) to `out`, calling `progress` as it goes.
pub fn write_archive<W: Write + Seek>(
    db: &Db,
    media_dir: &Path,
    base: &str,
    out: W,
    progress: &mut dyn FnMut(&Counts) -> Result<()>,
) -> Result<Counts> {
    let site = db.read_blocking(|c| {
        let settings = settings::load(c)?;
        let author = owner::get(c)?.map(|o| o.display_name).unwrap_or_default();
        Ok(Site {
            base: base.trim_end_matches('/').to_string(),
            title: settings.title.clone(),
            description: settings.description.clone(),
            author,
            tz: time::zone(&settings.timezone),
            settings,
        })
    })?;
    let known = |name: &str| files::disk_path(media_dir, name).is_some_and(|p| p.is_file());
    let mut counts = Counts::default();
    let mut used = BTreeSet::new();
    let mut zip = ZipWriter::new(out);

    zip.start_file("index.html", text_options())?;
    let home = format!("{}/", site.base);
    h_feed::head(&mut zip, &site.title, &site.author, &home)?;
    each_post(db, Exported::Public, &mut |post| {
        let item = archived(&site, post, &known, &mut used);
        let categories: Vec<String> = post.categories.iter().map(|c| c.name.clone()).collect();
        let published = post.published_at.unwrap_or(post.created_at);
        h_feed::entry(
            &mut zip,
            &h_feed::Entry {
                url: &item.url,
                title: post.title.as_deref(),
                html: &item.html,
                photos: &item.photos,
                published: &time::iso(published, site.tz),
                published_label: &time::display_date(published, site.tz),
                categories: &categories,
                in_reply_to: &post.in_reply_to,
                bookmark_of: &post.bookmark_of,
                content_warning: &post.content_warning,
            },
        )?;
        counts.posts += 1;
        Ok(())
    })?;
    h_feed::foot(&mut zip)?;
    progress(&counts)?;

    let head = feed::Head {
        version: feed::VERSION,
        title: &site.title,
        home_page_url: &home,
        description: &site.description,
        authors: [feed::Author {
            name: &site.author,
            url: &home,
        }],
    };
    for (name, which) in [
        ("feed.json", Exported::Public),
        ("porch/drafts/feed.json", Exported::Unpublished),
    ] {
        zip.start_file(name, text_options())?;
        let mut writer = feed::Writer::start(&mut zip, &head)?;
        each_post(db, which, &mut |post| {
            let item = archived(&site, post, &known, &mut used);
            writer.item(&feed_item(&site, post, item))?;
            if which == Exported::Unpublished {
                counts.drafts += 1;
            }
            Ok(())
        })?;
        writer.finish()?;
    }
    progress(&counts)?;

    // The whole library goes too: a photo uploaded and not yet used is the owner's as well.
    let library = media_library(db)?;
    for m in &library {
        used.insert(files::file_name(&m.hash, &m.ext, None));
    }
    zip.start_file("porch/media.json", text_options())?;
    serde_json::to_writer_pretty(
        &mut zip,
        &library
            .iter()
            .map(|m| LibraryItem {
                file: format!("uploads/{}", files::file_name(&m.hash, &m.ext, None)),
                alt: &m.alt,
                original_name: &m.original_name,
            })
            .collect::<Vec<_>>(),
    )?;
    for name in &used {
        let Some(path) = files::disk_path(media_dir, name) else {
            continue;
        };
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) => {
                tracing::warn!(error = %e, file = %path.display(), "export: a media file is missing");
                continue;
            }
        };
        zip.start_file(format!("uploads/{name}"), file_options())?;
        std::io::copy(&mut file, &mut zip).with_context(|| format!("export: copy {name}"))?;
        counts.files += 1;
        if counts.files % 50 == 0 {
            progress(&counts)?;
        }
    }

    write_porch_files(db, &mut zip, &site)?;
    zip.start_file("porch/books.csv", text_options())?;
    crate::books::export::write_csv(db, &mut zip)?;
    zip.start_file("porch/bookmarks.html", text_options())?;
    crate::bookmarks::export::write_netscape(db, &mut zip)?;
    zip.start_file("porch/bookmarks.json", text_options())?;
    let base = Some(site.base.as_str()).filter(|b| !b.is_empty());
    crate::bookmarks::export::write_json(db, base, &mut zip)?;

    zip.finish()?.flush()?;
    progress(&counts)?;
    Ok(counts)
}

#[derive(Serialize)]
struct LibraryItem<'a> {
    file: String,
    alt: &'a str,
    original_name: &'a str,
}

/// Every item of the media library, oldest first.
fn media_library(db: &Db) -> Result<Vec<media::Media>> {
    let mut all = Vec::new();
    loop {
        let page = db.read_blocking(|c| media::list(c, 500, all.len() as u32))?;
        let done = page.len() < 500;
        all.extend(page);
        if done {
            break;
        }
    }
    all.reverse();
    Ok(all)
}

/// Calls `each` for every post of `which`, a batch at a time.
fn each_post(db: &Db, which: Exported, each: &mut dyn FnMut(&Post) -> Result<()>) -> Result<()> {
    let mut after = PostId(0);
    loop {
        let batch = db.read_blocking(|c| posts::batch_after(c, which, after, BATCH))?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.id;
        for post in &batch {
            each(post)?;
        }
    }
}

/// A post as the archive holds it: its media pointed into the archive.
struct Archived {
    url: String,
    markdown: String,
    html: String,
    photos: Vec<(String, String)>,
}

fn archived(
    site: &Site,
    post: &Post,
    known: &dyn Fn(&str) -> bool,
    used: &mut BTreeSet<String>,
) -> Archived {
    let (markdown, names) = uploads::to_archive(&post.markdown, &site.base, known);
    used.extend(names);
    let (html, names) = uploads::to_archive(&post.html, &site.base, known);
    used.extend(names);
    let photos = post
        .photos
        .iter()
        .map(|p| {
            let name = files::file_name(&p.media.hash, &p.media.ext, None);
            used.insert(name.clone());
            (format!("uploads/{name}"), p.alt.clone())
        })
        .collect();
    Archived {
        url: post
            .path
            .as_deref()
            .map(|p| format!("{}{p}", site.base))
            .unwrap_or_default(),
        markdown,
        html,
        photos,
    }
}

fn feed_item(site: &Site, post: &Post, a: Archived) -> Item {
    let mut html = a.html;
    for (file, alt) in &a.photos {
        html.push_str(&format!(
            "\n<img src=\"{}\" alt=\"{}\">",
            crate::render::escape_html(file),
            crate::render::escape_html(alt)
        ));
    }
    let status = match post.status {
        Status::Published => "published",
        Status::Scheduled => "scheduled",
        Status::Draft | Status::Deleted => "draft",
    };
    Item {
        // A draft has no address yet: its id is its place in this site.
        id: if a.url.is_empty() {
            format!("porch:post:{}", post.id.0)
        } else {
            a.url.clone()
        },
        url: a.url,
        title: post.title.clone(),
        content_text: Some(a.markdown),
        content_html: Some(html),
        summary: Some(post.summary.clone()).filter(|s| !s.is_empty()),
        date_published: post.published_at.map(|t| time::iso(t, site.tz)),
        date_modified: Some(time::iso(post.updated_at, site.tz)),
        tags: post.categories.iter().map(|c| c.name.clone()).collect(),
        porch: Some(Extension {
            kind: match post.kind {
                Kind::Post => "post",
                Kind::Page => "page",
            }
            .into(),
            status: status.into(),
            in_nav: post.in_nav,
            nav_order: post.nav_order,
            content_warning: post.content_warning.clone(),
            in_reply_to: post.in_reply_to.clone(),
            bookmark_of: post.bookmark_of.clone(),
            photos: a
                .photos
                .into_iter()
                .map(|(url, alt)| Photo { url, alt })
                .collect(),
        }),
    }
}

/// The site's settings that move with it (none of them secret).
#[derive(Serialize)]
struct SiteFile<'a> {
    title: &'a str,
    description: &'a str,
    bio: &'a str,
    timezone: &'a str,
    rel_me: &'a [String],
    topics: &'a [settings::Topic],
    base_url: &'a str,
}

/// What a blog archive leaves out: the social graph, the replies received, the settings.
fn write_porch_files<W: Write + Seek>(db: &Db, zip: &mut ZipWriter<W>, site: &Site) -> Result<()> {
    let (followers, following, domain_blocks, received) = db.read_blocking(|c| {
        Ok((
            follows::list(c, follows::Side::Followers)?,
            follows::list(c, follows::Side::Following)?,
            blocks::domain_blocks(c)?,
            remote_posts::received(c)?,
        ))
    })?;
    zip.start_file("porch/followers.csv", text_options())?;
    social::write_accounts(&followers, &mut *zip)?;
    zip.start_file("porch/following.csv", text_options())?;
    social::write_accounts(&following, &mut *zip)?;
    zip.start_file("porch/blocks.csv", text_options())?;
    social::write_domain_blocks(&domain_blocks, &mut *zip)?;
    zip.start_file("porch/replies.json", text_options())?;
    social::write_received(&received, &mut *zip)?;

    zip.start_file("porch/site.json", text_options())?;
    let s = &site.settings;
    serde_json::to_writer_pretty(
        &mut *zip,
        &SiteFile {
            title: &s.title,
            description: &s.description,
            bio: &s.bio,
            timezone: &s.timezone,
            rel_me: &s.rel_me,
            topics: &s.topics,
            base_url: &site.base,
        },
    )?;
    Ok(())
}
