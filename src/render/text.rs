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

/// Up to two capital letters standing for a person where there is no picture of them: the
/// first letters of the first and last words of their name that have one (`Ada M. Lovelace`
/// is AL; a `:custom_emoji:` or an emoji counts for nothing), else of `fallback` (a handle).
pub fn initials(name: &str, fallback: &str) -> String {
    let letters = |text: &str| -> Vec<char> {
        text.split_whitespace()
            .filter(|word| !(word.starts_with(':') && word.ends_with(':') && word.len() > 1))
            .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
            .collect()
    };
    let mut found = letters(name);
    if found.is_empty() {
        found = letters(fallback);
    }
    let picked = match found.as_slice() {
        [] => Vec::new(),
        [one] => vec![*one],
        [first, .., last] => vec![*first, *last],
    };
    picked.into_iter().flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_first_and_last_words_with_a_letter() {
        assert_eq!(initials("Ada M. Lovelace", "ada@example.org"), "AL");
        assert_eq!(initials("bob", ""), "B");
        assert_eq!(initials("Olga :verified: Other 🌻", ""), "OO");
        assert_eq!(initials("  ", "carol@example.org"), "C");
        assert_eq!(initials("🌻", ""), "");
        assert_eq!(initials("émile zola", ""), "ÉZ");
    }

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
