//! The readable article of a fetched page: what the archived copy of a bookmark keeps.
//!
//! The page first passes `render::nesting` (a page nested deeper than `MAX_DEPTH` is refused
//! before any other parser sees it: deep recursion would overflow a stack and kill the server),
//! and a page with more than `MAX_ELEMENTS` elements is refused too. `dom_smoothie` (a port of
//! Firefox's Readability) then finds the article and its title, byline, site name, date and lead
//! image; the article is sanitized with a policy of its own (text, headings, lists, tables,
//! quotes, code, links and images; every URL made absolute against the page, http and https
//! only); and its plain text and the images it shows are read from the sanitized copy.
//!
//! `rewrite_images` then points the images at the copies kept locally and drops every other,
//! so that the archived copy, shown in the panel, never makes a request to another site.
//!
//! All of this is CPU work on a page of up to a few megabytes: run it off the async threads.

use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};
use dom_smoothie::{Config, Readability, ReadabilityError};
use ego_tree::iter::Edge;
use scraper::{Html, Node};
use url::Url;

use crate::render::nesting::{self, MAX_DEPTH};

/// The most elements a page may have. Long articles have a few thousand; the scoring of every
/// candidate is what grows with this.
pub const MAX_ELEMENTS: usize = 20_000;

/// The article found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The page's title as Readability reads it (`og:title`, `<title>`, the first heading),
    /// whitespace collapsed; empty if the page has none.
    pub title: String,
    pub author: Option<String>,
    pub site_name: Option<String>,
    /// The publication date as the page gives it (usually ISO 8601, not guaranteed).
    pub published: Option<String>,
    /// The page's lead image (`og:image` and the like), an absolute http or https URL.
    pub lead_image: Option<String>,
    /// The article, sanitized: every link and image absolute, images still remote.
    pub html: String,
    /// The article's plain text: whitespace collapsed within each block (paragraph, heading,
    /// list item, quote, caption, table row), blocks separated by a blank line, a `<br>` kept as
    /// a line break.
    pub text: String,
    /// The `src` of every `<img>` in `html`, in order of appearance, each once.
    pub images: Vec<String>,
}

/// Why no article could be read from a page. The messages are meant for the owner (a failed
/// archive shows its reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the page's address is not an http or https URL")]
    BadUrl,
    #[error("the page nests its HTML more than {MAX_DEPTH} elements deep and was not read")]
    TooDeep,
    #[error("the page has {0} HTML elements, more than the {MAX_ELEMENTS} read at most")]
    TooManyElements(usize),
    #[error("no readable article was found on the page")]
    NoArticle,
}

impl From<nesting::TooDeep> for ExtractError {
    fn from(_: nesting::TooDeep) -> ExtractError {
        ExtractError::TooDeep
    }
}

/// Reads the article of the page `html`, fetched from `page_url` (the address after redirects:
/// relative links resolve against it). A page with no readable text is `NoArticle`; a page with
/// little (a home page, a list of links) gives what Readability found, however short.
pub fn extract(html: &str, page_url: &str) -> Result<Article, ExtractError> {
    let base = Url::parse(page_url).map_err(|_| ExtractError::BadUrl)?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        return Err(ExtractError::BadUrl);
    }

    // Nothing else parses the page before this.
    let guarded = nesting::parse_document(html)?;
    let elements = guarded
        .tree
        .nodes()
        .filter(|n| n.value().is_element())
        .count();
    if elements > MAX_ELEMENTS {
        return Err(ExtractError::TooManyElements(elements));
    }
    drop(guarded);

    let config = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let mut readability = Readability::new(html, Some(base.as_str()), Some(config))
        .map_err(|_| ExtractError::BadUrl)?;
    let found = readability.parse().map_err(|e| match e {
        ReadabilityError::BadDocumentURL => ExtractError::BadUrl,
        ReadabilityError::TooManyElements(n, _) => ExtractError::TooManyElements(n),
        ReadabilityError::GrabFailed => ExtractError::NoArticle,
    })?;
    drop(readability);

    // The article is a serialization of part of a tree that passed; parsed again, it is
    // measured again before ammonia parses it.
    nesting::check_fragment(&found.content)?;
    let clean = policy(UrlRelative::RewriteWithBase(base.clone()))
        .clean(&found.content)
        .to_string();
    let mut tree = nesting::parse_fragment(&clean)?;
    // An image whose source was not http or https lost its `src`: it shows nothing.
    drop_images(&mut tree, |_| true);
    let images = images_of(&tree);
    let text = text_of(&tree);
    if text.is_empty() && images.is_empty() {
        return Err(ExtractError::NoArticle);
    }

    Ok(Article {
        title: collapse(&found.title),
        author: present(found.byline),
        site_name: present(found.site_name),
        published: present(found.published_time),
        lead_image: found
            .image
            .and_then(|src| base.join(src.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from),
        html: tree.root_element().inner_html(),
        text,
        images,
    })
}

