//! Jobs in words, for the jobs page: "Send Webmention to example.org — DNS lookup failed; next
//! try at 06:29". Each kind in the job table gets one sentence made from its payload and the
//! names of what the payload points at (posts, activities, books, imports), all looked up in
//! one read before the page is made (`Wanted` → `look_up` → `Names`). A kind this file does not
//! know, or a payload that does not parse, is named by its kind alone: the page still lists it,
//! and the raw kind and payload stay on the page behind a disclosure.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use chrono::Datelike;
use chrono_tz::Tz;
use rusqlite::Connection;

use crate::activitypub::delivery::{Deliver, FanOut, Probe};
use crate::activitypub::following::FollowMove;
use crate::bookmarks::archive::ArchiveBookmark;
use crate::bookmarks::import_job::ImportBookmarks;
use crate::books::cover::FetchCover;
use crate::books::import_job::ImportBooks;
use crate::indieweb::webmention::send::{SendWebmention, SendWebmentions};
use crate::indieweb::webmention::verify::VerifyWebmention;
use crate::jobs::{Task, parse};
use crate::media::avatars::FetchAvatar;
use crate::portability::export_job::{ExportSite, RemoveExport};
use crate::portability::import_job::ImportPosts;
use crate::posts::changed::{Change, PostChanged};
use crate::posts::save::PublishPost;
use crate::render::{text, time};
use crate::store::ids::{ActivityId, ActorId, BookId, BookmarkId, ImportId, PostId};
use crate::store::kinds::Verb;
use crate::store::{activities, actors, bookmarks, books, imports, posts};

/// The kind of the daily upkeep job. Its type lives in the job table, which the panel may not
/// name (see ARCHITECTURE.md); kinds are never renamed, and a unit test below holds the two
/// together.
const HOUSEKEEPING: &str = "housekeeping";

/// A job's payload, read as the job table reads it.
#[derive(Debug)]
pub enum Job {
    PostChanged(PostChanged),
    PublishPost(PublishPost),
    FanOut(FanOut),
    Deliver(Deliver),
    Probe(Probe),
    FollowMove(FollowMove),
    FetchAvatar(FetchAvatar),
    VerifyWebmention(VerifyWebmention),
    SendWebmentions(SendWebmentions),
    SendWebmention(SendWebmention),
    FetchCover(FetchCover),
    ImportBooks(ImportBooks),
    ArchiveBookmark(ArchiveBookmark),
    ImportBookmarks(ImportBookmarks),
    ImportPosts(ImportPosts),
    ExportSite(ExportSite),
    RemoveExport(RemoveExport),
    Housekeeping,
}

/// Reads a queued job; None for a kind not known here or a payload that does not parse.
pub fn read(kind: &str, payload: &str) -> Option<Job> {
    Some(match kind {
        PostChanged::KIND => Job::PostChanged(parse(payload).ok()?),
        PublishPost::KIND => Job::PublishPost(parse(payload).ok()?),
        FanOut::KIND => Job::FanOut(parse(payload).ok()?),
        Deliver::KIND => Job::Deliver(parse(payload).ok()?),
        Probe::KIND => Job::Probe(parse(payload).ok()?),
        FollowMove::KIND => Job::FollowMove(parse(payload).ok()?),
        FetchAvatar::KIND => Job::FetchAvatar(parse(payload).ok()?),
        VerifyWebmention::KIND => Job::VerifyWebmention(parse(payload).ok()?),
        SendWebmentions::KIND => Job::SendWebmentions(parse(payload).ok()?),
        SendWebmention::KIND => Job::SendWebmention(parse(payload).ok()?),
        FetchCover::KIND => Job::FetchCover(parse(payload).ok()?),
        ImportBooks::KIND => Job::ImportBooks(parse(payload).ok()?),
        ArchiveBookmark::KIND => Job::ArchiveBookmark(parse(payload).ok()?),
        ImportBookmarks::KIND => Job::ImportBookmarks(parse(payload).ok()?),
        ImportPosts::KIND => Job::ImportPosts(parse(payload).ok()?),
        ExportSite::KIND => Job::ExportSite(parse(payload).ok()?),
        RemoveExport::KIND => Job::RemoveExport(parse(payload).ok()?),
        // Its payload says nothing.
        HOUSEKEEPING => Job::Housekeeping,
        _ => return None,
    })
}

