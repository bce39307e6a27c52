-- How often a job was found still running when its worker was gone (the server stopped, or the
-- job's lease ran out): a job that keeps taking the server down with it is not run again.
ALTER TABLE jobs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;

-- A key id belongs to one actor. Keys claimed by several rows are forgotten; each is fetched
-- again, from its own server, when it next signs something.
UPDATE actors SET key_id = '', public_key_pem = ''
 WHERE key_id IN (SELECT key_id FROM actors WHERE key_id <> '' GROUP BY key_id HAVING count(*) > 1);
DROP INDEX actors_key_id;
CREATE UNIQUE INDEX actors_key_id ON actors (key_id) WHERE key_id <> '';
