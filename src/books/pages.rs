//! The public bookshelf: `/books/` (a section per public status shelf), `/books/<shelf>/`,
//! `/books/<book>/` and `/books/goals/`. Only books whose status shelf the owner made public
//! are shown anywhere; ratings and notes never are (the views have no field for them).

use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::ctx;
use crate::error::{Failure, Result};
use crate::site::views::{self, FeedLink, SiteView};
use crate::store::book_status::BookStatus;
use crate::store::books::{self, Book, Shelf};
use crate::store::settings::SiteSettings;

use super::views::{self as book_views, PublicBook};

/// Books shown in each section of `/books/`; the shelf's own page has them all.
const SECTION_BOOKS: i64 = 12;
/// Books on one shelf page. A shelf of thousands (an import) is paged.
pub const SHELF_BOOKS: i64 = 500;

#[derive(Serialize)]
struct Section {
    title: String,
    path: String,
    feed: String,
    count: u32,
    books: Vec<PublicBook>,
}

/// What a visitor may see of the owner's shelves: the public status shelves, in order.
fn public_statuses(settings: &SiteSettings) -> Vec<BookStatus> {
    BookStatus::ALL
        .into_iter()
        .filter(|s| settings.book_shelves_public.contains(s))
        .collect()
}

fn shelf_feeds(app: &App, site: &SiteView, title: &str, path: &str) -> Vec<FeedLink> {
    let mut feeds = views::site_feeds(app, &site.title);
    feeds.push(FeedLink {
        title: format!("{title} (JSON Feed)"),
        url: app.config.base_url.join(&format!("{path}feed.json")),
        mime: "application/feed+json",
    });
    feeds
}

#[handler]
pub async fn index(Data(app): Data<&App>) -> Result<Response> {
    let (site, settings) = views::site_view(app).await?;
    let statuses = public_statuses(&settings);
    let year = super::shelf::this_year(&settings.timezone);
    let (sections, shelves, goal, finished) = app
        .db
        .read(move |c| {
            let counts = books::status_counts(c)?;
            let mut sections = Vec::new();
            for status in &statuses {
                let list = books::with_status(c, &[*status], SECTION_BOOKS, 0)?;
                let count = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                let path = book_views::path(status.slug());
                sections.push(Section {
                    title: status.label().to_string(),
                    feed: format!("{path}feed.json"),
                    path,
                    count,
                    books: list.iter().map(book_views::public).collect(),
                });
            }
            let shelves: Vec<Shelf> = books::shelves(c)?
                .into_iter()
                .filter(|s| s.public)
                .collect();
            let goal = books::goals(c)?.into_iter().find(|g| g.year == year);
            let finished = books::finished_count(c, year)?;
            Ok((sections, shelves, goal, finished))
        })
        .await?;
    let mut meta = views::listing_meta(
        app,
        &site,
        format!("Books · {}", site.title),
        app.config.base_url.join("/books/"),
        format!("What {} is reading.", site.author.name),
    );
    meta.feeds = views::site_feeds(app, &site.title);
    let show_goal = settings.book_shelves_public.contains(&BookStatus::Finished);
    let body = app.templates.render(
        "books.html",
        ctx! { site, meta, sections, shelves, goal, finished, year, show_goal },
    )?;
    Ok(views::html(body))
}

/// What a slug under `/books/` names, for a visitor.
pub enum Found {
    Status(BookStatus),
    Shelf(Shelf),
    Book(Box<Book>),
    Goals,
}

/// Finds what `slug` names, if a visitor may see it.
pub async fn find(app: &App, settings: &SiteSettings, slug: String) -> Result<Found> {
    if slug == "goals" {
        return match settings.book_shelves_public.contains(&BookStatus::Finished) {
            true => Ok(Found::Goals),
            false => Err(Failure::not_found()),
        };
    }
    if let Some(status) = BookStatus::from_slug(&slug) {
        return match settings.book_shelves_public.contains(&status) {
            true => Ok(Found::Status(status)),
            false => Err(Failure::not_found()),
        };
    }
    let public = settings.book_shelves_public.clone();
    let found = app
        .db
        .read(move |c| {
            if let Some(shelf) = books::shelf_by_slug(c, &slug)? {
                return Ok(shelf.public.then_some(Found::Shelf(shelf)));
            }
            Ok(books::by_slug(c, &slug)?
                .filter(|b| public.contains(&b.status))
                .map(|b| Found::Book(Box::new(b))))
        })
        .await?;
    found.ok_or_else(Failure::not_found)
}

