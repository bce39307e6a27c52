//! Bookmarks (`/admin/bookmarks`): the saved links, newest first, narrowed by tag or by read
//! and unread, with the bookmarklet; and the form that saves a link
//! (`/admin/bookmarks/new?url=…&title=…`), which the bookmarklet and the phone's share sheet
//! (the panel's web app manifest) open. Saving needs the session and the form's token like
//! every form of the panel.

use poem::web::{Data, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use super::FieldError;
use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::bookmarks::save::{self, Link, Saved};
use crate::ctx;
use crate::error::Result;
use crate::paging::Page;
use crate::render::{escape_html, time};
use crate::store::bookmarks::{self, Bookmark, Filter};

const PER_PAGE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Words to search for: the list becomes the bookmarks that match, best first.
    q: Option<String>,
    tag: Option<String>,
    /// "unread", "read" or "highlighted".
    state: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

/// Search results shown at most.
const FOUND_SHOWN: u32 = 100;

/// A bookmark as its row shows it.
#[derive(Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub bookmark: Bookmark,
    /// The site's host, shown beside the title.
    pub host: String,
    pub saved: String,
    /// For a search: the archived text around the match, escaped, the match in `<mark>`.
    pub snippet: String,
}

pub fn row(bookmark: Bookmark, tz: chrono_tz::Tz) -> Row {
    Row {
        host: crate::urls::host(&bookmark.url).unwrap_or_default(),
        saved: time::display_date(bookmark.created_at, tz),
        bookmark,
        snippet: String::new(),
    }
}

/// A search snippet made safe to show: its text escaped, then its match marks made `<mark>`.
fn snippet_html(snippet: &str) -> String {
    escape_html(snippet)
        .replace(bookmarks::MATCH_START, "<mark>")
        .replace(bookmarks::MATCH_END, "</mark>")
}

#[handler]
pub async fn index(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let tz = time::zone(&app.settings().await?.timezone);
    let filter = Filter {
        tag: q.tag.clone().filter(|t| !t.is_empty()),
        unread: match q.state.as_deref() {
            Some("unread") => Some(true),
            Some("read") => Some(false),
            _ => None,
        },
        highlighted: q.state.as_deref() == Some("highlighted"),
    };
    let page = Page::new(q.page, PER_PAGE);
    let search = q.q.clone().unwrap_or_default().trim().to_string();
    // One read for the list (or the search), the tags and the imported pages still waiting.
    let (typed, wanted) = (search.clone(), filter.clone());
    let (limit, offset) = (page.fetch(), page.offset());
    let (found, tags, waiting) = app
        .db
        .read(move |c| {
            let found: Vec<(Bookmark, String)> = if typed.is_empty() {
                bookmarks::list(c, &wanted, limit, offset)?
                    .into_iter()
                    .map(|b| (b, String::new()))
                    .collect()
            } else {
                bookmarks::search(c, &typed, FOUND_SHOWN)?
            };
            Ok((found, bookmarks::tags(c)?, bookmarks::imported_waiting(c)?))
        })
        .await?;
    // A search shows its best matches on one page.
    let (found, prev, next) = if search.is_empty() {
        page.split(found)
    } else {
        (found, None, None)
    };
    let rows: Vec<Row> = found
        .into_iter()
        .map(|(b, snippet)| Row {
            snippet: snippet_html(&snippet),
            ..row(b, tz)
        })
        .collect();
    let tags: Vec<_> = tags
        .into_iter()
        .map(|(name, count)| ctx! { name, count })
        .collect();
    // Opens this form on the owner's site with the page being read.
    let bookmarklet = format!(
        "javascript:location.href='{}?url='+encodeURIComponent(location.href)+'&title='+encodeURIComponent(document.title)",
        app.config.base_url.join("/admin/bookmarks/new")
    );
    super::render(
        app,
        &admin,
        "bookmarks.html",
        "bookmarks",
        q.done.as_deref(),
        ctx! {
            rows, tags, prev, next, bookmarklet, search, waiting,
            tag => filter.tag, state => q.state,
        },
    )
    .await
}

#[derive(Deserialize, Serialize, Default)]
pub struct NewForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
    /// What a share sheet sends beside the title: often the link itself, or a quote.
    #[serde(default)]
    text: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    note: String,
}

impl NewForm {
    /// A share sheet may send the link in `text` rather than `url`.
    fn link(&self) -> String {
        if !self.url.trim().is_empty() {
            return self.url.trim().to_string();
        }
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("https://") || w.starts_with("http://"))
            .unwrap_or_default()
            .to_string()
    }
}

async fn show_form(
    app: &App,
    admin: &Admin,
    form: &NewForm,
    error: Option<FieldError>,
) -> Result<Response> {
    let refused = error.is_some();
    let url = form.link();
    // Shared text that is not the link itself starts the note.
    let note = if form.note.is_empty() && form.text.trim() != url {
        form.text.trim().to_string()
    } else {
        form.note.clone()
    };
    let mut page = super::render(
        app,
        admin,
        "bookmark_new.html",
        "bookmarks",
        None,
        ctx! { url, title => form.title.clone(), tags => form.tags.clone(), note, error },
    )
    .await?;
    if refused {
        page.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(page)
}

#[handler]
pub async fn new(
    Data(app): Data<&App>,
    admin: Admin,
    Query(form): Query<NewForm>,
) -> Result<Response> {
    show_form(app, &admin, &form, None).await
}

#[handler]
pub async fn create(Data(app): Data<&App>, f: AdminForm<NewForm>) -> Result<Response> {
    let link = Link {
        url: f.form.link(),
        title: f.form.title.clone(),
        note: f.form.note.clone(),
        tags: f.form.tags.clone(),
        source: "panel",
        post_id: None,
    };
    let (key, tags) = match save::check(&link) {
        Ok(checked) => checked,
        Err((field, message)) => {
            let error = FieldError::on(field, message);
            return show_form(app, &f.admin, &f.form, Some(error)).await;
        }
    };
    let saved = app
        .db
        .write(move |tx| save::save(tx, &link, key, tags))
        .await?;
    let to = match saved {
        Saved::New(id) => format!("/admin/bookmarks/{id}?done=bookmarked"),
        Saved::Existing(id) => format!("/admin/bookmarks/{id}?done=bookmark_exists"),
    };
    Ok(Redirect::see_other(to).into_response())
}
