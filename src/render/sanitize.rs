//! HTML sanitizing. The owner's own posts get a generous allow-list; anything that arrives from
//! outside will get a stricter one.

use std::sync::LazyLock;

use ammonia::Builder;

/// What a post may contain: ammonia's safe defaults plus the media and layout tags people use in
/// blog posts. No scripts, styles, forms, frames or event handlers.
static OWNER: LazyLock<Builder<'static>> = LazyLock::new(|| {
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
    // A relative link in a post is relative to the site, which is where it will be shown.
    .url_relative(ammonia::UrlRelative::PassThrough)
    .link_rel(Some("noopener"));
    b
});

pub fn owner_html(html: &str) -> String {
    OWNER.clean(html).to_string()
}
