-- Wide research. A fan-out subtask keeps its `for_each` (JSON: items or where its list comes from,
-- the merged table's columns, the merged deliverable); its children, one per item, keep their
-- `parent` and `item`. A fan-out's expansion and its items' retries are plan revisions by
-- 'fan_out': SQLite cannot change a CHECK constraint, so plan_revisions is rebuilt to allow it.
ALTER TABLE subtasks ADD COLUMN for_each TEXT;
-- A fan-out reads its items' tool calls and rows, not the thousands of streamed events beside them.
CREATE INDEX events_by_kind ON events (task_id, kind, seq);
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

-- History search indexes a task's own subtasks' outputs, not a fan-out's items' (the fan-out's
-- output, the merged table, stands for them): re-indexing every output each time one of a hundred
-- items ends would make a fan-out quadratic.
DROP TRIGGER task_search_output_insert;
DROP TRIGGER task_search_output_update;
DROP TRIGGER task_search_output_delete;

CREATE TRIGGER task_search_output_insert AFTER INSERT ON subtasks
WHEN NEW.output IS NOT NULL AND NEW.parent IS NULL BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = NEW.task_id AND output IS NOT NULL AND parent IS NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = NEW.task_id);
END;

CREATE TRIGGER task_search_output_update AFTER UPDATE OF output ON subtasks
WHEN NEW.output IS NOT OLD.output AND NEW.parent IS NULL BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = NEW.task_id AND output IS NOT NULL AND parent IS NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = NEW.task_id);
END;

CREATE TRIGGER task_search_output_delete AFTER DELETE ON subtasks
WHEN OLD.output IS NOT NULL AND OLD.parent IS NULL BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = OLD.task_id AND output IS NOT NULL AND parent IS NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = OLD.task_id);
END;
