-- People on a team's server: accounts with their own API tokens (only the SHA-256 of a token
-- is kept), and each task's owner and whether the owner shared it with the team. Tasks from
-- before accounts (or made with the server's own token) have no owner: admins see them.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,             -- acc-<uuid v7 simple>
    name          TEXT NOT NULL UNIQUE,
    admin         INTEGER NOT NULL DEFAULT 0,
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL
);
ALTER TABLE tasks ADD COLUMN owner_id TEXT;
ALTER TABLE tasks ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_by_owner ON tasks (owner_id, id DESC);