/// The archived article with each image whose `src` is a key of `local` pointed at its value
/// (the copy kept on this site) and every other image removed, with its attributes and all.
/// The result is sanitized again by the article policy, so it is safe whatever `html` was;
/// HTML nested too deeply to read gives the empty string.
pub fn rewrite_images(html: &str, local: &HashMap<String, String>) -> String {
    let Ok(mut tree) = nesting::parse_fragment(html) else {
        return String::new();
    };
    drop_images(&mut tree, |src| local.contains_key(src));
    let kept = tree.root_element().inner_html();
    // The filter must own what it reads: the entries for the images still there.
    let paths: HashMap<String, String> = images_of(&tree)
        .into_iter()
        .filter_map(|src| local.get(&src).map(|path| (src, path.clone())))
        .collect();
    let mut builder = policy(UrlRelative::PassThrough);
    builder.attribute_filter(move |element, attribute, value| {
        if element == "img" && attribute == "src" {
            paths.get(value).map(|path| path.clone().into())
        } else {
            Some(value.into())
        }
    });
    builder.clean(&kept).to_string()
}

/// What an archived article may contain. Nothing runs, nothing is embedded, nothing is styled;
/// links open nothing and pass no ranking.
fn policy<'a>(relative: UrlRelative<'a>) -> Builder<'a> {
    let tags = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
        "img",
        "figure",
        "figcaption",
        "blockquote",
        "pre",
        "code",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "caption",
        "colgroup",
        "col",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "hr",
        "br",
        "abbr",
        "cite",
        "q",
        "time",
    ];
    let attributes: HashMap<&str, HashSet<&str>> = [
        ("a", &["href"][..]),
        ("img", &["src", "alt", "width", "height"]),
        ("ol", &["start"]),
        ("th", &["colspan", "rowspan", "scope"]),
        ("td", &["colspan", "rowspan"]),
        ("col", &["span"]),
        ("colgroup", &["span"]),
        ("abbr", &["title"]),
        ("time", &["datetime"]),
    ]
    .into_iter()
    .map(|(tag, attrs)| (tag, attrs.iter().copied().collect()))
    .collect();
    let mut b = Builder::empty();
    b.tags(tags.into())
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        // Elements whose content is code, styling, an embedded object or a control, not text.
        .clean_content_tags(
            [
                "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
                "embed", "applet", "svg", "math", "canvas", "audio", "video", "textarea", "select",
                "button", "head", "title",
            ]
            .into(),
        )
        .url_schemes(["http", "https"].into())
        .url_relative(relative)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    b
}

/// Removes every `<img>` whose `src` is missing or not `keep`.
fn drop_images(tree: &mut Html, keep: impl Fn(&str) -> bool) {
    let doomed: Vec<_> = tree
        .tree
        .nodes()
        .filter(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| e.name() == "img" && !e.attr("src").is_some_and(&keep))
        })
        .map(|n| n.id())
        .collect();
    for id in doomed {
        if let Some(mut node) = tree.tree.get_mut(id) {
            node.detach();
        }
    }
}

/// The sources of the images, in order, each once.
fn images_of(tree: &Html) -> Vec<String> {
    let mut seen = HashSet::new();
    tree.tree
        .nodes()
        .filter_map(|n| n.value().as_element())
        .filter(|e| e.name() == "img")
        .filter_map(|e| e.attr("src"))
        .filter(|src| seen.insert(*src))
        .map(String::from)
        .collect()
}

