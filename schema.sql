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
-- client_id, expires_at and last_used_at came with migration 5 (IndieAuth), hence their layout.
CREATE TABLE app_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL,
    created_at   INTEGER NOT NULL
, client_id TEXT NOT NULL DEFAULT '', expires_at INTEGER, last_used_at INTEGER);

-- Posts and pages. `path` is the permalink, given once at first publication and never changed.
-- A deleted post keeps its row (status 'deleted') so that its URL answers 410 Gone forever.
-- `content_warning` goes to ActivityPub as `summary`, which Mastodon shows as a warning;
-- `in_reply_to` and `bookmark_of` are what a post answers or bookmarks (Micropub), `summary` its
-- own short description; `other_properties` the Micropub properties Porch keeps for apps without
-- using them. Their odd layout is what SQLite stores after migrations 2, 5, 6 and 7's ALTER
-- TABLE; the schema test compares.
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
, content_warning TEXT NOT NULL DEFAULT '', in_reply_to TEXT NOT NULL DEFAULT '', bookmark_of TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '', other_properties TEXT NOT NULL DEFAULT '{}');
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
-- `blurhash` (added by migration 3, hence its layout) is the placeholder Mastodon paints first.
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
, blurhash TEXT NOT NULL DEFAULT '');

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
, interrupted INTEGER NOT NULL DEFAULT 0);
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

-- Federation (ActivityPub) -----------------------------------------------------------------

