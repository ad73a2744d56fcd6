-- Wide research. A fan-out subtask keeps its `for_each` (JSON: items or where its list comes from,
-- the merged table's columns, the merged deliverable); its children, one per item, keep their
-- `parent` and `item`. A fan-out's expansion and its items' retries are plan revisions by
-- 'fan_out': SQLite cannot change a CHECK constraint, so plan_revisions is rebuilt to allow it.
ALTER TABLE subtasks ADD COLUMN for_each TEXT;
ALTER TABLE subtasks ADD COLUMN parent TEXT;
ALTER TABLE subtasks ADD COLUMN item TEXT;

CREATE TABLE plan_revisions_new (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    by          TEXT NOT NULL CHECK (by IN ('orchestrator', 'user', 'follow_up', 'fan_out')),
    reason      TEXT NOT NULL,
    diff        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (task_id, revision)
);
INSERT INTO plan_revisions_new (task_id, revision, by, reason, diff, at)
    SELECT task_id, revision, by, reason, diff, at FROM plan_revisions;
DROP TABLE plan_revisions;
ALTER TABLE plan_revisions_new RENAME TO plan_revisions;