/// Elements that stand as blocks of text of their own.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "figure"
            | "figcaption"
            | "blockquote"
            | "pre"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "caption"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "hr"
            | "div"
            | "section"
            | "article"
    )
}

/// The plain text of a tree, walked without recursion: whitespace collapsed, blocks separated
/// by a blank line, `<br>` and the line breaks of `<pre>` kept.
fn text_of(tree: &Html) -> String {
    let mut text = Text::default();
    let mut in_pre = 0usize;
    for edge in tree.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) => text.push(t, in_pre > 0),
                Node::Element(e) => match e.name() {
                    "br" => text.line_break(),
                    "td" | "th" => text.space(),
                    name if is_block(name) => {
                        text.end_block();
                        if name == "pre" {
                            in_pre += 1;
                        }
                    }
                    _ => {}
                },
                _ => {}
            },
            Edge::Close(node) => {
                if let Some(e) = node.value().as_element()
                    && is_block(e.name())
                {
                    text.end_block();
                    if e.name() == "pre" {
                        in_pre = in_pre.saturating_sub(1);
                    }
                }
            }
        }
    }
    text.end_block();
    text.blocks.join("\n\n")
}

/// Plain text being gathered, block by block.
#[derive(Default)]
struct Text {
    blocks: Vec<String>,
    block: String,
    /// Whitespace was seen since the last word.
    space: bool,
}

impl Text {
    fn push(&mut self, text: &str, preformatted: bool) {
        for c in text.chars() {
            if preformatted && c == '\n' {
                self.line_break();
            } else if c.is_whitespace() {
                self.space = true;
            } else {
                if self.space && !self.block.is_empty() && !self.block.ends_with('\n') {
                    self.block.push(' ');
                }
                self.space = false;
                self.block.push(c);
            }
        }
    }

    fn space(&mut self) {
        self.space = true;
    }

    fn line_break(&mut self) {
        if !self.block.is_empty() && !self.block.ends_with('\n') {
            self.block.push('\n');
        }
        self.space = false;
    }

    fn end_block(&mut self) {
        let block = std::mem::take(&mut self.block);
        let block = block.trim_end();
        if !block.is_empty() {
            self.blocks.push(block.to_string());
        }
        self.space = false;
    }
}

