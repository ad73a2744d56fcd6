//! The small-model pipeline: a path a model of a few hundred million parameters can follow to a
//! finished deliverable. No planning call: the plan is one subtask, made here, that writes the
//! one file the prompt asks for — its kind (a table, a chart, a text) and its name read from the
//! prompt. The agent's first and only turn is that file: the tool is forced, its file name fixed
//! in the schema, the size of what it writes bounded, the attached documents put in the brief.
//! Bigger models plan and act freely; this is only for models whose profile says `small`.

use std::path::Path;

use serde_json::json;

use super::fit::fit;
use super::planner::Plan;
use crate::domain::AgentType;
use crate::ids::subtask_id;
use crate::providers::{ChatRequest, Message, ToolSpec};
use crate::store::NewSubtask;

/// What the one subtask of a small model's plan writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deliverable {
    /// The file, relative to the task folder.
    pub file: String,
    /// The tool that writes it.
    pub tool: &'static str,
}

const TEXT_EXTENSIONS: &[&str] = &["md", "txt", "html", "json"];
const TABLE_EXTENSIONS: &[&str] = &["csv", "xlsx"];
const CHART_EXTENSIONS: &[&str] = &["svg", "png"];

/// Words that name the kind of thing a prompt asks for, its extension and its default file stem.
const KINDS: &[(&[&str], &str, &str)] = &[
    (&["chart", "graph", "plot", "diagram"], "svg", "chart"),
    (
        &["spreadsheet", "excel", "xlsx", "workbook"],
        "xlsx",
        "table",
    ),
    (&["csv", "table"], "csv", "table"),
    (&["memo"], "md", "memo"),
    (&["summary", "summarise", "summarize"], "md", "summary"),
    (&["report"], "md", "report"),
    (&["email", "letter"], "md", "email"),
    (&["brief"], "md", "brief"),
    (&["checklist", "list"], "md", "list"),
    (&["note", "notes"], "md", "notes"),
];

/// Words that do not name what a file is about.
const FILLER: &[&str] = &[
    "a", "an", "the", "short", "simple", "small", "quick", "brief", "new", "my", "our", "of",
    "with", "and", "to", "in", "into", "as", "markdown", "create", "make", "write", "draw",
    "build", "produce", "prepare", "give", "me", "bar", "line", "pie", "column", "one", "page",
];

fn tool_for(extension: &str) -> Option<&'static str> {
    if TEXT_EXTENSIONS.contains(&extension) {
        Some("write_file")
    } else if TABLE_EXTENSIONS.contains(&extension) {
        Some("write_spreadsheet")
    } else if CHART_EXTENSIONS.contains(&extension) {
        Some("write_chart")
    } else {
        None
    }
}