-- The actor's RSA key pair (PEM), made at first start. One row: the key id never changes.
CREATE TABLE actor_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Remote actors (people on Mastodon and elsewhere), as last fetched. Their key verifies what
-- they send; `handle` is user@domain for display. `avatar` (migration 10, hence its layout) is
-- the file name of a small local copy of the `icon`, made from the URL in `avatar_source`.
CREATE TABLE actors (
    id             INTEGER PRIMARY KEY,
    uri            TEXT NOT NULL UNIQUE,
    handle         TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    url            TEXT NOT NULL DEFAULT '',
    icon           TEXT NOT NULL DEFAULT '',
    inbox          TEXT NOT NULL,
    shared_inbox   TEXT NOT NULL DEFAULT '',
    key_id         TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    also_known_as  TEXT NOT NULL DEFAULT '[]',
    fetched_at     INTEGER NOT NULL
, avatar TEXT NOT NULL DEFAULT '', avatar_source TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX actors_key_id ON actors (key_id) WHERE key_id <> '';

-- Who follows the owner ('pending' while the owner approves followers by hand).
CREATE TABLE followers (
    actor_id   INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    follow_uri TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at INTEGER NOT NULL
);

-- Whom the owner follows ('pending' until the other side accepts).
CREATE TABLE following (
    actor_id   INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    follow_uri TEXT NOT NULL UNIQUE,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at INTEGER NOT NULL
);

-- Ids of activities already handled, so that a retried or replayed delivery changes nothing.
CREATE TABLE inbox_seen (
    activity_uri TEXT PRIMARY KEY,
    received_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Activities this site sent, as delivered; the public ones make the outbox collection.
CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    post_id    INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    public     INTEGER NOT NULL,
    json       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX activities_public ON activities (public, id);

-- Delivery health of each remote inbox: one that has failed for days is skipped until its
-- server is heard from again.
CREATE TABLE inboxes (
    url             TEXT PRIMARY KEY,
    failing_since   INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    last_success_at INTEGER,
    dead            INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Posts from elsewhere: replies in a conversation of ours (post_id set), mentions of the owner,
-- and posts of followed accounts (the timeline). Content is sanitized before it is stored.
-- `public` came with migration 4 (hence its place); only public replies join a conversation.
CREATE TABLE remote_posts (
    id             INTEGER PRIMARY KEY,
    uri            TEXT NOT NULL UNIQUE,
    actor_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    url            TEXT NOT NULL DEFAULT '',
    in_reply_to    TEXT NOT NULL DEFAULT '',
    post_id        INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    summary        TEXT NOT NULL DEFAULT '',
    content_html   TEXT NOT NULL,
    attachments    TEXT NOT NULL DEFAULT '[]',
    mentions_owner INTEGER NOT NULL DEFAULT 0,
    in_timeline    INTEGER NOT NULL DEFAULT 0,
    moderation     TEXT NOT NULL CHECK (moderation IN ('none', 'pending', 'approved', 'rejected')),
    published_at   INTEGER NOT NULL,
    updated_at     INTEGER,
    received_at    INTEGER NOT NULL
, public INTEGER NOT NULL DEFAULT 1);
CREATE INDEX remote_posts_conversation ON remote_posts (post_id, moderation, published_at);
CREATE INDEX remote_posts_timeline ON remote_posts (in_timeline, published_at DESC);
CREATE INDEX remote_posts_actor ON remote_posts (actor_id);

-- The owner's replies to posts from elsewhere, written in the timeline or a conversation. They
-- are not blog posts; each is an ActivityPub Note at /replies/<id>. `public` (migration 4): a
-- reply to a direct message goes to its author alone and is served to no one.
CREATE TABLE own_replies (
    id          INTEGER PRIMARY KEY,
    in_reply_to TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    markdown    TEXT NOT NULL,
    html        TEXT NOT NULL,
    mentions    TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
, public INTEGER NOT NULL DEFAULT 1);
CREATE INDEX own_replies_conversation ON own_replies (post_id, created_at);

-- What happened to the owner: follows, replies, mentions, and the private likes and boosts
-- (never counted, never shown to anyone else).
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    actor_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id        INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    remote_post_id INTEGER REFERENCES remote_posts (id) ON DELETE CASCADE,
    activity_uri   TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL
);
CREATE INDEX notifications_recent ON notifications (created_at DESC);

-- Moderation. A blocked domain covers its subdomains; severity and comment follow Mastodon's
-- domain block CSV so that lists move between servers.
CREATE TABLE blocked_domains (
    domain         TEXT PRIMARY KEY,
    severity       TEXT NOT NULL DEFAULT 'suspend',
    public_comment TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE blocked_actors (
    uri        TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE muted_actors (
    uri        TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Replies shown under a post are public content: the page cache must see them change.
CREATE TRIGGER remote_posts_changed_i AFTER INSERT ON remote_posts WHEN NEW.post_id IS NOT NULL BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER remote_posts_changed_u AFTER UPDATE ON remote_posts WHEN NEW.post_id IS NOT NULL OR OLD.post_id IS NOT NULL BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER remote_posts_changed_d AFTER DELETE ON remote_posts WHEN OLD.post_id IS NOT NULL BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER own_replies_changed_i AFTER INSERT ON own_replies WHEN NEW.post_id IS NOT NULL BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER own_replies_changed_u AFTER UPDATE ON own_replies WHEN NEW.post_id IS NOT NULL BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
-- A reply's author's avatar, copied here, shows under the post.
CREATE TRIGGER actors_avatar_changed AFTER UPDATE OF avatar ON actors WHEN NEW.avatar <> OLD.avatar BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;

-- IndieWeb ------------------------------------------------------------------------------------

-- Authorization codes: single use, short-lived, stored by hash like tokens.
CREATE TABLE auth_codes (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    client_name    TEXT NOT NULL DEFAULT '',
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    code_challenge TEXT NOT NULL DEFAULT '',
    me             TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) WITHOUT ROWID;

-- The Webmention sent for each link of a post, and how it went.
CREATE TABLE webmentions_sent (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    target   TEXT NOT NULL,
    endpoint TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT '',
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (post_id, target)
) WITHOUT ROWID;

-- Bookshelf -----------------------------------------------------------------------------------

-- One book on the owner's bookshelf. `status` is its one status shelf; the dates are calendar
-- dates (YYYY-MM-DD) in the owner's time zone. The rating (quarter stars) and notes are private.
-- `cover_state`: none (nothing to fetch), pending (a job is on it), fetched, missing (the
-- source has no cover), failed (the fetch gave up); a cover is fetched once.
CREATE TABLE books (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    isbn13         TEXT UNIQUE,
    match_key      TEXT NOT NULL,
    title          TEXT NOT NULL,
    authors        TEXT NOT NULL DEFAULT '[]',
    pages          INTEGER,
    publisher      TEXT NOT NULL DEFAULT '',
    year           INTEGER,
    status         TEXT NOT NULL,
    started_on     TEXT,
    finished_on    TEXT,
    rating         INTEGER CHECK (rating BETWEEN 1 AND 20),
    notes          TEXT NOT NULL DEFAULT '',
    cover_media_id INTEGER REFERENCES media (id) ON DELETE RESTRICT,
    cover_source   TEXT NOT NULL DEFAULT '',
    cover_state    TEXT NOT NULL DEFAULT 'none',
    ol_key         TEXT NOT NULL DEFAULT '',
    added_at       INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX books_status ON books (status, finished_on);
CREATE INDEX books_match_key ON books (match_key);

-- The owner's own shelves, beside the four status shelves; a book may sit on several.
CREATE TABLE book_shelves (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL,
    slug   TEXT NOT NULL UNIQUE,
    public INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE book_shelf_books (
    shelf_id INTEGER NOT NULL REFERENCES book_shelves (id) ON DELETE CASCADE,
    book_id  INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    PRIMARY KEY (shelf_id, book_id)
) WITHOUT ROWID;
CREATE INDEX book_shelf_books_book ON book_shelf_books (book_id);

-- How many books the owner means to finish in a year.
CREATE TABLE reading_goals (
    year   INTEGER PRIMARY KEY,
    target INTEGER NOT NULL CHECK (target > 0)
);

-- Open Library's answers, kept so that one lookup is asked once (its terms ask for that).
CREATE TABLE book_lookups (
    url        TEXT PRIMARY KEY,
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A file imported from the panel, and how it went. A job reads it in batches so that the panel
-- can show progress; reading it again adds nothing twice.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued',
    format      TEXT NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    existing    INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    report      TEXT NOT NULL DEFAULT '[]',
    error       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE TRIGGER books_changed_i AFTER INSERT ON books BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER books_changed_u AFTER UPDATE ON books BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER books_changed_d AFTER DELETE ON books BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER book_shelves_changed_i AFTER INSERT ON book_shelves BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER book_shelves_changed_u AFTER UPDATE ON book_shelves BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER book_shelves_changed_d AFTER DELETE ON book_shelves BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER book_shelf_books_changed_i AFTER INSERT ON book_shelf_books BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER book_shelf_books_changed_d AFTER DELETE ON book_shelf_books BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER reading_goals_changed_i AFTER INSERT ON reading_goals BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER reading_goals_changed_u AFTER UPDATE ON reading_goals BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
CREATE TRIGGER reading_goals_changed_d AFTER DELETE ON reading_goals BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;

-- The panel's own marks: notifications read up to, the welcome checklist put away.
CREATE TABLE panel_marks (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
-- The moderation badge counts held replies on every panel page.
CREATE INDEX remote_posts_pending ON remote_posts (id) WHERE moderation = 'pending';

-- Bookmarks ---------------------------------------------------------------------------------

-- Bookmarks: links the owner saves, private unless marked public, each with a readable copy
-- archived by a job.
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
, public INTEGER NOT NULL DEFAULT 0);
CREATE INDEX bookmarks_recent ON bookmarks (created_at DESC, id DESC);
-- `public`: listed on `/bookmarks/` and in its feed; a change to a public bookmark changes the
-- public site (the page cache's stamp).
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

-- A bookmark's tags, as the owner typed them (matched without regard to case).
CREATE TABLE bookmark_tags (
    bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (bookmark_id, tag)
) WITHOUT ROWID;
CREATE INDEX bookmark_tags_tag ON bookmark_tags (tag);

-- Search over the bookmarks in the panel, their highlights included (kept in step by
-- store::bookmarks and store::highlights).
CREATE VIRTUAL TABLE bookmarks_fts USING fts5 (title, body, note, tags, highlights, tokenize = 'unicode61 remove_diacritics 2');

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