/// What the sentences of a page of jobs need looked up.
#[derive(Debug, Default)]
pub struct Wanted {
    posts: BTreeSet<PostId>,
    activities: BTreeSet<ActivityId>,
    actors: BTreeSet<ActorId>,
    books: BTreeSet<BookId>,
    imports: BTreeSet<ImportId>,
    bookmarks: BTreeSet<BookmarkId>,
}

impl Wanted {
    /// Adds what one job's sentence names.
    pub fn add(&mut self, job: &Job) {
        match job {
            Job::PostChanged(j) => {
                self.posts.insert(j.post_id);
            }
            Job::PublishPost(j) => {
                self.posts.insert(j.post_id);
            }
            Job::SendWebmentions(j) => {
                self.posts.insert(j.post_id);
            }
            Job::SendWebmention(j) => {
                self.posts.insert(j.post_id);
            }
            Job::FanOut(j) => {
                self.activities.insert(j.activity_id);
            }
            Job::Deliver(j) => {
                self.activities.insert(j.activity_id);
            }
            Job::Probe(j) => {
                self.activities.insert(j.activity_id);
            }
            Job::FetchAvatar(j) => {
                self.actors.insert(j.actor_id);
            }
            Job::FetchCover(j) => {
                self.books.insert(j.book_id);
            }
            Job::ImportBooks(j) => {
                self.imports.insert(j.import_id);
            }
            Job::ImportBookmarks(j) => {
                self.imports.insert(j.import_id);
            }
            Job::ImportPosts(j) => {
                self.imports.insert(j.import_id);
            }
            Job::ExportSite(_) | Job::RemoveExport(_) => {}
            Job::ArchiveBookmark(j) => {
                self.bookmarks.insert(j.bookmark_id);
            }
            Job::FollowMove(_) | Job::VerifyWebmention(_) | Job::Housekeeping => {}
        }
    }
}

/// The names of what jobs point at. A post maps to its words already quoted (“A title”), or
/// "an untitled post".
#[derive(Debug, Default)]
pub struct Names {
    pub posts: HashMap<PostId, String>,
    pub activities: HashMap<ActivityId, (Verb, Option<PostId>)>,
    /// People by their handle (`@name@host`), or a name or host when they have none.
    pub actors: HashMap<ActorId, String>,
    pub books: HashMap<BookId, String>,
    pub imports: HashMap<ImportId, String>,
    /// Bookmarks by their title, or their link when they have none.
    pub bookmarks: HashMap<BookmarkId, String>,
}

/// Looks up everything `wanted` names. Each set holds the distinct ids of one page of jobs
/// (a few hundred deliveries share one activity), so the lookups are few; posts are one query.
pub fn look_up(c: &Connection, wanted: Wanted) -> Result<Names> {
    let mut names = Names::default();
    let mut post_ids = wanted.posts;
    for id in wanted.activities {
        // An activity that is gone (or unreadable) leaves its job described without it: the
        // page is for looking at the queue, and must not fail over one row.
        if let Ok((verb, post)) = activities::kind_and_post(c, id) {
            post_ids.extend(post);
            names.activities.insert(id, (verb, post));
        }
    }
    let post_ids: Vec<PostId> = post_ids.into_iter().collect();
    for label in posts::labels(c, &post_ids)? {
        let words = post_words(label.title.as_deref(), &label.html_start)
            .map(|w| format!("“{w}”"))
            .unwrap_or_else(|| "an untitled post".to_string());
        names.posts.insert(label.id, words);
    }
    for id in wanted.actors {
        if let Some(actor) = actors::by_id(c, id)? {
            let name = if !actor.handle.is_empty() {
                format!("@{}", actor.handle.trim_start_matches('@'))
            } else if !actor.name.trim().is_empty() {
                actor.name.trim().to_string()
            } else {
                host_of(&actor.uri)
            };
            names.actors.insert(id, name);
        }
    }
    for id in wanted.books {
        if let Some(book) = books::get(c, id)? {
            names.books.insert(id, book.title);
        }
    }
    for id in wanted.imports {
        if let Some(import) = imports::get(c, id)? {
            names.imports.insert(id, import.file_name);
        }
    }
    for id in wanted.bookmarks {
        if let Some(b) = bookmarks::by_id(c, id)? {
            names
                .bookmarks
                .insert(id, if b.title.is_empty() { b.url } else { b.title });
        }
    }
    Ok(names)
}

