-- A local copy of each reply author's avatar: a small square kept under /uploads/, so that a
-- page showing a reply never asks another site for its author's picture. `avatar` is its file
-- name ('' when there is none: the page shows the author's initials); `avatar_source` is the
-- icon URL it was made from, so that a new icon is copied again and an unchanged one is not.
ALTER TABLE actors ADD COLUMN avatar TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN avatar_source TEXT NOT NULL DEFAULT '';
-- Replies show the copy: the page cache must see it arrive.
CREATE TRIGGER actors_avatar_changed AFTER UPDATE OF avatar ON actors WHEN NEW.avatar <> OLD.avatar BEGIN
    UPDATE site_meta SET content_version = content_version + 1, content_changed_at = unixepoch();
END;
