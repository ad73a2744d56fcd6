-- The living plan. A task's plan has numbered revisions (0: the first plan): each is stored with
-- who made it, why and what it changed, in the same transaction as the change. Subtasks remember
-- the revision that added them, their attempt (retries and reruns), what they need tools for,
-- and whether a revision dropped them (kept, not run). Tasks keep what their result check found
-- unmet, how their plan is reviewed, whether it waits for review, and their follow-up messages.
ALTER TABLE tasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN unmet TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN plan_review TEXT;
ALTER TABLE tasks ADD COLUMN awaiting_review INTEGER NOT NULL DEFAULT 0;

ALTER TABLE subtasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subtasks ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subtasks ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subtasks ADD COLUMN needs TEXT NOT NULL DEFAULT '[]';

CREATE TABLE plan_revisions (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    by          TEXT NOT NULL CHECK (by IN ('orchestrator', 'user', 'follow_up')),
    reason      TEXT NOT NULL,
    diff        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (task_id, revision)
);

CREATE TABLE follow_ups (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    message     TEXT NOT NULL,
    revision    INTEGER,
    at          TEXT NOT NULL
);
CREATE INDEX follow_ups_by_task ON follow_ups (task_id, at);
