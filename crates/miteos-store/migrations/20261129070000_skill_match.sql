-- How a task's prompt matched its skill (a SkillMatch as JSON: the values it gave the
-- parameters, bound by the skill's template or by a short model call when the prompt was worded
-- otherwise, and how sure), and whether the task may run from a skill at all (the user can turn
-- skill use off for a task).
ALTER TABLE tasks ADD COLUMN skill_match TEXT;
ALTER TABLE tasks ADD COLUMN use_skills INTEGER NOT NULL DEFAULT 1;
