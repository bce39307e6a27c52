-- Bookmarks: links the owner saves, private, each with a readable copy archived by a job.
-- `url_key` is the normalized URL, so that a link saved twice is one bookmark. `source` says how
-- it came (panel, micropub, timeline, post, import); `post_id` is the public post it came with,
-- if any. `archive_state`: pending (a job is on it), archived, failed (`archive_error` says
-- why). The archived copy is sanitized HTML whose images are local files under DATA/archive.
CREATE TABLE bookmarks (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL,
    url_key       TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    unread        INTEGER NOT NULL DEFAULT 1,
    source        TEXT NOT NULL DEFAULT 'panel',
    post_id       INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    archive_state TEXT NOT NULL DEFAULT 'pending'
                  CHECK (archive_state IN ('pending', 'archived', 'failed')),
    archive_error TEXT NOT NULL DEFAULT '',
    archived_at   INTEGER,
    article_title TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    site_name     TEXT NOT NULL DEFAULT '',
    published     TEXT NOT NULL DEFAULT '',
    lead_image    TEXT NOT NULL DEFAULT '',
    archived_html TEXT NOT NULL DEFAULT '',
    archived_text TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX bookmarks_recent ON bookmarks (created_at DESC, id DESC);

-- A bookmark's tags, as the owner typed them (matched without regard to case).
CREATE TABLE bookmark_tags (
    bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (bookmark_id, tag)
) WITHOUT ROWID;
CREATE INDEX bookmark_tags_tag ON bookmark_tags (tag);
