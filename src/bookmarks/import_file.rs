//! Reading a bookmark export from another browser or service, one bookmark at a time.
//!
//! Two shapes of file cover nearly everyone: the Netscape bookmark file, the HTML that
//! Firefox, Chrome, Safari, Pinboard and linkding all export, and Pocket's CSV export. Either
//! can hold tens of thousands of bookmarks and Porch may run on a Raspberry Pi, so neither file
//! nor document tree is ever held whole: the HTML goes through html5ever's tokenizer (not its
//! tree builder) a chunk at a time, the CSV through the `csv` reader a row at a time, and each
//! bookmark is handed on as soon as it is complete.
//!
//! Like the book importer, a bookmark that cannot be used (a `javascript:` bookmarklet, a row
//! without a link) is reported with where it came from and the rest go on; only a file that is
//! neither shape is refused whole.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Cursor, Read};

use csv::ByteRecord;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{Attribute, TokenizerResult};

/// How much of the start of a file is read to tell its format. A Netscape file without the
/// doctype is known by its `<DL>`, which real files have within the first few hundred bytes.
const SNIFF_BYTES: usize = 64 * 1024;
/// How much of a Netscape file is read and tokenized at a time: the bookmarks finished by one
/// chunk (a few hundred at most) are all that waits in memory.
const CHUNK_BYTES: usize = 16 * 1024;
/// Longer addresses are no bookmark a person made but a data dump or an attack.
const MAX_URL_CHARS: usize = 2048;
const MAX_TITLE_CHARS: usize = 500;
const MAX_NOTE_CHARS: usize = 10_000;
/// Text gathered for one title, note or folder name stops growing here, before it is tidied
/// and cut to its own cap, so that an endless `<A>` costs no more memory than this.
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// One CSV cell larger than this is no title or link but a broken or hostile file.
const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Seconds since 1970 have 10 digits until the year 2286 and 12 only from the year 5138, so a
/// larger timestamp is in a finer unit: milliseconds or microseconds (Chromium's own unit).
const MAX_SECONDS: i64 = 99_999_999_999;
const NETSCAPE_DOCTYPE: &[u8] = b"<!DOCTYPE NETSCAPE-Bookmark-file-1>";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which kind of file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The HTML bookmark file every browser exports, named after the browser that began it.
    Netscape,
    /// Pocket's CSV export.
    Pocket,
}

impl Format {
    /// The format's name as the owner's import report shows it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Netscape => "Netscape bookmark file",
            Format::Pocket => "Pocket export",
        }
    }
}

/// One bookmark as the file gives it, before Porch normalizes or stores anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookmarkRecord {
    /// The address as written, entities decoded and trimmed; always an http or https link.
    pub url: String,
    /// The title with runs of whitespace collapsed to one space, at most 500 characters.
    pub title: String,
    /// The file's own tags, then (in a Netscape file) the names of the enclosing folders,
    /// outermost first; each once, ignoring ASCII case, as first seen.
    pub tags: Vec<String>,
    /// The description (`<DD>`) of a Netscape bookmark, trimmed, keeping its line breaks.
    pub note: String,
    /// When it was bookmarked, in Unix seconds, if the file says.
    pub added_at: Option<i64>,
    /// Marked shared, not private (`PRIVATE="0"`, as Pinboard and linkding write); a browser's
    /// file says neither, and its bookmarks are taken as private.
    pub public: bool,
    /// Saved to read later and not yet read.
    pub unread: bool,
}

/// Why the file cannot be read at all. The messages are shown to the site owner.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Nothing but whitespace.
    #[error("The file is empty.")]
    Empty,
    /// Some other kind of file, perhaps another service's export.
    #[error(
        "This file is neither a Netscape bookmark file (HTML, as Firefox, Chrome, Safari, \
         Pinboard and linkding export) nor a Pocket export (CSV)."
    )]
    NotBookmarks,
    /// The start of the file could not be read.
    #[error("The file could not be read: {0}")]
    Io(#[from] io::Error),
}

/// Tells the format from the start of the file and returns it with its bookmarks, which are
/// read from the rest of the file only as they are asked for.
///
/// A UTF-8 byte order mark and leading whitespace are skipped. A Netscape file starts with its
/// doctype, or at least looks like HTML and has a `<DL>` list near the start; a Pocket export's
/// first line names the columns `url` and `time_added` (in any case and order, among others).
pub fn open<R: Read>(mut reader: R) -> Result<(Format, Records<R>), ImportError> {
    let mut head = Vec::new();
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    let start = content_start(&head);
    let text = head.get(start..).unwrap_or_default();
    if text.is_empty() {
        return Err(ImportError::Empty);
    }
    if is_netscape(text) {
        let records = Records {
            inner: Inner::Netscape(Box::new(Netscape::new(Cursor::new(head).chain(reader)))),
            last: 0,
        };
        return Ok((Format::Netscape, records));
    }
    let (header, body) = first_line(text);
    let columns = PocketColumns::find(header).ok_or(ImportError::NotBookmarks)?;
    // Spreadsheets count the blank lines skipped above the header as rows too.
    let header_row = 1 + head
        .get(..start)
        .unwrap_or_default()
        .iter()
        .filter(|byte| **byte == b'\n')
        .count();
    // The rows start after the header line, which is already read.
    let body_start = head.len() - body.len();
    let mut rest = Cursor::new(head);
    rest.set_position(body_start as u64);
    let pocket = Pocket {
        reader: csv::ReaderBuilder::new()
            .has_headers(false)
            // Rows are taken cell by cell below, so that a short row is reported as lacking
            // what it lacks rather than as a parse error.
            .flexible(true)
            .from_reader(rest.chain(reader)),
        columns,
        record: ByteRecord::new(),
        finished: false,
    };
    let records = Records {
        inner: Inner::Pocket(Box::new(pocket)),
        last: header_row,
    };
    Ok((Format::Pocket, records))
}

