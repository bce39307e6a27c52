//! Where a highlight is in a bookmark's kept copy, and drawing it there.
//!
//! A highlight is anchored as a W3C Web Annotation is: the exact quote with some text before and
//! after it (a TextQuoteSelector) and its place (a TextPositionSelector). The text counted is
//! what a browser calls the copy's `textContent`: every text node of the archived HTML, in
//! order, nothing added between blocks, so that a selection made in the reader and the server's
//! own reading of the copy count the same characters. Places are in code points; the browser
//! counts UTF-16 units, which `from_utf16` converts.
//!
//! Finding a quote again (after the page is archived anew, or when the owner pastes one) looks
//! past differences of whitespace, and between several matches prefers the one whose
//! surroundings agree with the ones recorded, then the one nearest the old place.
//!
//! All of it parses the copy: run it off the async threads.

use ego_tree::NodeId;
use html5ever::{Attribute, QualName, local_name, ns};
use scraper::node::{Element, Text};
use scraper::{Html, Node};

use crate::render::nesting;
use crate::store::highlights::Anchor;
use crate::store::ids::HighlightId;

/// How much text before and after a quote is kept to tell its matches apart.
pub const CONTEXT_CHARS: usize = 32;

/// The copy's text (its `textContent`); empty when it cannot be read.
pub fn text_of(html: &str) -> String {
    let Ok(tree) = nesting::parse_fragment(html) else {
        return String::new();
    };
    text_nodes(&tree).into_iter().map(|(_, t)| t).collect()
}

/// The text nodes of a parsed copy, in document order.
fn text_nodes(tree: &Html) -> Vec<(NodeId, String)> {
    tree.root_element()
        .descendants()
        .filter_map(|n| match n.value() {
            Node::Text(t) => Some((n.id(), t.text.to_string())),
            _ => None,
        })
        .collect()
}

/// The anchor of the passage from code point `start` up to `end` of `text`.
pub fn describe(text: &[char], start: usize, end: usize) -> Anchor {
    let end = end.min(text.len());
    let start = start.min(end);
    let from = start.saturating_sub(CONTEXT_CHARS);
    let to = (end + CONTEXT_CHARS).min(text.len());
    Anchor {
        quote: text[start..end].iter().collect(),
        prefix: text[from..start].iter().collect(),
        suffix: text[end..to].iter().collect(),
        start: i64::try_from(start).ok(),
        end: i64::try_from(end).ok(),
    }
}

/// The code point at which a UTF-16 offset (a browser's count) falls; None past the end or
/// inside a surrogate pair.
pub fn from_utf16(text: &[char], offset: usize) -> Option<usize> {
    let mut units = 0;
    for (i, c) in text.iter().enumerate() {
        if units == offset {
            return Some(i);
        }
        units += c.len_utf16();
    }
    (units == offset).then_some(text.len())
}

/// Where the passage `quote` is in `text` (code points, start and end), using the recorded
/// surroundings and place to choose between several matches; None when it is not there.
pub fn locate(text: &[char], wanted: &Anchor) -> Option<(usize, usize)> {
    let quote: Vec<char> = wanted.quote.chars().collect();
    if quote.iter().all(|c| c.is_whitespace()) {
        return None;
    }
    let hint = wanted.start.and_then(|s| usize::try_from(s).ok());
    // Where it was, exactly as it was: the common case, and the cheapest.
    if let Some(start) = hint
        && text.get(start..start + quote.len()) == Some(&quote[..])
    {
        return Some((start, start + quote.len()));
    }
    let folded = Folded::of(text);
    let needle = collapse(&wanted.quote);
    let prefix = collapse(&wanted.prefix);
    let suffix = collapse(&wanted.suffix);
    let mut best: Option<((usize, usize), (usize, usize))> = None;
    for (at, _) in folded.text.match_indices(needle.as_str()) {
        let (start, end) = folded.span(at, at + needle.len());
        let before = &folded.text[..at];
        let after = &folded.text[at + needle.len()..];
        let agree = common_suffix(before.trim_end(), prefix.trim_end())
            + common_prefix(after.trim_start(), suffix.trim_start());
        let distance = hint.map_or(0, |h| h.abs_diff(start));
        let rank = (agree, usize::MAX - distance);
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, (start, end)));
        }
    }
    best.map(|(_, span)| span)
}

