-- Budgets: each task's limits (JSON, see budget.rs), the estimate made from its plan, the question
-- it is paused on (NULL when it is not), and model calls ("steps") counted like tokens.

ALTER TABLE tasks ADD COLUMN budget TEXT;
ALTER TABLE tasks ADD COLUMN estimate TEXT;
ALTER TABLE tasks ADD COLUMN pause TEXT;
ALTER TABLE tasks ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subtasks ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;
