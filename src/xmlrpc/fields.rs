//! What a post struct asks for (`title`, `description` and `mt_text_more`, `categories`,
//! `dateCreated`, `post_status`, `wp_slug`), and the Compose and action for the one save path
//! that apply it to a post: only the members sent change anything.

use chrono_tz::Tz;

use crate::posts::save::{self, Action, Compose};
use crate::store::posts::{Kind, Post, Status};
use crate::store::taxonomy::Category;

use super::values::{Naive, Struct, member_date, member_string, member_strings};
use super::wire::Fault;

/// Where an app's "extended entry" begins, as in WordPress.
const MORE: &str = "<!--more-->";
/// How far an app's clock may be off and a date it sends still mean "now".
const CLOCK_SKEW_SECS: i64 = 120;

/// The action that saves `post` again in the state it is in.
pub(super) fn unchanged(post: &Post) -> Action {
    match post.status {
        Status::Scheduled => Action::Schedule(post.published_at.unwrap_or_default()),
        Status::Published => Action::Publish,
        Status::Draft | Status::Deleted => Action::Draft,
    }
}

/// What a post struct asks for; a member left out leaves that part of the post as it is.
pub(super) struct Fields {
    title: Option<String>,
    description: Option<String>,
    more: Option<String>,
    categories: Option<Vec<String>>,
    date: Option<i64>,
    /// From `post_status` (`page_status`), which overrides the `publish` parameter.
    pub(super) publish: Option<bool>,
    slug: Option<String>,
}

impl Fields {
    /// The text sent, if any: the people it names are looked up before the save.
    pub(super) fn text(&self) -> Option<String> {
        (self.description.is_some() || self.more.is_some()).then(|| {
            join_more(
                self.description.as_deref().unwrap_or(""),
                self.more.as_deref().unwrap_or(""),
            )
        })
    }
}

/// Reads a post struct; pages may carry their status as `page_status`.
pub(super) fn read_fields(s: &Struct, kind: Kind, tz: Tz) -> Result<Fields, Fault> {
    let status = match kind {
        Kind::Page => member_string(s, "page_status")?,
        Kind::Post => None,
    };
    let status = match status {
        Some(status) => Some(status),
        None => member_string(s, "post_status")?,
    };
    // Porch has no private or pending posts: they stay drafts, seen by no one.
    let publish = status.and_then(|s| match s.trim() {
        "publish" | "future" => Some(true),
        "draft" | "pending" | "private" => Some(false),
        _ => None,
    });
    // The UTC member is unambiguous; WordPress prefers it too.
    let date = match member_date(s, "date_created_gmt", Naive::Utc)? {
        Some(date) => Some(date),
        None => member_date(s, "dateCreated", Naive::In(tz))?,
    };
    // Apps may send the line breaks of a Mac text view; store them as the composer does.
    let lines = |t: String| t.replace("\r\n", "\n");
    Ok(Fields {
        title: member_string(s, "title")?,
        description: member_string(s, "description")?.map(lines),
        more: member_string(s, "mt_text_more")?.map(lines),
        categories: member_strings(s, "categories")?,
        date,
        publish,
        slug: member_string(s, "wp_slug")?,
    })
}

/// The Compose that applies `f` to `existing` (or makes a new post or page of `kind`).
pub(super) fn compose(
    existing: Option<&Post>,
    kind: Kind,
    f: &Fields,
    publish: Option<bool>,
    known: &[Category],
    now: i64,
) -> Compose {
    let mut c = match existing {
        Some(post) => save::compose_from(post, unchanged(post)),
        None => Compose::new(kind, Action::Draft),
    };
    if let Some(title) = &f.title {
        c.title = title.clone();
    }
    if f.description.is_some() || f.more.is_some() {
        let (before, after) = split_more(&c.markdown);
        c.markdown = join_more(
            f.description.as_deref().unwrap_or(before),
            f.more.as_deref().unwrap_or(after),
        );
    }
    if let Some(names) = &f.categories {
        (c.category_ids, c.new_categories) = save::categories_by_name(names, known);
    }
    if let Some(slug) = &f.slug {
        c.slug = slug.clone();
    }
    c.action = action(existing, publish, f.date, now);
    c
}

