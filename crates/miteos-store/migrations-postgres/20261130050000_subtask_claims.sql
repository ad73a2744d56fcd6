-- Subtasks any worker may run. The worker holding a task queues each subtask ready to run; any
-- worker claims it (FOR UPDATE SKIP LOCKED) under a lease of its own, runs its agent and leaves
-- the outcome here; the task's worker records the subtask's end. `epoch` grows with every
-- queueing and every claim: a fencing token, so a worker that lost its claim (it stalled past
-- its lease, or the subtask was cancelled) journals and records nothing more. `task_epoch` is
-- the task's lease epoch when the subtask was queued: what a dead task worker queued is never
-- claimed (the worker that takes the task over queues it again).
CREATE TABLE subtask_claims (
    task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    subtask_id  TEXT NOT NULL,
    task_epoch  BIGINT NOT NULL,
    work        TEXT NOT NULL,   -- the subtask and its dependencies' results (JSON)
    state       TEXT NOT NULL CHECK (state IN ('queued', 'claimed', 'done', 'revoked')),
    worker      TEXT,
    lease_until TIMESTAMPTZ,
    epoch       BIGINT NOT NULL DEFAULT 0,
    takeovers   BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT,            -- how the agent ended (JSON), once done
    queued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at  TIMESTAMPTZ,
    PRIMARY KEY (task_id, subtask_id)
);
CREATE INDEX subtask_claims_open ON subtask_claims (queued_at) WHERE state IN ('queued', 'claimed');
