//! The planner: one model call (a forced `submit_plan` tool call) turns the prompt into subtasks
//! with agent types and dependencies. The answer is validated here, whatever model produced it:
//! known agent types, unique ids, dependencies that exist, no cycles, bounded size. An invalid
//! plan is sent back to the model with the problems, a bounded number of times.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::fit::{Reassignment, fit, needs_of};
use super::for_each::{MAX_ITEMS, checked_for_each};
use super::{RunCtx, Stop};
use crate::domain::AgentType;
use crate::domain::plan_rules;
use crate::events::{EventKind, PlannedSubtask};
use crate::ids::subtask_id;
use crate::providers::{ChatRequest, Completion, Message, ToolSpec};
use crate::store::NewSubtask;

pub const SUBMIT_PLAN: &str = "submit_plan";
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 4000;

/// A validated plan: subtasks `st-1..st-n` in order, dependencies only on existing subtasks, acyclic.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub title: String,
    pub subtasks: Vec<NewSubtask>,
    /// Subtasks moved to an agent type whose tools can do what they need.
    pub moved: Vec<Reassignment>,
}

impl Plan {
    /// What is left to run of a stored task's plan: its subtasks neither complete nor dropped.
    pub fn left_of(task: &crate::domain::Task) -> Plan {
        Plan {
            title: task.title.clone().unwrap_or_default(),
            subtasks: task
                .subtasks
                .iter()
                .filter(|s| !s.dropped && s.status != crate::domain::SubtaskStatus::Complete)
                .map(NewSubtask::from)
                .collect(),
            moved: Vec::new(),
        }
    }

    pub fn announced(&self) -> Vec<PlannedSubtask> {
        self.subtasks.iter().map(NewSubtask::announced).collect()
    }
}

#[derive(Deserialize)]
struct RawPlan {
    #[serde(default)]
    title: Option<String>,
    subtasks: Vec<RawSubtask>,
}

#[derive(Deserialize)]
struct RawSubtask {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    agent_type: String,
    #[serde(default)]
    depends_on: Vec<Value>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    for_each: Value,
}

fn id_text(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    // Ids are short; anything longer is noise that would only bloat the problem list.
    text.chars().take(40).collect()
}

fn clip(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Checks a plan the model proposed; returns it normalised, or every problem found.
/// How dependencies that name no other subtask of the plan are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DanglingDeps {
    /// Reported, so the planner is asked to repair the plan (it may have forgotten a subtask).
    Report,
    /// Repaired in code where a plan can be: dangling dependencies dropped (there is nothing to
    /// wait for), an unknown agent type mapped to the nearest known one, a dependency cycle
    /// broken at its dependencies on later subtasks. Used on the last attempt, so a model that
    /// keeps making the same mistake still gets its task done.
    Drop,
}

