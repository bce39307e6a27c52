//! Notifications (`/admin/notifications`): follows, replies, mentions, and the likes and boosts
//! that only the owner ever sees — listed, never counted.

use crate::ctx;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::Serialize;

use super::DoneQuery;
use crate::app::App;
use crate::auth::Admin;
use crate::error::Result;
use crate::render::time;
use crate::store::kinds::NotificationKind;
use crate::store::panel_marks;
use crate::store::remote_posts::{self, Notification};

/// The most recent notifications shown; older ones are still kept.
const SHOWN: u32 = 200;

#[derive(Serialize)]
struct Row {
    n: Notification,
    what: &'static str,
    when: String,
    post_url: Option<String>,
    excerpt: Option<String>,
}

fn describe(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Follow => "followed you",
        NotificationKind::FollowRequest => "asks to follow you",
        NotificationKind::Reply => "replied to",
        NotificationKind::Mention => "mentioned you",
        NotificationKind::Like => "liked",
        NotificationKind::Announce => "boosted",
        NotificationKind::Bookmark => "bookmarked",
        NotificationKind::Move => "moved to a new account",
    }
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    // Opening the list reads it: the badge counts only what arrives after.
    app.db
        .write(|tx| panel_marks::notifications_seen(tx))
        .await?;
    let (list, excerpts) = app
        .db
        .read(|c| {
            let list = remote_posts::notifications(c, SHOWN)?;
            let mut excerpts = Vec::new();
            for n in &list {
                let text = match n.remote_post {
                    Some(id) => remote_posts::by_id(c, id)?.map(|r| r.content_html),
                    None => None,
                };
                excerpts.push(text);
            }
            Ok((list, excerpts))
        })
        .await?;
    let base = &app.config.base_url;
    let rows: Vec<Row> = list
        .into_iter()
        .zip(excerpts)
        .map(|(n, excerpt)| Row {
            what: describe(n.kind),
            when: time::display_date(n.created_at, tz),
            post_url: n.post_path.as_deref().map(|p| base.join(p)),
            excerpt,
            n,
        })
        .collect();
    super::render(
        app,
        &admin,
        "notifications.html",
        "notifications",
        q.done.as_deref(),
        ctx! { rows },
    )
    .await
}