/// Text with each run of whitespace made one space, and where each of its characters came from.
struct Folded {
    text: String,
    /// For each character of `text`, by byte offset: the code point of the original it stands
    /// for.
    origin: Vec<(usize, usize)>,
}

impl Folded {
    fn of(text: &[char]) -> Folded {
        let mut folded = Folded {
            text: String::with_capacity(text.len()),
            origin: Vec::with_capacity(text.len()),
        };
        let mut in_space = false;
        for (i, &c) in text.iter().enumerate() {
            if c.is_whitespace() {
                if in_space {
                    continue;
                }
                in_space = true;
                folded.origin.push((folded.text.len(), i));
                folded.text.push(' ');
            } else {
                in_space = false;
                folded.origin.push((folded.text.len(), i));
                folded.text.push(c);
            }
        }
        folded
    }

    /// The original code points of the folded bytes `from..to` (`to` past a character).
    fn span(&self, from: usize, to: usize) -> (usize, usize) {
        let index = |byte: usize| self.origin.partition_point(|&(b, _)| b < byte);
        let start = self.origin.get(index(from)).map_or(0, |&(_, o)| o);
        let last = index(to).saturating_sub(1);
        let end = self.origin.get(last).map_or(start, |&(_, o)| o + 1);
        (start, end)
    }
}

/// Whitespace runs made one space, and none at either end.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// The copy with each highlight's text wrapped in `<mark class="highlight">`, the first piece
/// of each carrying `id="h-<id>"` (so that a list can link to it). Highlights may overlap; a
/// piece covered by several is marked once. Copy that cannot be read is returned as it is (it
/// was read when it was archived, so this does not happen).
pub fn draw(html: &str, highlights: &[(HighlightId, usize, usize)]) -> String {
    if highlights.is_empty() {
        return html.to_string();
    }
    let Ok(mut tree) = nesting::parse_fragment(html) else {
        return html.to_string();
    };
    let mut named = std::collections::HashSet::new();
    let mut offset = 0;
    for (node, text) in text_nodes(&tree) {
        let chars: Vec<char> = text.chars().collect();
        let (from, to) = (offset, offset + chars.len());
        offset = to;
        // The places inside this node where a highlight starts or ends.
        let mut cuts = vec![from, to];
        for &(_, s, e) in highlights {
            if s < to && e > from {
                cuts.extend([s.max(from), e.min(to)]);
            }
        }
        if cuts.len() == 2 {
            continue;
        }
        cuts.sort_unstable();
        cuts.dedup();
        let Some(mut original) = tree.tree.get_mut(node) else {
            continue;
        };
        for piece in cuts.windows(2) {
            let (s, e) = (piece[0], piece[1]);
            let words: String = chars[s - from..e - from].iter().collect();
            let covering: Vec<HighlightId> = highlights
                .iter()
                .filter(|&&(_, hs, he)| hs < e && he > s)
                .map(|&(id, _, _)| id)
                .collect();
            let text = Node::Text(Text { text: words.into() });
            if covering.is_empty() {
                original.insert_before(text);
                continue;
            }
            let mut attrs = vec![attribute("class", "highlight")];
            if let Some(first) = covering.iter().find(|id| named.insert(**id)) {
                attrs.push(attribute("id", &format!("h-{first}")));
            }
            let mark = Element::new(QualName::new(None, ns!(html), local_name!("mark")), attrs);
            original.insert_before(Node::Element(mark)).append(text);
        }
        original.detach();
    }
    tree.root_element().inner_html()
}

