-- For you in the digest. A subscriber with an account may ask for a
-- "For you" section: the period's papers ranked by their reader model.
ALTER TABLE subscriptions ADD COLUMN for_you INTEGER NOT NULL DEFAULT 0; -- 1: the digest has a For-you section

-- Each reader's trained model, as the process that trained it encoded it
-- (internal/recommend, EncodeModel), so that a digest run in any process
-- ranks by it without training: a training per subscriber would cost
-- more than a digest may. version is the reader's signal version it was
-- trained from (readers.version); a later training replaces it, an
-- earlier one finishing late does not.
CREATE TABLE reader_models (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    trained_at INTEGER NOT NULL, -- unix ms
    model      BLOB    NOT NULL
);
