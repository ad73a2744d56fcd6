-- Tokens spent on models whose price is unknown: their cost is not in cost_micros, and the
-- task's cost shows as "cost unknown" rather than a total that leaves them out.
ALTER TABLE tasks ADD COLUMN unpriced_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subtasks ADD COLUMN unpriced_tokens INTEGER NOT NULL DEFAULT 0;
