//! `cargo bench --bench bookmarks_archive`: how long keeping a readable copy of a 200 KB article
//! takes (the CPU part of the archive job: the nesting check, Readability's method, the
//! sanitizing and the image rewrite), as the median of repeated runs in this process.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use porch::bookmarks::extract;

const RUNS: usize = 30;

/// A long article page of about 200 KB: headings, paragraphs, images, links, and the
/// navigation, sidebar, comments and scripts around it that a real page has.
fn article() -> String {
    let mut page = String::from(
        "<!doctype html><html><head><title>A long read about porches</title>\
         <meta property=\"og:site_name\" content=\"Porch Weekly\">\
         <meta name=\"author\" content=\"Ada Example\">\
         <script>var tracking = 1;</script><style>body{margin:0}</style></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/about\">About</a> <a href=\"/shop\">Shop</a></nav>\
         <aside class=\"sidebar\"><h3>Popular</h3><ul><li><a href=\"/x\">Elsewhere</a></li></ul></aside>\
         <article><h1>A long read about porches</h1>",
    );
    let mut n = 0;
    while page.len() < 204_000 {
        n += 1;
        if n % 12 == 0 {
            let _ = write!(page, "<h2>Part {n}</h2>");
        }
        if n % 20 == 0 {
            let _ = write!(
                page,
                "<figure><img src=\"/img/{n}.jpg\" alt=\"Picture {n}\" onclick=\"x()\"><figcaption>Caption {n}</figcaption></figure>"
            );
        }
        let _ = write!(
            page,
            "<p style=\"color:red\">Paragraph {n}: the evening light falls across the boards of the \
             porch, and the conversation turns, as it always does, to the <a href=\"/p/{n}\">garden</a> \
             and the weather and the neighbours, who have built a porch of their own this year, wider \
             and deeper than anyone thought wise, with <em>room</em> for a swing.</p>"
        );
    }
    page.push_str(
        "</article><section id=\"comments\"><h3>Comments</h3><p>First!</p></section>\
         <footer>© Porch Weekly <form><input name=q></form></footer><script>more()</script></body></html>",
    );
    page
}

fn main() {
    let page = article();
    let url = "https://porch.example/articles/long-read";
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut kept = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let found = extract::extract(&page, url).expect("an article");
        let local: HashMap<String, String> = found
            .images
            .iter()
            .map(|u| (u.clone(), "/admin/bookmarks/files/x.jpg".to_string()))
            .collect();
        let html = extract::rewrite_images(&found.html, &local);
        times.push(started.elapsed());
        kept = html.len() + found.text.len();
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "bookmarks_archive: a {} KB article, kept as {} KB of HTML and text: median {:.1} ms, \
         slowest {:.1} ms over {RUNS} runs",
        page.len() / 1024,
        kept / 1024,
        median.as_secs_f64() * 1000.0,
        times[RUNS - 1].as_secs_f64() * 1000.0
    );
}
