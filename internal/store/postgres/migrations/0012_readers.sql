-- For you. What a reader tells the site about papers beyond upvotes
-- (votes keep their own table): "Not interested", "More like this" and
-- seed papers picked at onboarding, one signal a paper (a new one
-- replaces the old). At most store.MaxSignals a reader: writes drop the
-- oldest.
CREATE TABLE reader_paper_signals (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_seq  BIGINT NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    kind       TEXT   NOT NULL, -- store.SignalKind: not_interested, more_like_this, seed_paper
    created_at BIGINT NOT NULL, -- unix ms
    PRIMARY KEY (user_id, paper_seq)
);

-- A reader's signals are read newest first, and the cap drops the oldest.
CREATE INDEX reader_paper_signals_user ON reader_paper_signals(user_id, created_at);

-- Categories and authors picked at onboarding.
CREATE TABLE reader_topic_signals (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL, -- seed_category, seed_author
    subject    TEXT   NOT NULL, -- cs.CL, or an author's name as papers give it
    created_at BIGINT NOT NULL, -- unix ms
    PRIMARY KEY (user_id, kind, subject)
);

-- As reader_paper_signals_user.
CREATE INDEX reader_topic_signals_user ON reader_topic_signals(user_id, created_at);

-- A reader's For-you state. version counts the changes to their signals,
-- votes included: every serve process compares it with its cached model
-- on each request, so a signal given through one ranks through all.
-- feed_token_hash is the SHA-256 of the secret in the private feed's URL.
CREATE TABLE readers (
    user_id         BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version         BIGINT  NOT NULL DEFAULT 0,
    paused          BOOLEAN NOT NULL DEFAULT false,
    feed_token_hash BYTEA UNIQUE -- UNIQUE indexes the feed's lookup
);

-- For you reads a window of days' papers by their listing day.
CREATE INDEX papers_listed ON papers(listed) WHERE listed <> '';