/// The books a visitor sees on a status shelf or one of the owner's shelves, and its title.
pub async fn shelf_books(
    app: &App,
    settings: &SiteSettings,
    found: &Found,
) -> Result<(String, Vec<Book>)> {
    let public = public_statuses(settings);
    match found {
        Found::Status(status) => {
            let status = *status;
            let list = app
                .db
                .read(move |c| books::with_status(c, &[status], SHELF_BOOKS, 0))
                .await?;
            Ok((status.label().to_string(), list))
        }
        Found::Shelf(shelf) => {
            let id = shelf.id;
            let list = app
                .db
                .read(move |c| books::on_shelf(c, id, &public, SHELF_BOOKS, 0))
                .await?;
            Ok((shelf.name.clone(), list))
        }
        Found::Book(_) | Found::Goals => Err(Failure::not_found()),
    }
}

#[handler]
pub async fn show(Data(app): Data<&App>, Path(slug): Path<String>) -> Result<Response> {
    let (site, settings) = views::site_view(app).await?;
    let found = find(app, &settings, slug).await?;
    match &found {
        Found::Goals => goals(app, site).await,
        Found::Book(book) => book_page(app, site, book),
        Found::Status(_) | Found::Shelf(_) => {
            let (title, list) = shelf_books(app, &settings, &found).await?;
            let path = match &found {
                Found::Status(s) => book_views::path(s.slug()),
                Found::Shelf(s) => book_views::path(&s.slug),
                _ => String::new(),
            };
            let mut meta = views::listing_meta(
                app,
                &site,
                format!("{title} · {}", site.title),
                app.config.base_url.join(&path),
                format!("{title}: books on the shelf of {}.", site.author.name),
            );
            meta.feeds = shelf_feeds(app, &site, &title, &path);
            let books: Vec<PublicBook> = list.iter().map(book_views::public).collect();
            let body = app
                .templates
                .render("bookshelf.html", ctx! { site, meta, title, books })?;
            Ok(views::html(body))
        }
    }
}

fn book_page(app: &App, site: SiteView, book: &Book) -> Result<Response> {
    let book = book_views::public(book);
    let mut meta = views::listing_meta(
        app,
        &site,
        format!("{} · {}", book.title, site.title),
        app.config.base_url.join(&book.path),
        if book.byline.is_empty() {
            book.title.clone()
        } else {
            format!("{} by {}", book.title, book.byline)
        },
    );
    meta.image = book.cover.as_deref().map(|c| app.config.base_url.join(c));
    let body = app
        .templates
        .render("book.html", ctx! { site, meta, book })?;
    Ok(views::html(body))
}

#[derive(Serialize)]
struct YearGoal {
    year: i32,
    target: Option<u32>,
    finished: u32,
}

async fn goals(app: &App, site: SiteView) -> Result<Response> {
    let (goals, per_year) = app
        .db
        .read(|c| Ok((books::goals(c)?, books::finished_per_year(c)?)))
        .await?;
    let mut years: Vec<YearGoal> = per_year
        .iter()
        .map(|(year, finished)| YearGoal {
            year: *year,
            target: goals.iter().find(|g| g.year == *year).map(|g| g.target),
            finished: *finished,
        })
        .collect();
    for g in &goals {
        if !years.iter().any(|y| y.year == g.year) {
            years.push(YearGoal {
                year: g.year,
                target: Some(g.target),
                finished: 0,
            });
        }
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    let meta = views::listing_meta(
        app,
        &site,
        format!("Reading goals · {}", site.title),
        app.config.base_url.join("/books/goals/"),
        format!("How many books {} finished each year.", site.author.name),
    );
    let body = app
        .templates
        .render("reading_goals.html", ctx! { site, meta, years })?;
    Ok(views::html(body))
}
