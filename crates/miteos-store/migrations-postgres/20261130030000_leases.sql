-- Leases: the worker running a task, until when (the database's clock, so workers' clocks do
-- not matter), and a fencing token that grows with every claim, so a worker that lost its lease
-- writes nothing more. Takeovers (a claim of a task whose lease lapsed) are counted.
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN takeovers BIGINT NOT NULL DEFAULT 0;
-- The queue: unfinished tasks, by creation.
CREATE INDEX tasks_unfinished ON tasks (id) WHERE status IN ('pending', 'running');
