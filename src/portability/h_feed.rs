//! The archive's `index.html`: one h-feed with an h-entry per published post and page, whose
//! images point into the archive, so that it opens from disk and a microformats parser reads
//! it. Written an entry at a time.

use std::io::Write;

use anyhow::Result;

use crate::render::escape_html as esc;

/// An entry as the page shows it.
pub struct Entry<'a> {
    pub url: &'a str,
    pub title: Option<&'a str>,
    /// The post's HTML, its media already pointed into the archive.
    pub html: &'a str,
    /// Photos attached to the post: file in the archive, alt text.
    pub photos: &'a [(String, String)],
    pub published: &'a str,
    pub published_label: &'a str,
    pub categories: &'a [String],
    pub in_reply_to: &'a str,
    pub bookmark_of: &'a str,
    pub content_warning: &'a str,
}

pub fn head(out: &mut impl Write, title: &str, author: &str, home: &str) -> Result<()> {
    write!(
        out,
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>body{{max-width:40rem;margin:2rem auto;padding:0 1rem;\
         font:1.05rem/1.6 system-ui,sans-serif}}img{{max-width:100%;height:auto}}\
         article{{border-bottom:1px solid #ccc;padding:1rem 0}}</style>\n</head>\n<body>\n\
         <main class=\"h-feed\">\n<h1 class=\"p-name\">{t}</h1>\n\
         <p class=\"p-author h-card\"><a class=\"u-url p-name\" href=\"{h}\">{a}</a></p>\n",
        t = esc(title),
        a = esc(author),
        h = esc(home),
    )?;
    Ok(())
}

pub fn entry(out: &mut impl Write, e: &Entry) -> Result<()> {
    out.write_all(b"<article class=\"h-entry\">\n")?;
    if let Some(title) = e.title {
        writeln!(out, "<h2 class=\"p-name\">{}</h2>", esc(title))?;
    }
    if !e.in_reply_to.is_empty() {
        writeln!(
            out,
            "<p>In reply to <a class=\"u-in-reply-to\" href=\"{0}\">{0}</a></p>",
            esc(e.in_reply_to)
        )?;
    }
    if !e.bookmark_of.is_empty() {
        writeln!(
            out,
            "<p>Bookmarked <a class=\"u-bookmark-of\" href=\"{0}\">{0}</a></p>",
            esc(e.bookmark_of)
        )?;
    }
    if !e.content_warning.is_empty() {
        writeln!(out, "<p class=\"p-summary\">{}</p>", esc(e.content_warning))?;
    }
    writeln!(out, "<div class=\"e-content\">{}", e.html)?;
    for (file, alt) in e.photos {
        writeln!(
            out,
            "<img class=\"u-photo\" src=\"{}\" alt=\"{}\">",
            esc(file),
            esc(alt)
        )?;
    }
    out.write_all(b"</div>\n<p>")?;
    write!(
        out,
        "<a class=\"u-url\" href=\"{}\"><time class=\"dt-published\" datetime=\"{}\">{}</time></a>",
        esc(e.url),
        esc(e.published),
        esc(e.published_label)
    )?;
    for name in e.categories {
        write!(out, " <span class=\"p-category\">{}</span>", esc(name))?;
    }
    out.write_all(b"</p>\n</article>\n")?;
    Ok(())
}

pub fn foot(out: &mut impl Write) -> Result<()> {
    out.write_all(b"</main>\n</body>\n</html>\n")?;
    Ok(())
}
