//! The site's social graph as other software reads it: the accounts that follow the owner and
//! that the owner follows in Mastodon's `Account address` layout (Mastodon imports the second as
//! a following list), blocked domains in Mastodon's domain-block layout (the panel's download of
//! the block list is the same file), and the replies and mentions received, as JSON.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::render::time;
use crate::store::blocks::DomainBlock;
use crate::store::follows::Follow;
use crate::store::remote_posts::RemotePost;

/// The header row of Mastodon's domain block export, which its import expects.
const DOMAIN_BLOCKS_HEADER: [&str; 6] = [
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
];

/// Accounts as Mastodon's "Follows" export lists them.
pub fn write_accounts(list: &[Follow], out: impl Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "Account address",
        "Show boosts",
        "Notify on new posts",
        "Languages",
    ])?;
    for f in list {
        // An account whose handle was never learned is named by its id, which is still its.
        let address = if f.actor.handle.is_empty() {
            f.actor.uri.as_str()
        } else {
            f.actor.handle.as_str()
        };
        csv.write_record([address, "true", "false", ""])?;
    }
    csv.flush()?;
    Ok(())
}

pub fn write_domain_blocks(list: &[DomainBlock], out: impl Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(DOMAIN_BLOCKS_HEADER)?;
    for b in list {
        csv.write_record([
            b.domain.as_str(),
            b.severity.as_str(),
            "false",
            "false",
            b.public_comment.as_str(),
            "false",
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// A reply or mention received, as `porch/replies.json` keeps it.
#[derive(Serialize)]
struct Received<'a> {
    id: &'a str,
    url: &'a str,
    author: &'a str,
    author_name: &'a str,
    author_url: &'a str,
    in_reply_to: &'a str,
    content_warning: &'a str,
    content_html: &'a str,
    published: String,
    moderation: &'a str,
    public: bool,
}

pub fn write_received(list: &[RemotePost], out: impl Write) -> Result<()> {
    let received: Vec<Received> = list
        .iter()
        .map(|r| Received {
            id: &r.uri,
            url: &r.url,
            author: &r.actor.handle,
            author_name: &r.actor.name,
            author_url: &r.actor.uri,
            in_reply_to: &r.in_reply_to,
            content_warning: &r.summary,
            content_html: &r.content_html,
            published: time::iso_utc(r.published_at),
            moderation: r.moderation.as_str(),
            public: r.public,
        })
        .collect();
    serde_json::to_writer_pretty(out, &received)?;
    Ok(())
}
