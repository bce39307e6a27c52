//! The About page (`/about/`): the author's h-card, bio and profile links, followed by the text
//! of the owner's own page titled "About" if there is one.

use crate::ctx;
use poem::web::Data;
use poem::{Response, handler};

use crate::app::App;
use crate::error::Result;
use crate::posts::permalink::ABOUT_PATH;
use crate::render::time;
use crate::store::posts::{self, Status};

use super::views::{self, Meta};

#[handler]
pub async fn about(Data(app): Data<&App>) -> Result<Response> {
    let page = app
        .db
        .read(|c| posts::by_path(c, ABOUT_PATH))
        .await?
        .filter(|p| p.status == Status::Published);
    let (site, settings) = views::site_view(app).await?;
    let tz = time::zone(&settings.timezone);
    let page = page.map(|p| views::post_view(app, &p, tz));
    let meta = Meta {
        title: format!("About · {}", site.title),
        url: app.config.base_url.join(ABOUT_PATH),
        description: crate::render::text::summarize(&site.author.bio_html),
        og_type: "profile",
        image: site.author.avatar.clone(),
        feeds: views::site_feeds(app, &site.title),
    };
    let body = app
        .templates
        .render("about.html", ctx! { site, meta, page })?;
    Ok(views::html(body))
}
