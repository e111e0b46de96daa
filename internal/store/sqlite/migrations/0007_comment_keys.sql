-- A comment form carries a random key; a second post of the same form (a
-- double click, a resent request) finds the first comment by it instead of
-- adding another.
ALTER TABLE comments ADD COLUMN client_key TEXT;

CREATE UNIQUE INDEX comments_client_key ON comments(user_id, client_key) WHERE client_key IS NOT NULL;
