-- Posts and pages brought in by an import, each under the key that finds it again (its original
-- URL, or the id its file gave it): importing the same file twice adds nothing, the protocols
-- leave these posts alone (an import never federates or pings), and the address the post had on
-- this same site before (`old_path`) answers with a redirect to its permalink here.
CREATE TABLE imported_posts (
    post_id      INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    source       TEXT NOT NULL UNIQUE,
    original_url TEXT NOT NULL DEFAULT '',
    old_path     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imported_posts_old_path ON imported_posts (old_path) WHERE old_path <> '';

-- Archives of the whole site made from the panel: a job writes the file into the data folder's
-- `exports/`, counting as it goes; the owner downloads it, and it is removed a day later.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed', 'removed')),
    posts       INTEGER NOT NULL DEFAULT 0,
    files       INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
