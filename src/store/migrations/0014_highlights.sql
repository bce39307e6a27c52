-- Highlights: passages of a bookmark's kept copy that the owner marked, each anchored as a W3C
-- Web Annotation is: the exact quote, some text before and after it, and its place in the
-- copy's text (code points from `pos_start` up to `pos_end`, counted over every text node of
-- the archived HTML). When the page is archived again each is found again by its quote; one no
-- longer in the page keeps its quote and note, with no place (`pos_start` NULL).
CREATE TABLE highlights (
    id          INTEGER PRIMARY KEY,
    bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
    quote       TEXT NOT NULL,
    prefix      TEXT NOT NULL DEFAULT '',
    suffix      TEXT NOT NULL DEFAULT '',
    pos_start   INTEGER,
    pos_end     INTEGER,
    note        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX highlights_recent ON highlights (created_at DESC, id DESC);
CREATE INDEX highlights_of_bookmark ON highlights (bookmark_id, pos_start);

-- Search over the highlights (`/admin/highlights`): the quote and the note.
CREATE VIRTUAL TABLE highlights_fts USING fts5 (quote, note, tokenize = 'unicode61 remove_diacritics 2');

-- A bookmark's search entry takes its highlights too (quotes and notes): FTS5 tables cannot
-- gain a column, so the table is made again.
DROP TABLE bookmarks_fts;
CREATE VIRTUAL TABLE bookmarks_fts USING fts5 (title, body, note, tags, highlights, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO bookmarks_fts (rowid, title, body, note, tags, highlights)
    SELECT b.id, b.title || ' ' || b.article_title, b.archived_text, b.note,
           coalesce((SELECT group_concat(t.tag, ' ') FROM bookmark_tags t WHERE t.bookmark_id = b.id), ''),
           ''
    FROM bookmarks b;
