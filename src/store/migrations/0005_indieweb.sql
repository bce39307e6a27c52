-- IndieWeb: tokens issued to apps through IndieAuth, authorization codes, replies and bookmarks
-- as posts, and the Webmentions sent for each post.

-- An app token made through IndieAuth names its app (client_id) and may expire; every token
-- records when it was last used, so the owner can see which apps are alive.
ALTER TABLE app_tokens ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE app_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE app_tokens ADD COLUMN last_used_at INTEGER;

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

-- What a post replies to or bookmarks (Micropub in-reply-to and bookmark-of).
ALTER TABLE posts ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN bookmark_of TEXT NOT NULL DEFAULT '';

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
