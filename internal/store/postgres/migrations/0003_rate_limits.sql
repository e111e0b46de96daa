-- Rate-limit state shared by every process on the database, one row per
-- key (a limit and whom it counts: "sign-in/address:192.0.2.1"), kept as
-- the generic cell rate algorithm keeps it: the theoretical arrival time
-- of the next event. A row whose time has passed is a full bucket, the
-- same as no row, and is deleted now and then.
CREATE TABLE rate_limits (
    key TEXT   PRIMARY KEY,
    tat BIGINT NOT NULL -- unix microseconds
);
