-- Miteos on PostgreSQL: the schema SQLite's migrations (../migrations) arrive at, in PostgreSQL's
-- own types (timestamptz, boolean, bigint, bytea). JSON stays text: the store reads and writes it
-- as text on both databases. Money is integer micro-dollars.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE skills (
    id               TEXT PRIMARY KEY,             -- sk-<uuid v7 simple>
    name             TEXT NOT NULL,
    status           TEXT NOT NULL,                -- active | retired
    prompt_template  TEXT NOT NULL,
    body             TEXT NOT NULL,                -- JSON
    uses             BIGINT NOT NULL DEFAULT 0,
    successes        BIGINT NOT NULL DEFAULT 0,
    sum_tokens       BIGINT NOT NULL DEFAULT 0,
    sum_cost_micros  BIGINT NOT NULL DEFAULT 0,
    sum_seconds      DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX skills_by_template ON skills (prompt_template);

CREATE TABLE tasks (
    id               TEXT PRIMARY KEY,             -- task-<uuid v7>: sorts by creation time
    prompt           TEXT NOT NULL,
    title            TEXT,
    workspace_id     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
    model            TEXT NOT NULL,
    input_tokens     BIGINT NOT NULL DEFAULT 0,
    output_tokens    BIGINT NOT NULL DEFAULT 0,
    cost_micros      BIGINT NOT NULL DEFAULT 0,
    unpriced_tokens  BIGINT NOT NULL DEFAULT 0,
    error            TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    budget           TEXT,                         -- JSON
    estimate         TEXT,                         -- JSON
    pause            TEXT,                         -- JSON
    steps            BIGINT NOT NULL DEFAULT 0,
    skill_id         TEXT,
    skill_match      TEXT,
    use_skills       BOOLEAN NOT NULL DEFAULT TRUE,
    revision         BIGINT NOT NULL DEFAULT 0,
    unmet            TEXT NOT NULL DEFAULT '[]',   -- JSON
    plan_review      TEXT,                         -- JSON
    awaiting_review  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tasks_by_status ON tasks (status, id DESC);
CREATE INDEX tasks_by_workspace ON tasks (workspace_id, id DESC);

CREATE TABLE subtasks (
    task_id          TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,                -- st-<n>
    position         BIGINT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    agent_type       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','running','complete','failed','cancelled')),
    input_tokens     BIGINT NOT NULL DEFAULT 0,
    output_tokens    BIGINT NOT NULL DEFAULT 0,
    cost_micros      BIGINT NOT NULL DEFAULT 0,
    unpriced_tokens  BIGINT NOT NULL DEFAULT 0,
    output           TEXT,
    error            TEXT,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    steps            BIGINT NOT NULL DEFAULT 0,
    revision         BIGINT NOT NULL DEFAULT 0,
    attempt          BIGINT NOT NULL DEFAULT 1,
    dropped          BOOLEAN NOT NULL DEFAULT FALSE,
    needs            TEXT NOT NULL DEFAULT '[]',   -- JSON
    for_each         TEXT,                         -- JSON
    parent           TEXT,
    item             TEXT,
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

-- The append-only journal: every event of every task, in order. Appends to one task are
-- serialized (an advisory lock per task, held to commit), so a task's events commit in `seq`
-- order and a reader following `seq > last` never skips one that commits late.
CREATE TABLE events (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id  TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at       TIMESTAMPTZ NOT NULL,
    version  BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL                          -- JSON
);
CREATE INDEX events_by_task ON events (task_id, seq);
CREATE INDEX events_by_kind ON events (task_id, kind, seq);

CREATE TABLE deliverables (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,                    -- path relative to the task folder
    mime_type   TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    subtask_id  TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (task_id, name)
);

CREATE TABLE agent_types (
    name            TEXT PRIMARY KEY,
    description     TEXT NOT NULL,
    system_prompt   TEXT NOT NULL,
    tools           TEXT NOT NULL,                -- JSON array of tool names
    model           TEXT,
    fallback_model  TEXT,
    builtin         BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL                          -- JSON
);

CREATE TABLE deployments (
    id             TEXT PRIMARY KEY,              -- dep-<uuid v7 simple>
    task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    deliverable_id TEXT NOT NULL REFERENCES deliverables (id) ON DELETE CASCADE,
    target         TEXT NOT NULL,
    location       TEXT NOT NULL,
    files          BIGINT NOT NULL,
    bytes          BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    taken_down_at  TIMESTAMPTZ
);
CREATE INDEX deployments_by_task ON deployments (task_id, id);

CREATE TABLE shares (
    id             TEXT PRIMARY KEY,              -- shr-<uuid v7 simple>
    token_sha256   TEXT NOT NULL UNIQUE,          -- the link's token is never stored, only its hash
    task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    deliverable_id TEXT NOT NULL REFERENCES deliverables (id) ON DELETE CASCADE,
    include_replay BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    access_count   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX shares_by_task ON shares (task_id, id);

CREATE TABLE approvals (
    id          TEXT PRIMARY KEY,                 -- ap-<uuid v7 simple>
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    subtask_id  TEXT NOT NULL,
    call_id     TEXT NOT NULL,
    tool        TEXT NOT NULL,
    arguments   TEXT NOT NULL,                    -- JSON
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,                    -- pending | approved | denied | expired
    created_at  TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ
);
CREATE INDEX approvals_by_task ON approvals (task_id, id);
CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';

CREATE TABLE plan_revisions (
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    revision    BIGINT NOT NULL,
    "by"        TEXT NOT NULL CHECK ("by" IN ('orchestrator', 'user', 'follow_up', 'fan_out')),
    reason      TEXT NOT NULL,
    diff        TEXT NOT NULL,                    -- JSON
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (task_id, revision)
);

CREATE TABLE follow_ups (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    message     TEXT NOT NULL,
    revision    BIGINT,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX follow_ups_by_task ON follow_ups (task_id, at);

CREATE TABLE skill_files (
    skill_id  TEXT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    path      TEXT NOT NULL,                      -- relative to the folder, '/'-separated
    content   BYTEA NOT NULL,
    PRIMARY KEY (skill_id, path)
);

CREATE TABLE skill_versions (
    skill_id    TEXT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,                    -- the skill as JSON, as that version was saved
    saved_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (skill_id, version)
);

-- History search: a substring of the prompt, the title or a (top-level) subtask's output,
-- case-insensitively (ILIKE), through trigram indexes where pg_trgm can be installed (it is a
-- trusted extension: a database owner may create it). Without it the search scans.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX tasks_prompt_trgm ON tasks USING gin (prompt gin_trgm_ops);
    CREATE INDEX tasks_title_trgm ON tasks USING gin (title gin_trgm_ops);
    CREATE INDEX subtasks_output_trgm ON subtasks USING gin (output gin_trgm_ops) WHERE parent IS NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): history search will scan', SQLERRM;
END
$$;
