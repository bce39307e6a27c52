//! Really Simple Discoverability (`/rsd.xml`): which blogging APIs the site speaks and where.
//! Public pages link it (`<link rel="EditURI">`), so that an app given the blog's address finds
//! the XML-RPC endpoint. MetaWeblog is preferred: it is the API the endpoint covers fully.

use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};
use quick_xml::escape::escape;

use crate::app::App;

#[handler]
pub fn rsd(Data(app): Data<&App>) -> Response {
    let base = &app.config.base_url;
    let home = escape(base.join("/"));
    let api = escape(base.join("/xmlrpc"));
    let apis: String = ["MetaWeblog", "Blogger", "Movable Type", "WordPress"]
        .iter()
        .map(|name| {
            let preferred = *name == "MetaWeblog";
            format!(
                "      <api name=\"{name}\" blogID=\"1\" preferred=\"{preferred}\" apiLink=\"{api}\"/>\n"
            )
        })
        .collect();
    Response::builder()
        .header(header::CONTENT_TYPE, "application/rsd+xml; charset=utf-8")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <rsd version=\"1.0\" xmlns=\"http://archipelago.phrasewise.com/rsd\">\n  \
             <service>\n    \
             <engineName>Porch</engineName>\n    \
             <homePageLink>{home}</homePageLink>\n    \
             <apis>\n{apis}    </apis>\n  \
             </service>\n\
             </rsd>\n"
        ))
}