/// Characters of a post's text that name it when it has no title.
const POST_WORDS_CHARS: usize = 60;

/// Words that name a post in passing: its title, or else the start of its text, cut at a word;
/// None when it has neither (a photo with no caption). The media library uses it too.
pub fn post_words(title: Option<&str>, html: &str) -> Option<String> {
    if let Some(title) = title.map(str::trim).filter(|t| !t.is_empty()) {
        return Some(title.to_string());
    }
    let text = text::plain_text(html);
    if text.is_empty() {
        return None;
    }
    Some(cut(&text, POST_WORDS_CHARS))
}

/// `text` cut to about `max` characters at a word, with an ellipsis when anything was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    match head.rfind(' ') {
        Some(i) if i > 0 => format!("{}…", head[..i].trim_end()),
        _ => format!("{head}…"),
    }
}

/// The sentence for a job: what it does, in words. `job` is what `read` made of it.
pub fn sentence(kind: &str, job: Option<&Job>, names: &Names) -> String {
    let Some(job) = job else {
        return format!("A job of the kind “{kind}”");
    };
    let post = |id: PostId| {
        names
            .posts
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("post {id}, which is no longer there"))
    };
    let activity = |id: ActivityId| match names.activities.get(&id) {
        Some((verb, post_id)) => activity_words(*verb, post_id.map(post)),
        None => "an activity".to_string(),
    };
    match job {
        Job::PostChanged(j) => {
            let p = post(j.post_id);
            match j.change {
                Change::Created => format!("Tell followers and linked pages about {p}"),
                Change::Updated => format!("Tell followers and linked pages that {p} was edited"),
                Change::Withdrawn => {
                    format!("Tell followers and linked pages that {p} was taken down")
                }
            }
        }
        Job::PublishPost(j) => format!("Publish the scheduled post {}", post(j.post_id)),
        Job::FanOut(j) => format!("Send {} to followers", activity(j.activity_id)),
        Job::Deliver(j) => format!(
            "Deliver {} to {}",
            activity(j.activity_id),
            host_of(&j.inbox)
        ),
        Job::Probe(j) => format!(
            "Check whether {} is back, with one try at delivering {}",
            host_of(&j.inbox),
            activity(j.activity_id)
        ),
        Job::FollowMove(j) => format!(
            "Follow the account on {} that moved to {}",
            host_of(&j.old_actor),
            host_of(&j.target)
        ),
        Job::FetchAvatar(j) => match names.actors.get(&j.actor_id) {
            Some(name) => format!("Copy the avatar of {name}"),
            None => "Copy the avatar of someone no longer known here".to_string(),
        },
        Job::VerifyWebmention(j) => format!(
            "Check the Webmention from {} to {}",
            host_of(&j.source),
            path_of(&j.target)
        ),
        Job::SendWebmentions(j) => {
            format!(
                "Send Webmentions for {} to the pages it links to",
                post(j.post_id)
            )
        }
        Job::SendWebmention(j) => format!(
            "Send Webmention to {} for {}",
            host_of(&j.target),
            post(j.post_id)
        ),
        Job::FetchCover(j) => match names.books.get(&j.book_id) {
            Some(title) => format!("Fetch the cover of “{title}”"),
            None => format!(
                "Fetch the cover of book {}, which is no longer there",
                j.book_id
            ),
        },
        Job::ImportBooks(j) => match names.imports.get(&j.import_id) {
            Some(file) => format!("Import books from “{file}”"),
            None => "Import books from an uploaded file".to_string(),
        },
        Job::ImportBookmarks(j) => match names.imports.get(&j.import_id) {
            Some(file) => format!("Import bookmarks from “{file}”"),
            None => "Import bookmarks from an uploaded file".to_string(),
        },
        Job::ImportPosts(j) => match names.imports.get(&j.import_id) {
            Some(file) => format!("Import posts from “{file}”"),
            None => "Import posts from an uploaded archive".to_string(),
        },
        Job::ExportSite(j) => format!(
            "Write an archive of the whole site (export {})",
            j.export_id
        ),
        Job::RemoveExport(j) => format!(
            "Remove the archive of export {}, a day after it was made",
            j.export_id
        ),
        Job::ArchiveBookmark(j) => match names.bookmarks.get(&j.bookmark_id) {
            Some(name) => format!("Keep a readable copy of “{name}”"),
            None => format!(
                "Keep a copy of bookmark {}, which is no longer there",
                j.bookmark_id
            ),
        },
        Job::Housekeeping => "Tidy up: forget expired sign-ins and old records".to_string(),
    }
}

