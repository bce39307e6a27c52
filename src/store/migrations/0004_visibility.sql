-- Whether a post from elsewhere was public (addressed to as:Public): only public replies are
-- shown under the owner's posts, and the owner's answer keeps the same audience.
ALTER TABLE remote_posts ADD COLUMN public INTEGER NOT NULL DEFAULT 1;
-- Whether the owner's reply was public; a direct one is not served to anyone.
ALTER TABLE own_replies ADD COLUMN public INTEGER NOT NULL DEFAULT 1;
