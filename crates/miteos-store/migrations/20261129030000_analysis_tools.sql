-- The built-in analyst gains write_chart and query_data, the builder write_chart; only unedited
-- tool lists change.
UPDATE agent_types
SET tools = '["read_file","list_files","write_file","write_spreadsheet","write_chart","query_data"]'
WHERE name = 'analyst'
  AND builtin = 1
  AND tools = '["read_file","list_files","write_file","write_spreadsheet"]';

UPDATE agent_types
SET tools = '["read_file","list_files","write_file","write_spreadsheet","write_chart","run_command"]'
WHERE name = 'builder'
  AND builtin = 1
  AND tools = '["read_file","list_files","write_file","write_spreadsheet","run_command"]';
