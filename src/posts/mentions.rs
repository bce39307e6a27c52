//! The people a post names: `@name@example.social` found in the Markdown (not in code, e-mail
//! addresses or URLs), the ones already known, and the Markdown with each known one made a link
//! to their profile before it is rendered. Looking people up over the network is federation's
//! work (`activitypub::mentions`); `#word` is left alone: Porch has no hashtags.

use anyhow::Result;
use rusqlite::Connection;

use crate::store::actors::{self, Actor};

/// Mentions resolved per post, at most: a post naming more people than this is a mass mailing.
const MAX_MENTIONS: usize = 20;

/// The distinct handles (`name@domain`, without the leading @) mentioned in some Markdown, in
/// order. A handle starts after a space, a bracket or the start of a line, so that e-mail
/// addresses and URLs containing `@` are not taken for mentions; code spans are skipped.
pub fn handles(markdown: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut in_code = false;
    let mut prev: Option<char> = None;
    let mut skip_to = 0;
    for (i, c) in markdown.char_indices() {
        if i >= skip_to {
            if c == '`' {
                in_code = !in_code;
            }
            let starts = prev.is_none_or(|p| p.is_whitespace() || "([{>\"'".contains(p));
            if c == '@'
                && !in_code
                && starts
                && let Some(handle) = parse_handle(&markdown[i + 1..])
            {
                // A handle is ASCII: its length in bytes is what it took from the text.
                skip_to = i + 1 + handle.len();
                if !found.iter().any(|h| h.eq_ignore_ascii_case(&handle))
                    && found.len() < MAX_MENTIONS
                {
                    found.push(handle);
                }
            }
        }
        prev = Some(c);
    }
    found
}

/// `name@domain[:port]` at the start of `s`, without trailing punctuation.
fn parse_handle(s: &str) -> Option<String> {
    let user_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .unwrap_or(s.len());
    let (user, rest) = s.split_at(user_len);
    let domain_part = rest.strip_prefix('@')?;
    let domain_len = domain_part
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':'))
        .unwrap_or(domain_part.len());
    let domain = domain_part[..domain_len].trim_end_matches(['.', ':', '-']);
    let user = user.trim_end_matches('.');
    let valid_domain = domain.contains('.') && !domain.starts_with('.');
    (!user.is_empty() && valid_domain).then(|| format!("{user}@{domain}"))
}

/// The known actors a post's Markdown mentions.
pub fn actors_in(conn: &Connection, markdown: &str) -> Result<Vec<Actor>> {
    let mut out = Vec::new();
    for handle in handles(markdown) {
        if let Some(actor) = actors::by_handle(conn, &handle)? {
            out.push(actor);
        }
    }
    Ok(out)
}

/// The Markdown with each known mention made a link to the person's profile, ready to render.
pub fn link(conn: &Connection, markdown: &str) -> Result<String> {
    let mut out = markdown.to_string();
    let found = handles(markdown);
    for actor in actors_in(conn, markdown)? {
        let Some((user, _)) = actor.handle.split_once('@') else {
            continue;
        };
        let handle = found
            .iter()
            .find(|h| h.eq_ignore_ascii_case(&actor.handle))
            .cloned()
            .unwrap_or_else(|| actor.handle.clone());
        // Mastodon's own form: the link text is @name, the full handle is in the title.
        let link = format!("[@{user}]({} \"@{handle}\")", actor.url.replace(')', "%29"));
        out = replace_mention(&out, &handle, &link);
    }
    Ok(out)
}

/// Replaces `@handle` where it stands as a mention (same rule as `handles`, code spans too).
fn replace_mention(text: &str, handle: &str, with: &str) -> String {
    let needle = format!("@{handle}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut in_code = false;
    while let Some(pos) = rest.find(&needle) {
        let before = rest[..pos].chars().last().or_else(|| out.chars().last());
        let after = rest[pos + needle.len()..].chars().next();
        let starts = before.is_none_or(|p| p.is_whitespace() || "([{>\"'".contains(p));
        let ends = after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        in_code ^= rest[..pos].matches('`').count() % 2 == 1;
        out.push_str(&rest[..pos]);
        if starts && ends && !in_code {
            out.push_str(with);
        } else {
            out.push_str(&needle);
        }
        rest = &rest[pos + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_handles_but_not_emails_urls_or_code() {
        assert_eq!(
            handles(
                "Hi @bob@mastodon.social and @Ann@a.example. Mail me@x.example, see https://m.example/@bob, `@c@d.example`"
            ),
            ["bob@mastodon.social", "Ann@a.example"]
        );
        assert_eq!(handles("(@dev@127.0.0.1:8080)"), ["dev@127.0.0.1:8080"]);
        assert!(handles("@bob alone, @ and #tag@x").is_empty());
        assert_eq!(handles("@bob@m.example @BOB@m.example"), ["bob@m.example"]);
    }

    #[test]
    fn replaces_only_whole_mentions() {
        assert_eq!(
            replace_mention(
                "hi @b@m.example, x@b@m.example @b@m.examples",
                "b@m.example",
                "L"
            ),
            "hi L, x@b@m.example @b@m.examples"
        );
    }
}