/// Where the text starts: after a byte order mark and any whitespace.
fn content_start(head: &[u8]) -> usize {
    let after_bom = if head.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let whitespace = head
        .iter()
        .skip(after_bom)
        .take_while(|byte| byte.is_ascii_whitespace())
        .count();
    after_bom + whitespace
}

fn is_netscape(text: &[u8]) -> bool {
    let has_doctype = text
        .get(..NETSCAPE_DOCTYPE.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(NETSCAPE_DOCTYPE));
    // Some services write the list without the doctype, sometimes inside <html><body>.
    has_doctype
        || (text.starts_with(b"<") && text.windows(3).any(|w| w.eq_ignore_ascii_case(b"<dl")))
}

/// The first line of `text` without its line break, and the text after it.
fn first_line(text: &[u8]) -> (&[u8], &[u8]) {
    match text.iter().position(|byte| *byte == b'\n') {
        Some(end) => (
            text.get(..end).unwrap_or_default(),
            text.get(end + 1..).unwrap_or_default(),
        ),
        None => (text, &[]),
    }
}

/// The bookmarks of a file, in file order: each one, or why it cannot be used.
pub struct Records<R> {
    inner: Inner<R>,
    /// The bookmark (1-based, in file order) or spreadsheet row of the item returned last.
    last: usize,
}

/// The file after the bytes read to tell its format, which are read again first.
type Source<R> = io::Chain<Cursor<Vec<u8>>, R>;

enum Inner<R> {
    // Boxed, as the two readers differ several times in size; there is one per file.
    Netscape(Box<Netscape<R>>),
    Pocket(Box<Pocket<R>>),
}

impl<R: Read> Iterator for Records<R> {
    type Item = Result<BookmarkRecord, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let (position, item) = match &mut self.inner {
            Inner::Netscape(netscape) => netscape.next()?,
            Inner::Pocket(pocket) => pocket.next(self.last)?,
        };
        self.last = position;
        Some(item)
    }
}

impl<R> Records<R> {
    /// Where the last item came from, for the owner's report: "Bookmark 12" (the twelfth
    /// `<A>` in the file) or "Row 8" (the row number a spreadsheet shows, the header being
    /// row 1). Before the first item, "Bookmark 0" or the header's row.
    pub fn position(&self) -> String {
        match self.inner {
            Inner::Netscape(_) => format!("Bookmark {}", self.last),
            Inner::Pocket(_) => format!("Row {}", self.last),
        }
    }
}

/// A Netscape file being tokenized.
struct Netscape<R> {
    source: Source<R>,
    tokenizer: Tokenizer<Sink>,
    input: BufferQueue,
    /// Bytes read but not yet decoded: at most the start of one character, which the next read
    /// completes.
    buffer: Vec<u8>,
    carried: usize,
    finished: bool,
}

impl<R: Read> Netscape<R> {
    fn new(source: Source<R>) -> Netscape<R> {
        Netscape {
            source,
            tokenizer: Tokenizer::new(Sink::default(), TokenizerOpts::default()),
            input: BufferQueue::default(),
            // Room for a whole chunk after the carried bytes of a split character.
            buffer: vec![0; CHUNK_BYTES + 4],
            carried: 0,
            finished: false,
        }
    }

    fn next(&mut self) -> Option<(usize, Result<BookmarkRecord, String>)> {
        loop {
            if let Some(ready) = self.tokenizer.sink.0.borrow_mut().ready.pop_front() {
                return Some(ready);
            }
            if self.finished {
                return None;
            }
            self.read_chunk();
        }
    }

    /// Reads and tokenizes the next chunk, or ends the document.
    fn read_chunk(&mut self) {
        let read = loop {
            let space = self.buffer.get_mut(self.carried..).unwrap_or_default();
            match self.source.read(space) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match read {
            Ok(0) => {
                if self.carried > 0 {
                    // A character cut off by the end of the file.
                    self.feed("\u{FFFD}");
                }
                self.tokenizer.end();
                self.finished = true;
            }
            Ok(read) => {
                let filled = self.carried + read;
                let bytes = self.buffer.get(..filled).unwrap_or_default();
                let complete = filled - incomplete_tail(bytes);
                // Browsers write UTF-8; a stray byte from elsewhere costs one character,
                // not the import.
                let text =
                    String::from_utf8_lossy(bytes.get(..complete).unwrap_or_default()).into_owned();
                self.buffer.copy_within(complete..filled, 0);
                self.carried = filled - complete;
                self.feed(&text);
            }
            Err(err) => {
                self.finished = true;
                let mut builder = self.tokenizer.sink.0.borrow_mut();
                // The bookmark being read when the file broke off is lost with the rest.
                let position = builder
                    .current
                    .take()
                    .map_or(builder.count + 1, |open| open.index);
                builder.ready.push_back((
                    position,
                    Err(format!("The rest of the file could not be read: {err}")),
                ));
            }
        }
    }

    fn feed(&self, text: &str) {
        self.input.push_back(StrTendril::from_slice(text));
        // The sink never blocks the tokenizer (it runs no scripts and changes no encoding),
        // so one call consumes the whole input; looping is how html5ever's own driver resumes
        // after a block, should one ever come.
        while !matches!(self.tokenizer.feed(&self.input), TokenizerResult::Done) {}
    }
}

/// How many bytes at the end of `bytes` are the start of a character whose remaining bytes
/// have not been read yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for (back, byte) in bytes.iter().rev().take(3).enumerate() {
        let have = back + 1;
        // Continuation bytes are 0b10xxxxxx; look further back for the leading byte.
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if needed > have { have } else { 0 };
    }
    0
}

/// Receives the tokenizer's tokens; html5ever hands it out by shared reference only.
#[derive(Default)]
struct Sink(RefCell<Builder>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        self.0.borrow_mut().token(token);
        TokenSinkResult::Continue
    }
}