pub fn validate_plan(
    raw: &Value,
    agent_types: &[AgentType],
    max_subtasks: usize,
    prompt: &str,
    dangling: DanglingDeps,
) -> Result<Plan, Vec<String>> {
    let raw: RawPlan = serde_json::from_value(raw.clone())
        .map_err(|e| vec![format!("the plan does not have the required shape: {e}")])?;
    let mut problems = Vec::new();
    if raw.subtasks.is_empty() {
        problems.push("the plan has no subtasks".to_owned());
    }
    if raw.subtasks.len() > max_subtasks {
        problems.push(format!(
            "the plan has {} subtasks; at most {max_subtasks} are allowed",
            raw.subtasks.len()
        ));
    }
    let ids = PlanIds::of(&raw);
    let known: Vec<&str> = agent_types.iter().map(|a| a.name.as_str()).collect();
    let subtasks: Vec<NewSubtask> = raw
        .subtasks
        .iter()
        .enumerate()
        .map(|(i, st)| checked_subtask(i, st, &ids, &known, dangling, &mut problems))
        .collect();
    let mut subtasks = subtasks;
    if dangling == DanglingDeps::Drop && find_cycle(&subtasks).is_some() {
        break_cycles(&mut subtasks);
    }
    if problems.is_empty()
        && let Some(cycle) = find_cycle(&subtasks)
    {
        problems.push(plan_rules::cycle_problem(&cycle).message);
    }
    if !problems.is_empty() {
        let mut seen = HashSet::new();
        problems.retain(|p| seen.insert(p.clone()));
        return Err(problems);
    }
    let title = raw
        .title
        .as_deref()
        .map(|t| clip(t, MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| clip(prompt, 80));
    let moved = subtasks
        .iter_mut()
        .filter_map(|st| fit(st, agent_types))
        .collect();
    Ok(Plan {
        title,
        subtasks,
        moved,
    })
}

/// What the ids a plan's dependencies use name. `st-k` (or `k`) always names the k-th subtask,
/// as the schema says; other ids a model invents ("research", "a") name the subtask that
/// carries them, unless several carry the same one.
struct PlanIds {
    ids: HashMap<String, String>,
    ambiguous: HashSet<String>,
}

impl PlanIds {
    fn of(raw: &RawPlan) -> PlanIds {
        let mut ids: HashMap<String, String> = HashMap::new();
        for i in 0..raw.subtasks.len() {
            ids.insert(subtask_id(i), subtask_id(i));
            ids.insert((i + 1).to_string(), subtask_id(i));
        }
        let mut ambiguous: HashSet<String> = HashSet::new();
        for (i, st) in raw.subtasks.iter().enumerate() {
            let Some(theirs) = st.id.as_ref().map(id_text).filter(|t| !t.is_empty()) else {
                continue;
            };
            if theirs.starts_with("st-") || theirs.parse::<usize>().is_ok() {
                continue;
            }
            if ids.insert(theirs.clone(), subtask_id(i)).is_some() {
                ambiguous.insert(theirs);
            }
        }
        PlanIds { ids, ambiguous }
    }
}

/// The `i`-th subtask as stored: title and description clipped, a known agent type, the
/// dependencies mapped to `st-` ids; what is wrong with it goes to `problems`.
fn checked_subtask(
    i: usize,
    st: &RawSubtask,
    ids: &PlanIds,
    known: &[&str],
    dangling: DanglingDeps,
    problems: &mut Vec<String>,
) -> NewSubtask {
    let id = subtask_id(i);
    let title = clip(&st.title, MAX_TITLE_CHARS);
    if title.is_empty() {
        problems.push(plan_rules::no_title(&id).message);
    }
    let mut agent_type = st.agent_type.trim().to_lowercase();
    if let Some(problem) = plan_rules::unknown_agent_type(&id, &st.agent_type, known) {
        match nearest_agent_type(&agent_type, known).filter(|_| dangling == DanglingDeps::Drop) {
            // fit() below moves it on if this type lacks the tools it needs.
            Some(nearest) => agent_type = nearest.to_owned(),
            None => problems.push(problem.message),
        }
    }
    let mut depends_on = dependencies(&id, &st.depends_on, ids, dangling, problems);
    let for_each = checked_for_each(
        &id,
        &st.for_each,
        |named| {
            let text = id_text(&Value::String(named.to_owned()));
            ids.ids
                .get(&text)
                .filter(|_| !ids.ambiguous.contains(&text))
                .cloned()
        },
        &mut depends_on,
        problems,
    );
    let description = match clip(&st.description, MAX_DESCRIPTION_CHARS) {
        d if d.is_empty() => title.clone(),
        d => d,
    };
    NewSubtask {
        id,
        title,
        needs: needs_of(&st.needs, &description),
        description,
        agent_type,
        depends_on,
        for_each,
        ..NewSubtask::default()
    }
}

/// Subtask `id`'s dependencies as `st-` ids, each once. Self-dependencies and ids that name no
/// subtask are reported, or dropped on the last attempt (`DanglingDeps::Drop`).
fn dependencies(
    id: &str,
    named: &[Value],
    ids: &PlanIds,
    dangling: DanglingDeps,
    problems: &mut Vec<String>,
) -> Vec<String> {
    let mut depends_on: Vec<String> = Vec::new();
    for dep in named {
        let text = id_text(dep);
        match ids.ids.get(&text) {
            _ if ids.ambiguous.contains(&text) => problems.push(format!(
                "{id} depends on {text:?}, but several subtasks have that id"
            )),
            Some(d) if d == id => {
                if dangling == DanglingDeps::Report {
                    problems.push(plan_rules::depends_on_itself(id).message);
                }
            }
            Some(d) => {
                if !depends_on.contains(d) {
                    depends_on.push(d.clone());
                }
            }
            None => {
                if dangling == DanglingDeps::Report {
                    problems.push(plan_rules::unknown_dependency(id, &text).message);
                }
            }
        }
    }
    depends_on
}

/// The known agent type an unknown name most likely means: one that contains it or is contained
/// in it ("research" → researcher, "data analyst" → analyst), else the first (the planner's
/// fit then moves the subtask to a type with the tools it needs).
fn nearest_agent_type<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let name = name.trim();
    known
        .iter()
        .find(|k| !name.is_empty() && (k.contains(name) || name.contains(*k)))
        .or(known.first())
        .copied()
}