/// Whitespace collapsed to single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A metadata field, if it says anything.
fn present(value: Option<String>) -> Option<String> {
    value.map(|v| collapse(&v)).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE_URL: &str = "https://harbour.example/2024/03/tide-gauges/";

    const SUBJECTS: &[&str] = &[
        "The harbour master",
        "Our field team",
        "A retired surveyor from the county office",
        "The old float gauge",
        "The new radar sensor",
        "Every volunteer on the rota",
        "The tide table printed each winter",
        "A fisherman who had watched the quay for forty years",
        "The data logger in the hut",
        "The council's engineer",
        "Our night shift",
    ];
    const VERBS: &[&str] = &[
        "recorded",
        "questioned",
        "compared",
        "patiently rebuilt",
        "explained",
        "underestimated",
        "checked twice",
        "argued about",
        "photographed",
    ];
    const OBJECTS: &[&str] = &[
        "the spring tides of March",
        "a drift of eleven millimetres a year",
        "the benchmark bolted to the lifeboat station",
        "the readings from the storm of 1987",
        "the silt that gathers in the stilling well",
        "the difference between chart datum and mean sea level",
        "a winter of missing hourly values",
        "the cable that runs under the slipway",
        "the harmonic constants for the estuary",
        "how the pier settles after heavy rain",
        "the calibration sheet signed in pencil",
        "the neighbouring gauge across the bay",
        "the solar panel and its cracked glass",
    ];
    const TAILS: &[&str] = &[
        "although nobody could say why at first",
        "which changed how we planned the summer",
        "and the logbook shows it plainly",
        "so we wrote it down in the shared notebook",
        "because the old records disagreed",
        "while the gulls argued overhead",
        "before the morning ferry left",
        "as the survey from the nineteen sixties had predicted",
    ];

    /// The body paragraphs of the fixture article: sixty paragraphs of three or four sentences.
    fn paragraphs() -> Vec<String> {
        (0..60)
            .map(|p| {
                (0..3 + p % 2)
                    .map(|s| {
                        let k = p * 4 + s;
                        format!(
                            "{} {} {}, {}.",
                            SUBJECTS[(k * 7 + p) % SUBJECTS.len()],
                            VERBS[(k * 5 + s) % VERBS.len()],
                            OBJECTS[(k * 3 + p / 3) % OBJECTS.len()],
                            TAILS[(k + p) % TAILS.len()],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn headings() -> Vec<String> {
        [
            "Why the old gauge drifted",
            "Finding the benchmarks again",
            "Radar over the stilling well",
            "A winter of missing data",
            "What the fishermen knew",
            "Publishing the readings",
            "What comes next",
        ]
        .map(String::from)
        .to_vec()
    }

    /// A news site's page: header, navigation, the article with images, a figure, links,
    /// a quote, a list and code, and in it the things that must not survive (scripts, an event
    /// handler, an iframe, a form, inline styles, a `javascript:` link); then comments, a
    /// sidebar with an advert and a footer.
    fn article_page() -> String {
        let mut body = String::new();
        let headings = headings();
        for (i, text) in paragraphs().iter().enumerate() {
            if i % 9 == 0 {
                body.push_str(&format!("<h2>{}</h2>\n", headings[i / 9]));
            }
            match i {
                4 => body.push_str(&format!(
                    r#"<p style="color:#333" onclick="track('p4')">{text} See the <a href="/2023/11/storm-surge/" target="_blank" onclick="track('link')">storm surge report</a> and <a href="javascript:alert(document.cookie)">this</a>.</p>"#
                )),
                5 => body.push_str(&format!(
                    r#"<figure class="wide" id="fig-1" style="margin:0"><img src="/images/gauge-station.jpg" srcset="/images/gauge-station-2x.jpg 2x" alt="The gauge station at low tide" width="800" height="500" onerror="steal()" style="border:1px solid"><figcaption>The gauge station at low tide, seen from the slipway.</figcaption></figure>
<p>{text}</p>"#
                )),
                12 => body.push_str(&format!(
                    r#"<p>{text}</p><script>document.write('<p>injected by script</p>'); fetch('https://tracker.example/t');</script>"#
                )),
                17 => body.push_str(&format!(
                    r#"<p>{text}</p><iframe src="https://video.example/embed/123" width="560" height="315" allowfullscreen></iframe>"#
                )),
                23 => body.push_str(&format!(
                    r#"<p><img src="https://cdn.harbour.example/img/sensor.png" alt="The radar sensor on its bracket" onclick="zoom(this)" width="640" height="480"></p><p>{text}</p>"#
                )),
                30 => body.push_str(&format!(
                    r#"<p>{text}</p><blockquote><p>The sea does not care about our spreadsheets, but it keeps very good time.</p></blockquote>"#
                )),
                36 => body.push_str(&format!(
                    r#"<p>{text}</p><ul><li>Check the stilling well every month.</li><li>Compare against the neighbouring gauge.</li><li>Keep the pencil calibration sheets.</li></ul>"#
                )),
                41 => body.push_str(&format!(
                    r#"<p>{text}</p><form action="/subscribe" method="post" class="inline-signup"><input type="email" name="email" placeholder="you@example.com"><button type="submit">Sign me up now</button></form>"#
                )),
                47 => body.push_str(&format!(
                    r#"<p>{text}</p><pre><code>level = raw - datum
offset = level - neighbour</code></pre>"#
                )),
                _ => body.push_str(&format!("<p>{text}</p>\n")),
            }
        }
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>How We Rebuilt the Tide Gauge Network | The Harbour Review</title>
<meta property="og:title" content="How We Rebuilt the Tide Gauge Network">
<meta property="og:site_name" content="The Harbour Review">
<meta property="og:image" content="/images/lead.jpg">
<meta name="author" content="Maren Olsen">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<link rel="stylesheet" href="/css/site.css">
<style>body {{ font-family: serif; }} .ad {{ display: block; }}</style>
<script>window.dataLayer = []; function track(e) {{ dataLayer.push(e); }}</script>
</head>
<body class="post-template">
<header class="site-header">
  <a class="logo" href="/">The Harbour Review</a>
  <nav class="main-nav" id="nav">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/archive/">Archive of every quayside digest</a></li>
      <li><a href="/subscribe/">Subscribe to the quayside digest</a></li>
      <li><a href="/about/">About the cooperative</a></li>
    </ul>
  </nav>
</header>
<div class="layout">
<main>
<article class="post">
  <h1 class="post-title">How We Rebuilt the Tide Gauge Network</h1>
  <p class="byline">By Maren Olsen · <time datetime="2024-03-05">5 March 2024</time></p>
  <div class="post-body entry-content">
{body}
  </div>
</article>
<section id="comments" class="comments">
  <h3>3 comments</h3>
  <div class="comment"><p class="comment-author">Zed</p><p>What a wonderful barnacle anecdote, thanks for sharing it with us all.</p></div>
  <div class="comment"><p class="comment-author">Ilse</p><p>My grandmother kept the gauge logbook in the fifties; the barnacle story rings true.</p></div>
  <form class="comment-form" action="/comments" method="post"><textarea name="c">Leave a reply</textarea><button>Post comment</button></form>
</section>
</main>
<aside class="sidebar widget-area">
  <h3>Popular this week</h3>
  <ul>
    <li><a href="/2024/02/keepers/">Lighthouse keepers remember the long winter</a></li>
    <li><a href="/2024/01/ferries/">Ferry timetable changes explained</a></li>
  </ul>
  <div class="ad"><img src="https://ads.example/banner.gif" alt="Advert"></div>
</aside>
</div>
<footer class="site-footer">
  <p>Copyright 2024 Harbour Review Cooperative. Privacy policy. Cookie settings.</p>
</footer>
<script src="/js/app.js"></script>
<script>track('pageview');</script>
</body>
</html>"#
        )
    }

    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    /// The share of the words of `expected` (counted with repetition) found in `text`.
    fn coverage(expected: &[String], text: &str) -> f64 {
        let mut have: HashMap<String, usize> = HashMap::new();
        for w in words(text) {
            *have.entry(w).or_default() += 1;
        }
        let wanted: Vec<String> = expected.iter().flat_map(|t| words(t)).collect();
        let found = wanted
            .iter()
            .filter(|w| match have.get_mut(*w) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            })
            .count();
        found as f64 / wanted.len() as f64
    }

    #[test]
    fn a_long_article_is_read_whole_and_clean() {
        let page = article_page();
        let article = extract(&page, PAGE_URL).unwrap();

        assert_eq!(article.title, "How We Rebuilt the Tide Gauge Network");
        assert_eq!(article.author.as_deref(), Some("Maren Olsen"));
        assert_eq!(article.site_name.as_deref(), Some("The Harbour Review"));
        assert_eq!(article.published.as_deref(), Some("2024-03-05T09:30:00Z"));
        assert_eq!(
            article.lead_image.as_deref(),
            Some("https://harbour.example/images/lead.jpg")
        );

        // The body: at least 90% of its words, and in practice every paragraph whole.
        let mut body = paragraphs();
        body.extend(headings());
        let share = coverage(&body, &article.text);
        assert!(share >= 0.9, "only {:.1}% of the words", share * 100.0);
        let whole = paragraphs()
            .iter()
            .filter(|p| article.text.contains(p.as_str()))
            .count();
        assert!(whole >= 54, "{whole} of 60 paragraphs whole");
        assert!(
            article
                .text
                .contains("The gauge station at low tide, seen from the slipway.")
        );
        assert!(article.text.contains("it keeps very good time"));
        assert!(article.text.contains("Keep the pencil calibration sheets."));

        // Paragraphs are blocks of their own, separated by a blank line.
        let first = &paragraphs()[0];
        assert!(
            article.text.contains(&format!("\n\n{first}\n\n")),
            "{}",
            &article.text[..400.min(article.text.len())]
        );

        // Navigation, comments, the sidebar, the footer and the form are not the article.
        for chrome in [
            "quayside digest",
            "About the cooperative",
            "barnacle",
            "Leave a reply",
            "Lighthouse keepers",
            "Ferry timetable",
            "Harbour Review Cooperative",
            "Cookie settings",
            "Sign me up now",
            "injected by script",
            "dataLayer",
            "font-family",
        ] {
            assert!(!article.text.contains(chrome), "text has {chrome:?}");
            assert!(!article.html.contains(chrome), "html has {chrome:?}");
        }

        // Nothing that runs, embeds, submits or styles survives.
        let lower = article.html.to_lowercase();
        for bad in [
            "<script",
            "onclick",
            "onerror",
            "<iframe",
            "<form",
            "<input",
            "<button",
            "<style",
            "style=",
            "javascript:",
            "class=",
            "id=",
            "target=",
            "srcset",
            "tracker.example",
            "video.example",
            "ads.example",
        ] {
            assert!(!lower.contains(bad), "html has {bad:?}");
        }

        // Links and images are absolute; links carry no ranking and open nothing.
        assert!(
            article.html.contains(
                r#"<a href="https://harbour.example/2023/11/storm-surge/" rel="noopener noreferrer nofollow">storm surge report</a>"#
            ),
            "{}",
            article.html
        );
        assert_eq!(
            article.images,
            [
                "https://harbour.example/images/gauge-station.jpg",
                "https://cdn.harbour.example/img/sensor.png",
            ]
        );
        assert!(article.html.contains("<figure>"));
        assert!(
            article
                .html
                .contains(r#"alt="The gauge station at low tide""#)
        );
        assert!(
            article
                .html
                .contains("<h2>Radar over the stilling well</h2>")
        );
        assert!(article.html.contains("<blockquote>"));
        assert!(article.html.contains("<pre><code>level = raw - datum\n"));
    }

    #[test]
    fn the_article_is_sanitized_by_its_policy() {
        let base = Url::parse(PAGE_URL).unwrap();
        let clean = policy(UrlRelative::RewriteWithBase(base))
            .clean(concat!(
                r#"<div class="x" id="y"><p style="color:red" onmouseover="x()" lang="en" title="t">Hi "#,
                r#"<a href="../other/" target="_blank" rel="me">rel</a> "#,
                r#"<a href="mailto:a@b.example">mail</a> <a href="data:text/html,x">data</a> "#,
                r#"<img src="data:image/png;base64,AAAA" alt="inline"> "#,
                r#"<img src="pic.jpg" srcset="pic-2x.jpg 2x" loading="lazy" alt="pic" width="10" height="20"> "#,
                r#"<svg><circle r="5"/><text>svgtext</text></svg><math><mi>mathtext</mi></math>"#,
                r#"<object data="x.swf">objecttext</object><embed src="y.swf">"#,
                r#"<video src="v.mp4">videotext</video><noscript>noscripttext</noscript>"#,
                r#"<select><option>opt</option></select><span>kept</span> <mark>kept too</mark>"#,
                r#"<time datetime="2024-01-01">then</time> <abbr title="HyperText">HTML</abbr></p>"#,
                r#"<table><tr><td colspan="2" style="x">cell</td></tr></table></div>"#,
            ))
            .to_string();
        assert_eq!(
            clean,
            concat!(
                r#"<p>Hi <a href="https://harbour.example/2024/03/other/" rel="noopener noreferrer nofollow">rel</a> "#,
                r#"<a rel="noopener noreferrer nofollow">mail</a> <a rel="noopener noreferrer nofollow">data</a> "#,
                r#"<img alt="inline"> "#,
                r#"<img src="https://harbour.example/2024/03/tide-gauges/pic.jpg" alt="pic" width="10" height="20"> "#,
                r#"kept kept too<time datetime="2024-01-01">then</time> <abbr title="HyperText">HTML</abbr></p>"#,
                r#"<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>"#,
            )
        );
    }

    #[test]
    fn images_without_a_web_source_are_dropped_from_the_article() {
        let page = format!(
            r#"<html><head><title>Pictures</title></head><body><article>
            <h1>Pictures</h1>
            <p>{}</p>
            <p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="pixel"><img src="ftp://files.example/a.png"><img src="b.png"><img src="b.png"><img src="https://c.example/c.png"></p>
            <p>{}</p></article></body></html>"#,
            paragraphs()[0],
            paragraphs()[1]
        );
        let article = extract(&page, "https://a.example/dir/page").unwrap();
        assert_eq!(
            article.images,
            ["https://a.example/dir/b.png", "https://c.example/c.png"]
        );
        assert_eq!(article.html.matches("<img").count(), 3, "{}", article.html);
        assert!(!article.html.contains("pixel"));
    }

    #[test]
    fn plain_text_keeps_blocks_and_line_breaks() {
        let tree = nesting::parse_fragment(concat!(
            "<h2>  A   heading </h2><p>One\n  paragraph <em>with</em> <a href=x>a link</a>.</p>",
            "<p>Line one<br>line two<br><br>line three</p><ul><li>first</li><li>second</li></ul>",
            "<pre><code>a  =  1\nb = 2\n</code></pre><table><tr><th>k</th><td>v</td></tr>",
            "<tr><td>x</td><td>y</td></tr></table><p>caf&eacute;&nbsp;&amp; &lt;tag&gt;</p>",
            "<blockquote><p>quoted</p></blockquote><p></p><p>   </p><p>end</p>",
        ))
        .unwrap();
        assert_eq!(
            text_of(&tree),
            "A heading\n\nOne paragraph with a link.\n\nLine one\nline two\nline three\n\n\
             first\n\nsecond\n\na = 1\nb = 2\n\nk v\n\nx y\n\ncafé & <tag>\n\nquoted\n\nend"
        );
    }

    #[test]
    fn a_page_nested_too_deeply_is_refused_unread() {
        let page = format!(
            "<html><head><title>Deep</title></head><body>{}<p>{}</p>{}</body></html>",
            "<div>".repeat(2000),
            paragraphs()[0],
            "</div>".repeat(2000)
        );
        // On a thread with the stack a blocking task gets, to show nothing recurses into it.
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || extract(&page, PAGE_URL))
            .unwrap();
        assert_eq!(handle.join().unwrap(), Err(ExtractError::TooDeep));
        let unclosed = format!("<title>x</title>{}", "<section><div>".repeat(50_000));
        assert_eq!(extract(&unclosed, PAGE_URL), Err(ExtractError::TooDeep));
    }

    #[test]
    fn a_page_nested_just_inside_the_limit_is_read_on_a_small_stack() {
        let depth = MAX_DEPTH - 10;
        let text = paragraphs()[..6].join("</p><p>");
        let page = format!(
            "<html><head><title>Nested</title></head><body>{}<article><p>{text}</p></article>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || extract(&page, PAGE_URL))
            .unwrap();
        let article = handle.join().unwrap().unwrap();
        assert!(article.text.contains(&paragraphs()[5]), "{}", article.text);
        let html = rewrite_images(&article.html, &HashMap::new());
        assert!(html.contains(&paragraphs()[5]));
    }

    #[test]
    fn a_page_with_too_many_elements_is_refused() {
        let page = format!(
            "<html><head><title>Big</title></head><body>{}</body></html>",
            "<p>x</p>".repeat(MAX_ELEMENTS)
        );
        assert!(matches!(
            extract(&page, PAGE_URL),
            Err(ExtractError::TooManyElements(n)) if n > MAX_ELEMENTS
        ));
    }

    #[test]
    fn empty_pages_are_no_article_and_thin_pages_little_text() {
        // Nothing to read at all: an error the owner sees as the archive's failure.
        for page in [
            "",
            "<html><head><title>Empty</title></head><body></body></html>",
            "<html><body><script>app.start()</script><div id=root></div></body></html>",
        ] {
            assert_eq!(
                extract(page, PAGE_URL),
                Err(ExtractError::NoArticle),
                "{page}"
            );
        }
        // A page of links and a line of text is not refused: what it has is kept, however
        // little, and nothing of it is dangerous.
        let page = r#"<html><head><title>Welcome</title></head><body>
            <nav><a href="/a">Alpha</a> <a href="/b">Beta</a></nav>
            <div><p>Welcome to my little corner of the web.</p>
            <ul><li><a href="/posts/1">Post one</a></li><li><a href="/posts/2">Post two</a></li></ul></div>
            <script>alert(1)</script></body></html>"#;
        let article = extract(page, PAGE_URL).unwrap();
        assert_eq!(article.title, "Welcome");
        assert!(
            article
                .text
                .contains("Welcome to my little corner of the web.")
        );
        assert!(article.text.len() < 200, "{}", article.text);
        assert!(!article.html.contains("<script"));
    }

    #[test]
    fn the_page_address_must_be_a_web_address() {
        let page = article_page();
        for url in [
            "",
            "not a url",
            "/relative/path",
            "ftp://files.example/a",
            "data:text/html,x",
        ] {
            assert_eq!(extract(&page, url), Err(ExtractError::BadUrl), "{url}");
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            ExtractError::TooDeep.to_string(),
            format!("the page nests its HTML more than {MAX_DEPTH} elements deep and was not read")
        );
        assert_eq!(
            ExtractError::NoArticle.to_string(),
            "no readable article was found on the page"
        );
    }

    #[test]
    fn rewritten_images_are_local_and_the_others_gone() {
        let html = concat!(
            r#"<p>Before</p><figure><img src="https://a.example/one.jpg" alt="One" width="4" height="3"><figcaption>One</figcaption></figure>"#,
            r#"<p><img src="https://b.example/two.png" alt="Two"> middle <img src="https://a.example/one.jpg"></p>"#,
            // Quoting that a tag scanner could misread: a `>` and a whole tag inside attributes.
            r#"<p><img alt='a > b <img src="https://evil.example/1.gif">' src='https://evil.example/2.gif'>"#,
            r#"<img alt="&quot;><img src=https://evil.example/3.gif>" src="https://a.example/one.jpg">"#,
            r#"<img src=https://evil.example/4.gif alt=x>"#,
            r#"<img srcset="https://evil.example/5.gif 2x" src="https://a.example/one.jpg">"#,
            r#"<img alt="no source"><a href="https://b.example/page" rel="noopener noreferrer nofollow">link</a></p>"#,
        );
        let local = HashMap::from([
            (
                "https://a.example/one.jpg".to_string(),
                "/admin/bookmarks/7/images/0a1b.jpg".to_string(),
            ),
            (
                "https://unused.example/x.jpg".to_string(),
                "/admin/bookmarks/7/images/ffff.jpg".to_string(),
            ),
        ]);
        let out = rewrite_images(html, &local);
        assert_eq!(
            out,
            concat!(
                r#"<p>Before</p><figure><img alt="One" height="3" src="/admin/bookmarks/7/images/0a1b.jpg" width="4"><figcaption>One</figcaption></figure>"#,
                r#"<p> middle <img src="/admin/bookmarks/7/images/0a1b.jpg"></p>"#,
                r#"<p><img alt="&quot;&gt;&lt;img src=https://evil.example/3.gif&gt;" src="/admin/bookmarks/7/images/0a1b.jpg">"#,
                r#"<img src="/admin/bookmarks/7/images/0a1b.jpg">"#,
                r#"<a href="https://b.example/page" rel="noopener noreferrer nofollow">link</a></p>"#,
            )
        );
        // Read back by a parser, every image is local.
        let tree = nesting::parse_fragment(&out).unwrap();
        assert_eq!(images_of(&tree), ["/admin/bookmarks/7/images/0a1b.jpg"]);
        assert!(!out.contains("b.example/two"));
        assert!(!out.contains("srcset"));

        // With nothing copied, no image is left; the text and links stay.
        let none = rewrite_images(html, &HashMap::new());
        assert!(!none.contains("<img"), "{none}");
        assert!(none.contains("middle"));
        assert!(none.contains(r#"<a href="https://b.example/page""#));

        // The result is sanitized again whatever it was given.
        let hostile = rewrite_images(
            r#"<p onclick="x()">hi<script>alert(1)</script><iframe src="https://e.example/"></iframe></p>"#,
            &local,
        );
        assert_eq!(hostile, "<p>hi</p>");
        assert_eq!(
            rewrite_images(&"<div>".repeat(MAX_DEPTH + 1), &local),
            String::new()
        );
    }

    #[test]
    fn rewriting_an_extracted_article_leaves_no_remote_image() {
        let article = extract(&article_page(), PAGE_URL).unwrap();
        let local: HashMap<String, String> = article
            .images
            .iter()
            .take(1)
            .map(|src| (src.clone(), "/admin/bookmarks/1/images/a.jpg".to_string()))
            .collect();
        let out = rewrite_images(&article.html, &local);
        let tree = nesting::parse_fragment(&out).unwrap();
        assert_eq!(images_of(&tree), ["/admin/bookmarks/1/images/a.jpg"]);
        assert_eq!(text_of(&tree), article.text);
    }
}
