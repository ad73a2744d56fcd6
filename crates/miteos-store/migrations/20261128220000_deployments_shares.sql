-- Deployments of deliverables to a staging target, and public share links.

CREATE TABLE deployments (
    id             TEXT PRIMARY KEY,            -- dep-<uuid v7 simple>
    task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    deliverable_id TEXT NOT NULL REFERENCES deliverables (id) ON DELETE CASCADE,
    target         TEXT NOT NULL,               -- "local" (the built-in staging server), or a remote target's name
    -- Where it is served: for "local", the path under the staging server (/d/<id>/...); for a
    -- remote target, its absolute URL.
    location       TEXT NOT NULL,
    files          INTEGER NOT NULL,
    bytes          INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    taken_down_at  TEXT
);
CREATE INDEX deployments_by_task ON deployments (task_id, id);

CREATE TABLE shares (
    id             TEXT PRIMARY KEY,            -- shr-<uuid v7 simple>
    token_sha256   TEXT NOT NULL UNIQUE,        -- the link's token is never stored, only its hash
    task_id        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    deliverable_id TEXT NOT NULL REFERENCES deliverables (id) ON DELETE CASCADE,
    include_replay INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    access_count   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX shares_by_task ON shares (task_id, id);
