-- Micropub properties Porch does not use itself (a check-in, syndication links, a like-of…),
-- kept as the app sent them (a JSON object) so that the app reads them back with q=source.
ALTER TABLE posts ADD COLUMN other_properties TEXT NOT NULL DEFAULT '{}';
