-- Leases on cluster-wide jobs (the digest schedule): one holder per name
-- until the lease runs out, so that work scheduled in every process runs
-- in one of them, and another takes over when that one stops.
CREATE TABLE leaders (
    name   TEXT   PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL -- unix ms the lease runs out
);
