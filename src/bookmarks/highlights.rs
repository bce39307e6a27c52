//! Highlighting a passage of a bookmark's kept copy, and finding every highlight again when the
//! page is archived anew. Both run in the caller's transaction, so that the copy a highlight
//! was anchored in is the copy it is stored with.

use anyhow::Result;
use rusqlite::Connection;

use super::anchor::{self, describe, from_utf16, locate};
use super::save::{MAX_NOTE_CHARS, Refusal};
use crate::store::highlights::{self, Anchor};
use crate::store::ids::{BookmarkId, HighlightId};
use crate::store::{self, bookmarks};

/// The longest passage one highlight holds (a few long paragraphs).
pub const MAX_QUOTE_CHARS: usize = 5_000;

/// A passage the owner marked: selected in the reader (with the browser's places, in UTF-16
/// units, over the copy's text) or pasted into the form (the quote alone).
#[derive(Clone, Debug, Default)]
pub struct Marked {
    pub quote: String,
    pub note: String,
    pub start: Option<usize>,
    pub end: Option<usize>,
}

/// Checks a note; the field refused and why, if it is too long.
pub fn check_note(note: &str) -> Result<(), Refusal> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err((
            "note",
            format!("The note is {MAX_NOTE_CHARS} characters at most."),
        ));
    }
    Ok(())
}

/// Anchors the passage in the bookmark's kept copy and stores it. The outer error is the
/// store's; the inner one is what the owner is told (the passage is not in the copy, say).
pub fn add(
    tx: &Connection,
    bookmark: BookmarkId,
    marked: &Marked,
) -> Result<Result<HighlightId, Refusal>> {
    let quote = marked.quote.trim();
    if quote.is_empty() {
        return Ok(Err((
            "quote",
            "Select or paste the passage to highlight.".into(),
        )));
    }
    if quote.chars().count() > MAX_QUOTE_CHARS {
        return Ok(Err((
            "quote",
            format!("A highlight is {MAX_QUOTE_CHARS} characters at most."),
        )));
    }
    if let Err(refusal) = check_note(&marked.note) {
        return Ok(Err(refusal));
    }
    let Some((html, _)) = bookmarks::archive_of(tx, bookmark)? else {
        return Ok(Err(("quote", "There is no such bookmark.".into())));
    };
    let text: Vec<char> = anchor::text_of(&html).chars().collect();
    if text.is_empty() {
        return Ok(Err((
            "quote",
            "There is no kept copy of this page to highlight in yet.".into(),
        )));
    }
    let Some((start, end)) = place(&text, marked) else {
        return Ok(Err((
            "quote",
            "That passage is not in the kept copy of the page.".into(),
        )));
    };
    let anchor = describe(&text, start, end);
    let id = highlights::insert(tx, bookmark, &anchor, marked.note.trim(), store::now())?;
    Ok(Ok(id))
}

/// Where the marked passage is: at the browser's places if the text there is the quote (a
/// selection is exact), else wherever the quote is found nearest them.
fn place(text: &[char], marked: &Marked) -> Option<(usize, usize)> {
    let start = marked.start.and_then(|s| from_utf16(text, s));
    let end = marked.end.and_then(|e| from_utf16(text, e));
    if let (Some(s), Some(e)) = (start, end)
        && s < e
        && text[s..e].iter().copied().eq(marked.quote.chars())
    {
        return Some((s, e));
    }
    let wanted = Anchor {
        quote: marked.quote.clone(),
        start: start.and_then(|s| i64::try_from(s).ok()),
        ..Anchor::default()
    };
    locate(text, &wanted)
}

/// Finds each of a bookmark's highlights in its new copy `html` (after `save_archive`); one no
/// longer there keeps its quote and note and loses its place, so that nothing the owner wrote
/// is lost.
pub fn reanchor(tx: &Connection, bookmark: BookmarkId, html: &str) -> Result<()> {
    let marks = highlights::of_bookmark(tx, bookmark)?;
    if marks.is_empty() {
        return Ok(());
    }
    let text: Vec<char> = anchor::text_of(html).chars().collect();
    for h in marks {
        let moved = match locate(&text, &h.anchor) {
            Some((start, end)) => describe(&text, start, end),
            None => Anchor {
                start: None,
                end: None,
                ..h.anchor.clone()
            },
        };
        if moved != h.anchor {
            highlights::reanchor(tx, h.id, &moved)?;
        }
    }
    Ok(())
}
