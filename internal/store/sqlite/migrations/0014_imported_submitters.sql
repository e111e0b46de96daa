-- Submitters of imported feeds are no longer users. An import used to find
-- or make a user by the submitter's name, so a hosted "Carol" was credited
-- to (and renamed) a local account carol, and any text became a username.
-- Now a feed entry keeps its imported submitter as text: the hosted
-- username (only when it passes the rules of local usernames, '' else)
-- and the name to show (the hosted full name, or the raw name that failed
-- the rules). submitter_id is for local accounts only.
ALTER TABLE feed_entries ADD COLUMN imported_submitter TEXT NOT NULL DEFAULT '';
ALTER TABLE feed_entries ADD COLUMN imported_fullname  TEXT NOT NULL DEFAULT '';

-- The users imports made have no address and no password: their entries
-- take their names as text...
UPDATE feed_entries SET
    imported_submitter = CASE WHEN length(u.username) BETWEEN 2 AND 40 AND u.username NOT GLOB '*[^A-Za-z0-9_-]*'
        THEN u.username ELSE '' END,
    imported_fullname = CASE WHEN u.fullname <> '' THEN u.fullname
        WHEN length(u.username) BETWEEN 2 AND 40 AND u.username NOT GLOB '*[^A-Za-z0-9_-]*' THEN '' ELSE u.username END,
    submitter_id = NULL
FROM users u
WHERE u.id = feed_entries.submitter_id AND u.email IS NULL AND u.password_hash = '';

-- ...and the users go, unless something else holds on to them.
DELETE FROM users WHERE email IS NULL AND password_hash = ''
    AND NOT EXISTS (SELECT 1 FROM feed_entries f WHERE f.submitter_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.user_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.user_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM comment_reports r WHERE r.reporter_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM password_resets p WHERE p.user_id = users.id)
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = users.id);

-- /users/NAME of an imported submitter lists their entries by name.
CREATE INDEX feed_entries_imported_submitter ON feed_entries(imported_submitter COLLATE NOCASE) WHERE imported_submitter <> '';
