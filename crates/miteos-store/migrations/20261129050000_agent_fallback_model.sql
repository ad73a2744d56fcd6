-- An agent type's fallback model: used for the rest of a subtask when its model keeps failing.
ALTER TABLE agent_types ADD COLUMN fallback_model TEXT;