/// The file names the text names (`brief.md`), with the tools that write them, in order.
pub(crate) fn named_deliverables(text: &str) -> Vec<Deliverable> {
    text.split(|c: char| c.is_whitespace() || "\"'`(),;:<>[]{}*".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?']))
        .filter(|w| !w.starts_with(super::INPUTS_DIR) && !w.contains('/') && !w.contains(".."))
        .filter_map(|w| {
            let (stem, ext) = w.rsplit_once('.')?;
            let ok = !stem.is_empty()
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
            let tool = tool_for(&ext.to_ascii_lowercase()).filter(|_| ok)?;
            Some(Deliverable {
                file: format!("{stem}.{}", ext.to_ascii_lowercase()),
                tool,
            })
        })
        .collect()
}

/// The one file a prompt asks for: a file it names (other than the `attached` documents'), else
/// one of the kind its words ask for ("a feature comparison spreadsheet" →
/// `feature-comparison.xlsx`), else a Markdown note.
pub(crate) fn deliverable_of(prompt: &str, attached: &[String]) -> Deliverable {
    if let Some(named) = named_deliverables(prompt)
        .into_iter()
        .find(|d| !attached.iter().any(|a| a.eq_ignore_ascii_case(&d.file)))
    {
        return named;
    }
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    // The first word that names a kind is what the prompt asks for ("a chart of the attached
    // table" is a chart; "summarise the sales table" a summary).
    let kind_of = |w: &str| KINDS.iter().find(|(names, _, _)| names.contains(&w));
    let first = words.iter().enumerate().find_map(|(at, w)| {
        // "a brief summary": an adjective that could be a kind is not one before a kind.
        let adjective = FILLER.contains(&w.as_str())
            && words
                .get(at + 1)
                .is_some_and(|next| kind_of(next).is_some());
        kind_of(w).filter(|_| !adjective).map(|kind| (at, kind))
    });
    if let Some((at, (_, extension, default_stem))) = first {
        // Up to two words right before the kind word name what it is about.
        let about: Vec<&str> = words[at.saturating_sub(2)..at]
            .iter()
            .map(String::as_str)
            .skip_while(|w| FILLER.contains(w))
            .filter(|w| !FILLER.contains(w) && w.chars().all(|c| c.is_ascii_alphanumeric()))
            .collect();
        let stem = if about.is_empty()
            || *extension != "xlsx" && *extension != "csv" && *extension != "svg"
        {
            (*default_stem).to_owned()
        } else {
            about.join("-")
        };
        let tool = tool_for(extension).unwrap_or("write_file");
        return Deliverable {
            file: format!("{stem}.{extension}"),
            tool,
        };
    }
    Deliverable {
        file: "notes.md".to_owned(),
        tool: "write_file",
    }
}

/// The plan of a small model: one subtask that writes the deliverable, given to an agent type
/// that has its tool (moved to the least privileged one that does).
pub(crate) fn plan(prompt: &str, agent_types: &[AgentType], attached: &[String]) -> Plan {
    let deliverable = deliverable_of(prompt, attached);
    let title: String = prompt.trim().chars().take(80).collect();
    let with_tool = agent_types
        .iter()
        .find(|a| a.tools.iter().any(|t| t == deliverable.tool))
        .or(agent_types.first())
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let mut subtask = NewSubtask {
        id: subtask_id(0),
        title: format!("Write {}", deliverable.file),
        description: format!(
            "{}\n\nWrite the result to {} with {}.",
            prompt.trim(),
            deliverable.file,
            deliverable.tool
        ),
        agent_type: with_tool,
        depends_on: Vec::new(),
        needs: super::fit::needs_of(&[], &format!("{} {}", deliverable.file, deliverable.tool)),
        ..NewSubtask::default()
    };
    let moved = fit(&mut subtask, agent_types).into_iter().collect();
    Plan {
        title,
        subtasks: vec![subtask],
        moved,
    }
}

/// Most characters of attached documents put in a small model's brief.
const ATTACHED_CHARS: usize = 6000;
/// The answer's length: the file, written in one turn.
const ANSWER_TOKENS: u32 = 1200;
/// The system prompt, the tool's description and schema, the task: what the brief needs before
/// any attached document.
const BRIEF_TOKENS: u32 = 900;

/// What a small model's turn may hold, by its context (as the model or its server says):
/// (characters of attached documents, tokens of answer). A short context gets a shorter answer
/// and fewer attached characters (about three to a token), never a prompt that does not fit.
pub(crate) fn budget(context: Option<u32>) -> (usize, u32) {
    let Some(context) = context else {
        return (ATTACHED_CHARS, ANSWER_TOKENS);
    };
    let answer = ANSWER_TOKENS.min(context / 2);
    let room = context.saturating_sub(answer + BRIEF_TOKENS) as usize;
    ((room * 3).min(ATTACHED_CHARS), answer)
}

/// The names of the attached documents.
pub(crate) fn attached_names(task_dir: &Path) -> Vec<String> {
    std::fs::read_dir(task_dir.join(super::INPUTS_DIR))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The attached text documents (Markdown, text, CSV…), for the brief: a small model cannot be
/// relied on to read them with a tool first.
pub(crate) fn attached_text(task_dir: &Path, max_chars: usize) -> String {
    let inputs = task_dir.join(super::INPUTS_DIR);
    let Ok(entries) = std::fs::read_dir(&inputs) else {
        return String::new();
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    let mut out = String::new();
    for path in names {
        let text_like = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["md", "txt", "csv", "tsv", "json", "html"].contains(&e.to_ascii_lowercase().as_str())
        });
        let Some(text) = text_like
            .then(|| std::fs::read_to_string(&path).ok())
            .flatten()
        else {
            continue;
        };
        let left = max_chars.saturating_sub(out.chars().count());
        if left < 200 {
            break;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("document");
        out.push_str(&format!(
            "\n\nThe attached document {name}:\n{}\n",
            text.chars().take(left).collect::<String>()
        ));
    }
    out
}

/// A short label or value a small model writes into a table: letters, digits and everyday
/// punctuation only, so that it cannot wander off into JSON-like noise.
const CELL: &str = "^[A-Za-z0-9$][A-Za-z0-9 ,.$%/()+&'-]{0,39}$";
const HEADER: &str = "^[A-Z][A-Za-z0-9 ()$%/.-]{0,24}$";

/// The tool's schema with the file name fixed and what is written bounded, so that a small
/// model sampling under it writes the file asked for, of a sensible size: a table of three
/// columns and `rows` rows (the prompt's count; five when it names none), a chart of labels and
/// numbers, a text of a page.
pub(crate) fn constrained(
    spec: &ToolSpec,
    deliverable: &Deliverable,
    rows: Option<usize>,
) -> ToolSpec {
    let n = rows.unwrap_or(5).clamp(2, 12);
    let text = |pattern: &str| json!({"type": "string", "pattern": pattern});
    let path = json!({"const": deliverable.file});
    let (properties, required) = match deliverable.tool {
        "write_spreadsheet" => (
            json!({
                "path": path,
                "columns": {"type": "array", "minItems": 3, "maxItems": 3, "items": text(HEADER)},
                "rows": {"type": "array", "minItems": n, "maxItems": n,
                         "items": {"type": "array", "minItems": 3, "maxItems": 3, "items": text(CELL)}}
            }),
            json!(["path", "columns", "rows"]),
        ),
        "write_chart" => (
            json!({
                "path": path,
                "columns": {"type": "array", "minItems": 2, "maxItems": 2, "items": text(HEADER)},
                "rows": {"type": "array", "minItems": n, "maxItems": n,
                         "items": {"type": "array", "prefixItems": [text(CELL), {"type": "number"}],
                                   "minItems": 2, "maxItems": 2, "items": false}}
            }),
            json!(["path", "columns", "rows"]),
        ),
        _ => (
            json!({
                "path": path,
                "content": {"type": "string", "minLength": 120, "maxLength": 1800}
            }),
            json!(["path", "content"]),
        ),
    };
    let mut parameters = spec.parameters.clone();
    parameters["properties"] = properties;
    parameters["required"] = required;
    parameters["additionalProperties"] = json!(false);
    ToolSpec {
        name: spec.name.clone(),
        description: spec.description.clone(),
        parameters,
    }
}

/// The request of a small model's one turn: the deliverable first, through the constrained tool.
pub(crate) fn request(
    system: &str,
    prompt: &str,
    attached: &str,
    spec: ToolSpec,
    deliverable: &Deliverable,
    max_tokens: u32,
) -> ChatRequest {
    let what = match deliverable.tool {
        "write_spreadsheet" => "a table: a header row of columns, then one row per item",
        "write_chart" => "a chart's data: a label column and a number column, one row per item",
        _ => "the full text, in Markdown",
    };
    ChatRequest {
        system: format!("{system}\n\nYou write the file the user asks for, in one answer."),
        messages: vec![Message::User(format!(
            "{}{attached}\n\nWrite {} now with {}: {what}. Use only facts from the task and the documents above.",
            prompt.trim(),
            deliverable.file,
            deliverable.tool
        ))],
        force_tool: Some(spec.name.clone()),
        tools: vec![spec],
        max_tokens: Some(max_tokens),
    }
}

/// A failure on a small model, told with what to do about it (a failure that already names a
/// fix, such as an unreachable server's, is told as it is).
pub(crate) fn with_fix(ctx: &super::RunCtx, reason: String) -> String {
    if !ctx.provider.profile().small || reason.contains("Settings → Models") {
        return reason;
    }
    let model = ctx.provider.model();
    let name = model.split_once("::").map_or(model, |(_, n)| n);
    let get = crate::providers::catalog::recommended_here()
        .map(|m| format!(", or `miteos models get {m}`"))
        .unwrap_or_default();
    format!(
        "{name} could not finish this task ({reason}). It is a small model that can do little real \
         work: choose a bigger model in Settings → Models{get}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(prompt: &str) -> (String, &'static str) {
        let d = deliverable_of(prompt, &["sales.csv".to_owned()]);
        (d.file, d.tool)
    }

    #[test]
    fn the_prompt_names_the_deliverable() {
        assert_eq!(
            d(
                "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet"
            ),
            ("feature-comparison.xlsx".into(), "write_spreadsheet")
        );
        assert_eq!(
            d("Write a short product brief about Miteos and save it as brief.md"),
            ("brief.md".into(), "write_file")
        );
        assert_eq!(
            d("Make a CSV of the planets and their moons"),
            ("table.csv".into(), "write_spreadsheet")
        );
        assert_eq!(
            d("Draw a bar chart of the attached sales table"),
            ("chart.svg".into(), "write_chart")
        );
        assert_eq!(
            d("Draw a bar chart of sales.csv"),
            ("chart.svg".into(), "write_chart"),
            "an attached file is not the deliverable"
        );
        assert_eq!(
            d("Write a memo to the team about Friday's outage"),
            ("memo.md".into(), "write_file")
        );
        assert_eq!(
            d("Summarize the attached article"),
            ("summary.md".into(), "write_file")
        );
        assert_eq!(
            d("Three ideas for a team offsite"),
            ("notes.md".into(), "write_file")
        );
        assert_eq!(
            d("Put the results in ../../etc/passwd.md"),
            ("notes.md".into(), "write_file"),
            "no paths out of the folder"
        );
    }

    #[test]
    fn a_short_context_gets_a_brief_that_fits() {
        assert_eq!(budget(None), (ATTACHED_CHARS, ANSWER_TOKENS));
        assert_eq!(budget(Some(8192)), (ATTACHED_CHARS, ANSWER_TOKENS));
        let (chars, answer) = budget(Some(2048));
        assert_eq!(answer, 1024);
        assert!(
            chars / 3 + (answer + BRIEF_TOKENS) as usize <= 2048,
            "{chars}"
        );
        assert_eq!(budget(Some(1024)), (0, 512), "no room for documents at all");
    }

    #[test]
    fn one_subtask_with_the_tool_it_needs() {
        let types = crate::orchestrator::builtin_agent_types();
        let plan = plan(
            "Create a comparison spreadsheet of 4 note apps",
            &types,
            &[],
        );
        assert_eq!(plan.subtasks.len(), 1);
        let st = &plan.subtasks[0];
        let agent = types.iter().find(|a| a.name == st.agent_type).unwrap();
        assert!(
            agent.tools.iter().any(|t| t == "write_spreadsheet"),
            "{}",
            st.agent_type
        );
        assert!(st.description.contains("comparison.xlsx"));
    }

    #[test]
    fn the_schema_fixes_the_file_and_bounds_the_table() {
        let spec = ToolSpec {
            name: "write_spreadsheet".into(),
            description: String::new(),
            parameters: json!({"type":"object","properties":{"path":{"type":"string"},"columns":{},"rows":{},"chart":{}},"required":["path","columns","rows"]}),
        };
        let deliverable = Deliverable {
            file: "t.xlsx".into(),
            tool: "write_spreadsheet",
        };
        let c = constrained(&spec, &deliverable, Some(5));
        assert_eq!(
            c.parameters["properties"]["path"],
            json!({"const": "t.xlsx"})
        );
        assert_eq!(c.parameters["properties"]["rows"]["minItems"], json!(5));
        assert!(c.parameters["properties"].get("chart").is_none());
        assert_eq!(
            c.parameters["properties"]["rows"]["items"]["items"]["pattern"],
            json!(CELL)
        );
    }
}
