//! The bookmarks written out (`porch export bookmarks`), read a page at a time so that any
//! number streams:
//!
//! - as a Netscape bookmark file, the format browsers, Pinboard, linkding and Raindrop read:
//!   each link with its title, the date it was saved (`ADD_DATE`), its tags (`TAGS`), `PRIVATE`
//!   unless the owner made it public, and `TOREAD` for an unread one, its note as the `<DD>` after it;
//! - as JSON, everything Porch keeps of each (the kept copy with its details, its HTML and its
//!   plain text; the HTML's images are files of this site, under `/admin/bookmarks/files/`),
//!   with its highlights as W3C Web Annotations, whose places count the text of that HTML.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use serde_json::{Value, json};

use crate::render::{escape_html, time};
use crate::store::Db;
use crate::store::bookmarks::{self, Bookmark, Filter};
use crate::store::highlights::{self, Highlight};

/// Bookmarks read from the database at a time.
const PAGE: u32 = 500;

/// Writes every bookmark, newest first; returns how many.
pub fn write_netscape(db: &Db, mut out: impl Write) -> Result<usize> {
    out.write_all(
        b"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n\
          <!-- Bookmarks exported by Porch. -->\n\
          <META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=UTF-8\">\n\
          <TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n<DL><p>\n",
    )?;
    let mut count = 0;
    loop {
        let offset = u32::try_from(count)?;
        let page =
            db.read_blocking(move |c| bookmarks::list(c, &Filter::default(), PAGE, offset))?;
        if page.is_empty() {
            break;
        }
        for b in &page {
            let title = if b.title.is_empty() { &b.url } else { &b.title };
            writeln!(
                out,
                "    <DT><A HREF=\"{}\" ADD_DATE=\"{}\" LAST_MODIFIED=\"{}\" PRIVATE=\"{}\" TOREAD=\"{}\" TAGS=\"{}\">{}</A>",
                escape_html(&b.url),
                b.created_at,
                b.updated_at,
                u8::from(!b.public),
                u8::from(b.unread),
                escape_html(&b.tags.join(",")),
                escape_html(title),
            )?;
            if !b.note.is_empty() {
                writeln!(out, "    <DD>{}", escape_html(&b.note))?;
            }
        }
        count += page.len();
    }
    out.write_all(b"</DL><p>\n")?;
    out.flush()?;
    Ok(count)
}

/// Writes every bookmark as JSON, newest first, each with its highlights; returns how many.
/// `base` is the site's address, for the highlights' ids (IRIs in the panel; `urn:` ones when
/// the site has none recorded).
pub fn write_json(db: &Db, base: Option<&str>, mut out: impl Write) -> Result<usize> {
    write!(
        out,
        "{{\n\"generator\": \"Porch\",\n\"exported\": {},\n\"bookmarks\": [",
        serde_json::to_string(&time::iso_utc(crate::store::now()))?
    )?;
    let mut count = 0;
    loop {
        let offset = u32::try_from(count)?;
        let page = db.read_blocking(move |c| {
            let page = bookmarks::list(c, &Filter::default(), PAGE, offset)?;
            page.into_iter()
                .map(|b| {
                    let copy = bookmarks::archive_of(c, b.id)?.unwrap_or_default();
                    let marks = highlights::of_bookmark(c, b.id)?;
                    Ok((b, copy, marks))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        if page.is_empty() {
            break;
        }
        for (b, (html, text), marks) in &page {
            out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut out, &bookmark_json(b, html, text, marks, base))?;
            count += 1;
        }
    }
    out.write_all(b"\n]\n}\n")?;
    out.flush()?;
    Ok(count)
}

#[derive(Serialize)]
struct KeptCopy<'a> {
    state: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    error: &'a str,
    archived: Option<String>,
    title: &'a str,
    author: &'a str,
    site_name: &'a str,
    published: &'a str,
    lead_image: &'a str,
    html: &'a str,
    text: &'a str,
}

fn bookmark_json(
    b: &Bookmark,
    html: &str,
    text: &str,
    marks: &[Highlight],
    base: Option<&str>,
) -> Value {
    let archived = b.archived_at.map(time::iso_utc);
    json!({
        "url": b.url,
        "title": b.title,
        "note": b.note,
        "tags": b.tags,
        "unread": b.unread,
        "private": !b.public,
        "created": time::iso_utc(b.created_at),
        "updated": time::iso_utc(b.updated_at),
        "source": b.source,
        "archive": KeptCopy {
            state: &b.archive_state,
            error: &b.archive_error,
            archived: archived.clone(),
            title: &b.article_title,
            author: &b.author,
            site_name: &b.site_name,
            published: &b.published,
            lead_image: &b.lead_image,
            html,
            text,
        },
        "highlights": marks
            .iter()
            .map(|h| annotation(h, archived.as_deref(), base))
            .collect::<Vec<_>>(),
    })
}

/// A highlight as a W3C Web Annotation: its target is the page, its selectors the quote with
/// its surroundings and (while the quote is in the copy) its place in the copy's text, the
/// copy's date as the state of the page they describe; its note, if any, is a commenting body.
fn annotation(h: &Highlight, archived: Option<&str>, base: Option<&str>) -> Value {
    let id = match base {
        Some(base) => format!(
            "{}/admin/bookmarks/{}#h-{}",
            base.trim_end_matches('/'),
            h.bookmark_id,
            h.id
        ),
        None => format!("urn:porch:highlight:{}", h.id),
    };
    let mut selectors = vec![json!({
        "type": "TextQuoteSelector",
        "exact": h.anchor.quote,
        "prefix": h.anchor.prefix,
        "suffix": h.anchor.suffix,
    })];
    if let (Some(start), Some(end)) = (h.anchor.start, h.anchor.end) {
        selectors.push(json!({ "type": "TextPositionSelector", "start": start, "end": end }));
    }
    let mut target = json!({ "source": h.url, "selector": selectors });
    if let Some(date) = archived {
        target["state"] = json!({ "type": "TimeState", "sourceDate": date });
    }
    let mut annotation = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": id,
        "type": "Annotation",
        "motivation": "highlighting",
        "created": time::iso_utc(h.created_at),
        "modified": time::iso_utc(h.updated_at),
        "target": target,
    });
    if !h.note.is_empty() {
        annotation["body"] = json!({
            "type": "TextualBody",
            "value": h.note,
            "format": "text/plain",
            "purpose": "commenting",
        });
    }
    annotation
}
