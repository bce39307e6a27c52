-- What the owner has seen or put away in the panel: how far the notifications were read (for
-- the unread badge), whether the welcome checklist was dismissed. Kept apart from `settings`,
-- whose changes are changes of the public site.
CREATE TABLE panel_marks (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
-- The moderation badge counts held replies on every panel page.
CREATE INDEX remote_posts_pending ON remote_posts (id) WHERE moderation = 'pending';
