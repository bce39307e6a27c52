//! The IndieWeb protocols: Micropub (apps post here), IndieAuth (apps get a token from the
//! owner), Webmention (other sites reply and mention; this site tells the pages it links), and
//! the MetaWeblog XML-RPC API that MarsEdit speaks.

pub mod indieauth;
pub mod micropub;
pub mod webmention;
pub mod xmlrpc;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::App;

/// Wraps the home page and permalinks with the `Link` headers that IndieWeb clients look for
/// before the HTML: the Webmention endpoint on every page, and on the home page (the owner's
/// identity) Micropub and IndieAuth. It sits outside the page cache, so cached answers carry
/// them too.
pub struct Discovery<E>(pub E);

impl<E: Endpoint> Endpoint for Discovery<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let home = req.uri().path() == "/";
        let links: Vec<String> = match req.data::<App>() {
            Some(app) => {
                let base = &app.config.base_url;
                let mut links = vec![format!(
                    "<{}>; rel=\"webmention\"",
                    base.join(webmention::PATH)
                )];
                if home {
                    links.extend([
                        format!("<{}>; rel=\"micropub\"", base.join("/micropub")),
                        format!(
                            "<{}>; rel=\"indieauth-metadata\"",
                            base.join("/.well-known/oauth-authorization-server")
                        ),
                        format!(
                            "<{}>; rel=\"authorization_endpoint\"",
                            base.join("/indieauth/auth")
                        ),
                        format!(
                            "<{}>; rel=\"token_endpoint\"",
                            base.join("/indieauth/token")
                        ),
                    ]);
                }
                links
            }
            None => Vec::new(),
        };
        let mut response = self.0.call(req).await?.into_response();
        if response.status().is_success() {
            for link in links {
                if let Ok(value) = HeaderValue::from_str(&link) {
                    response.headers_mut().append("link", value);
                }
            }
        }
        Ok(response)
    }
}