/// Breaks dependency cycles: a subtask keeps only its dependencies on subtasks listed before it
/// (plans are written in order; a dependency on a later one is the mistake).
fn break_cycles(subtasks: &mut [NewSubtask]) {
    let position: HashMap<String, usize> = subtasks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    for (i, st) in subtasks.iter_mut().enumerate() {
        st.depends_on
            .retain(|d| position.get(d).is_some_and(|p| *p < i));
    }
}

/// The subtasks left over by Kahn's algorithm, if any: they sit on or behind a cycle (the
/// plan rule book's, over a plan's subtasks).
pub(crate) fn find_cycle(subtasks: &[NewSubtask]) -> Option<Vec<String>> {
    crate::domain::plan_rules::find_cycle(
        subtasks
            .iter()
            .map(|s| (s.id.as_str(), s.depends_on.as_slice())),
    )
}

fn plan_tool(agent_types: &[AgentType], max_subtasks: usize) -> ToolSpec {
    let names: Vec<&str> = agent_types.iter().map(|a| a.name.as_str()).collect();
    let ids: Vec<String> = (0..max_subtasks).map(subtask_id).collect();
    // Tight bounds let a model that samples under this schema (the embedded one) only produce
    // plans of the right shape; validation below still checks what a schema cannot.
    ToolSpec {
        name: SUBMIT_PLAN.to_owned(),
        description: "Submit the plan for the task.".to_owned(),
        parameters: json!({
            "type": "object",
            "properties": {
                "title": {"type": "string", "minLength": 3, "maxLength": 80, "description": "a short title for the whole task"},
                "subtasks": {
                    "type": "array", "minItems": 1, "maxItems": max_subtasks,
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "enum": ids, "description": "st-1, st-2, ... in order"},
                            "title": {"type": "string", "minLength": 3, "maxLength": 80},
                            "description": {"type": "string", "minLength": 10, "maxLength": 600, "description": "self-contained instructions: what to do and which files to produce"},
                            "agent_type": {"type": "string", "enum": names},
                            "depends_on": {"type": "array", "maxItems": max_subtasks, "items": {"type": "string", "enum": ids}, "description": "ids of earlier subtasks whose results this one needs"},
                            "needs": {"type": "array", "items": {"type": "string", "enum": ["web", "read_files", "write_files", "spreadsheet", "chart", "sql", "command"]}, "description": "what the subtask needs tools for"},
                            "for_each": {
                                "type": "object",
                                "description": "only for the same work done for each item of a list: one agent per item, run in parallel, results merged into one deliverable",
                                "properties": {
                                    "items": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string"}, "description": "the items, when the task names them"},
                                    "from": {"type": "string", "description": "otherwise: the id of an earlier subtask whose result lists the items, or an attached file (inputs/...)"},
                                    "columns": {"type": "array", "maxItems": 20, "items": {"type": "string"}, "description": "what to find for each item: the merged table's columns"},
                                    "deliverable": {"type": "string", "description": "the merged file: name.xlsx or name.csv (a table, a row per item) or name.md (a section per item)"}
                                }
                            }
                        },
                        "required": ["id", "title", "description", "agent_type", "depends_on"]
                    }
                }
            },
            "required": ["title", "subtasks"]
        }),
    }
}

/// The agent types, a line each with their tools, for a planner's instructions.
pub(crate) fn catalogue(agent_types: &[AgentType]) -> String {
    agent_types
        .iter()
        .map(|a| {
            format!(
                "- {}: {} Tools: {}.\n",
                a.name,
                a.description,
                a.tools.join(", ")
            )
        })
        .collect()
}

fn system_prompt(agent_types: &[AgentType], max_subtasks: usize) -> String {
    let catalogue = catalogue(agent_types);
    format!(
        "You are the planner of Miteos, which hands knowledge work to AI agents. Break the user's task into \
         a plan of 1 to {max_subtasks} subtasks (fewer is better) and submit it with the {SUBMIT_PLAN} tool.\n\n\
         Agent types - choose for each subtask the one whose tools can do it:\n{catalogue}\n\
         Rules:\n\
         - Subtasks without dependencies run in parallel; depends_on names earlier subtasks whose results are needed.\n\
         - needs names what a subtask needs tools for (web, read_files, write_files, spreadsheet, chart, sql, command).\n\
         - Each description is a self-contained instruction: what to find or produce, and the file names to write \
           (for example comparison.xlsx and comparison.csv).\n\
         - Only agents with write_spreadsheet can create spreadsheets; only agents with web_search or fetch_url \
           can use the web; documents the user attached are in inputs/ and agents with read_file can read them.\n\
         - When the same work is to be done for each of many items (profile each of 30 companies, check each supplier \
           in a list), make it ONE subtask with for_each instead of a subtask per item: give the items, or from: the \
           earlier subtask that lists them or the attached file; columns: what to find per item; deliverable: the \
           merged file. Its description says what to do for one item. Miteos runs one agent per item in parallel \
           and merges their results (with sources) into the deliverable itself, so do not add a subtask to merge them."
    )
}

