//! The archive: every month with posts (`/archive/`), and each month's posts (`/YYYY/MM/`).

use crate::ctx;
use poem::http::Uri;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::render::time;
use crate::store::posts;

use super::views;

#[derive(Serialize)]
struct Month {
    label: String,
    url: String,
    count: u32,
}

fn month_label(year: i32, month: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_default()
}

#[handler]
pub async fn index(Data(app): Data<&App>) -> Result<Response> {
    let (site, _) = views::site_view(app).await?;
    let rows = app.db.read(posts::months).await?;
    let base = &app.config.base_url;
    let months: Vec<Month> = rows
        .into_iter()
        .filter_map(|(ym, count)| {
            let (y, m) = ym.split_once('/')?;
            Some(Month {
                label: month_label(y.parse().ok()?, m.parse().ok()?),
                url: base.join(&format!("/{ym}/")),
                count,
            })
        })
        .collect();
    let meta = views::listing_meta(
        app,
        &site,
        format!("Archive · {}", site.title),
        base.join("/archive/"),
        format!("Every post on {}, by month.", site.title),
    );
    let body = app
        .templates
        .render("archive.html", ctx! { site, meta, months })?;
    Ok(views::html(body))
}

#[handler]
pub async fn month_page(
    Data(app): Data<&App>,
    Path((year, month)): Path<(String, String)>,
    uri: &Uri,
) -> Result<Response> {
    // `/posts/some-title/` is no month, but may be an imported post's old address.
    let month_of = |y: &str, m: &str| {
        let m = m.parse::<u32>().ok().filter(|m| (1..=12).contains(m))?;
        let y = y.parse::<i32>().ok()?;
        (year.len() == 4 && month.len() == 2).then_some((y, m))
    };
    let Some((y, m)) = month_of(&year, &month) else {
        return super::post_show::not_here(app, uri.path()).await;
    };
    let prefix = format!("/{year}/{month}/");
    let lookup = prefix.clone();
    let list = app.db.read(move |c| posts::in_month(c, &lookup)).await?;
    if list.is_empty() {
        return super::post_show::not_here(app, uri.path()).await;
    }
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let label = month_label(y, m);
    let meta = views::listing_meta(
        app,
        &site,
        format!("{label} · {}", site.title),
        app.config.base_url.join(&prefix),
        format!("Posts from {label}."),
    );
    let body = app.templates.render(
        "list.html",
        ctx! { site, meta, heading => label, posts => views::post_views(app, &list, tz) },
    )?;
    Ok(views::html(body))
}
