-- People on a team's server: accounts with their own API tokens (only the SHA-256 of a token
-- is kept), and each task's owner and whether the owner shared it with the team. Tasks made
-- with the server's own token have no owner: admins see them.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,             -- acc-<uuid v7 simple>
    name          TEXT NOT NULL UNIQUE,
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL
);
ALTER TABLE tasks ADD COLUMN owner_id TEXT;
ALTER TABLE tasks ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX tasks_by_owner ON tasks (owner_id, id DESC);
