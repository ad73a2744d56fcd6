-- History search without a scan: an FTS5 index (trigram tokenizer, so a search still finds any
-- substring of three characters or more, case-insensitively, as LIKE '%text%' did) over each
-- task's prompt, title and subtask outputs. One index row per task, keyed by the task's rowid,
-- which follows creation order, so "newest first" reads the index backwards. Triggers keep it in
-- step with the tables; nothing else writes it. (Miteos never runs VACUUM, which could renumber
-- the rowids of a table without an INTEGER PRIMARY KEY.)
CREATE VIRTUAL TABLE task_search USING fts5(prompt, title, outputs, tokenize = 'trigram');

INSERT INTO task_search (rowid, prompt, title, outputs)
SELECT t.rowid, t.prompt, coalesce(t.title, ''),
       coalesce((SELECT group_concat(s.output, char(10)) FROM subtasks s
                 WHERE s.task_id = t.id AND s.output IS NOT NULL), '')
FROM tasks t;

CREATE TRIGGER task_search_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_search (rowid, prompt, title, outputs)
    VALUES (NEW.rowid, NEW.prompt, coalesce(NEW.title, ''), '');
END;

CREATE TRIGGER task_search_update AFTER UPDATE OF prompt, title ON tasks BEGIN
    UPDATE task_search SET prompt = NEW.prompt, title = coalesce(NEW.title, '')
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER task_search_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM task_search WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER task_search_output_insert AFTER INSERT ON subtasks WHEN NEW.output IS NOT NULL BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = NEW.task_id AND output IS NOT NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = NEW.task_id);
END;

CREATE TRIGGER task_search_output_update AFTER UPDATE OF output ON subtasks
WHEN NEW.output IS NOT OLD.output BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = NEW.task_id AND output IS NOT NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = NEW.task_id);
END;

CREATE TRIGGER task_search_output_delete AFTER DELETE ON subtasks WHEN OLD.output IS NOT NULL BEGIN
    UPDATE task_search
    SET outputs = coalesce((SELECT group_concat(output, char(10)) FROM subtasks
                            WHERE task_id = OLD.task_id AND output IS NOT NULL), '')
    WHERE rowid = (SELECT rowid FROM tasks WHERE id = OLD.task_id);
END;
