-- Sessions of signed-in accounts. The cookie holds a random token; only
-- its SHA-256 is stored, so a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL, -- unix ms
    expires_at INTEGER NOT NULL  -- unix ms
) WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions(user_id);
