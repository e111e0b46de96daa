-- Papers: one row per arXiv paper, however many versions it has.
CREATE TABLE papers (
    -- seq is a compact integer handle for joins, the search index and change cursors.
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,   -- canonical arXiv id without version; UNIQUE indexes lookups by id
    title        TEXT    NOT NULL,
    abstract     TEXT    NOT NULL DEFAULT '',
    authors      TEXT    NOT NULL DEFAULT '[]', -- JSON [{"name","user"}] in the paper's order
    categories   TEXT    NOT NULL DEFAULT '',   -- space-separated, primary first
    versions     TEXT    NOT NULL DEFAULT '[]', -- JSON [{"v","date"}]
    published_at INTEGER,                       -- unix ms of v1, NULL when unknown
    updated_at   INTEGER,                       -- unix ms of the latest version, NULL when unknown
    listed       TEXT    NOT NULL DEFAULT '',   -- first arXiv listing day, YYYY-MM-DD
    doi          TEXT    NOT NULL DEFAULT '',
    journal_ref  TEXT    NOT NULL DEFAULT '',
    comments     TEXT    NOT NULL DEFAULT '',
    withdrawn    INTEGER NOT NULL DEFAULT 0,
    github_repo  TEXT    NOT NULL DEFAULT '',
    github_stars INTEGER NOT NULL DEFAULT 0,
    project_page TEXT    NOT NULL DEFAULT '',
    upvotes      INTEGER NOT NULL DEFAULT 0,
    num_comments INTEGER NOT NULL DEFAULT 0,
    as_of        INTEGER,                       -- unix ms the stored data describes the paper as of (see paper.Merge)
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    -- rev is the store version that the last change of the row became visible
    -- in; the search index follows the store by reading rows with a newer rev.
    rev          INTEGER NOT NULL DEFAULT 0
);

-- The search index's change feed reads papers by (rev, seq).
CREATE INDEX papers_rev ON papers(rev, seq);

-- Users: accounts and, for imported feeds, submitters known by username.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL UNIQUE COLLATE NOCASE, -- UNIQUE indexes lookups by name
    fullname   TEXT    NOT NULL DEFAULT '',
    avatar_url TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- Feed entries: a paper on the daily feed of one day.
CREATE TABLE feed_entries (
    paper_seq    INTEGER NOT NULL REFERENCES papers(seq),
    day          TEXT    NOT NULL,              -- YYYY-MM-DD
    submitter_id INTEGER REFERENCES users(id),
    submitted_at INTEGER NOT NULL,              -- unix ms
    hidden       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (paper_seq, day)
) WITHOUT ROWID;

-- Every feed page selects a range of days; covering hidden keeps it in the index.
CREATE INDEX feed_entries_day ON feed_entries(day, hidden);
-- Trending reads the entries of the last few days by submission time.
CREATE INDEX feed_entries_submitted_at ON feed_entries(submitted_at);

-- One counter that every committed change to what pages show increases, so
-- that caches of rendered pages (in this process or another) know when to
-- throw their copies away.
CREATE TABLE store_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO store_version (id, v) VALUES (1, 1);
