-- The PostgreSQL schema of Daily Papers: the same tables as the SQLite
-- store's migrations 0001 to 0008, in PostgreSQL's types. Times are unix
-- milliseconds (BIGINT), as there, so both stores read and write alike.

-- Papers: one row per arXiv paper, however many versions it has.
CREATE TABLE papers (
    seq          BIGSERIAL PRIMARY KEY,        -- compact handle for joins, the search index and change cursors
    id           TEXT   NOT NULL UNIQUE,       -- canonical arXiv id without version
    title        TEXT   NOT NULL,
    abstract     TEXT   NOT NULL DEFAULT '',
    authors      JSONB  NOT NULL DEFAULT '[]', -- [{"name","user"}] in the paper's order
    categories   TEXT   NOT NULL DEFAULT '',   -- space-separated, primary first
    versions     JSONB  NOT NULL DEFAULT '[]', -- [{"v","date"}]
    published_at BIGINT,                       -- unix ms of v1, NULL when unknown
    updated_at   BIGINT,
    listed       TEXT   NOT NULL DEFAULT '',
    doi          TEXT   NOT NULL DEFAULT '',
    journal_ref  TEXT   NOT NULL DEFAULT '',
    comments     TEXT   NOT NULL DEFAULT '',
    withdrawn    BOOLEAN NOT NULL DEFAULT FALSE,
    github_repo  TEXT   NOT NULL DEFAULT '',
    github_stars INTEGER NOT NULL DEFAULT 0,
    project_page TEXT   NOT NULL DEFAULT '',
    upvotes      INTEGER NOT NULL DEFAULT 0,
    num_comments INTEGER NOT NULL DEFAULT 0,
    as_of        BIGINT,
    created_at   BIGINT NOT NULL,
    modified_at  BIGINT NOT NULL,
    -- rev is the store version the last change of the row became visible
    -- in. Every transaction that takes a version locks store_version's row
    -- until it commits, so versions become visible in order and a reader
    -- following (rev, seq) misses nothing.
    rev          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX papers_rev ON papers(rev, seq);
CREATE INDEX papers_published ON papers((coalesce(published_at, 0)) DESC, seq DESC);

-- Users: accounts and submitters known by name from imported feeds.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT   NOT NULL,
    fullname      TEXT   NOT NULL DEFAULT '',
    avatar_url    TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    email         TEXT,
    password_hash TEXT   NOT NULL DEFAULT '',
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at   BIGINT
);
-- Names and addresses are unique whatever their case (ASCII, as SQLite's NOCASE).
CREATE UNIQUE INDEX users_username ON users(lower(username));
CREATE UNIQUE INDEX users_email ON users(lower(email)) WHERE email IS NOT NULL;

-- Feed entries: a paper on the daily feed of one day.
CREATE TABLE feed_entries (
    paper_seq    BIGINT  NOT NULL REFERENCES papers(seq),
    day          TEXT    NOT NULL,             -- YYYY-MM-DD
    submitter_id BIGINT  REFERENCES users(id),
    submitted_at BIGINT  NOT NULL,
    hidden       BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (paper_seq, day)
);
CREATE INDEX feed_entries_day ON feed_entries(day, hidden);
CREATE INDEX feed_entries_submitted_at ON feed_entries(submitted_at);
CREATE INDEX feed_entries_submitter ON feed_entries(submitter_id, day);

-- The version every committed change to what pages show increases.
CREATE TABLE store_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  BIGINT  NOT NULL
);
INSERT INTO store_version (id, v) VALUES (1, 1);

-- Embeddings for semantic search, one per (model, paper).
CREATE TABLE paper_vectors (
    model     TEXT   NOT NULL,
    paper_seq BIGINT NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    rev       BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    vec       BYTEA  NOT NULL, -- store.PackVector
    PRIMARY KEY (model, paper_seq)
);
CREATE UNIQUE INDEX paper_vectors_seq ON paper_vectors(model, seq);
-- seq of paper_vectors comes from this sequence, taken while store_version
-- is locked, so that it too becomes visible in order.
CREATE SEQUENCE paper_vectors_seq_gen;

-- Sessions of signed-in accounts, by the SHA-256 of the cookie's token.
CREATE TABLE sessions (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Votes: an account's upvote of a paper; papers.upvotes counts them.
CREATE TABLE votes (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_seq  BIGINT NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    n          BIGSERIAL, -- the order votes were cast in, within a millisecond
    PRIMARY KEY (user_id, paper_seq)
);
CREATE INDEX votes_user_created ON votes(user_id, created_at);

-- Comments on papers; replies go one level deep.
CREATE TABLE comments (
    id         BIGSERIAL PRIMARY KEY,
    paper_seq  BIGINT  NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    parent_id  BIGINT  REFERENCES comments(id),
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    edited_at  BIGINT,
    deleted_at BIGINT,
    hidden     BOOLEAN NOT NULL DEFAULT FALSE,
    client_key TEXT
);
CREATE INDEX comments_paper ON comments(paper_seq, id);
CREATE UNIQUE INDEX comments_client_key ON comments(user_id, client_key) WHERE client_key IS NOT NULL;

CREATE TABLE comment_reports (
    id          BIGSERIAL PRIMARY KEY,
    comment_id  BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL REFERENCES users(id),
    reason      TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    UNIQUE (comment_id, reporter_id)
);
CREATE INDEX comment_reports_open ON comment_reports(created_at, id) WHERE resolved_at IS NULL;

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL DEFAULT '',
    prefix       TEXT   NOT NULL DEFAULT '',
    token_hash   BYTEA  NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE password_resets (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets(user_id);

-- Email digests.
CREATE TABLE subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT   NOT NULL,
    user_id         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    frequency       TEXT   NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    categories      TEXT   NOT NULL DEFAULT '',
    keywords        JSONB  NOT NULL DEFAULT '[]',
    query           TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT,
    paused_at       BIGINT,
    unsubscribed_at BIGINT,
    failures        INTEGER NOT NULL DEFAULT 0,
    blocked_at      BIGINT
);
CREATE UNIQUE INDEX subscriptions_email ON subscriptions(lower(email));
CREATE INDEX subscriptions_active ON subscriptions(frequency, id)
    WHERE confirmed_at IS NOT NULL AND paused_at IS NULL AND unsubscribed_at IS NULL AND blocked_at IS NULL;

-- The durable queue of digests, shared by every process on the database;
-- claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE mail_jobs (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),
    period          TEXT   NOT NULL,
    state           TEXT   NOT NULL CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed', 'unknown')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    lease_until     BIGINT,
    claim           TEXT   NOT NULL DEFAULT '',
    message_id      TEXT   NOT NULL DEFAULT '',
    last_error      TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (subscription_id, period)
);
CREATE INDEX mail_jobs_state ON mail_jobs(state, next_at, id);
CREATE INDEX mail_jobs_period ON mail_jobs(period);

CREATE TABLE digest_runs (
    id          BIGSERIAL PRIMARY KEY,
    period      TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    queued      INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    note        TEXT   NOT NULL DEFAULT ''
);
