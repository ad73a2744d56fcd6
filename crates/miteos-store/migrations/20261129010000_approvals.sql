-- Risky tool calls that wait for the user's decision (shell commands off the allow-list, calls
-- that send data out). Kept after the decision: the history shows who allowed what.

CREATE TABLE approvals (
    id          TEXT PRIMARY KEY,             -- ap-<uuid v7 simple>
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    subtask_id  TEXT NOT NULL,
    call_id     TEXT NOT NULL,
    tool        TEXT NOT NULL,
    arguments   TEXT NOT NULL,                -- JSON
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,                -- pending | approved | denied | expired
    created_at  TEXT NOT NULL,
    decided_at  TEXT
);
CREATE INDEX approvals_by_task ON approvals (task_id, id);
CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';
