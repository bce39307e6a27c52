//! Saving a post that an import brings in: the same save as every writer's, stating no
//! `PostChanged` (an import never federates, pings or mails), recorded under the key that finds
//! it again so that importing the same file twice adds nothing, and with the address it had on
//! this same site before kept for a redirect.

use rusqlite::Connection;

use crate::store::ids::PostId;
use crate::store::imported_posts;
use crate::store::settings::SiteSettings;

use super::save::{self, Compose, SaveError, Saved};

/// Where an imported post came from.
pub struct Origin<'a> {
    /// The key it is found again by: its original URL, or the id its file gave it.
    pub source: &'a str,
    /// Its address where it was published before, or empty.
    pub original_url: &'a str,
    /// This site's host: an original address on it keeps working as a redirect.
    pub site_host: Option<&'a str>,
}

/// What importing one post did.
#[derive(Debug)]
pub enum Imported {
    Added(Saved),
    /// It was imported before (this post); nothing was written.
    Existing(PostId),
}

/// Saves `compose` as an imported post, in the caller's transaction, unless a post was already
/// imported from the same source.
pub fn save(
    tx: &Connection,
    settings: &SiteSettings,
    compose: &Compose,
    origin: &Origin,
) -> Result<Imported, SaveError> {
    if let Some(id) = imported_posts::find(tx, origin.source)? {
        return Ok(Imported::Existing(id));
    }
    let saved = save::write(tx, settings, compose, false)?;
    let old_path = old_path(origin, saved.path.as_deref()).unwrap_or_default();
    imported_posts::record(tx, saved.id, origin.source, origin.original_url, &old_path)?;
    Ok(Imported::Added(saved))
}

/// The path of the original address when it was on this site and differs from the permalink.
fn old_path(origin: &Origin, permalink: Option<&str>) -> Option<String> {
    let url = url::Url::parse(origin.original_url).ok()?;
    let host = url.host_str()?;
    if !origin
        .site_host
        .is_some_and(|h| h.eq_ignore_ascii_case(host))
    {
        return None;
    }
    let path = url.path();
    (path != "/" && Some(path) != permalink).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin<'a>(url: &'a str, host: Option<&'a str>) -> Origin<'a> {
        Origin {
            source: url,
            original_url: url,
            site_host: host,
        }
    }

    #[test]
    fn only_an_old_address_on_this_site_that_moved_is_kept() {
        let moved = origin(
            "https://example.org/2019/05/hello-world/",
            Some("example.org"),
        );
        assert_eq!(
            old_path(&moved, Some("/2019/05/04/hello-world.html")).as_deref(),
            Some("/2019/05/hello-world/")
        );
        let same = origin(
            "https://example.org/2019/05/04/hello-world.html",
            Some("EXAMPLE.org"),
        );
        assert_eq!(old_path(&same, Some("/2019/05/04/hello-world.html")), None);
        let elsewhere = origin(
            "https://old.example.net/2019/05/hello/",
            Some("example.org"),
        );
        assert_eq!(old_path(&elsewhere, Some("/2019/05/04/hello.html")), None);
        let no_site = origin("https://example.org/a/", None);
        assert_eq!(old_path(&no_site, Some("/b/")), None);
        assert_eq!(old_path(&origin("urn:x", Some("example.org")), None), None);
    }
}
