-- A BlurHash of each image (a few dozen characters Mastodon paints while the image loads).
-- Images uploaded before this have none, and are sent without one.
ALTER TABLE media ADD COLUMN blurhash TEXT NOT NULL DEFAULT '';