/// An activity as the object of "send" or "deliver".
fn activity_words(verb: Verb, post: Option<String>) -> String {
    match (verb, post) {
        (Verb::Create, Some(p)) => format!("the post {p}"),
        (Verb::Update, Some(p)) => format!("the edit of {p}"),
        (Verb::Delete, Some(p)) => format!("the removal of {p}"),
        (Verb::Update, None) => "the profile update".to_string(),
        (Verb::Delete, None) => "a removal".to_string(),
        (Verb::Create, None) => "a post".to_string(),
        (Verb::Move, _) => "the account's move".to_string(),
        (Verb::Follow, _) => "a follow request".to_string(),
        (Verb::Undo, _) => "an undo of an earlier activity".to_string(),
        (Verb::Accept, _) => "an accepted follow request".to_string(),
        (Verb::Reject, _) => "a refused follow request".to_string(),
        (Verb::Like, _) => "a like".to_string(),
        (Verb::Announce, _) => "a boost".to_string(),
        (Verb::Block, _) => "a block".to_string(),
    }
}

/// The host a URL names, or the text itself (cut) when it is not a URL.
fn host_of(url: &str) -> String {
    crate::urls::host(url).unwrap_or_else(|| cut(url, 60))
}

/// The path of a URL on this site (what a Webmention's target is), or the text itself.
fn path_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| cut(url, 60))
}

/// A job's place in the queue, as the page shows it.
#[derive(Debug)]
pub struct State<'a> {
    pub status: &'a str,
    pub attempts: u32,
    pub run_at: i64,
    pub last_error: &'a str,
}

/// Where a job stands, in words: "DNS lookup failed; next try at 06:29", "waiting to run".
pub fn state_words(state: &State, now: i64, tz: Tz) -> String {
    let problem = error_phrase(state.last_error);
    let when = at(state.run_at, now, tz);
    match state.status {
        "running" => "running now".to_string(),
        "queued" if state.attempts > 0 => {
            let problem = if problem.is_empty() {
                "the last try did not finish".to_string()
            } else {
                problem
            };
            format!("{problem}; next try at {when}")
        }
        "queued" if state.run_at > now => format!("waiting; runs at {when}"),
        "queued" => "waiting to run".to_string(),
        "failed" => {
            let tries = match state.attempts {
                1 => "one try".to_string(),
                n => format!("{n} tries"),
            };
            if problem.is_empty() {
                format!("failed; gave up after {tries}")
            } else {
                format!("{problem}; gave up after {tries}")
            }
        }
        other => other.to_string(),
    }
}

/// A time near now as short as it can be said: "06:29" today, "3 Feb, 06:29" this year.
fn at(ts: i64, now: i64, tz: Tz) -> String {
    let then = time::local(ts, tz);
    let today = time::local(now, tz);
    if then.date_naive() == today.date_naive() {
        then.format("%H:%M").to_string()
    } else if then.year() == today.year() {
        then.format("%-d %b, %H:%M").to_string()
    } else {
        then.format("%-d %b %Y, %H:%M").to_string()
    }
}

/// Characters of an error shown when no shorter phrase is known for it.
const ERROR_CHARS: usize = 100;

