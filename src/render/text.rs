//! Plain text from HTML: for the search index, summaries in feeds and link previews, and the
//! names and warnings other servers send.

/// Characters of plain text used where a post has no title (page titles, descriptions, feeds):
/// a sentence or so, what a link preview shows.
const SUMMARY_CHARS: usize = 160;

/// The text of some HTML with every tag removed, for the search index and feed summaries.
pub fn plain_text(html: &str) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short plain-text summary of some HTML, cut at a word.
pub fn summarize(html: &str) -> String {
    let text = plain_text(html);
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<p>Fish &amp; <em>chips</em></p>\n<p>x &lt; y</p>"),
            "Fish & chips x < y"
        );
    }

    #[test]
    fn a_summary_is_cut_at_a_word() {
        assert_eq!(summarize("<p>Short.</p>"), "Short.");
        let long = "word ".repeat(100);
        let summary = summarize(&long);
        assert!(summary.ends_with("word…"), "{summary}");
        assert!(summary.chars().count() <= SUMMARY_CHARS + 1);
    }
}
