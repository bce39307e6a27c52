//! The bookmarks written out as a Netscape bookmark file (`porch export bookmarks`), the format
//! browsers, Pinboard, linkding and Raindrop read: each link with its title, the date it was
//! saved (`ADD_DATE`), its tags (`TAGS`), `PRIVATE` (all of Porch's are) and `TOREAD` for an
//! unread one, its note as the `<DD>` after it. Read a page at a time, so any number streams.

use std::io::Write;

use anyhow::Result;

use crate::render::escape_html;
use crate::store::Db;
use crate::store::bookmarks::{self, Filter};

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
                "    <DT><A HREF=\"{}\" ADD_DATE=\"{}\" LAST_MODIFIED=\"{}\" PRIVATE=\"1\" TOREAD=\"{}\" TAGS=\"{}\">{}</A>",
                escape_html(&b.url),
                b.created_at,
                b.updated_at,
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
