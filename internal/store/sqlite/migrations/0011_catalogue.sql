-- Keeping the catalogue full by itself: where each harvest stands, and
-- the GitHub stars of papers' repositories over time.

-- One row per harvested source ("arxiv:cs"), saved after every page.
CREATE TABLE harvests (
    source     TEXT    PRIMARY KEY,
    run_from   TEXT    NOT NULL DEFAULT '',
    run_until  TEXT    NOT NULL DEFAULT '',
    token      TEXT    NOT NULL DEFAULT '', -- next page of the run in progress
    done       TEXT    NOT NULL DEFAULT '', -- until of the last finished run
    pages      INTEGER NOT NULL DEFAULT 0,
    records    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL             -- unix ms
) WITHOUT ROWID;

-- When each repository was last asked about, and whether it still exists.
CREATE TABLE repos (
    repo       TEXT    PRIMARY KEY, -- as papers link it: https://github.com/owner/name
    checked_at INTEGER NOT NULL,    -- unix ms
    found      INTEGER NOT NULL
) WITHOUT ROWID;

-- A repository's stars, one count per day (the day's last), for trending
-- by growth.
CREATE TABLE star_counts (
    repo  TEXT    NOT NULL,
    day   TEXT    NOT NULL, -- YYYY-MM-DD (UTC)
    stars INTEGER NOT NULL,
    PRIMARY KEY (repo, day)
) WITHOUT ROWID;

-- Papers by repository: the star refresh updates every paper of one
-- repository and lists the repositories; most papers have none.
CREATE INDEX papers_github_repo ON papers(github_repo) WHERE github_repo <> '';
