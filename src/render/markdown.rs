//! Markdown → HTML, done once when a post is saved; the sanitized HTML is what gets stored.

use comrak::{Options, markdown_to_html};

use super::sanitize;

fn options() -> Options<'static> {
    let mut options = Options::default();
    // Bare URLs in short posts become links, as on Micro.blog and Mastodon.
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    // The owner may write HTML in a post (Micro.blog allows it); the sanitizer below decides
    // what of it survives, so raw HTML is passed through to it rather than escaped.
    options.render.r#unsafe = true;
    options
}

/// Renders the owner's Markdown to HTML that is safe to show.
pub fn to_html(markdown: &str) -> String {
    sanitize::owner_html(&markdown_to_html(markdown, &options()))
}

/// Text to put between a link's or an image's brackets: on one line, with the characters that
/// would end the brackets or start emphasis escaped, so that it shows as it is.
pub fn bracket_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        if matches!(c, '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_urls_become_links() {
        let html = to_html("see https://example.com/a for more");
        assert!(
            html.contains(r#"<a href="https://example.com/a""#),
            "{html}"
        );
    }

    #[test]
    fn hashtags_stay_plain_text() {
        let html = to_html("a #word here");
        assert_eq!(html.trim(), "<p>a #word here</p>");
    }

    #[test]
    fn scripts_in_a_post_are_removed() {
        let html = to_html("hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