/// The last error of a job as a short phrase ("DNS lookup failed", "server error (503)"), or
/// its first line cut short when no phrase fits; "" for no error. The full text stays on the
/// page under the job's details.
pub fn error_phrase(error: &str) -> String {
    let error = error.trim();
    if error.is_empty() {
        return String::new();
    }
    // Words of URLs in the message (an inbox on tls.example) must not pass for the error.
    let words: String = error
        .split_whitespace()
        .filter(|w| !w.contains("://"))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| words.contains(n));
    let phrase = if has(&["not run again on its own"]) {
        "cut off when the server stopped"
    } else if has(&["no job of the kind"]) {
        "this version of Porch does not know this kind of job"
    } else if has(&[
        "host not found",
        "failed to lookup address",
        "name or service not known",
        "nodename nor servname",
        "no address associated",
        "name resolution",
        "dns error",
    ]) {
        "DNS lookup failed"
    } else if has(&["private, loopback or link-local"]) {
        "refused: the address is on a private network"
    } else if has(&["connection refused"]) {
        "connection refused"
    } else if has(&["timed out", "timeout"]) {
        "timed out"
    } else if has(&["connection reset", "broken pipe", "connection aborted"]) {
        "the connection was cut"
    } else if has(&["network is unreachable", "no route to host"]) {
        "the network is unreachable"
    } else if let Some(status) = status_code(&words) {
        return http_phrase(status);
    } else if has(&["certificate", "tls", "handshake"]) {
        "the secure connection (TLS) failed"
    } else if has(&["larger than"]) {
        "the answer was too large"
    } else if has(&[
        "bad payload",
        "missing field",
        "invalid type",
        "unknown variant",
        "expected value",
    ]) {
        "its details could not be read"
    } else if has(&["connection failed"]) {
        "could not connect"
    } else {
        let first = error.lines().next().unwrap_or(error);
        return cut(first, ERROR_CHARS);
    };
    phrase.to_string()
}

