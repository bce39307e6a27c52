-- Federation: the actor's key, the remote actors met, follows both ways, what was sent and
-- received, notifications, and blocks.

ALTER TABLE posts ADD COLUMN content_warning TEXT NOT NULL DEFAULT '';

-- The actor's RSA key pair (PEM), made at first start. One row: the key id never changes.
CREATE TABLE actor_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    private_pem TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Remote actors (people on Mastodon and elsewhere), as last fetched. Their key verifies what
-- they send; `handle` is user@domain for display.
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
);
CREATE INDEX actors_key_id ON actors (key_id);

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
);
CREATE INDEX remote_posts_conversation ON remote_posts (post_id, moderation, published_at);
CREATE INDEX remote_posts_timeline ON remote_posts (in_timeline, published_at DESC);
CREATE INDEX remote_posts_actor ON remote_posts (actor_id);

-- The owner's replies to posts from elsewhere, written in the timeline or a conversation. They
-- are not blog posts; each is an ActivityPub Note at /replies/<id>.
CREATE TABLE own_replies (
    id          INTEGER PRIMARY KEY,
    in_reply_to TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    markdown    TEXT NOT NULL,
    html        TEXT NOT NULL,
    mentions    TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
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
