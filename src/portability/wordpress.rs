//! WordPress's export of a site (Tools → Export → All content: one WXR file, alone, or in a
//! zip or folder beside a copy of `wp-content/uploads`, for a site already gone). Posts and pages
//! come in with their dates, titles, names, excerpts, categories and tags; drafts, pending,
//! private and password-protected posts are kept as drafts, never shown; featured images and
//! the images in posts are taken from the copy of the uploads beside the export, or else
//! downloaded from the old site, once each, through the guarded client, and the posts pointed
//! at the copies; approved comments are shown under their posts as
//! approved replies. When the site keeps its domain, an old address answers with the new one.
//! Revisions, menus, the trash, pingbacks and comments that were never approved are left out
//! and counted. The file is read twice, an item at a time: first for the attachments (a
//! featured image is named by the id of one that may come later), then for the posts.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::Result;
use chrono::NaiveDateTime;

use crate::net::HttpClient;
use crate::posts::save::{Action, Compose};
use crate::render::{sanitize, text};
use crate::store::Db;
use crate::store::media::Media;
use crate::store::posts::Kind;

use super::importer::{
    AfterBatch, Files, Format, Importer, Outcome, Prepared, Reply, Survey, is_zip, open_zip,
};
use super::wxr::{self, Comment, Item};

const IMAGE_EXTENSIONS: [&str; 5] = ["jpg", "jpeg", "png", "gif", "webp"];

/// The head of a file read to tell a WordPress export.
const HEAD_BYTES: u64 = 16 * 1024;

/// Where one of the export's XML files is: `path` itself, or a file in the zip or folder at it.
enum Xml {
    File,
    InZip(String),
    InFolder(String),
}

/// The export's XML files at `path`: the file itself, or the WordPress exports at the top of
/// a zip or folder (beside a copy of `wp-content/uploads`; some plug-ins split a large site
/// into several files, read in the order of their names). Why there are none, for the owner.
fn find(path: &Path) -> Result<Vec<Xml>, String> {
    let wxr_head = |r: &mut dyn Read| {
        let mut head = Vec::new();
        r.take(HEAD_BYTES).read_to_end(&mut head).is_ok() && wxr::looks_like_wxr(&head)
    };
    let is_xml = |n: &str| n.to_ascii_lowercase().ends_with(".xml") && !n.contains("__MACOSX");
    let mut found = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_xml(n))
            .collect();
        names.sort();
        for name in names {
            if File::open(path.join(&name)).is_ok_and(|mut f| wxr_head(&mut f)) {
                found.push(Xml::InFolder(name));
            }
        }
    } else if is_zip(path) {
        let mut zip = open_zip(path)?;
        let mut names: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| is_xml(n) && n.matches('/').count() <= 1)
            .map(|n| n.into_owned())
            .collect();
        names.sort();
        for name in names {
            if zip.by_name(&name).is_ok_and(|mut e| wxr_head(&mut e)) {
                found.push(Xml::InZip(name));
            }
        }
    } else if File::open(path).is_ok_and(|mut f| wxr_head(&mut f)) {
        found.push(Xml::File);
    }
    if found.is_empty() {
        return Err("This is not a WordPress export (an .xml file from Tools → Export).".into());
    }
    Ok(found)
}

/// Whether `path` is a WordPress export, alone or in a zip or folder; why not, for the owner.
pub fn check_file(path: &Path) -> Result<(), String> {
    find(path).map(drop)
}

/// Reads every XML file of the export, an item at a time.
fn read(path: &Path, xmls: &[Xml], each: wxr::EachItem) -> Result<()> {
    for xml in xmls {
        match xml {
            Xml::File => {
                wxr::read_items(BufReader::with_capacity(64 * 1024, File::open(path)?), each)?
            }
            Xml::InFolder(name) => {
                let file = File::open(path.join(name))?;
                wxr::read_items(BufReader::with_capacity(64 * 1024, file), each)?
            }
            Xml::InZip(name) => {
                let mut zip = open_zip(path).map_err(anyhow::Error::msg)?;
                let entry = zip.by_name(name)?;
                wxr::read_items(BufReader::with_capacity(64 * 1024, entry), each)?
            }
        }
    }
    Ok(())
}

