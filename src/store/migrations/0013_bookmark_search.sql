-- Search over the bookmarks in the panel: title (the owner's and the page's), the archived
-- text, the note and the tags. Kept in step by `store::bookmarks` in the transactions that
-- change them.
CREATE VIRTUAL TABLE bookmarks_fts USING fts5 (title, body, note, tags, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO bookmarks_fts (rowid, title, body, note, tags)
    SELECT b.id, b.title || ' ' || b.article_title, b.archived_text, b.note,
           coalesce((SELECT group_concat(t.tag, ' ') FROM bookmark_tags t WHERE t.bookmark_id = b.id), '')
    FROM bookmarks b;
