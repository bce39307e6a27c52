//! What an app says about itself at its client_id URL: its name, and where it may be sent back
//! to. The 2024 specification publishes a JSON client metadata document there; older apps an
//! HTML page with `h-app` and `rel="redirect_uri"` links.

use scraper::Selector;

use crate::render::nesting;
use serde_json::Value;

use crate::app::App;

/// A client's page is small; a large answer is not one.
const MAX_CLIENT_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// The app's name as it gives it, or its host when it gives none.
    pub name: String,
    /// Redirect URLs the app lists (needed when one is on another host than the client_id).
    pub redirect_uris: Vec<String>,
    /// Where the app's logo is, as it says.
    pub logo_uri: String,
    /// The logo fetched by Porch and inlined as a `data:` URL, so the consent screen asks no
    /// other server for anything.
    pub logo_data: String,
}

/// A logo is a small picture; anything larger is not shown.
const MAX_LOGO_BYTES: u64 = 256 * 1024;
/// Raster formats only: an SVG could carry script.
const LOGO_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Fetches the logo (blocking) and returns it as a `data:` URL, or empty.
async fn inline_logo(app: &App, url: &str) -> String {
    use base64::Engine;
    let Ok(fetched) = app.http.fetch(url, "image/*", MAX_LOGO_BYTES).await else {
        return String::new();
    };
    let kind = fetched.media_type();
    if fetched.status != 200 || !LOGO_TYPES.contains(&kind.as_str()) {
        return String::new();
    }
    format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&fetched.body)
    )
}

/// Fetches what the app publishes. Never fails: an app that publishes nothing is shown by its
/// URL, and can then only send the owner back to its own host.
pub async fn fetch(app: &App, client_id: &str) -> ClientInfo {
    let fallback = ClientInfo {
        name: crate::urls::host(client_id).unwrap_or_else(|| client_id.to_string()),
        ..ClientInfo::default()
    };
    // A local app (on this machine) is not fetched unless local peers are allowed: the server
    // must not be made to request its own loopback addresses.
    let host = crate::urls::host(client_id).unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "[::1]" | "::1" | "localhost");
    if loopback && !app.config.allow_private_network {
        return fallback;
    }
    let fetched = match app
        .http
        .fetch(
            client_id,
            "application/json, text/html;q=0.9",
            MAX_CLIENT_BYTES,
        )
        .await
    {
        Ok(f) if f.status == 200 => f,
        _ => return fallback,
    };
    let is_json = fetched
        .header("content-type")
        .is_some_and(|t| t.contains("json"));
    let id = client_id.to_string();
    // Reading the page is parsing HTML: off the async threads.
    let parsed = tokio::task::spawn_blocking(move || {
        if is_json {
            from_json(&id, &fetched.body)
        } else {
            from_html(
                &id,
                &String::from_utf8_lossy(&fetched.body),
                fetched.header("link"),
            )
        }
    })
    .await
    .ok()
    .flatten();
    match parsed {
        Some(mut info) => {
            if info.name.trim().is_empty() {
                info.name = fallback.name;
            }
            if !info.logo_uri.is_empty() {
                info.logo_data = inline_logo(app, &info.logo_uri).await;
            }
            info
        }
        None => fallback,
    }
}

/// The JSON document counts only if it names itself: `client_id` must be the URL it came from.
fn from_json(client_id: &str, body: &[u8]) -> Option<ClientInfo> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    if doc.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return None;
    }
    Some(ClientInfo {
        name: doc
            .get("client_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect(),
        redirect_uris: doc
            .get("redirect_uris")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        logo_uri: doc
            .get("logo_uri")
            .and_then(Value::as_str)
            .and_then(|u| crate::urls::resolve(client_id, u))
            .unwrap_or_default(),
        logo_data: String::new(),
    })
}

/// An HTML page: the name of its h-app (or h-x-app), and its `redirect_uri` links, from the
/// `Link` header and `<link>` elements, resolved against the page.
/// A page nesting too deeply to parse safely tells nothing.
fn from_html(client_id: &str, html: &str, link_header: Option<&str>) -> Option<ClientInfo> {
    let doc = nesting::parse_document(html).ok()?;
    let mut redirect_uris = Vec::new();
    if let Some(header) = link_header {
        for part in header.split(',') {
            if let Some((target, params)) = part.split_once(';')
                && params.split(';').any(|p| {
                    p.trim()
                        .trim_start_matches("rel=")
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "redirect_uri")
                })
            {
                let target = target.trim().trim_start_matches('<').trim_end_matches('>');
                redirect_uris.extend(crate::urls::resolve(client_id, target));
            }
        }
    }
    if let Ok(links) = Selector::parse("link[rel~=\"redirect_uri\"][href]") {
        for link in doc.select(&links) {
            if let Some(href) = link.value().attr("href") {
                redirect_uris.extend(crate::urls::resolve(client_id, href));
            }
        }
    }
    let name = Selector::parse(".h-app .p-name, .h-x-app .p-name")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|e| {
            e.text()
                .collect::<String>()
                .trim()
                .chars()
                .take(100)
                .collect()
        })
        .unwrap_or_default();
    let logo_uri = Selector::parse(".h-app .u-logo, .h-x-app .u-logo")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .and_then(|e| e.value().attr("src").or_else(|| e.value().attr("href")))
        .and_then(|u| crate::urls::resolve(client_id, u))
        .unwrap_or_default();
    Some(ClientInfo {
        name,
        redirect_uris,
        logo_uri,
        logo_data: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_client_metadata_document_only_if_it_names_itself() {
        let doc = br#"{"client_id":"https://app.example/","client_name":"Quill","redirect_uris":["https://app.example/cb"]}"#;
        let info = from_json("https://app.example/", doc).unwrap();
        assert_eq!(info.name, "Quill");
        assert_eq!(info.redirect_uris, ["https://app.example/cb"]);
        assert!(from_json("https://other.example/", doc).is_none());
        assert!(from_json("https://app.example/", b"not json").is_none());
    }

    #[test]
    fn reads_an_h_app_and_its_redirect_links() {
        let html = r#"<html><head><link rel="redirect_uri" href="/auth/callback"></head>
            <body><div class="h-app"><a class="u-url p-name" href="/">Indigenous</a></div></body></html>"#;
        let info = from_html(
            "https://app.example/",
            html,
            Some(r#"<https://cb.example/x>; rel="redirect_uri""#),
        )
        .unwrap();
        assert_eq!(info.name, "Indigenous");
        assert_eq!(
            info.redirect_uris,
            ["https://cb.example/x", "https://app.example/auth/callback"]
        );
    }
}