/// The files beside the export (a copy of `wp-content/uploads`), if it is in a zip or folder.
fn files_beside(path: &Path) -> Result<Files> {
    Ok(if path.is_dir() {
        Files::Folder(path.to_path_buf())
    } else if is_zip(path) {
        Files::Zip(open_zip(path).map_err(anyhow::Error::msg)?)
    } else {
        Files::None
    })
}

/// Where a copy of the old site's upload at `url` would be beside the export, if it is there.
fn local_copy(files: &mut Files, url: &str) -> Option<String> {
    let after = url.split_once("/wp-content/uploads/")?.1;
    let after = after.split(['?', '#']).next()?;
    let after = percent_encoding::percent_decode_str(after).decode_utf8_lossy();
    ["wp-content/uploads/", "uploads/", ""]
        .iter()
        .map(|prefix| format!("{prefix}{after}"))
        .find(|name| files.size(name).is_some())
}

/// The old site's image at `url` in the media library: its copy beside the export (the
/// original, when `url` names a copy WordPress resized), or else downloaded.
fn image_here(importer: &mut Importer, net: &HttpClient, url: &str) -> Result<Option<Media>> {
    let local = [without_size(url), Some(url.to_string())]
        .into_iter()
        .flatten()
        .find_map(|candidate| local_copy(importer.files(), &candidate));
    match local {
        Some(name) => Ok(importer.media(&name)?.map(|(m, _)| m)),
        None => importer.fetched(net, url),
    }
}

/// What an item of the export becomes here.
enum Fate {
    Post(Kind),
    Attachment,
    /// Revisions, menu entries, other plug-ins' kinds, the trash.
    LeftOut,
}

fn fate(item: &Item) -> Fate {
    let kind = match item.post_type.as_str() {
        "post" => Kind::Post,
        "page" => Kind::Page,
        "attachment" => return Fate::Attachment,
        _ => return Fate::LeftOut,
    };
    match item.status.as_str() {
        "publish" | "future" | "draft" | "pending" | "private" => Fate::Post(kind),
        _ => Fate::LeftOut,
    }
}

/// Why WordPress showed the item to no one (or only with a password), if it did not.
fn hidden(item: &Item) -> Option<&'static str> {
    match item.status.as_str() {
        "draft" | "pending" => Some("a draft"),
        "private" => Some("private"),
        _ if !item.password.is_empty() => Some("behind a password"),
        _ => None,
    }
}

/// What the export holds.
pub fn survey(path: &Path) -> Result<Survey> {
    let mut survey = Survey::default();
    let mut n = 0;
    let xmls = find(path).map_err(anyhow::Error::msg)?;
    read(path, &xmls, &mut |_, item| {
        n += 1;
        match item {
            Err(why) => survey.unreadable(format!("Item {n}: {why}")),
            Ok(item) => match fate(&item) {
                Fate::Post(_) if hidden(&item).is_some() => survey.drafts += 1,
                Fate::Post(Kind::Page) => survey.pages += 1,
                Fate::Post(Kind::Post) => survey.posts += 1,
                Fate::Attachment => survey.files += 1,
                Fate::LeftOut => {
                    survey.left_out += 1;
                    survey.left_out_what = "revisions, menu entries, items in the trash and kinds of item Porch does not have";
                }
            },
        }
        Ok(())
    })?;
    Ok(survey)
}

/// The old site as the first reading found it: where its images are.
#[derive(Default)]
struct OldSite {
    /// The hosts the site and its media were served from.
    hosts: HashSet<String>,
    /// Attachment id → its address.
    attachments: HashMap<String, String>,
    known: HashSet<String>,
}

impl OldSite {
    fn add_host(&mut self, url: &str) {
        if let Some(host) = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_lowercase))
        {
            self.hosts.insert(host);
        }
    }

    /// The address to download for an image the post points at, when it is the old site's:
    /// its original when the post names a copy WordPress resized (`photo-300x200.jpg`).
    fn image(&self, url: &str) -> Option<String> {
        if self.known.contains(url) {
            return Some(url.to_string());
        }
        let parsed = url::Url::parse(url).ok()?;
        let host = parsed.host_str()?.to_lowercase();
        let path = parsed.path();
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        if !self.hosts.contains(&host)
            || !path.contains("/wp-content/uploads/")
            || !IMAGE_EXTENSIONS.contains(&ext.as_str())
        {
            return None;
        }
        let original = without_size(url).filter(|o| self.known.contains(o));
        Some(original.unwrap_or_else(|| url.to_string()))
    }
}

