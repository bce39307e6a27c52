//! Permalinks in Micro.blog's pattern, so that people moving from there keep their URLs:
//! `/YYYY/MM/DD/slug.html` for posts (the date in the site's time zone), `/slug/` for pages.

use anyhow::Result;
use chrono_tz::Tz;

use crate::render::time;

/// Longest slug taken from a title; long titles are cut at a word boundary.
const MAX_SLUG: usize = 60;

/// Top-level names the site's own pages use; a page may not take them.
const RESERVED: &[&str] = &[
    "admin",
    "setup",
    "uploads",
    "static",
    "archive",
    "categories",
    "topics",
    "photos",
    "search",
    "page",
    "feed",
    "healthz",
    "well-known",
    "robots",
    "sitemap",
    "rsd",
    "micropub",
    "xmlrpc",
    "inbox",
    "outbox",
    "users",
    "webmention",
    "indieauth",
    "actor",
    "followers",
    "following",
    "featured",
    "activities",
    "replies",
    "conversations",
    "nodeinfo",
    // Public pages of the site's own, which the route table answers before any page (the
    // owner's own page named about takes /about/'s place, so it is not here).
    "books",
    "bookmarks",
];

/// A URL slug from a title: lowercase ASCII words joined by hyphens.
pub fn slugify(title: &str) -> String {
    let full = slug::slugify(title);
    if full.len() <= MAX_SLUG {
        return full;
    }
    let cut = &full[..MAX_SLUG];
    match cut.rfind('-') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut.to_string(),
    }
}

/// Where a post published at `ts` goes, before any suffix that keeps it unique.
pub fn post_path(title: Option<&str>, ts: i64, tz: Tz) -> String {
    let local = time::local(ts, tz);
    let slug = title
        .map(slugify)
        .filter(|s| !s.is_empty())
        // Untitled posts are named by their time, as on Micro.blog.
        .unwrap_or_else(|| local.format("%H%M%S").to_string());
    format!("{}/{slug}.html", local.format("/%Y/%m/%d"))
}

/// Where a page goes. Its name must not shadow the site's own pages or look like a year.
pub fn page_path(title: &str) -> String {
    let mut slug = slugify(title);
    if slug.is_empty() {
        slug = "page".into();
    }
    if RESERVED.contains(&slug.as_str()) || slug.chars().all(|c| c.is_ascii_digit()) {
        slug.push_str("-page");
    }
    format!("/{slug}/")
}

/// The page that extends the built-in About page (its text is shown under the author's h-card).
pub const ABOUT_PATH: &str = "/about/";

/// The first free variant of `base`: `base`, then `-2`, `-3` … before the extension or slash.
pub fn unique(base: &str, taken: impl Fn(&str) -> Result<bool>) -> Result<String> {
    if !taken(base)? {
        return Ok(base.to_string());
    }
    let (stem, tail) = if let Some(stem) = base.strip_suffix(".html") {
        (stem, ".html")
    } else if let Some(stem) = base.strip_suffix('/') {
        (stem, "/")
    } else {
        (base, "")
    };
    for n in 2.. {
        let candidate = format!("{stem}-{n}{tail}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
    unreachable!("an unbounded range always yields a free path")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titled_posts_take_their_slug_from_the_title() {
        let ts = 1782891000; // 2026-07-01 07:30 UTC
        assert_eq!(
            post_path(Some("Hello, World!"), ts, Tz::UTC),
            "/2026/07/01/hello-world.html"
        );
    }

    #[test]
    fn untitled_posts_are_named_by_their_local_time() {
        let ts = 1782891000;
        assert_eq!(post_path(None, ts, Tz::UTC), "/2026/07/01/073000.html");
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(post_path(None, ts, tokyo), "/2026/07/01/163000.html");
        assert_eq!(
            post_path(Some("!!!"), ts, Tz::UTC),
            "/2026/07/01/073000.html"
        );
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = slugify(&"word ".repeat(40));
        assert!(slug.len() <= MAX_SLUG);
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn pages_do_not_shadow_the_site() {
        assert_eq!(page_path("Archive"), "/archive-page/");
        assert_eq!(page_path("2024"), "/2024-page/");
        assert_eq!(page_path("Now"), "/now/");
    }

    #[test]
    fn unique_adds_a_number_before_the_extension() {
        let taken = ["/2026/07/01/a.html", "/2026/07/01/a-2.html", "/now/"];
        let check = |p: &str| Ok(taken.contains(&p));
        assert_eq!(
            unique("/2026/07/01/a.html", check).unwrap(),
            "/2026/07/01/a-3.html"
        );
        assert_eq!(unique("/now/", check).unwrap(), "/now-2/");
        assert_eq!(unique("/then/", check).unwrap(), "/then/");
    }
}
