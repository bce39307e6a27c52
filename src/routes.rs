//! The one route table, read top to bottom: from a URL you find its handler.

use poem::endpoint::EndpointExt;
use poem::middleware::CatchPanic;
use poem::{Endpoint, IntoEndpoint, Route, get, post};

use crate::activitypub::objects::Negotiated;
use crate::activitypub::{self, actor as ap_actor, discovery};
use crate::app::App;
use crate::indieweb::webmention;
use crate::indieweb::{self, indieauth, micropub};
use crate::site::cache::Cached;
use crate::site::errors::FriendlyErrors;
use crate::xmlrpc;
use crate::{admin, bookmarks, books, encoding, feeds, media, middleware, site};

/// A public page or feed: answered from the page cache with ETag and Last-Modified.
fn page<E: IntoEndpoint>(ep: E) -> Cached<E::Endpoint> {
    Cached {
        inner: ep.into_endpoint(),
        by_query: false,
    }
}

/// The same, for a page whose query string matters (`?q=`, `?page=`).
fn page_by_query<E: IntoEndpoint>(ep: E) -> Cached<E::Endpoint> {
    Cached {
        inner: ep.into_endpoint(),
        by_query: true,
    }
}

pub fn build(app: App) -> impl Endpoint {
    let admin = Route::new()
        // Signing in and out
        .at(
            "/login",
            get(admin::login::show_form).post(admin::login::submit),
        )
        .at("/logout", post(admin::login::logout))
        .at("/logout-everywhere", post(admin::login::logout_everywhere))
        // Posts and pages
        .at("/", get(admin::posts::published))
        .at("/drafts", get(admin::posts::drafts))
        .at("/pages", get(admin::posts::pages))
        // The composer is sent to its own address.
        .at(
            "/new",
            get(admin::compose::new).post(admin::post_save::submit),
        )
        .at(
            "/posts/:id",
            get(admin::compose::edit).post(admin::post_save::submit),
        )
        .at("/posts/:id/delete", post(admin::post_delete::delete))
        .at("/preview", post(admin::preview::preview))
        .at("/handles", get(admin::mentions::suggest))
        .at("/welcome/dismiss", post(admin::welcome::dismiss))
        // Media library
        .at(
            "/media",
            get(admin::media::library).post(admin::media::upload_form),
        )
        .at("/media/:id/alt", post(admin::media::set_alt))
        .at("/media/:id/delete", post(admin::media::delete))
        // The bookshelf
        .at(
            "/books",
            get(admin::books::index).post(admin::books::create),
        )
        .at("/books/new", get(admin::books::new))
        .at("/books/isbn", post(admin::books::add_by_isbn))
        .at("/books/found", post(admin::books::add_found))
        .at(
            "/books/shelves",
            get(admin::bookshelves::index).post(admin::bookshelves::create),
        )
        .at(
            "/books/shelves/visibility",
            post(admin::books::set_visibility),
        )
        .at("/books/shelves/:id", post(admin::bookshelves::update))
        .at(
            "/books/shelves/:id/delete",
            post(admin::bookshelves::delete),
        )
        .at("/books/goals", post(admin::bookshelves::set_goal))
        .at("/books/year", post(admin::bookshelves::year_in_books))
        .at(
            "/books/import",
            get(admin::book_import::index).post(admin::book_import::upload),
        )
        .at("/books/imports/:id", get(admin::book_import::show))
        .at("/books/export.csv", get(admin::book_import::export_csv))
        .at(
            "/books/:id",
            get(admin::book_edit::show).post(admin::book_edit::save),
        )
        .at("/books/:id/move", post(admin::book_edit::move_to))
        .at("/books/:id/post", get(admin::book_edit::post_about))
        .at("/books/:id/delete", post(admin::book_edit::delete))
        // Bookmarks
        .at("/bookmarks", get(admin::bookmarks::index))
        .at(
            "/bookmarks/new",
            get(admin::bookmarks::new).post(admin::bookmarks::create),
        )
        .at(
            "/bookmarks/import",
            get(admin::bookmark_import::index).post(admin::bookmark_import::upload),
        )
        .at("/bookmarks/imports/:id", get(admin::bookmark_import::show))
        // Moving the site in and out
        .at(
            "/import",
            get(admin::site_import::index).post(admin::site_import::upload),
        )
        .at("/imports/:id", get(admin::site_import::show))
        .at("/imports/:id/start", post(admin::site_import::start))
        .at("/imports/:id/cancel", post(admin::site_import::cancel))
        .at(
            "/export",
            get(admin::site_export::index).post(admin::site_export::start),
        )
        .at("/export/:id", get(admin::site_export::show))
        .at("/export/:id/download", get(admin::site_export::download))
        .at(
            "/bookmarks/export.html",
            get(admin::bookmark_import::export_html),
        )
        .at(
            "/bookmarks/export.json",
            get(admin::bookmark_import::export_json),
        )
        .at("/bookmarks/files/:name", get(admin::bookmark::file))
        .at(
            "/bookmarks/:id",
            get(admin::bookmark::reader).post(admin::bookmark::edit),
        )
        .at("/bookmarks/:id/read", post(admin::bookmark::mark_read))
        .at("/bookmarks/:id/archive", post(admin::bookmark::rearchive))
        .at("/bookmarks/:id/delete", post(admin::bookmark::delete))
        .at("/bookmarks/:id/highlights", post(admin::highlights::create))
        .at("/highlights", get(admin::highlights::index))
        .at("/highlights/:id", post(admin::highlights::edit))
        .at("/highlights/:id/delete", post(admin::highlights::delete))
        .at("/manifest.webmanifest", get(admin::manifest::manifest))
        // Categories
        .at(
            "/categories",
            get(admin::categories::index).post(admin::categories::create),
        )
        .at("/categories/:id/rename", post(admin::categories::rename))
        .at("/categories/:id/delete", post(admin::categories::delete))
        // Settings, password, tokens, jobs
        .at(
            "/settings",
            get(admin::settings::site::page).post(admin::settings::site::save),
        )
        .at(
            "/settings/profile",
            get(admin::settings::profile::page).post(admin::settings::profile::save),
        )
        .at(
            "/settings/fediverse",
            get(admin::settings::fediverse::page).post(admin::settings::fediverse::save),
        )
        .at(
            "/settings/topics",
            get(admin::settings::topics::page).post(admin::settings::topics::save),
        )
        .at("/settings/security", get(admin::settings::security::page))
        .at(
            "/password",
            post(admin::settings::security::change_password),
        )
        .at(
            "/tokens",
            get(admin::tokens::index).post(admin::tokens::create_form),
        )
        .at("/tokens/:id/revoke", post(admin::tokens::revoke))
        // The fediverse: follows, notifications, the timeline and replies, moderation
        .at("/fediverse", get(admin::fediverse::index))
        .at("/following", post(admin::fediverse::follow))
        .at("/following/:id/delete", post(admin::fediverse::unfollow))
        .at("/move", post(admin::fediverse::move_account))
        .at("/move/cancel", post(admin::fediverse::cancel_move))
        .at("/followers/:id/approve", post(admin::fediverse::approve))
        .at("/followers/:id/reject", post(admin::fediverse::reject))
        .at("/notifications", get(admin::notifications::index))
        .at("/timeline", get(admin::timeline::index))
        .at("/replies", post(admin::timeline::reply))
        .at("/timeline/:id/bookmark", post(admin::timeline::bookmark))
        .at(
            "/replies/:id/delete",
            post(admin::moderation::delete_own_reply),
        )
        .at("/remote-media", get(admin::remote_media::fetch))
        .at("/moderation", get(admin::moderation::index))
        .at("/moderation/:id/approve", post(admin::moderation::approve))
        .at("/moderation/:id/reject", post(admin::moderation::reject))
        .at("/moderation/:id/delete", post(admin::moderation::remove))
        .at("/blocks/domains", post(admin::moderation::block_domain))
        .at(
            "/blocks/domains/delete",
            post(admin::moderation::unblock_domain),
        )
        .at(
            "/blocks/domains.csv",
            get(admin::moderation::export_domains),
        )
        .at(
            "/blocks/domains/import",
            post(admin::moderation::import_domains),
        )
        .at("/blocks/actors", post(admin::moderation::block_actor))
        .at(
            "/blocks/actors/delete",
            post(admin::moderation::unblock_actor),
        )
        .at("/mutes", post(admin::moderation::mute))
        // IndieAuth: the consent screen
        .at(
            "/indieauth",
            get(admin::indieauth::consent).post(admin::indieauth::decide),
        )
        .at("/jobs", get(admin::jobs::index))
        .at("/jobs/:id/retry", post(admin::jobs::retry))
        .at("/jobs/:id/delete", post(admin::jobs::delete));

    let routes = Route::new()
        // Operations and static files
        .at("/healthz", get(site::statics::healthz))
        .at("/robots.txt", get(site::statics::robots))
        .at("/favicon.ico", get(site::statics::favicon))
        .at("/static/*name", get(site::statics::file))
        .at("/uploads/:name", get(media::serve::serve))
        // First-run setup and the admin panel
        .at(
            "/setup",
            get(admin::setup::show_form).post(admin::setup::submit),
        )
        .nest("/admin", admin::errors::AdminErrors { inner: admin })
        // Feeds
        .at("/feed.xml", get(page(feeds::rss::site)))
        .at("/feed.json", get(page(feeds::json_feed::site)))
        .at(
            "/categories/:slug/feed.xml",
            get(page(feeds::rss::category)),
        )
        .at(
            "/categories/:slug/feed.json",
            get(page(feeds::json_feed::category)),
        )
        .at("/sitemap.xml", get(page(feeds::sitemap::sitemap)))
        .at("/sitemap/:file", get(page(feeds::sitemap::part)))
        // Federation (ActivityPub): discovery, the actor and its collections, the inbox
        .at("/.well-known/webfinger", get(discovery::webfinger))
        .at("/.well-known/host-meta", get(discovery::host_meta))
        .at("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .at("/nodeinfo/2.0", get(discovery::nodeinfo_20))
        .at("/nodeinfo/2.1", get(discovery::nodeinfo_21))
        .at("/actor", get(ap_actor::actor))
        .at("/inbox", post(activitypub::inbox::receive))
        .at("/outbox", get(ap_actor::outbox))
        .at("/followers", get(ap_actor::followers))
        .at("/following", get(ap_actor::following))
        .at("/featured", get(ap_actor::featured))
        .at("/conversations/:id", get(ap_actor::conversation))
        .at("/activities/:id", get(ap_actor::activity))
        .at("/replies/:id", get(ap_actor::own_reply))
        // Micropub: posting from apps, and its media endpoint
        .at(
            "/micropub",
            get(micropub::endpoint::query).post(micropub::endpoint::receive),
        )
        .at(
            "/micropub/media",
            get(micropub::media::query).post(micropub::media::upload_file),
        )
        // IndieAuth: metadata, authorization, tokens
        .at(
            "/.well-known/oauth-authorization-server",
            get(indieauth::metadata),
        )
        .at(
            "/indieauth/auth",
            get(indieauth::authorize::start).post(indieauth::authorize::profile_redemption),
        )
        .at(
            "/indieauth/token",
            get(indieauth::token::verify).post(indieauth::token::exchange),
        )
        .at("/indieauth/introspect", post(indieauth::token::introspect))
        .at("/indieauth/revoke", post(indieauth::token::revoke))
        // Writing apps (MarsEdit): the XML-RPC blogging APIs and their discovery
        .at("/xmlrpc", post(xmlrpc::endpoint))
        .at("/rsd.xml", get(xmlrpc::rsd::rsd))
        // Webmention: other sites tell this one that they link to its posts
        .at(webmention::PATH, webmention::receive::endpoint())
        // The blog
        .at("/page/:n/", get(page(site::home::numbered)))
        .at("/archive/", get(page(site::archive::index)))
        .at("/:year/:month/", get(page(site::archive::month_page)))
        .at("/categories/", get(page(site::lists::categories)))
        .at(
            "/categories/:slug/",
            get(page_by_query(site::lists::category)),
        )
        .at("/topics/", get(page(site::lists::topic_index)))
        .at("/topics/:slug/", get(page_by_query(site::lists::topic)))
        .at("/photos/", get(page_by_query(site::photos::grid)))
        .at("/search/", get(page_by_query(site::search::search)))
        .at("/about/", get(page(site::about::about)))
        // The bookshelf
        .at("/books/", get(page(books::pages::index)))
        .at("/books/:slug/", get(page(books::pages::show)))
        .at("/books/:slug/feed.json", get(page(books::feed::shelf)))
        // Bookmarks the owner made public
        .at("/bookmarks/", get(page_by_query(bookmarks::pages::index)))
        .at("/bookmarks/feed.json", get(page(bookmarks::pages::feed)))
        // Everything else is a permalink (a post, a page, or 404 / 410), and the home page:
        // poem's router sends "/" to a catch-all when there is one. ActivityPub clients asking
        // for a post (or the home page) get its object instead of the HTML.
        .at(
            "/*path",
            get(indieweb::Discovery::new(Negotiated {
                html: page(site::post_show::show),
            })),
        );

    FriendlyErrors { inner: routes }
        .with(middleware::SecurityHeaders)
        .with(middleware::SameOriginPosts)
        .with(encoding::Compression)
        .with(middleware::VaryEncoding)
        .with(CatchPanic::new())
        .with(middleware::RequestLog)
        .data(app)
}