/// `…/photo-300x200.jpg` as `…/photo.jpg`.
fn without_size(url: &str) -> Option<String> {
    let (stem, ext) = url.rsplit_once('.')?;
    let (name, size) = stem.rsplit_once('-')?;
    let (w, h) = size.split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(w) && digits(h) && !name.ends_with('/')).then(|| format!("{name}.{ext}"))
}

/// Imports the export at `path` into the site in `db` (see `bar_import::import_file`),
/// downloading its images with `net`.
pub fn import_file(
    db: &Db,
    media_dir: &Path,
    base: &str,
    path: &Path,
    net: &HttpClient,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    let files = files_beside(path)?;
    let mut importer = Importer::new(db, media_dir, base, files, Format::WordPress)?;
    let mut old = OldSite::default();
    let xmls = find(path).map_err(anyhow::Error::msg)?;
    read(path, &xmls, &mut |channel, item| {
        for url in [
            &channel.link,
            &channel.base_site_url,
            &channel.base_blog_url,
        ] {
            old.add_host(url);
        }
        let Ok(item) = item else { return Ok(()) };
        if matches!(fate(&item), Fate::Attachment) && !item.attachment_url.is_empty() {
            let alt = item
                .meta("_wp_attachment_image_alt")
                .unwrap_or_default()
                .to_string();
            let url = item.attachment_url;
            let name = url.rsplit('/').next().unwrap_or_default().to_string();
            if let Some(local) = local_copy(importer.files(), &url) {
                importer.library.insert(local, (alt.clone(), name.clone()));
            }
            importer.library.insert(url.clone(), (alt, name));
            old.add_host(&url);
            old.known.insert(url.clone());
            old.attachments.insert(item.post_id, url);
        }
        Ok(())
    })?;
    let (mut left_out, mut comments_left_out) = (0, 0);
    read(path, &xmls, &mut |_, item| {
        let item = match item {
            Ok(item) if matches!(fate(&item), Fate::Attachment) => return Ok(()),
            other => other,
        };
        importer.outcome.counts.rows += 1;
        let n = importer.outcome.counts.rows;
        match item {
            Err(why) => importer.outcome.skip(format!("Item {n}: {why}")),
            Ok(item) => match fate(&item) {
                Fate::Post(kind) => {
                    comments_left_out +=
                        item.comments_dropped + item.comments.iter().filter(|c| !shown(c)).count();
                    if let Some(p) = prepare(&mut importer, net, &old, n, kind, item)? {
                        importer.add(p, after_batch)?;
                    }
                }
                Fate::Attachment => {}
                Fate::LeftOut => {
                    left_out += 1;
                    importer.outcome.counts.skipped += 1;
                }
            },
        }
        Ok(())
    })?;
    if left_out > 0 {
        importer.outcome.note(format!(
            "Left out on purpose: {left_out} revisions, menu entries, items in the trash and \
             kinds of item Porch does not have."
        ));
    }
    if comments_left_out > 0 {
        importer.outcome.note(format!(
            "Left out on purpose: {comments_left_out} pingbacks, trackbacks and comments that \
             were never approved or were spam."
        ));
    }
    importer.finish(after_batch)
}

/// Whether a comment was shown under its post: approved, and written by a person.
fn shown(c: &Comment) -> bool {
    c.approved == "1" && matches!(c.kind.as_str(), "" | "comment")
}

/// A time as WordPress writes it (`2019-05-04 10:00:00`, UTC); WordPress's zero date is none.
fn wp_time(s: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .filter(|_| !s.starts_with("0000"))
        .map(|d| d.and_utc().timestamp())
}

