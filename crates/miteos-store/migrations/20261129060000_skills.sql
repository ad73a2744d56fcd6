-- Skills compiled from successful tasks. The skill itself is JSON (skills/mod.rs); what changes
-- with every run is counted in columns.

CREATE TABLE skills (
    id               TEXT PRIMARY KEY,             -- sk-<uuid v7 simple>
    name             TEXT NOT NULL,
    status           TEXT NOT NULL,                -- active | retired
    prompt_template  TEXT NOT NULL,
    body             TEXT NOT NULL,                -- JSON
    uses             INTEGER NOT NULL DEFAULT 0,
    successes        INTEGER NOT NULL DEFAULT 0,
    sum_tokens       INTEGER NOT NULL DEFAULT 0,
    sum_cost_micros  INTEGER NOT NULL DEFAULT 0,
    sum_seconds      REAL NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX skills_by_template ON skills (prompt_template);

-- The skill a task ran from, if any.
ALTER TABLE tasks ADD COLUMN skill_id TEXT;
