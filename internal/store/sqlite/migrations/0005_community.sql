-- Votes: an account's upvote of a paper. papers.upvotes counts them (on
-- top of the upvotes an import brought) and changes in the same
-- transaction as the row. A rowid table, so that votes cast in the same
-- millisecond still list in the order they were cast.
CREATE TABLE votes (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_seq  INTEGER NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    created_at INTEGER NOT NULL, -- unix ms
    PRIMARY KEY (user_id, paper_seq)
);

-- A profile lists a user's upvotes, newest first.
CREATE INDEX votes_user_created ON votes(user_id, created_at);

-- Comments on papers. parent_id is NULL for a comment on the paper and the
-- id of a top-level comment for a reply (replies go one level deep).
-- papers.num_comments counts the visible ones (neither deleted nor hidden).
CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    paper_seq  INTEGER NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,           -- Markdown as written; '' once deleted
    created_at INTEGER NOT NULL,           -- unix ms
    edited_at  INTEGER,                    -- unix ms, NULL until edited
    deleted_at INTEGER,                    -- unix ms, NULL unless deleted
    hidden     INTEGER NOT NULL DEFAULT 0  -- hidden by an admin
);

-- A paper page reads its comments in order.
CREATE INDEX comments_paper ON comments(paper_seq, id);

-- Reports of comments to the moderators; one per comment and reporter.
CREATE TABLE comment_reports (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users(id),
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL, -- unix ms
    resolved_at INTEGER,          -- unix ms, NULL while open
    UNIQUE (comment_id, reporter_id)
);

-- The moderators' queue reads the open reports, oldest first.
CREATE INDEX comment_reports_open ON comment_reports(created_at, id) WHERE resolved_at IS NULL;

-- Personal API tokens. Like sessions, only the token's SHA-256 is stored;
-- prefix is its first characters, shown to tell tokens apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    prefix       TEXT    NOT NULL DEFAULT '',
    token_hash   BLOB    NOT NULL UNIQUE, -- UNIQUE indexes lookups by token
    created_at   INTEGER NOT NULL,        -- unix ms
    last_used_at INTEGER,                 -- unix ms, NULL until used
    revoked_at   INTEGER                  -- unix ms, NULL while the token works
);

CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Single-use password reset tokens sent by mail, by SHA-256.
CREATE TABLE password_resets (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL, -- unix ms
    expires_at INTEGER NOT NULL, -- unix ms
    used_at    INTEGER           -- unix ms, NULL until spent
) WITHOUT ROWID;

CREATE INDEX password_resets_user ON password_resets(user_id);

-- The daily cap of submissions counts an account's entries of one day, and
-- profiles list them.
CREATE INDEX feed_entries_submitter ON feed_entries(submitter_id, day);
