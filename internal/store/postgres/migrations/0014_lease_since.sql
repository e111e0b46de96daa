-- When the holder of a lease took it, for the admin page: a lease renewed
-- every minute says little by its end time alone. 0 for leases taken
-- before this column.
ALTER TABLE leaders ADD COLUMN since BIGINT NOT NULL DEFAULT 0;
