-- The built-in builder gains run_command; only an unedited tool list changes.
UPDATE agent_types
SET tools = '["read_file","list_files","write_file","write_spreadsheet","run_command"]'
WHERE name = 'builder'
  AND builtin = 1
  AND tools = '["read_file","list_files","write_file","write_spreadsheet"]';
