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

-- A bookmark the owner marks public is listed on `/bookmarks/` and in its feed; every other
-- stays private. A change to a public one changes the public site (the page cache's stamp).
ALTER TABLE bookmarks ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bookmarks_public ON bookmarks (created_at DESC, id DESC) WHERE public = 1;
CREATE TRIGGER bookmarks_changed_i AFTER INSERT ON bookmarks WHEN NEW.public = 1 BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER bookmarks_changed_u AFTER UPDATE ON bookmarks WHEN NEW.public = 1 OR OLD.public = 1 BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER bookmarks_changed_d AFTER DELETE ON bookmarks WHEN OLD.public = 1 BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
