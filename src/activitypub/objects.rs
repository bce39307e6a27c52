//! Content negotiation on the site's own URLs: a post's permalink (and the home page) serve the
//! ActivityStreams object to a client that asks for it, and HTML to everyone else. Mastodon
//! looks a post up by its URL this way when someone pastes it into search.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::App;
use crate::error::Failure;
use crate::posts::mentions;
use crate::store::posts::{self, Kind, Status};

use super::{actor, convert};

/// Wraps the permalink route: AS2 requests are answered here, the rest go on to the HTML page.
pub struct Negotiated<E> {
    pub html: E,
}

impl<E: Endpoint> Endpoint for Negotiated<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let as2 = (req.method() == Method::GET || req.method() == Method::HEAD)
            && super::wants_as2(req.header(header::ACCEPT).unwrap_or_default());
        if as2 && let Some(app) = req.data::<App>().cloned() {
            return Ok(object_for(&app, req.uri().path()).await?);
        }
        let mut response = self.html.call(req).await?.into_response();
        // Shared caches must not answer an AS2 request with the HTML, or the reverse.
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept"));
        Ok(response)
    }
}

async fn object_for(app: &App, path: &str) -> Result<Response, Failure> {
    if path == "/" {
        return actor::actor_document(app).await;
    }
    let lookup = path.to_string();
    let (post, mentioned) = app
        .db
        .read(move |c| {
            let post = posts::by_path(c, &lookup)?.filter(|p| p.kind == Kind::Post);
            let mentioned = match &post {
                Some(p) => mentions::actors_in(c, &p.markdown)?,
                None => Vec::new(),
            };
            Ok((post, mentioned))
        })
        .await?;
    let post = post.ok_or(Failure::not_found())?;
    let settings = app.settings().await?;
    let object = convert::post_to_object(&app.config.base_url, &settings, &post, &mentioned);
    let mut object = object;
    object["@context"] = convert::context();
    match post.status {
        Status::Published => Ok(actor::as2(&object)),
        Status::Deleted => Ok((StatusCode::GONE, actor::as2(&object)).into_response()),
        Status::Draft | Status::Scheduled => Err(Failure::not_found()),
    }
}
