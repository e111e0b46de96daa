-- Email digests: who asked for them, and about what. One row per address,
-- whatever its case; an unsubscribed row stays, so that the token of an
-- old mail still finds it, and subscribing again starts it anew.
CREATE TABLE subscriptions (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE, -- UNIQUE indexes lookups by address
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL, -- NULL without an account
    frequency       TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    categories      TEXT    NOT NULL DEFAULT '',   -- space-separated arXiv categories or archives
    keywords        TEXT    NOT NULL DEFAULT '[]', -- JSON ["word", "a phrase"]: keywords may hold spaces
    query           TEXT    NOT NULL DEFAULT '',   -- a saved search query
    created_at      INTEGER NOT NULL,              -- unix ms
    confirmed_at    INTEGER,                       -- unix ms, NULL until the link in the confirmation mail is followed
    paused_at       INTEGER,                       -- unix ms, NULL unless paused
    unsubscribed_at INTEGER,                       -- unix ms, NULL unless unsubscribed
    failures        INTEGER NOT NULL DEFAULT 0,    -- permanent delivery failures in a row
    blocked_at      INTEGER                        -- unix ms, NULL unless there were too many
);

-- A digest run lists the active subscriptions of a frequency by id.
CREATE INDEX subscriptions_active ON subscriptions(frequency, id)
    WHERE confirmed_at IS NOT NULL AND paused_at IS NULL AND unsubscribed_at IS NULL AND blocked_at IS NULL;

-- Mail jobs: the durable queue of digests, shared by every process on the
-- database. A job goes queued -> claimed -> sending -> sent, or back to
-- queued, or to failed or unknown (see store.JobUnknown). claim is the
-- random token of the holder of a claimed or sending job; its writes name
-- it, so that a holder whose lease ran out and whose job was taken by
-- another finds that out instead of writing over it.
CREATE TABLE mail_jobs (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    period          TEXT    NOT NULL, -- "daily:2025-09-03" or "weekly:2025-W36"
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed', 'unknown')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,           -- unix ms a queued job may be claimed from
    lease_until     INTEGER,                    -- unix ms a claim ends, NULL while queued
    claim           TEXT    NOT NULL DEFAULT '',
    message_id      TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,           -- unix ms
    sent_at         INTEGER,                    -- unix ms, NULL until sent
    UNIQUE (subscription_id, period)            -- a period's digest is queued once
);

-- Claiming reads the oldest queued job that is due (and the claimed and
-- sending jobs, which are few); the index's rowid breaks ties by id.
CREATE INDEX mail_jobs_state ON mail_jobs(state, next_at);
-- The admin page lists a period's jobs.
CREATE INDEX mail_jobs_period ON mail_jobs(period);

-- Runs of queueing and sending digests, for the admin page.
CREATE TABLE digest_runs (
    id          INTEGER PRIMARY KEY,
    period      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,           -- unix ms
    finished_at INTEGER,                    -- unix ms, NULL while running
    queued      INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    note        TEXT    NOT NULL DEFAULT ''
);