/// What the text being tokenized belongs to.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Capture {
    #[default]
    Nothing,
    /// The text of an `<A>`.
    Title,
    /// The text of a `<DD>` after a bookmark.
    Note,
    /// The text of an `<H3>`; `special` for the browser's own roots (toolbar, unsorted),
    /// which are where bookmarks live rather than what they are about.
    Folder { special: bool },
}

/// Turns the stream of tokens into bookmarks, the way browsers' own importers read the file:
/// a `<DT>` holds an `<A>` (a bookmark) or an `<H3>` (a folder's name), and the `<DL>` after
/// an `<H3>` holds that folder's contents.
#[derive(Default)]
struct Builder {
    /// The folders the reader is in, outermost first; `None` for a list that is no folder of
    /// the owner's (the whole file's, a browser's special root), whose name is no tag.
    folders: Vec<Option<String>>,
    /// The name of the folder whose list comes next.
    next_folder: Option<String>,
    folder_name: String,
    capture: Capture,
    /// The bookmark being read, until the next item shows it is complete.
    current: Option<Open>,
    /// How many `<A>`s have been seen.
    count: usize,
    /// Complete bookmarks not yet handed out, each with its position in the file.
    ready: VecDeque<(usize, Result<BookmarkRecord, String>)>,
}

/// A bookmark whose `<A>` has been seen, gathering its title and note.
struct Open {
    index: usize,
    href: Option<String>,
    title: String,
    note: String,
    record: BookmarkRecord,
}

impl Builder {
    fn token(&mut self, token: Token) {
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(text) => self.text(&text),
            Token::EOFToken => self.finish_bookmark(),
            // The doctype, comments, NUL characters and parse errors say nothing of bookmarks.
            _ => {}
        }
    }

    fn tag(&mut self, tag: &Tag) {
        // html5ever gives tag and attribute names in lower case, whatever the file's case.
        match (tag.kind, &*tag.name) {
            (TagKind::StartTag, "a") => {
                self.finish_bookmark();
                self.next_folder = None;
                self.start_bookmark(&tag.attrs);
            }
            (TagKind::EndTag, "a") if self.capture == Capture::Title => {
                self.capture = Capture::Nothing;
            }
            (TagKind::StartTag, "dt" | "h1") => {
                self.finish_bookmark();
                self.next_folder = None;
            }
            (TagKind::StartTag, "h3") => {
                self.finish_bookmark();
                self.folder_name.clear();
                let special = ["personal_toolbar_folder", "unfiled_bookmarks_folder"]
                    .iter()
                    .any(|name| attribute(&tag.attrs, name).is_some());
                self.capture = Capture::Folder { special };
            }
            (TagKind::EndTag, "h3") => self.end_text(),
            (TagKind::StartTag, "dl") => {
                self.finish_bookmark();
                self.folders.push(self.next_folder.take());
            }
            (TagKind::EndTag, "dl") => {
                self.finish_bookmark();
                self.next_folder = None;
                self.folders.pop();
            }
            (TagKind::StartTag, "dd") => {
                self.end_text();
                if let Some(open) = &mut self.current {
                    // A second description is rare; keep it as a paragraph of the first.
                    if !open.note.is_empty() {
                        open.note.push('\n');
                    }
                    self.capture = Capture::Note;
                }
            }
            (_, "br") => self.text("\n"),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        let target = match (self.capture, &mut self.current) {
            (Capture::Title, Some(open)) => &mut open.title,
            (Capture::Note, Some(open)) => &mut open.note,
            (Capture::Folder { .. }, _) => &mut self.folder_name,
            _ => return,
        };
        push_capped(target, text);
    }

    /// Ends the text being gathered; a folder's name becomes the name of the next list.
    fn end_text(&mut self) {
        if let Capture::Folder { special } = self.capture {
            self.next_folder = (!special).then(|| collapse_whitespace(&self.folder_name));
        }
        self.capture = Capture::Nothing;
    }

    fn start_bookmark(&mut self, attrs: &[Attribute]) {
        self.count += 1;
        let mut tags = Vec::new();
        for tag in attribute(attrs, "tags").unwrap_or_default().split(',') {
            add_tag(&mut tags, tag);
        }
        for folder in self.folders.iter().flatten() {
            add_tag(&mut tags, folder);
        }
        let is = |name, wanted| attribute(attrs, name).is_some_and(|value| value.trim() == wanted);
        self.current = Some(Open {
            index: self.count,
            href: attribute(attrs, "href").map(str::to_string),
            title: String::new(),
            note: String::new(),
            record: BookmarkRecord {
                tags,
                added_at: attribute(attrs, "add_date").and_then(timestamp),
                public: is("private", "0"),
                unread: is("toread", "1"),
                ..BookmarkRecord::default()
            },
        });
        self.capture = Capture::Title;
    }

    /// Hands on the bookmark being read: whatever comes next ends it.
    fn finish_bookmark(&mut self) {
        self.end_text();
        if let Some(open) = self.current.take() {
            self.ready.push_back((open.index, open.finish()));
        }
    }
}

impl Open {
    fn finish(self) -> Result<BookmarkRecord, String> {
        let url = self.href.as_deref().map(str::trim).unwrap_or_default();
        if url.is_empty() {
            return Err("This bookmark has no address.".into());
        }
        check_url(url)?;
        Ok(BookmarkRecord {
            url: url.to_string(),
            title: title(&self.title),
            note: cut(self.note.trim(), MAX_NOTE_CHARS).to_string(),
            ..self.record
        })
    }
}

/// An attribute's value by its (lower-case) name.
fn attribute<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|attr| &*attr.name.local == name)
        .map(|attr| &*attr.value)
}

/// A Pocket export being read row by row.
struct Pocket<R> {
    reader: csv::Reader<Source<R>>,
    columns: PocketColumns,
    record: ByteRecord,
    finished: bool,
}