/// What a save does with the state an app asks for. Left unsaid, an existing post keeps its
/// state and a new one is a draft (WordPress's rule). A date in the future schedules, one in the
/// past backdates, as in the composer.
fn action(existing: Option<&Post>, publish: Option<bool>, date: Option<i64>, now: i64) -> Action {
    let publish = publish.unwrap_or_else(|| existing.is_some_and(|p| p.status != Status::Draft));
    if !publish {
        return Action::Draft;
    }
    let public = existing.is_some_and(|p| p.path.is_some());
    match date {
        // A draft never dated is shown with the time of its last edit; sent back unchanged,
        // that date floats, as in WordPress, and the post goes out now.
        Some(at) if existing.is_some_and(|p| p.published_at.is_none() && p.updated_at == at) => {
            Action::Publish
        }
        // "Now" by the app's clock, which may be a little off this one.
        Some(at) if !public && (at - now).abs() <= CLOCK_SKEW_SECS => Action::Publish,
        Some(at) => Action::Schedule(at),
        None => match existing {
            Some(post) if post.status == Status::Scheduled => unchanged(post),
            _ => Action::Publish,
        },
    }
}

/// The text before and after the `<!--more-->`, as `description` and `mt_text_more`.
pub(super) fn split_more(markdown: &str) -> (&str, &str) {
    match markdown.split_once(MORE) {
        Some((before, after)) => (before.trim_end(), after.trim_start()),
        None => (markdown, ""),
    }
}

fn join_more(description: &str, more: &str) -> String {
    if more.trim().is_empty() {
        description.to_string()
    } else {
        format!(
            "{}\n\n{MORE}\n\n{}",
            description.trim_end(),
            more.trim_start()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ids::{CategoryId, PostId};

    fn post(status: Status, path: Option<&str>, published_at: Option<i64>) -> Post {
        Post {
            id: PostId(1),
            kind: Kind::Post,
            status,
            title: None,
            markdown: String::new(),
            html: String::new(),
            path: path.map(String::from),
            published_at,
            created_at: 100,
            updated_at: 200,
            in_nav: false,
            nav_order: 0,
            content_warning: String::new(),
            in_reply_to: String::new(),
            bookmark_of: String::new(),
            summary: String::new(),
            other_properties: "{}".into(),
            categories: Vec::new(),
            photos: Vec::new(),
        }
    }

    const NOW: i64 = 1_000_000;

    #[test]
    fn the_text_after_more_round_trips() {
        let joined = join_more("Intro", "The rest\n");
        assert_eq!(joined, "Intro\n\n<!--more-->\n\nThe rest\n");
        assert_eq!(split_more(&joined), ("Intro", "The rest\n"));
        assert_eq!(join_more("Only", " "), "Only");
        assert_eq!(split_more("Only"), ("Only", ""));
    }

    #[test]
    fn new_posts_publish_schedule_backdate_or_stay_drafts() {
        assert_eq!(action(None, None, None, NOW), Action::Draft);
        assert_eq!(
            action(None, Some(false), Some(NOW + 9999), NOW),
            Action::Draft
        );
        assert_eq!(action(None, Some(true), None, NOW), Action::Publish);
        assert_eq!(
            action(None, Some(true), Some(NOW + 60), NOW),
            Action::Publish
        );
        assert_eq!(
            action(None, Some(true), Some(NOW + 3600), NOW),
            Action::Schedule(NOW + 3600)
        );
        assert_eq!(
            action(None, Some(true), Some(NOW - 86400), NOW),
            Action::Schedule(NOW - 86400)
        );
    }

    #[test]
    fn edits_keep_the_state_unless_asked() {
        let published = post(Status::Published, Some("/a/"), Some(500));
        assert_eq!(action(Some(&published), None, None, NOW), Action::Publish);
        assert_eq!(
            action(Some(&published), Some(true), Some(500), NOW),
            Action::Schedule(500)
        );
        assert_eq!(
            action(Some(&published), Some(false), None, NOW),
            Action::Draft
        );
        let scheduled = post(Status::Scheduled, None, Some(NOW + 3600));
        assert_eq!(
            action(Some(&scheduled), Some(true), None, NOW),
            Action::Schedule(NOW + 3600)
        );
        let draft = post(Status::Draft, None, None);
        assert_eq!(action(Some(&draft), None, None, NOW), Action::Draft);
        // The draft's reported date (its last edit) sent back: it goes out now.
        assert_eq!(
            action(Some(&draft), Some(true), Some(200), NOW),
            Action::Publish
        );
    }

    #[test]
    fn categories_are_matched_by_name_and_new_ones_created() {
        let known = [Category {
            id: CategoryId(4),
            name: "Travel".into(),
            slug: "travel".into(),
        }];
        let names = ["travel".to_string(), " ".into(), "Food ".into()];
        assert_eq!(
            save::categories_by_name(&names, &known),
            (vec![CategoryId(4)], vec!["Food".to_string()])
        );
    }
}
