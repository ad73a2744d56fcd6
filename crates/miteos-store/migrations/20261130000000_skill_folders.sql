-- Skills as Agent Skills folders: the files kept with a skill (SKILL.md, references/, scripts/,
-- assets/), as they were imported, so it exports as it came and its scripts can run; and each
-- version of a skill as it was saved (the library lists them).
CREATE TABLE skill_files (
    skill_id  TEXT NOT NULL REFERENCES skills(id) ON DELETE CASCADE,
    path      TEXT NOT NULL,                       -- relative to the folder, '/'-separated
    content   BLOB NOT NULL,
    PRIMARY KEY (skill_id, path)
);

CREATE TABLE skill_versions (
    skill_id    TEXT NOT NULL REFERENCES skills(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,                     -- the skill as JSON, as that version was saved
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (skill_id, version)
);
INSERT INTO skill_versions (skill_id, version, body, saved_at)
    SELECT id, json_extract(body, '$.version'), body, updated_at FROM skills;