impl<R: Read> Pocket<R> {
    /// The next row's bookmark, with its row number; `last_row` is the row read before.
    fn next(&mut self, last_row: usize) -> Option<(usize, Result<BookmarkRecord, String>)> {
        let mut row = last_row;
        while !self.finished {
            let line_before = self.reader.position().line();
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.finished = true,
                Err(err) => {
                    // With flexible rows the only error left is the reader's own, which would
                    // come back on every further call: report it once and stop.
                    self.finished = true;
                    return Some((
                        row + 1,
                        Err(format!("The rest of the file could not be read: {err}")),
                    ));
                }
                Ok(true) => {
                    // The reader skips empty lines, which a spreadsheet shows as rows: they are
                    // the lines read beyond this row's own (one, plus any line breaks inside
                    // its quoted cells, which a spreadsheet shows within one row).
                    let lines_read = self.reader.position().line().saturating_sub(line_before);
                    let own_lines = 1 + self
                        .record
                        .as_slice()
                        .iter()
                        .filter(|byte| **byte == b'\n')
                        .count();
                    let skipped = usize::try_from(lines_read)
                        .map_or(0, |read| read.saturating_sub(own_lines));
                    row += 1 + skipped;
                    if is_blank(&self.record) {
                        continue;
                    }
                    return Some((row, self.bookmark()));
                }
            }
        }
        None
    }

    fn bookmark(&self) -> Result<BookmarkRecord, String> {
        if self.record.iter().any(|cell| cell.len() > MAX_FIELD_BYTES) {
            return Err("A cell in this row is longer than 64 KB.".into());
        }
        let c = &self.columns;
        let url = cell(&self.record, Some(c.url))?;
        if url.is_empty() {
            return Err("This row has no url.".into());
        }
        check_url(url)?;
        let mut tags = Vec::new();
        for tag in cell(&self.record, c.tags)?.split('|') {
            add_tag(&mut tags, tag);
        }
        Ok(BookmarkRecord {
            url: url.to_string(),
            title: title(cell(&self.record, c.title)?),
            tags,
            note: String::new(),
            added_at: timestamp(cell(&self.record, Some(c.time_added))?),
            public: false,
            // Pocket's two statuses: `unread` and `archive`, which is what it calls read.
            unread: !cell(&self.record, c.status)?.eq_ignore_ascii_case("archive"),
        })
    }
}

/// A cell's text, trimmed; a column the file or the row lacks reads as empty.
fn cell(record: &ByteRecord, column: Option<usize>) -> Result<&str, String> {
    match column.and_then(|i| record.get(i)) {
        None => Ok(""),
        Some(bytes) => std::str::from_utf8(bytes).map(str::trim).map_err(|_| {
            "This row is not UTF-8 text; save the file as UTF-8 CSV and import it again."
                .to_string()
        }),
    }
}

/// Spreadsheets leave rows of empty cells at the end; they are no bookmarks.
fn is_blank(record: &ByteRecord) -> bool {
    record
        .iter()
        .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
}

/// Where a Pocket export keeps what, found by name as files edited by hand drift.
struct PocketColumns {
    url: usize,
    time_added: usize,
    title: Option<usize>,
    tags: Option<usize>,
    status: Option<usize>,
}

impl PocketColumns {
    /// The columns named by a header line, if it is a Pocket export's.
    fn find(line: &[u8]) -> Option<PocketColumns> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line);
        let mut header = ByteRecord::new();
        if !reader.read_byte_record(&mut header).ok()? {
            return None;
        }
        let names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_string())
            .collect();
        let find = |wanted: &str| {
            names
                .iter()
                .position(|name| name.eq_ignore_ascii_case(wanted))
        };
        Some(PocketColumns {
            url: find("url")?,
            time_added: find("time_added")?,
            title: find("title"),
            tags: find("tags"),
            status: find("status"),
        })
    }
}

/// Refuses an address Porch cannot keep: too long, or not a web page.
fn check_url(url: &str) -> Result<(), String> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err("This bookmark's address is longer than 2,048 characters.".into());
    }
    let is_web =
        url::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"));
    if !is_web {
        // The address is quoted so the owner can find it, but a long one is cut.
        let shown = match url.char_indices().nth(100) {
            Some((end, _)) => format!("{}…", url.get(..end).unwrap_or(url)),
            None => url.to_string(),
        };
        return Err(format!(
            "{shown} is not a web address (only http and https links are kept)."
        ));
    }
    Ok(())
}

/// Adds a tag unless it is empty or already there in another case.
fn add_tag(tags: &mut Vec<String>, tag: &str) {
    let tag = tag.trim();
    if !tag.is_empty() && !tags.iter().any(|seen| seen.eq_ignore_ascii_case(tag)) {
        tags.push(tag.to_string());
    }
}

/// A Unix time in seconds from a timestamp in seconds or a finer unit; 0, negative and
/// unreadable values mean the file does not know.
fn timestamp(text: &str) -> Option<i64> {
    let mut value = text.trim().parse::<i64>().ok().filter(|value| *value > 0)?;
    while value > MAX_SECONDS {
        value /= 1000;
    }
    Some(value)
}

/// A title on one line, cut to length: titles of pages often carry the page's line breaks
/// and indentation.
fn title(text: &str) -> String {
    cut(&collapse_whitespace(text), MAX_TITLE_CHARS).to_string()
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first `max` characters of `text`.
fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => text.get(..end).map_or(text, str::trim_end),
        None => text,
    }
}