fn prepare(
    importer: &mut Importer,
    net: &HttpClient,
    old: &OldSite,
    n: i64,
    kind: Kind,
    item: Item,
) -> Result<Option<Prepared>> {
    let label = match item.title.as_str() {
        "" => format!("Item {n}"),
        t => format!("Item {n} (“{t}”)"),
    };
    let source = [&item.guid, &item.link]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default();
    if source.is_empty() {
        importer.outcome.skip(format!(
            "{label}: it has no guid or link, so it could not be told apart."
        ));
        return Ok(None);
    }
    if importer.imported_before(&source)? {
        return Ok(None);
    }
    let published_at = wp_time(&item.post_date_gmt).or_else(|| {
        chrono::DateTime::parse_from_rfc2822(item.pub_date.trim())
            .ok()
            .map(|d| d.timestamp())
    });
    let action = match (hidden(&item), published_at) {
        (Some(why), _) => {
            if why != "a draft" {
                importer.outcome.note(format!(
                    "{label} was {why} on WordPress: it was kept as a draft."
                ));
            }
            Action::Draft
        }
        (None, Some(at)) => Action::Schedule(at),
        (None, None) => {
            importer
                .outcome
                .note(format!("{label} has no date: it was kept as a draft."));
            Action::Draft
        }
    };
    let mut photos = Vec::new();
    if let Some(url) = item
        .meta("_thumbnail_id")
        .and_then(|id| old.attachments.get(id))
        && let Some(m) = image_here(importer, net, url)?
    {
        photos.push((m.id, m.alt.clone()));
    }
    let mut compose = Compose::new(kind, action);
    compose.markdown = content_here(importer, net, old, &item.content)?;
    compose.title = item.title;
    compose.summary = text::plain_text(&item.excerpt).trim().to_string();
    compose.slug = crate::posts::permalink::slugify(
        &percent_encoding::percent_decode_str(&item.post_name).decode_utf8_lossy(),
    );
    compose.photos = photos;
    for term in &item.terms {
        let name = term.name.trim();
        let wanted = matches!(term.domain.as_str(), "category" | "post_tag")
            && !name.is_empty()
            && term.nicename != "uncategorized"
            && !compose
                .new_categories
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name));
        if wanted {
            compose.new_categories.push(name.to_string());
        }
    }
    let page = if item.link.is_empty() {
        &source
    } else {
        &item.link
    };
    let replies = item
        .comments
        .iter()
        .filter(|c| shown(c))
        .filter_map(|c| reply(c, page, published_at))
        .collect();
    Ok(Some(Prepared {
        n,
        compose,
        source,
        original_url: item.link,
        replies,
    }))
}

/// A comment as a reply; None if its HTML cannot be read safely.
fn reply(c: &Comment, page: &str, post_at: Option<i64>) -> Option<Reply> {
    let uri = |id: &str| format!("{}#comment-{id}", page.split('#').next().unwrap_or(page));
    let paragraphs: String = c
        .content
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>\n")))
        .collect();
    Some(Reply {
        uri: uri(&c.id),
        author: c.author.clone(),
        author_url: Some(c.author_url.as_str())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_default()
            .to_string(),
        content_html: sanitize::remote_html(&paragraphs).ok()?,
        published_at: wp_time(&c.date_gmt)
            .or(post_at)
            .unwrap_or_else(crate::store::now),
        in_reply_to: match c.parent.as_str() {
            "" | "0" => String::new(),
            parent => uri(parent),
        },
    })
}

/// A post's HTML in the form Porch keeps: the block editor's comments and the `[caption]`
/// shortcode's brackets taken out (its caption kept as a figure's), `srcset`s dropped (Porch
/// makes its own sizes), and every image of the old site downloaded and pointed at here.
fn content_here(
    importer: &mut Importer,
    net: &HttpClient,
    old: &OldSite,
    html: &str,
) -> Result<String> {
    let html = captions(&without_block_comments(html));
    let html = without_attribute(&without_attribute(&html, "srcset"), "sizes");
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = html[from..].find("http") {
        let start = from + found;
        let len = html[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')'))
            .unwrap_or(html.len() - start);
        let url = &html[start..start + len];
        from = start + len.max(1);
        let opens = html[..start]
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, '"' | '\'' | '(' | '=') || c.is_whitespace());
        let Some(download) = old.image(url).filter(|_| opens) else {
            continue;
        };
        if let Some(m) = image_here(importer, net, &download)? {
            out.push_str(&html[copied..start]);
            out.push_str(&importer.url_of(&m));
            copied = start + len;
        }
    }
    out.push_str(&html[copied..]);
    Ok(out)
}

