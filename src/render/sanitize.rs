//! HTML sanitizing. The owner's own posts get a generous allow-list; anything that arrives from
//! outside will get a stricter one.

use std::sync::LazyLock;

use ammonia::{Builder, Url, UrlRelative};

use super::nesting::{self, TooDeep};

/// What a post may contain: ammonia's safe defaults plus the media and layout tags people use in
/// blog posts. No scripts, styles, forms, frames or event handlers.
fn owner_policy(relative: UrlRelative<'static>) -> Builder<'static> {
    let mut b = Builder::default();
    b.add_tags([
        "figure",
        "figcaption",
        "details",
        "summary",
        "audio",
        "video",
        "source",
        "mark",
    ])
    .add_tag_attributes("img", ["loading", "srcset", "sizes"])
    .add_tag_attributes("audio", ["src", "controls", "preload"])
    .add_tag_attributes(
        "video",
        ["src", "controls", "preload", "poster", "width", "height"],
    )
    .add_tag_attributes("source", ["src", "type"])
    .add_tag_attributes("details", ["open"])
    .url_relative(relative)
    .link_rel(Some("noopener"));
    b
}

/// A relative link in a post is relative to the site, which is where it is shown.
static OWNER: LazyLock<Builder<'static>> = LazyLock::new(|| owner_policy(UrlRelative::PassThrough));

pub fn owner_html(html: &str) -> String {
    OWNER.clean(html).to_string()
}

/// The owner's policy, but making relative links and sources absolute against the site's
/// address: for HTML shown away from the site (feed readers resolve them against nothing).
/// Build it once per feed and `clean` each item with it.
pub fn absolutizer(base: &str) -> Builder<'static> {
    match Url::parse(base) {
        Ok(base) => owner_policy(UrlRelative::RewriteWithBase(base)),
        Err(_) => owner_policy(UrlRelative::PassThrough),
    }
}

/// HTML from other servers (replies, timeline posts, Webmentions): text formatting and links
/// only. No images, media or iframes — they would load from elsewhere when the page is shown —
/// and no classes or styles; links open nothing and pass no ranking.
static REMOTE: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.add_tags([
        "p",
        "br",
        "a",
        "span",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "del",
        "pre",
        "code",
        "blockquote",
        "ul",
        "ol",
        "li",
    ])
    .add_tag_attributes("a", ["href"])
    .url_schemes(["http", "https"].into())
    .url_relative(UrlRelative::Deny)
    .link_rel(Some("nofollow noopener ugc"));
    b
});

/// Cleans HTML from another server with the strict policy. HTML that nests too deeply is
/// refused whole rather than parsed (see `nesting`).
pub fn remote_html(html: &str) -> Result<String, TooDeep> {
    nesting::check_fragment(html)?;
    Ok(REMOTE.clean(html).to_string())
}

/// The text of HTML from another server (a name, a content warning), tags removed; nothing if
/// it nests too deeply to be read safely.
pub fn remote_text(html: &str) -> String {
    match nesting::check_fragment(html) {
        Ok(()) => super::text::plain_text(html),
        Err(TooDeep) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_html_keeps_text_and_links_only() {
        let html = remote_html(
            r#"<p class="x">Hi <a href="https://a.example/@b" class="mention">@b</a><img src="https://t.example/p.gif"><script>alert(1)</script><a href="javascript:alert(1)">x</a><a href="/rel">r</a></p>"#,
        )
        .unwrap();
        assert_eq!(
            html,
            r#"<p>Hi <a href="https://a.example/@b" rel="nofollow noopener ugc">@b</a><a rel="nofollow noopener ugc">x</a><a rel="nofollow noopener ugc">r</a></p>"#
        );
    }

    #[test]
    fn remote_html_nesting_too_deeply_is_refused() {
        let deep = "<div>".repeat(nesting::MAX_DEPTH + 1);
        assert_eq!(remote_html(&deep), Err(TooDeep));
        assert_eq!(remote_text(&format!("{deep}name")), "");
        assert_eq!(remote_text("<b>Bob</b> B"), "Bob B");
    }

    #[test]
    fn relative_links_become_absolute_for_feeds() {
        let html = absolutizer("https://blog.example/")
            .clean(r#"<p><a href="/about/">me</a> <img src="/uploads/a.jpg" alt="x"></p>"#)
            .to_string();
        assert!(
            html.contains(r#"href="https://blog.example/about/""#),
            "{html}"
        );
        assert!(
            html.contains(r#"src="https://blog.example/uploads/a.jpg""#),
            "{html}"
        );
    }
}
