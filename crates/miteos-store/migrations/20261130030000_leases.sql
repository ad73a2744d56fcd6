-- Leases (a team's workers share a PostgreSQL database; on a desktop's SQLite file they stay
-- empty): the process running a task, until when, and a fencing token that grows with every
-- claim, so a process that lost its lease writes nothing more. Takeovers are counted.
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until TEXT;
ALTER TABLE tasks ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;