fn attribute(name: &str, value: &str) -> Attribute {
    Attribute {
        name: QualName::new(None, ns!(), name.into()),
        value: value.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn anchor(quote: &str, prefix: &str, suffix: &str, start: Option<i64>) -> Anchor {
        Anchor {
            quote: quote.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
            start,
            end: None,
        }
    }

    #[test]
    fn the_text_is_every_text_node_with_nothing_added() {
        let html = "<h2>Tea</h2>\n<p>Green &amp; <em>black</em></p><p>Oolong</p>";
        assert_eq!(text_of(html), "Tea\nGreen & blackOolong");
    }

    #[test]
    fn a_description_keeps_the_quote_and_its_surroundings() {
        let text = chars("The quick brown fox jumps over the lazy dog");
        let a = describe(&text, 10, 19);
        assert_eq!(a.quote, "brown fox");
        assert_eq!(a.prefix, "The quick ");
        assert_eq!(a.suffix, " jumps over the lazy dog");
        assert_eq!((a.start, a.end), (Some(10), Some(19)));
    }

    #[test]
    fn browser_offsets_in_utf16_become_code_points() {
        let text = chars("a😀b");
        assert_eq!(from_utf16(&text, 0), Some(0));
        assert_eq!(from_utf16(&text, 1), Some(1));
        assert_eq!(from_utf16(&text, 2), None, "inside the surrogate pair");
        assert_eq!(from_utf16(&text, 3), Some(2));
        assert_eq!(from_utf16(&text, 4), Some(3));
        assert_eq!(from_utf16(&text, 5), None);
    }

    #[test]
    fn a_quote_at_its_old_place_is_found_there() {
        let text = chars("one two one two");
        assert_eq!(
            locate(&text, &anchor("one", "", "", Some(8))),
            Some((8, 11))
        );
    }

    #[test]
    fn surroundings_choose_between_matches() {
        let text = chars("Tea is good. Coffee is good. Water is good.");
        let found = locate(&text, &anchor("is good", "Coffee ", ". Water", None));
        assert_eq!(found, Some((20, 27)));
        // Moved by an edit before it: the surroundings still find it.
        let edited = chars("Intro. Tea is good. Coffee is good. Water is good.");
        let found = locate(&edited, &anchor("is good", "Coffee ", ". Water", Some(20)));
        assert_eq!(found, Some((27, 34)));
    }

    #[test]
    fn without_surroundings_the_nearest_match_wins() {
        let text = chars("ab ab ab ab");
        assert_eq!(locate(&text, &anchor("ab", "", "", Some(7))), Some((6, 8)));
    }

    #[test]
    fn whitespace_differences_are_looked_past() {
        let text = chars("First paragraph.\n\nSecond   paragraph here.");
        let found = locate(
            &text,
            &anchor(" paragraph. Second paragraph ", "", "", None),
        );
        assert_eq!(found, Some((6, 36)));
        assert_eq!(
            text[6..36].iter().collect::<String>(),
            "paragraph.\n\nSecond   paragraph"
        );
    }

    #[test]
    fn a_quote_not_there_or_blank_is_not_found() {
        let text = chars("Nothing to see");
        assert_eq!(locate(&text, &anchor("here", "", "", None)), None);
        assert_eq!(locate(&text, &anchor("  ", "", "", None)), None);
    }

    #[test]
    fn drawing_wraps_the_passage_and_keeps_the_text() {
        let html = "<p>Green <em>and black</em> tea</p>";
        let drawn = draw(html, &[(HighlightId(7), 3, 17)]);
        assert_eq!(
            drawn,
            "<p>Gre<mark class=\"highlight\" id=\"h-7\">en </mark>\
             <em><mark class=\"highlight\">and black</mark></em>\
             <mark class=\"highlight\"> t</mark>ea</p>"
        );
        assert_eq!(text_of(&drawn), text_of(html));
    }

    #[test]
    fn overlapping_highlights_each_get_their_name() {
        let html = "<p>abcdefghij</p>";
        let drawn = draw(html, &[(HighlightId(1), 0, 6), (HighlightId(2), 3, 9)]);
        assert_eq!(
            drawn,
            "<p><mark class=\"highlight\" id=\"h-1\">abc</mark>\
             <mark class=\"highlight\" id=\"h-2\">def</mark>\
             <mark class=\"highlight\">ghi</mark>j</p>"
        );
        assert_eq!(text_of(&drawn), "abcdefghij");
    }

    #[test]
    fn markup_in_the_text_stays_escaped() {
        let html = "<p>a &lt;script&gt; b</p>";
        let drawn = draw(html, &[(HighlightId(1), 2, 10)]);
        assert!(drawn.contains("<mark class=\"highlight\" id=\"h-1\">&lt;script&gt;</mark>"));
    }
}