/// Appends as much of `text` as fits under `MAX_TEXT_BYTES`, whole characters only.
fn push_capped(target: &mut String, text: &str) {
    let room = MAX_TEXT_BYTES.saturating_sub(target.len());
    if text.len() <= room {
        target.push_str(text);
        return;
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    target.push_str(text.get(..end).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIREFOX: &str = include_str!("../../tests/fixtures/bookmarks/firefox.html");
    const CHROMIUM: &str = include_str!("../../tests/fixtures/bookmarks/chromium.html");
    const PINBOARD: &str = include_str!("../../tests/fixtures/bookmarks/pinboard.html");
    const POCKET: &str = include_str!("../../tests/fixtures/bookmarks/pocket.csv");

    /// An item with the position the iterator gave it.
    type Item = (String, Result<BookmarkRecord, String>);

    /// Every item of a file with its position.
    fn read_all(bytes: &[u8]) -> (Format, Vec<Item>) {
        let (format, mut records) = open(bytes).expect("a bookmark file");
        let mut items = Vec::new();
        while let Some(item) = records.next() {
            items.push((records.position(), item));
        }
        (format, items)
    }

    fn oks(items: &[Item]) -> Vec<&BookmarkRecord> {
        items
            .iter()
            .filter_map(|(_, item)| item.as_ref().ok())
            .collect()
    }

    fn by_title<'a>(
        items: &'a [(String, Result<BookmarkRecord, String>)],
        title: &str,
    ) -> &'a BookmarkRecord {
        oks(items)
            .into_iter()
            .find(|record| record.title == title)
            .unwrap_or_else(|| panic!("no bookmark titled {title:?}"))
    }

    fn errors(items: &[Item]) -> Vec<(&str, &str)> {
        items
            .iter()
            .filter_map(|(at, item)| item.as_ref().err().map(|e| (at.as_str(), e.as_str())))
            .collect()
    }

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|tag| tag.to_string()).collect()
    }

    #[test]
    fn firefox_export() {
        let (format, items) = read_all(FIREFOX.as_bytes());
        assert_eq!(format, Format::Netscape);
        assert_eq!(format.name(), "Netscape bookmark file");
        assert_eq!(items.len(), 14);
        assert_eq!(oks(&items).len(), 12);

        assert_eq!(
            by_title(&items, "Rye bread & sourdough"),
            &BookmarkRecord {
                url: "https://cooking.example.org/bread?type=rye&hydration=75".into(),
                title: "Rye bread & sourdough".into(),
                tags: tags(&["baking", "bread", "Recipes"]),
                // The folder's own <DD> before it is no bookmark's note.
                note: "Grandma's method: feed the starter the night before.".into(),
                added_at: Some(1_690_100_100),
                public: false,
                unread: false,
            }
        );
        // TAGS and folders merged, each once whatever its case, the file's own tags first.
        assert_eq!(
            by_title(&items, "Miso soup in ten minutes").tags,
            tags(&["quick", "recipes", "Soups"])
        );
        let minestrone = by_title(&items, "Minestrone");
        assert_eq!(minestrone.tags, tags(&["Recipes", "Soups"]));
        assert_eq!(minestrone.added_at, None);
        assert_eq!(
            by_title(&items, "Get Help").tags,
            tags(&["Mozilla Firefox"])
        );
        // Bookmarks Menu (the H1) and the toolbar and Other Bookmarks roots are no tags.
        let cafe = by_title(&items, "Café Zürich — Öffnungszeiten");
        assert_eq!(cafe.url, "https://www.example.net/caf%C3%A9-z%C3%BCrich");
        assert!(cafe.tags.is_empty());
        assert!(by_title(&items, "News").tags.is_empty());
        assert_eq!(
            by_title(&items, "Sprint board").tags,
            tags(&["work", "planning"])
        );
        assert_eq!(
            by_title(&items, "Onboarding checklist").tags,
            tags(&["Work"])
        );
        assert!(by_title(&items, "日本の写真").tags.is_empty());
        let quoted = by_title(&items, "\"Rust\" posts <page 2>");
        assert_eq!(
            quoted.url,
            "https://blog.example.com/search?q=\"rust\"&page=2"
        );
        let guide = by_title(&items, "The guide");
        assert_eq!(guide.tags, tags(&["docs"]));
        assert_eq!(guide.note, "Read chapter 3 first & skip the appendix.");
        assert_eq!(guide.added_at, Some(1_700_000_000));

        assert_eq!(
            errors(&items),
            [
                (
                    "Bookmark 8",
                    "place:sort=8&maxResults=10 is not a web address (only http and https links \
                     are kept)."
                ),
                (
                    "Bookmark 11",
                    "javascript:alert(document.title) is not a web address (only http and https \
                     links are kept)."
                ),
            ]
        );
        assert_eq!(items[2].0, "Bookmark 3");
    }

    #[test]
    fn chromium_export() {
        let (format, items) = read_all(CHROMIUM.as_bytes());
        assert_eq!(format, Format::Netscape);
        assert_eq!(items.len(), 11);
        let titles: Vec<&str> = oks(&items).iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Inbox",
                "Calendar",
                "std - Rust",
                "csv - Rust",
                "html5ever - Rust",
                "Local admin",
                "Harbour map",
                "Basket",
                "Lyon → Turin",
            ]
        );
        // The bookmarks bar is a special root, not a tag.
        assert!(by_title(&items, "Inbox").tags.is_empty());
        assert_eq!(by_title(&items, "Inbox").added_at, Some(1_650_000_100));
        assert_eq!(by_title(&items, "std - Rust").tags, tags(&["Dev"]));
        assert_eq!(
            by_title(&items, "csv - Rust").tags,
            tags(&["Dev", "Crates"])
        );
        // Back out of the nested folder, still in Dev.
        assert_eq!(by_title(&items, "Local admin").tags, tags(&["Dev"]));
        assert_eq!(
            by_title(&items, "Local admin").url,
            "http://localhost:8080/admin"
        );
        // Out of the empty folder and the bar altogether.
        assert!(by_title(&items, "Harbour map").tags.is_empty());
        assert!(by_title(&items, "Basket").tags.is_empty());
        let train = by_title(&items, "Lyon → Turin");
        assert_eq!(
            train.url,
            "https://trains.example.eu/timetable?from=Lyon&to=Turin"
        );
        assert_eq!(train.tags, tags(&["Travel"]));
        assert_eq!(
            errors(&items),
            [
                (
                    "Bookmark 7",
                    "chrome://settings/ is not a web address (only http and https links are kept)."
                ),
                ("Bookmark 11", "This bookmark has no address."),
            ]
        );
    }

    #[test]
    fn pinboard_export() {
        let (format, items) = read_all(PINBOARD.as_bytes());
        assert_eq!(format, Format::Netscape);
        assert_eq!(items.len(), 10);
        assert_eq!(oks(&items).len(), 9);
        assert_eq!(
            by_title(&items, "The state of the page cache"),
            &BookmarkRecord {
                url: "https://lwn.example.net/Articles/900001/".into(),
                title: "The state of the page cache".into(),
                tags: tags(&["linux", "kernel"]),
                note: "Long read — save for the train.".into(),
                added_at: Some(1_699_000_000),
                public: true,
                unread: true,
            }
        );
        let dal = by_title(&items, "Dal tadka");
        assert!(!dal.public);
        assert!(!dal.unread);
        assert_eq!(dal.tags, tags(&["food", "lentils"]));
        assert_eq!(
            dal.note,
            "Use \"toor\" dal, not moong.\nTemper the spices last & serve at once."
        );
        let keynote = by_title(&items, "Keynote: small tools");
        assert!(!keynote.public && keynote.unread);
        assert_eq!(keynote.note, "Slides at 12:40.\nQ&A at 41:00.");
        assert!(
            by_title(&items, "Widows and orphans").public,
            "PRIVATE=\"0\""
        );
        assert!(by_title(&items, "Widows and orphans").tags.is_empty());
        assert_eq!(by_title(&items, "Widows and orphans").note, "");
        let chain = by_title(&items, "How to fix a chain");
        assert_eq!(chain.tags, tags(&["bikes", "repair", "diy"]));
        assert_eq!(chain.note, "It's a 10 minute job.");
        assert_eq!(by_title(&items, "Tomatoes").added_at, None);
        assert_eq!(
            by_title(&items, "Café del Mar, vol. 42").url,
            "HTTPS://Music.Example.COM/Album/42"
        );
        assert_eq!(
            by_title(&items, "On slowness").note,
            "Quote: <<less, but better>>"
        );
        assert_eq!(
            errors(&items),
            [(
                "Bookmark 5",
                "ftp://files.example.org/pub/readme.txt is not a web address (only http and \
                 https links are kept)."
            )]
        );
    }

    #[test]
    fn pocket_export() {
        let (format, items) = read_all(POCKET.as_bytes());
        assert_eq!(format, Format::Pocket);
        assert_eq!(format.name(), "Pocket export");
        assert_eq!(items.len(), 10);
        assert_eq!(
            items[0],
            (
                "Row 2".to_string(),
                Ok(BookmarkRecord {
                    url: "https://learn.example.com/rust/ownership".into(),
                    title: "Rust ownership explained".into(),
                    tags: tags(&["rust", "programming"]),
                    note: String::new(),
                    added_at: Some(1_700_000_000),
                    public: false,
                    unread: true,
                })
            )
        );
        let bread = by_title(&items, "Bread, butter and jam");
        assert_eq!(bread.tags, tags(&["food", "baking"]));
        assert!(!bread.unread);
        assert_eq!(items[2].0, "Row 4");
        let untitled = items[2].1.as_ref().expect("a bookmark without a title");
        assert_eq!(untitled.title, "");
        assert_eq!(untitled.url, "https://untitled.example.org/page");
        // The blank line is row 5, skipped without a word.
        assert_eq!(
            errors(&items),
            [
                (
                    "Row 6",
                    "notaurl is not a web address (only http and https links are kept)."
                ),
                ("Row 7", "This row has no url."),
            ]
        );
        let quoted = by_title(&items, "She said \"hi\"");
        assert_eq!(quoted.url, "https://quotes.example.com/hi?a=1&b=2");
        assert_eq!(quoted.tags, tags(&["quotes", "people"]));
        assert!(!quoted.unread);
        assert_eq!(by_title(&items, "Broken time").added_at, None);
        let millis = by_title(&items, "Millis");
        assert_eq!(millis.added_at, Some(1_700_000_500));
        assert!(!millis.unread);
        let no_status = by_title(&items, "No status");
        assert!(no_status.unread);
        assert_eq!(no_status.tags, tags(&["rust"]));
        // The row of empty cells (row 11) is skipped too.
        assert_eq!(items[8].0, "Row 12");
        assert_eq!(items[9].0, "Row 13");
    }

    #[test]
    fn pocket_columns_in_any_order_and_case() {
        let csv = "Status,Time_Added,Extra,URL\narchive,1700000000,x,https://a.example/\n";
        let (format, items) = read_all(csv.as_bytes());
        assert_eq!(format, Format::Pocket);
        let record = items[0].1.as_ref().expect("a bookmark");
        assert_eq!(record.url, "https://a.example/");
        assert_eq!(record.title, "");
        assert!(!record.unread);
    }

    #[test]
    fn pocket_rows_are_numbered_as_a_spreadsheet_shows_them() {
        let csv = "\ntitle,url,time_added\n\
                   \"Two\nlines\",https://a.example/,1\n\
                   \n\n\
                   bad,mailto:me@example.com,2\n\
                   last,https://b.example/,3";
        let (_, items) = read_all(csv.as_bytes());
        let rows: Vec<&str> = items.iter().map(|(at, _)| at.as_str()).collect();
        // The header is row 2 below a blank line; the two-line cell is one row; blank rows count.
        assert_eq!(rows, ["Row 3", "Row 6", "Row 7"]);
        assert_eq!(
            items[0].1.as_ref().map(|r| r.title.as_str()),
            Ok("Two lines")
        );
        assert!(items[1].1.is_err());
        assert_eq!(
            items[2].1.as_ref().map(|r| r.url.as_str()),
            Ok("https://b.example/")
        );
    }

    #[test]
    fn pocket_row_that_is_not_utf8_is_skipped_alone() {
        let mut csv = b"title,url,time_added\n".to_vec();
        csv.extend_from_slice(b"caf\xE9,https://a.example/,1\n");
        csv.extend_from_slice(b"ok,https://b.example/,2\n");
        let (_, items) = read_all(&csv);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].0, "Row 2");
        assert!(items[0].1.as_ref().is_err_and(|e| e.contains("not UTF-8")));
        assert_eq!(items[1].1.as_ref().map(|r| r.title.as_str()), Ok("ok"));
    }

    #[test]
    fn pocket_cell_over_64_kib_is_refused() {
        let csv = format!(
            "title,url,time_added\n{},https://a.example/,1\nok,https://b.example/,2\n",
            "x".repeat(MAX_FIELD_BYTES + 1)
        );
        let (_, items) = read_all(csv.as_bytes());
        assert_eq!(
            items[0],
            (
                "Row 2".to_string(),
                Err("A cell in this row is longer than 64 KB.".to_string())
            )
        );
        assert!(items[1].1.is_ok());
    }

    fn open_error(bytes: &[u8]) -> ImportError {
        match open(bytes) {
            Ok((format, _)) => panic!("read as {format:?}"),
            Err(err) => err,
        }
    }

    #[test]
    fn sniffing() {
        assert!(matches!(
            open_error(b"Dear diary,\ntoday I wrote a text file.\n"),
            ImportError::NotBookmarks
        ));
        let goodreads =
            "Book Id,Title,Author,My Rating,Exclusive Shelf\n1,Dune,Frank Herbert,5,read\n";
        assert!(matches!(
            open_error(goodreads.as_bytes()),
            ImportError::NotBookmarks
        ));
        // A CSV with a url column but no time_added is not Pocket's.
        assert!(matches!(
            open_error(b"url,title\nhttps://a.example/,A\n"),
            ImportError::NotBookmarks
        ));
        // HTML that is not a bookmark list.
        assert!(matches!(
            open_error(b"<html><body><p>Hello</p></body></html>"),
            ImportError::NotBookmarks
        ));
        assert!(matches!(open_error(b""), ImportError::Empty));
        assert!(matches!(
            open_error(b"\xEF\xBB\xBF \n\t"),
            ImportError::Empty
        ));
        assert_eq!(
            ImportError::NotBookmarks.to_string(),
            "This file is neither a Netscape bookmark file (HTML, as Firefox, Chrome, Safari, \
             Pinboard and linkding export) nor a Pocket export (CSV)."
        );

        // A byte order mark and whitespace before the doctype, written in lower case.
        let file = "\u{feff}\n\n  <!doctype netscape-bookmark-file-1>\n<DL><p>\n\
                    <DT><A HREF=\"https://a.example/\">A</A>\n</DL>";
        let (format, items) = read_all(file.as_bytes());
        assert_eq!(format, Format::Netscape);
        assert_eq!(items.len(), 1);
        // No doctype, but HTML with a bookmark list.
        let (format, items) =
            read_all(b"<html><body><dl><dt><a href='https://b.example/'>B</a></dl></body></html>");
        assert_eq!(format, Format::Netscape);
        assert_eq!(
            items[0].1.as_ref().map(|r| r.url.as_str()),
            Ok("https://b.example/")
        );
        // A byte order mark before Pocket's header.
        let (format, items) = read_all(
            "\u{feff}title,url,time_added,tags,status\nA,https://c.example/,1,,unread\n".as_bytes(),
        );
        assert_eq!(format, Format::Pocket);
        assert_eq!(items[0].0, "Row 2");
    }

    /// A reader that counts how much has been taken from it.
    struct Counting<'a> {
        bytes: &'a [u8],
        read: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.bytes.read(buf)?;
            self.read.set(self.read.get() + n);
            Ok(n)
        }
    }

    #[test]
    fn ten_thousand_bookmarks_are_streamed() {
        let mut file = String::from(
            "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n<DL><p>\n",
        );
        for folder in 0..10 {
            file.push_str(&format!("<DT><H3>Folder {folder}</H3>\n<DL><p>\n"));
            for i in 0..1000 {
                let n = folder * 1000 + i;
                file.push_str(&format!(
                    "<DT><A HREF=\"https://example.com/{n}?a=1&amp;b=2\" ADD_DATE=\"{}\" \
                     TAGS=\"t{}\">Bookmark número {n}</A>\n<DD>Note {n}\n",
                    1_600_000_000 + n,
                    n % 7
                ));
            }
            file.push_str("</DL><p>\n");
        }
        file.push_str("</DL>\n");
        assert!(file.len() > 1_000_000);

        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let reader = Counting {
            bytes: file.as_bytes(),
            read: read.clone(),
        };
        let (format, mut records) = open(reader).expect("a bookmark file");
        assert_eq!(format, Format::Netscape);
        let first = records.next().expect("a first item").expect("a bookmark");
        assert_eq!(first.url, "https://example.com/0?a=1&b=2");
        assert_eq!(first.tags, tags(&["t0", "Folder 0"]));
        // The first bookmark came before most of the file was read.
        assert!(
            read.get() <= SNIFF_BYTES + CHUNK_BYTES,
            "read {} bytes",
            read.get()
        );

        let mut count = 1;
        let mut last = first;
        for item in records.by_ref() {
            last = item.expect("a bookmark");
            count += 1;
        }
        assert_eq!(count, 10_000);
        assert_eq!(records.position(), "Bookmark 10000");
        assert_eq!(
            last,
            BookmarkRecord {
                url: "https://example.com/9999?a=1&b=2".into(),
                title: "Bookmark número 9999".into(),
                tags: tags(&["t3", "Folder 9"]),
                note: "Note 9999".into(),
                added_at: Some(1_600_009_999),
                public: false,
                unread: false,
            }
        );
    }

    /// Gives one byte per read, so that every character of more than one byte is split.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let end = buf.len().min(1);
            self.0.read(&mut buf[..end])
        }
    }

    #[test]
    fn characters_split_between_reads_are_kept_whole() {
        // Past the head read to tell the format, so the rest comes through the chunked reads.
        let mut file = format!(
            "<!DOCTYPE NETSCAPE-Bookmark-file-1><!-- {} --><DL><p>",
            "x".repeat(SNIFF_BYTES)
        );
        for title in ["é", "€uro", "😀 ok", "日本"] {
            file.push_str(&format!(
                "<DT><A HREF=\"https://a.example/{title}\">{title}</A>"
            ));
        }
        // A file cut off inside a character ends with a replacement character.
        file.push_str("<DT><A HREF=\"https://b.example/\">cut \u{20ac}");
        let bytes = &file.as_bytes()[..file.len() - 1];
        let (_, mut records) = open(Trickle(bytes)).expect("a bookmark file");
        let titles: Vec<String> = records
            .by_ref()
            .map(|item| item.expect("a bookmark").title)
            .collect();
        assert_eq!(titles, ["é", "€uro", "😀 ok", "日本", "cut \u{fffd}"]);
    }

    #[test]
    fn timestamps_in_finer_units_are_scaled_to_seconds() {
        let file = "<!DOCTYPE NETSCAPE-Bookmark-file-1><DL><p>\
            <DT><A HREF=\"https://a.example/\" ADD_DATE=\"1700000000123456\">micro</A>\
            <DT><A HREF=\"https://b.example/\" ADD_DATE=\"1700000000123\">milli</A>\
            <DT><A HREF=\"https://c.example/\" ADD_DATE=\"-5\">negative</A>\
            <DT><A HREF=\"https://d.example/\" ADD_DATE=\"soon\">words</A>\
            </DL>";
        let (_, items) = read_all(file.as_bytes());
        let dates: Vec<Option<i64>> = oks(&items).iter().map(|r| r.added_at).collect();
        assert_eq!(
            dates,
            [Some(1_700_000_000), Some(1_700_000_000), None, None]
        );
    }

    #[test]
    fn file_cut_off_mid_tag_keeps_what_came_before() {
        let whole = FIREFOX;
        let cut_at = whole
            .find("<DT><A HREF=\"https://docs.example.org")
            .expect("the guide")
            + 20;
        let (_, items) = read_all(&whole.as_bytes()[..cut_at]);
        // Everything before the cut tag; the tag itself never finished.
        assert_eq!(items.len(), 12);
        assert_eq!(
            oks(&items).last().map(|r| r.title.as_str()),
            Some("Onboarding checklist")
        );

        // Cut inside a title: the bookmark is kept with what there is of it.
        let cut_at = whole.find("Sprint board").expect("the board") + 6;
        let (_, items) = read_all(&whole.as_bytes()[..cut_at]);
        assert_eq!(items.len(), 10);
        assert_eq!(oks(&items).last().map(|r| r.title.as_str()), Some("Sprint"));
    }

    /// Gives some bytes, then fails.
    struct Failing<'a>(&'a [u8]);

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("the disk went away"));
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn read_error_ends_with_one_error() {
        // Past the head read to tell the format, then broken off inside the last title.
        let padding = format!("<!-- {} -->\n", "x".repeat(SNIFF_BYTES));
        let cut_at = FIREFOX.find("日本").expect("the last title");
        let file = FIREFOX[..cut_at].replacen("<TITLE>", &(padding + "<TITLE>"), 1);
        let (_, mut records) = open(Failing(file.as_bytes())).expect("a bookmark file");
        let items: Vec<_> = records.by_ref().collect();
        // Every bookmark but the last, still open when the file broke off, then the error.
        assert_eq!(items.len(), 14);
        assert_eq!(
            items.last(),
            Some(&Err(
                "The rest of the file could not be read: the disk went away".to_string()
            ))
        );
        assert_eq!(records.position(), "Bookmark 14");
        assert!(records.next().is_none());
    }

    #[test]
    fn caps() {
        let long_url = format!("https://a.example/{}", "p".repeat(MAX_URL_CHARS));
        let file = format!(
            "<!DOCTYPE NETSCAPE-Bookmark-file-1><DL><p>\
             <DT><A HREF=\"{long_url}\">long address</A>\
             <DT><A HREF=\"https://b.example/\">{}</A><DD>{}\
             </DL>",
            "t".repeat(MAX_TEXT_BYTES * 2),
            "n ".repeat(MAX_NOTE_CHARS),
        );
        let (_, items) = read_all(file.as_bytes());
        assert_eq!(
            items[0].1,
            Err("This bookmark's address is longer than 2,048 characters.".to_string())
        );
        let record = items[1].1.as_ref().expect("a bookmark");
        assert_eq!(record.title.chars().count(), MAX_TITLE_CHARS);
        assert!(record.note.chars().count() <= MAX_NOTE_CHARS);
        assert!(record.note.chars().count() > MAX_NOTE_CHARS - 2);
    }

    #[test]
    fn long_bad_address_is_quoted_short() {
        let file = format!(
            "<!DOCTYPE NETSCAPE-Bookmark-file-1><DL><p><DT><A HREF=\"data:text/plain,{}\">x</A></DL>",
            "a".repeat(500)
        );
        let (_, items) = read_all(file.as_bytes());
        let reason = items[0].1.as_ref().expect_err("a data address");
        assert!(reason.starts_with("data:text/plain,aaa"));
        assert!(reason.contains("… is not a web address"));
        assert!(reason.chars().count() < 200);
    }
}