/// The documents the user attached, for the planner: "" when there are none.
async fn attachments_note(task_dir: &std::path::Path) -> String {
    let root = task_dir.to_path_buf();
    let inputs = root.join(super::INPUTS_DIR);
    let files = tokio::task::spawn_blocking(move || {
        crate::tools::list_under(&root, &inputs).unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    if files.is_empty() {
        return String::new();
    }
    let list: Vec<String> = files
        .iter()
        .map(|(name, size)| format!("- {name} ({size} bytes)"))
        .collect();
    format!(
        "\n\nThe user attached these documents (in the task folder):\n{}",
        list.join("\n")
    )
}

/// The arguments of the answer's call of `tool`, or a JSON object in its text (a model that
/// wrote its call out instead of making it).
pub(crate) fn tool_arguments(answer: &Completion, tool: &str) -> Option<Value> {
    if let Some(call) = answer.tool_calls.iter().find(|c| c.name == tool) {
        return Some(call.arguments.clone());
    }
    let text = answer.text.trim();
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    serde_json::from_str(text.get(start..=end)?).ok()
}

impl RunCtx {
    /// Journals why the model's `what` (a plan, a revision) was rejected (`plan_rejected`) and
    /// sends the answer back with the problems, for the model to call `tool` again.
    pub(crate) async fn send_back(
        &self,
        request: &mut ChatRequest,
        answer: &Completion,
        attempt: u32,
        problems: &[String],
        what: &str,
        tool: &str,
    ) -> Result<(), Stop> {
        self.shared
            .journal
            .append(
                &self.task_id,
                EventKind::PlanRejected {
                    attempt: attempt + 1,
                    problems: problems.to_vec(),
                },
            )
            .await?;
        let feedback = format!(
            "The {what} was rejected:\n- {}\nCall {tool} again with a corrected {what}.",
            problems.join("\n- ")
        );
        request.messages.push(Message::Assistant {
            text: answer.text.clone(),
            tool_calls: answer.tool_calls.clone(),
        });
        request.messages.push(match answer.tool_calls.first() {
            Some(call) => Message::ToolResult {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: feedback,
            },
            None => Message::User(feedback),
        });
        Ok(())
    }
}

pub(crate) async fn plan(ctx: &RunCtx, cancel: &CancellationToken) -> Result<Plan, Stop> {
    let max_subtasks = ctx.limits.capped_by(ctx.provider.profile()).max_subtasks;
    let mut request = ChatRequest {
        system: system_prompt(&ctx.agent_types, max_subtasks),
        messages: vec![Message::User(format!(
            "{}{}",
            ctx.prompt,
            attachments_note(&ctx.task_dir).await
        ))],
        tools: vec![plan_tool(&ctx.agent_types, max_subtasks)],
        force_tool: Some(SUBMIT_PLAN.to_owned()),
        max_tokens: Some(2048),
    };
    let mut last_problems = Vec::new();
    for attempt in 0..=ctx.limits.max_plan_repairs {
        ctx.checkpoint(None, cancel).await?;
        let answer = ctx
            .model_turn(ctx.provider.as_ref(), &request, None, cancel)
            .await?;
        let problems = match tool_arguments(&answer, SUBMIT_PLAN) {
            Some(raw) => {
                let dangling = if attempt == ctx.limits.max_plan_repairs {
                    DanglingDeps::Drop
                } else {
                    DanglingDeps::Report
                };
                match validate_plan(
                    &raw,
                    &ctx.agent_types,
                    ctx.limits.max_subtasks,
                    &ctx.prompt,
                    dangling,
                ) {
                    Ok(plan) => return Ok(plan),
                    Err(problems) => problems,
                }
            }
            None => vec![format!(
                "the answer contained no {SUBMIT_PLAN} call and no plan JSON"
            )],
        };
        tracing::warn!(attempt, ?problems, "plan rejected");
        ctx.send_back(
            &mut request,
            &answer,
            attempt,
            &problems,
            "plan",
            SUBMIT_PLAN,
        )
        .await?;
        last_problems = problems;
    }
    Err(Stop::Failed(format!(
        "the planner did not produce a valid plan after {} attempts: {}",
        ctx.limits.max_plan_repairs + 1,
        last_problems.join("; ")
    )))
}

#[cfg(test)]
mod tests;
