-- Porch: the whole current schema. A fresh database is built from this file alone; older ones are
-- brought here by the numbered migrations in src/store/migrations.rs, and a test proves that both
-- paths end in the same schema. Times are Unix seconds (UTC) unless a column says otherwise.

-- The one owner of this site (a single-user appliance: the CHECK keeps it to one row).
CREATE TABLE owner (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Key/value settings edited in the admin panel (site title, time zone, topics ...). Values are
-- JSON so that lists (rel=me links, emoji topics) need no second table.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Admin sessions. Only a hash of the cookie value is stored, so a leaked database opens no session.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT ''
);

-- Bearer tokens for apps and scripts; scope is a space-separated list (create update delete media).
CREATE TABLE app_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Posts and pages. `path` is the permalink, given once at first publication and never changed.
-- A deleted post keeps its row (status 'deleted') so that its URL answers 410 Gone forever.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('post', 'page')),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'deleted')),
    title        TEXT,
    markdown     TEXT NOT NULL,
    html         TEXT NOT NULL,
    path         TEXT UNIQUE,
    published_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    in_nav       INTEGER NOT NULL DEFAULT 0,
    nav_order    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_timeline ON posts (kind, status, published_at DESC);

CREATE TABLE categories (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE post_categories (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, category_id)
) WITHOUT ROWID;
CREATE INDEX post_categories_category ON post_categories (category_id, post_id);

-- Emoji topics found in a post's text at save time (the emoji list itself is a setting).
CREATE TABLE post_topics (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    topic   TEXT NOT NULL,
    PRIMARY KEY (post_id, topic)
) WITHOUT ROWID;
CREATE INDEX post_topics_topic ON post_topics (topic, post_id);

-- Uploaded images. Files live under the data folder named by the SHA-256 of their (cleaned) bytes.
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    ext           TEXT NOT NULL,
    mime          TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    variants      TEXT NOT NULL DEFAULT '[]',
    original_name TEXT NOT NULL DEFAULT '',
    alt           TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

-- Photos attached to a post, in order, each with the alt text written for that post.
CREATE TABLE post_photos (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    alt      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;
CREATE INDEX post_photos_media ON post_photos (media_id);

-- Full-text search over published posts and pages; rowid is posts.id.
CREATE VIRTUAL TABLE posts_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');

-- The durable job queue. A job is written in the same transaction as the change that needs it;
-- the worker claims due rows, and a crash leaves them to be claimed again (see src/jobs.rs).
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'failed')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- One row that every change to public content touches (through the triggers below), so that the
-- page cache, ETags and Last-Modified know when anything a visitor can see has changed.
CREATE TABLE site_meta (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    content_version    INTEGER NOT NULL,
    content_changed_at INTEGER NOT NULL
);
INSERT INTO site_meta (id, content_version, content_changed_at) VALUES (1, 1, unixepoch());

CREATE TRIGGER posts_changed_i AFTER INSERT ON posts BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER posts_changed_u AFTER UPDATE ON posts BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER posts_changed_d AFTER DELETE ON posts BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER categories_changed_i AFTER INSERT ON categories BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER categories_changed_u AFTER UPDATE ON categories BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER categories_changed_d AFTER DELETE ON categories BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_categories_changed_i AFTER INSERT ON post_categories BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_categories_changed_d AFTER DELETE ON post_categories BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_topics_changed_i AFTER INSERT ON post_topics BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_topics_changed_d AFTER DELETE ON post_topics BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_photos_changed_i AFTER INSERT ON post_photos BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_photos_changed_u AFTER UPDATE ON post_photos BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER post_photos_changed_d AFTER DELETE ON post_photos BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER media_changed_u AFTER UPDATE ON media BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER settings_changed_i AFTER INSERT ON settings BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER settings_changed_u AFTER UPDATE ON settings BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER settings_changed_d AFTER DELETE ON settings BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER owner_changed_i AFTER INSERT ON owner BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER owner_changed_u AFTER UPDATE OF username, display_name ON owner BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