/// `html` without the block editor's `<!-- wp:… -->` and `<!-- /wp:… -->` comments.
fn without_block_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<!-- ") {
        let after = &rest[at + 5..];
        let end = after.find("-->");
        match end {
            Some(end) if after.starts_with("wp:") || after.starts_with("/wp:") => {
                out.push_str(&rest[..at]);
                rest = after[end + 3..]
                    .strip_prefix('\n')
                    .unwrap_or(&after[end + 3..]);
            }
            _ => {
                out.push_str(&rest[..at + 5]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[caption …]<img …> The caption[/caption]` as a figure with its caption.
fn captions(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("[caption") {
        let Some(open_end) = rest[at..].find(']').map(|i| at + i) else {
            break;
        };
        let Some(close) = rest[open_end..].find("[/caption]").map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..at]);
        let inner = &rest[open_end + 1..close];
        let split = inner.rfind('>').map_or(0, |i| i + 1);
        let (image, caption) = inner.split_at(split);
        out.push_str("<figure>");
        out.push_str(image.trim());
        if !caption.trim().is_empty() {
            out.push_str("<figcaption>");
            out.push_str(caption.trim());
            out.push_str("</figcaption>");
        }
        out.push_str("</figure>");
        rest = &rest[close + "[/caption]".len()..];
    }
    out.push_str(rest);
    out
}

/// `html` without any ` name="…"` attribute.
fn without_attribute(html: &str, name: &str) -> String {
    let mark = format!(" {name}=\"");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(&mark) {
        let value = &rest[at + mark.len()..];
        let Some(end) = value.find('"') else { break };
        out.push_str(&rest[..at]);
        rest = &value[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resized_copies_name_their_original() {
        assert_eq!(
            without_size("https://o.example/wp-content/uploads/2019/05/a-b-300x200.jpg").as_deref(),
            Some("https://o.example/wp-content/uploads/2019/05/a-b.jpg")
        );
        assert_eq!(
            without_size("https://o.example/wp-content/uploads/a-b.jpg"),
            None
        );
        assert_eq!(
            without_size("https://o.example/wp-content/uploads/a-x200.jpg"),
            None
        );
    }

    #[test]
    fn the_block_editor_and_caption_markup_is_taken_out() {
        let html = "<!-- wp:paragraph -->\n<p>Hi <!-- a note --></p>\n<!-- /wp:paragraph -->\n\
                    [caption id=\"attachment_5\" width=\"300\"]<img src=\"a.jpg\" srcset=\"a-1.jpg 1w\" sizes=\"100vw\"> The sea[/caption]";
        let out = without_attribute(
            &without_attribute(&captions(&without_block_comments(html)), "srcset"),
            "sizes",
        );
        assert_eq!(
            out,
            "<p>Hi <!-- a note --></p>\n<figure><img src=\"a.jpg\"><figcaption>The sea</figcaption></figure>"
        );
    }

    #[test]
    fn a_comment_becomes_paragraphs_cleaned() {
        let c = Comment {
            id: "9".into(),
            author: "Ann".into(),
            author_url: "javascript:alert(1)".into(),
            content: "Nice.\nReally.\n\n<script>x()</script>Bye".into(),
            approved: "1".into(),
            parent: "4".into(),
            date_gmt: "2020-01-02 03:04:05".into(),
            ..Comment::default()
        };
        let r = reply(&c, "https://o.example/p/#top", None).unwrap();
        assert_eq!(r.uri, "https://o.example/p/#comment-9");
        assert_eq!(r.in_reply_to, "https://o.example/p/#comment-4");
        assert_eq!(r.author_url, "");
        assert!(!r.content_html.contains("script"), "{}", r.content_html);
        assert!(
            r.content_html.starts_with("<p>Nice.<br>"),
            "{}",
            r.content_html
        );
        assert_eq!(r.published_at, 1577934245);
    }
}
