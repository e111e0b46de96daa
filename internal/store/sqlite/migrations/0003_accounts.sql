-- Accounts: a user who can sign in has an email address and a password
-- hash (auth.HashPassword). Users met only as submitters of imported feeds
-- have neither.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at INTEGER; -- unix ms, NULL while the account may sign in

-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email ON users(email COLLATE NOCASE) WHERE email IS NOT NULL;
