-- The bookshelf: books, the owner's shelves, reading goals, and the Open Library lookup cache.

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
