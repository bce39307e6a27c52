//! Sending Webmentions (Webmention §3.1): when a post is published, edited or deleted, one job
//! collects the pages it links to (and the ones it was sent to before, so that an edit that
//! removed a link, or a deletion, is heard there too) and queues one job per page. That job
//! discovers the page's endpoint afresh with one GET (endpoints may work only once, as
//! webmention.rocks' do) and POSTs `source` and `target` to it. Each outcome is recorded for
//! the post's edit screen.

use anyhow::{Result, bail};
use rusqlite::Connection;
use scraper::{Html, Selector};
use url::Url;

use crate::app::App;
use serde::{Deserialize, Serialize};

use crate::jobs::{self, Task};
use crate::net::{self, NetError};
use crate::posts::changed::PostChanged;
use crate::store::ids::PostId;
use crate::store::posts;
use crate::store::{self, webmentions};

use super::discover;

/// The page of a link is read up to this size to find its endpoint; a larger one is refused.
const MAX_PAGE_BYTES: u64 = net::DEFAULT_MAX_BYTES;
/// An endpoint's answer is only logged: read little of it.
const MAX_ANSWER_BYTES: u64 = 16 * 1024;
/// Links longer than this are not sent; nobody's endpoint would take them.
const MAX_TARGET_CHARS: usize = 2000;
/// What the endpoint said, shown to the owner: its first line, this long at most.
const MAX_DETAIL_CHARS: usize = 200;

/// Queue a Webmention for every page a post links to (or was sent to before).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendWebmentions {
    pub post_id: PostId,
}

