//! Porch: a single-user, self-hosted blogging appliance. `main.rs` parses the command line and
//! calls `cli::run`; `server::start` wires the app (state, job worker, routes) and serves it.

pub mod acme;
pub mod activitypub;
pub mod admin;
pub mod app;
pub mod auth;
pub mod backup;
pub mod bookmarks;
pub mod books;
pub mod cli;
pub mod config;
pub mod encoding;
pub mod error;
pub mod feeds;
pub mod forms;
pub mod indieweb;
pub mod job_table;
pub mod jobs;
pub mod media;
pub mod middleware;
pub mod net;
pub mod paging;
pub mod portability;
pub mod posts;
pub mod render;
pub mod routes;
pub mod server;
pub mod site;
pub mod store;
pub mod urls;
pub mod xmlrpc;
