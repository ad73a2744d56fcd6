-- The built-in researcher gains web_search. Stores seeded before it existed get it too, unless
-- the user has edited the type's tools: only the original, unedited list changes.
UPDATE agent_types
SET tools = '["web_search","fetch_url","read_file","write_file","list_files"]'
WHERE name = 'researcher'
  AND builtin = 1
  AND tools = '["fetch_url","read_file","write_file","list_files"]';