/// An HTTP status an error names ("… answered 503", "webmention: error: 503: …").
fn status_code(words: &str) -> Option<u16> {
    for marker in ["answered ", "error: ", "status: "] {
        for (i, _) in words.match_indices(marker) {
            let digits: String = words[i + marker.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.len() == 3
                && let Ok(code) = digits.parse::<u16>()
                && (100..600).contains(&code)
            {
                return Some(code);
            }
        }
    }
    None
}

fn http_phrase(status: u16) -> String {
    match status {
        400 => "the server refused the request (400)".to_string(),
        401 => "not authorized (401)".to_string(),
        403 => "forbidden (403)".to_string(),
        404 => "not found (404)".to_string(),
        410 => "gone (410)".to_string(),
        429 => "too many requests (429)".to_string(),
        500..=599 => format!("server error ({status})"),
        other => format!("the server answered {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ids::PostId;

    fn names() -> Names {
        let mut n = Names::default();
        n.posts.insert(PostId(7), "“Hello there”".into());
        n.activities
            .insert(ActivityId(3), (Verb::Create, Some(PostId(7))));
        n.activities
            .insert(ActivityId(4), (Verb::Update, Some(PostId(7))));
        n.activities.insert(ActivityId(5), (Verb::Follow, None));
        n.books.insert(BookId(2), "Middlemarch".into());
        n.imports.insert(ImportId(9), "goodreads.csv".into());
        n.imports.insert(ImportId(10), "bookmarks.html".into());
        n.bookmarks
            .insert(BookmarkId(4), "The slow craft of bees".into());
        n.actors.insert(ActorId(6), "@bob@mastodon.example".into());
        n
    }

    fn say(kind: &str, payload: &str) -> String {
        sentence(kind, read(kind, payload).as_ref(), &names())
    }

    #[test]
    fn each_kind_in_the_job_table_reads_as_a_sentence() {
        assert_eq!(
            say("post_changed", r#"{"post_id":7,"change":"created"}"#),
            "Tell followers and linked pages about “Hello there”"
        );
        assert_eq!(
            say("post_changed", r#"{"post_id":7,"change":"updated"}"#),
            "Tell followers and linked pages that “Hello there” was edited"
        );
        assert_eq!(
            say("post_changed", r#"{"post_id":7,"change":"withdrawn"}"#),
            "Tell followers and linked pages that “Hello there” was taken down"
        );
        assert_eq!(
            say("publish_post", r#"{"post_id":7}"#),
            "Publish the scheduled post “Hello there”"
        );
        assert_eq!(
            say("fan_out", r#"{"activity_id":4}"#),
            "Send the edit of “Hello there” to followers"
        );
        assert_eq!(
            say(
                "deliver",
                r#"{"activity_id":3,"inbox":"https://mastodon.example/users/bob/inbox"}"#
            ),
            "Deliver the post “Hello there” to mastodon.example"
        );
        assert_eq!(
            say(
                "deliver",
                r#"{"activity_id":5,"inbox":"https://Social.Example/inbox"}"#
            ),
            "Deliver a follow request to social.example"
        );
        assert_eq!(
            say(
                "probe",
                r#"{"activity_id":3,"inbox":"https://down.example/inbox"}"#
            ),
            "Check whether down.example is back, with one try at delivering the post “Hello there”"
        );
        assert_eq!(
            say(
                "follow_move",
                r#"{"old_actor":"https://old.example/users/bob","target":"https://new.example/users/bob"}"#
            ),
            "Follow the account on old.example that moved to new.example"
        );
        assert_eq!(
            say("fetch_avatar", r#"{"actor_id":6}"#),
            "Copy the avatar of @bob@mastodon.example"
        );
        assert_eq!(
            say(
                "verify_webmention",
                r#"{"source":"https://them.example/reply","target":"https://me.example/2026/01/hi"}"#
            ),
            "Check the Webmention from them.example to /2026/01/hi"
        );
        assert_eq!(
            say("send_webmentions", r#"{"post_id":7}"#),
            "Send Webmentions for “Hello there” to the pages it links to"
        );
        assert_eq!(
            say(
                "send_webmention",
                r#"{"post_id":7,"target":"https://example.org/a/page"}"#
            ),
            "Send Webmention to example.org for “Hello there”"
        );
        assert_eq!(
            say("fetch_book_cover", r#"{"book_id":2}"#),
            "Fetch the cover of “Middlemarch”"
        );
        assert_eq!(
            say("import_books", r#"{"import_id":9}"#),
            "Import books from “goodreads.csv”"
        );
        assert_eq!(
            say("import_bookmarks", r#"{"import_id":10}"#),
            "Import bookmarks from “bookmarks.html”"
        );
        assert_eq!(
            say("archive_bookmark", r#"{"bookmark_id":4}"#),
            "Keep a readable copy of “The slow craft of bees”"
        );
        assert_eq!(
            say("housekeeping", "null"),
            "Tidy up: forget expired sign-ins and old records"
        );
    }

    #[test]
    fn what_is_gone_is_said_to_be_gone() {
        assert_eq!(
            say("publish_post", r#"{"post_id":8}"#),
            "Publish the scheduled post post 8, which is no longer there"
        );
        assert_eq!(
            say(
                "deliver",
                r#"{"activity_id":99,"inbox":"https://a.example/inbox"}"#
            ),
            "Deliver an activity to a.example"
        );
        assert_eq!(
            say("fetch_book_cover", r#"{"book_id":3}"#),
            "Fetch the cover of book 3, which is no longer there"
        );
    }

    #[test]
    fn an_unknown_kind_or_a_payload_that_does_not_parse_is_named_by_its_kind() {
        assert_eq!(
            say("mail_digest", r#"{"to":"x"}"#),
            "A job of the kind “mail_digest”"
        );
        assert!(read("deliver", r#"{"inbox":3}"#).is_none());
        assert_eq!(say("deliver", "not json"), "A job of the kind “deliver”");
    }

    #[test]
    fn the_kinds_named_here_are_the_job_tables() {
        use crate::jobs::Task;
        assert_eq!(HOUSEKEEPING, crate::job_table::Housekeeping::KIND);
    }

    #[test]
    fn a_post_is_named_by_its_title_or_the_start_of_its_text() {
        assert_eq!(
            post_words(Some(" A title "), "<p>Text</p>").as_deref(),
            Some("A title")
        );
        assert_eq!(
            post_words(Some(""), "<p>Out in <em>the</em> fields</p>").as_deref(),
            Some("Out in the fields")
        );
        let long = format!("<p>{}</p>", "word ".repeat(40));
        let words = post_words(None, &long).unwrap();
        assert!(words.ends_with("word…"), "{words}");
        assert!(words.chars().count() <= POST_WORDS_CHARS + 1, "{words}");
        assert_eq!(post_words(None, "<p><img src=\"x\" alt=\"\"></p>"), None);
    }

    #[test]
    fn errors_become_short_phrases() {
        let cases = [
            (
                "webmention: error: io: failed to lookup address information: Name or service not known",
                "DNS lookup failed",
            ),
            ("webmention: error: host not found", "DNS lookup failed"),
            (
                "webmention: error: io: Connection refused (os error 111)",
                "connection refused",
            ),
            (
                "https://mastodon.example/inbox: the request timed out",
                "timed out",
            ),
            (
                "https://mastodon.example/inbox answered 503",
                "server error (503)",
            ),
            ("webmention: error: 502: Bad Gateway", "server error (502)"),
            (
                "https://tls.example/inbox answered 429",
                "too many requests (429)",
            ),
            (
                "the cover store answered 500 for https://covers.example/b/id/1-L.jpg",
                "server error (500)",
            ),
            (
                "https://a.example/inbox: refused to connect to a private, loopback or link-local address",
                "refused: the address is on a private network",
            ),
            (
                "It was still running when the server stopped or lost it, 2 times in all (2 of 8 attempts used): it is not run again on its own.",
                "cut off when the server stopped",
            ),
            (
                "job deliver: bad payload: missing field `inbox`",
                "its details could not be read",
            ),
            (
                "no job of the kind \"mail\" is known",
                "this version of Porch does not know this kind of job",
            ),
            ("", ""),
        ];
        for (error, phrase) in cases {
            assert_eq!(error_phrase(error), phrase, "{error}");
        }
        let odd = format!("something odd happened: {}\nsecond line", "x".repeat(200));
        let phrase = error_phrase(&odd);
        assert!(phrase.starts_with("something odd happened"), "{phrase}");
        assert!(phrase.chars().count() <= ERROR_CHARS + 1, "{phrase}");
        assert!(!phrase.contains("second line"), "{phrase}");
    }

    #[test]
    fn the_state_says_what_happened_and_what_comes_next() {
        // 2026-03-04 06:00 UTC.
        let now = 1_772_604_000;
        let tz = Tz::UTC;
        let state = |status, attempts, run_at, last_error| State {
            status,
            attempts,
            run_at,
            last_error,
        };
        assert_eq!(
            state_words(
                &state(
                    "queued",
                    1,
                    now + 29 * 60,
                    "webmention: error: host not found"
                ),
                now,
                tz
            ),
            "DNS lookup failed; next try at 06:29"
        );
        assert_eq!(
            state_words(&state("queued", 0, now, ""), now, tz),
            "waiting to run"
        );
        assert_eq!(
            state_words(&state("queued", 0, now + 2 * 86400, ""), now, tz),
            "waiting; runs at 6 Mar, 06:00"
        );
        assert_eq!(
            state_words(&state("queued", 0, now + 366 * 86400, ""), now, tz),
            "waiting; runs at 5 Mar 2027, 06:00"
        );
        assert_eq!(
            state_words(&state("running", 1, now, ""), now, tz),
            "running now"
        );
        assert_eq!(
            state_words(
                &state("failed", 8, now, "https://x.example/inbox answered 404"),
                now,
                tz
            ),
            "not found (404); gave up after 8 tries"
        );
        assert_eq!(
            state_words(&state("failed", 1, now, ""), now, tz),
            "failed; gave up after one try"
        );
        // In the site's time zone.
        let tokyo = time::zone("Asia/Tokyo");
        assert_eq!(
            state_words(&state("queued", 2, now + 60, "timed out"), now, tokyo),
            "timed out; next try at 15:01"
        );
    }
}
