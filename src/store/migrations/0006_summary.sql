-- A post's own summary (Micropub `summary`): shown as its description in feeds, link previews
-- and search results instead of the start of its text.
ALTER TABLE posts ADD COLUMN summary TEXT NOT NULL DEFAULT '';
