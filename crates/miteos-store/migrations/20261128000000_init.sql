-- Miteos store, first version. Timestamps are RFC 3339 UTC text; money is integer micro-dollars.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE tasks (
    id             TEXT PRIMARY KEY,              -- task-<uuid v7>: sorts by creation time
    prompt         TEXT NOT NULL,
    title          TEXT,
    workspace_id   TEXT,
    status         TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
    model          TEXT NOT NULL,
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_micros    INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    finished_at    TEXT
);
CREATE INDEX tasks_by_status ON tasks (status, id DESC);
CREATE INDEX tasks_by_workspace ON tasks (workspace_id, id DESC);

CREATE TABLE subtasks (
    task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,                 -- st-<n>
    position       INTEGER NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    agent_type     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending','running','complete','failed','cancelled')),
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_micros    INTEGER NOT NULL DEFAULT 0,
    output         TEXT,
    error          TEXT,
    started_at     TEXT,
    finished_at    TEXT,
    PRIMARY KEY (task_id, id)
);

CREATE TABLE subtask_deps (
    task_id     TEXT NOT NULL,
    subtask_id  TEXT NOT NULL,
    depends_on  TEXT NOT NULL,
    PRIMARY KEY (task_id, subtask_id, depends_on),
    FOREIGN KEY (task_id, subtask_id) REFERENCES subtasks (task_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_id, depends_on) REFERENCES subtasks (task_id, id) ON DELETE CASCADE
);

-- The append-only journal: every event of every task, in order.
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL
);
CREATE INDEX events_by_task ON events (task_id, seq);

CREATE TABLE deliverables (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,                    -- path relative to the task folder
    mime_type   TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    subtask_id  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (task_id, name)
);

CREATE TABLE agent_types (
    name           TEXT PRIMARY KEY,
    description    TEXT NOT NULL,
    system_prompt  TEXT NOT NULL,
    tools          TEXT NOT NULL,                 -- JSON array of tool names
    model          TEXT,
    builtin        INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL                          -- JSON
);
