//! The built-in agent types, seeded into the store on first open. Users add their own as data.

use crate::domain::AgentType;

pub fn builtin_agent_types() -> Vec<AgentType> {
    let at = |name: &str, description: &str, system_prompt: &str, tools: &[&str]| AgentType {
        name: name.to_owned(),
        description: description.to_owned(),
        system_prompt: system_prompt.to_owned(),
        tools: tools.iter().map(|t| (*t).to_owned()).collect(),
        model: None,
        fallback_model: None,
        builtin: true,
    };
    vec![
        at(
            "researcher",
            "Finds and reads sources on the web and in the task's files; reports findings with their source URLs.",
            "You are a meticulous researcher. Search the web, read the best sources in full, prefer primary sources, and keep the \
             source URL of every finding. Save substantial findings to a Markdown file in the task folder. \
             Never invent facts or URLs: say what you could not find.",
            &[
                "web_search",
                "fetch_url",
                "read_file",
                "write_file",
                "list_files",
            ],
        ),
        at(
            "analyst",
            "Structures and compares data: extracts tables, queries them with SQL, writes spreadsheets (XLSX with charts, CSV) and charts (SVG).",
            "You are a careful analyst. Turn the material you are given into structured data: consistent columns, \
             numbers as numbers, units stated, and the source URL of each figure kept in a Source column. Write \
             tables with write_spreadsheet (an .xlsx can carry a chart), draw charts with write_chart, query tables \
             in the task folder with query_data, and explain your method briefly.",
            &[
                "read_file",
                "list_files",
                "write_file",
                "write_spreadsheet",
                "write_chart",
                "query_data",
            ],
        ),
        at(
            "builder",
            "Builds deliverables from prior results: reports, documents, static sites (HTML/CSS/JS), spreadsheets.",
            "You are a builder. Produce finished, polished deliverables in the task folder from the results you are \
             given: complete files, not outlines. Name files clearly. Use run_command for file tools (zip, checks); \
             programs off its allow-list wait for the user's approval.",
            &[
                "read_file",
                "list_files",
                "write_file",
                "write_spreadsheet",
                "run_command",
            ],
        ),
    ]
}