impl Task for SendWebmentions {
    const KIND: &'static str = "send_webmentions";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Discover one page's Webmention endpoint and notify it of the post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendWebmention {
    pub post_id: PostId,
    pub target: String,
}

impl Task for SendWebmention {
    const KIND: &'static str = "send_webmention";
    /// An endpoint gets tries over about two hours.
    const MAX_ATTEMPTS: u32 = 8;
}

/// Queues the job that sends a post's Webmentions, in the caller's transaction: whenever a post
/// becomes public, changes while public or is taken down. A newer change replaces a job that
/// has not run yet. A post that links to no page, and was never sent to one, has no one to
/// tell: no job is queued for it (most posts, on a site that writes many).
pub fn post_changed(tx: &Connection, changed: &PostChanged, base: &str) -> Result<()> {
    let job = SendWebmentions {
        post_id: changed.post_id,
    };
    jobs::cancel(tx, &job)?;
    if !current_targets(tx, changed.post_id, base)?.is_empty() {
        jobs::enqueue(tx, &job, store::now())?;
    }
    Ok(())
}

/// The pages the post's Webmentions go to: those it links to now (and its reply and bookmark
/// targets), then those it was sent to before; none for a post that is no longer public.
fn current_targets(tx: &Connection, post_id: PostId, base: &str) -> Result<Vec<String>> {
    let Some(post) = posts::by_id(tx, post_id)? else {
        return Ok(Vec::new());
    };
    if post.path.is_none() {
        return Ok(Vec::new());
    }
    let before = webmentions::sent_for(tx, post_id)?
        .into_iter()
        .map(|s| s.target);
    let context = [post.in_reply_to.as_str(), post.bookmark_of.as_str()];
    Ok(targets(&post.html, context, base, before))
}

/// The first job: one Webmention job per page the post links to now or was sent to before.
pub async fn fan_out(app: &App, SendWebmentions { post_id }: SendWebmentions) -> Result<()> {
    let base = app.config.base_url.to_string();
    app.db
        .write(move |tx| {
            let targets = current_targets(tx, post_id, &base)?;
            for target in &targets {
                webmentions::record_sent(tx, post_id, target, "", "queued", "")?;
                let job = SendWebmention {
                    post_id,
                    target: target.clone(),
                };
                jobs::cancel(tx, &job)?;
                jobs::enqueue(tx, &job, store::now())?;
            }
            Ok(())
        })
        .await
}

/// Pages told about one post at most: a long list of links is a link list, not a conversation,
/// and a post must not make Porch send thousands of requests.
const MAX_TARGETS: usize = 100;

/// Every page to tell about a post: the links in its text (as written: receivers compare the
/// `href` exactly), what it replies to or bookmarks, and the pages told before; not this
/// site's own pages. In order of first appearance, each once.
fn targets(
    html: &str,
    context: [&str; 2],
    base: &str,
    before: impl Iterator<Item = String>,
) -> Vec<String> {
    let doc = Html::parse_fragment(html);
    let links = Selector::parse("a[href]")
        .map(|s| {
            doc.select(&s)
                .filter_map(|a| a.value().attr("href"))
                .map(|h| h.trim().to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let own = Url::parse(base).ok().map(|u| u.origin());
    let mut out: Vec<String> = Vec::new();
    let context = context.map(|c| c.trim().to_string());
    for link in links.into_iter().chain(context).chain(before) {
        let Ok(url) = Url::parse(&link) else { continue };
        let elsewhere = matches!(url.scheme(), "http" | "https") && Some(url.origin()) != own;
        if elsewhere && link.len() <= MAX_TARGET_CHARS && !out.contains(&link) {
            out.push(link);
        }
        if out.len() == MAX_TARGETS {
            break;
        }
    }
    out
}

/// How one send went.
struct Attempt {
    endpoint: String,
    status: &'static str,
    detail: String,
    /// A passing failure (the network, a server error): the job is tried again later.
    retry: bool,
}

/// The second job: discover `target`'s endpoint and send it the post's Webmention.
pub async fn send_one(app: &App, SendWebmention { post_id, target }: SendWebmention) -> Result<()> {
    let Some(path) = app
        .db
        .read(move |c| Ok(posts::by_id(c, post_id)?.and_then(|p| p.path)))
        .await?
    else {
        return Ok(());
    };
    let source = app.config.base_url.join(&path);
    let attempt = send(app, &source, &target).await?;
    let (status, detail, retry) = (attempt.status, attempt.detail.clone(), attempt.retry);
    app.db
        .write(move |tx| {
            webmentions::record_sent(
                tx,
                post_id,
                &target,
                &attempt.endpoint,
                attempt.status,
                &attempt.detail,
            )
        })
        .await?;
    if retry {
        bail!("webmention: {status}: {detail}");
    }
    Ok(())
}

async fn send(app: &App, source: &str, target: &str) -> Result<Attempt> {
    let failed = |endpoint: &str, e: NetError| Attempt {
        endpoint: endpoint.to_string(),
        retry: matches!(e, NetError::Timeout | NetError::Other(_)),
        status: if matches!(e, NetError::Timeout | NetError::Other(_)) {
            "error"
        } else {
            "failed"
        },
        detail: cut(&e.to_string()),
    };
    let page = match app
        .http
        .fetch(
            target,
            "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
            MAX_PAGE_BYTES,
        )
        .await
    {
        Ok(page) => page,
        Err(e) => return Ok(failed("", e)),
    };
    let page_url = Url::parse(&page.url).or_else(|_| Url::parse(target));
    let html = page.header("content-type").is_none_or(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("text/html") || t.starts_with("application/xhtml+xml")
    });
    let status = page.status;
    // Reading the page is parsing up to a few megabytes of HTML: off the async threads.
    let found = tokio::task::spawn_blocking(move || {
        let body = String::from_utf8_lossy(&page.body);
        page_url
            .ok()
            .and_then(|u| discover::endpoint(&u, &page.headers, &body, html))
    })
    .await?;
    let Some(endpoint) = found else {
        return Ok(Attempt {
            endpoint: String::new(),
            status: "no endpoint",
            detail: format!("the page answered {status} and names no endpoint"),
            retry: false,
        });
    };
    let endpoint = endpoint.to_string();
    // Only in the body: a query string the endpoint has stays as it is (webmention.rocks 21).
    let form =
        serde_urlencoded::to_string([("source", source), ("target", target)]).unwrap_or_default();
    let headers = vec![
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_string(),
        ),
        ("Accept", "*/*".to_string()),
    ];
    let answer = match app
        .http
        .send(&endpoint, headers, form.into_bytes(), MAX_ANSWER_BYTES)
        .await
    {
        Ok(answer) => answer,
        Err(e) => return Ok(failed(&endpoint, e)),
    };
    let first_line = String::from_utf8_lossy(&answer.body)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(cut)
        .unwrap_or_default();
    let (status, retry) = match answer.status {
        200..=299 => ("sent", false),
        500..=599 => ("error", true),
        _ => ("failed", false),
    };
    let mut detail = answer.status.to_string();
    if let Some(location) = answer.header("location").filter(|_| answer.status == 201) {
        detail.push_str(&format!(" (status at {})", cut(location)));
    } else if !first_line.is_empty() && status != "sent" {
        detail.push_str(&format!(": {first_line}"));
    }
    Ok(Attempt {
        endpoint,
        status,
        detail,
        retry,
    })
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_DETAIL_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_that_links_nowhere_and_never_did_queues_no_job() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::create_fresh(&mut conn).unwrap();
        let base = "https://blog.example";
        let post = |html: &str, path: &str| {
            conn.query_row(
                "INSERT INTO posts (kind, status, markdown, html, path, published_at, created_at,
                                    updated_at)
                 VALUES ('post', 'published', '', ?1, ?2, 1, 1, 1) RETURNING id",
                (html, path),
                |r| r.get::<_, PostId>(0),
            )
            .unwrap()
        };
        let quiet = post(
            "<p>Only <a href=\"/about/\">my own page</a>.</p>",
            "/a.html",
        );
        let linking = post(
            "<p>See <a href=\"https://else.example/\">this</a>.</p>",
            "/b.html",
        );
        let queued = |conn: &Connection, id: PostId| -> i64 {
            let changed = PostChanged {
                post_id: id,
                change: crate::posts::changed::Change::Created,
            };
            post_changed(conn, &changed, base).unwrap();
            conn.query_row(
                "SELECT count(*) FROM jobs WHERE kind = 'send_webmentions' AND payload = ?1",
                [serde_json::to_string(&SendWebmentions { post_id: id }).unwrap()],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(queued(&conn, quiet), 0);
        assert_eq!(queued(&conn, linking), 1);
        // Once sent to a page, a change that drops the link still tells that page.
        webmentions::record_sent(&conn, quiet, "https://was.example/", "", "sent", "").unwrap();
        assert_eq!(queued(&conn, quiet), 1);
    }

    #[test]
    fn targets_are_the_links_as_written_then_context_then_earlier_ones() {
        let html = r#"<p><a href="https://a.example/x?b=1&amp;c=2">a</a> <a href="/about/">me</a>
               <a href="https://blog.example/2024/01/01/old.html">old</a> <a href="mailto:x@y.example">m</a>
               <a href="https://a.example/x?b=1&amp;c=2">again</a></p>"#;
        let before = vec![
            "https://gone.example/".to_string(),
            "https://r.example/post".to_string(),
        ];
        assert_eq!(
            targets(
                html,
                ["https://r.example/post", ""],
                "https://blog.example",
                before.into_iter()
            ),
            vec![
                "https://a.example/x?b=1&c=2",
                "https://r.example/post",
                "https://gone.example/"
            ]
        );
    }
}
