//! The Skill Compiler proper: completed tasks whose plans and tool sequences have the same shape
//! are grouped; the words that varied between their prompts become typed parameters; the plan
//! and every tool call are turned into templates; calls whose arguments were the same in every
//! task (parameters aside) are marked replayable.

use std::collections::BTreeMap;

use chrono::Utc;
use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::{
    Bindings, ParameterKind, Skill, SkillParameter, SkillStats, SkillStatus, SkillStep,
    SkillSubtask, map_strings, render, render_json,
};

/// A completed task as the compiler reads it (from the store and the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub task_id: String,
    pub prompt: String,
    pub title: String,
    pub subtasks: Vec<SubtaskRecord>,
    pub tokens: i64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubtaskRecord {
    pub id: String,
    pub title: String,
    pub description: String,
    pub agent_type: String,
    pub depends_on: Vec<String>,
    /// Its tool calls that succeeded, in order.
    pub calls: Vec<CallRecord>,
    /// The agent's final answer.
    pub output: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub tool: String,
    pub arguments: serde_json::Value,
}

/// Tools that only read: with a single example, only these are replayed (a write's content may
/// hold more than the parameters, which one example cannot show).
const READING_TOOLS: &[&str] = &[
    "fetch_url",
    "web_search",
    "read_file",
    "list_files",
    "query_data",
];

/// Tools whose result depends only on their arguments and that change nothing outside the task
/// folder: a call of them fully determined by the parameters can run without the model.
const REPLAYABLE_TOOLS: &[&str] = &[
    "fetch_url",
    "web_search",
    "read_file",
    "list_files",
    "query_data",
    "write_file",
    "write_spreadsheet",
    "write_chart",
];

/// The shape of a task: per subtask, its agent type, dependencies and tool sequence.
fn shape(task: &TaskRecord) -> String {
    task.subtasks
        .iter()
        .map(|s| {
            let tools: Vec<&str> = s.calls.iter().map(|c| c.tool.as_str()).collect();
            format!(
                "{}<{}>[{}]",
                s.agent_type,
                s.depends_on.join(","),
                tools.join(",")
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Tasks grouped by shape, groups in the order of their first task.
pub fn group_by_shape(tasks: Vec<TaskRecord>) -> Vec<Vec<TaskRecord>> {
    let mut groups: Vec<(String, Vec<TaskRecord>)> = Vec::new();
    for task in tasks {
        let key = shape(&task);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(task),
            None => groups.push((key, vec![task])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// A slot of the first prompt's words (`start..end`) that varied, and its value in each task.
struct Slot {
    start: usize,
    end: usize,
    values: Vec<String>,
}

/// The word slots of `prompts[0]` that differ in any of the others, with every prompt's value.
/// `None` when the prompts do not line up (a slot would be empty in some prompt).
fn varying_slots(prompts: &[Vec<&str>]) -> Option<Vec<Slot>> {
    let base = &prompts[0];
    let mut varies = vec![false; base.len()];
    let mut ops = Vec::new();
    for other in &prompts[1..] {
        let diff = capture_diff_slices(Algorithm::Myers, base, other);
        for op in &diff {
            let (old, _) = (op.old_range(), op.new_range());
            match op {
                DiffOp::Equal { .. } => {}
                DiffOp::Insert { old_index, .. } => {
                    // Words added before base word `old_index`: the neighbouring word varies.
                    let i = (*old_index).min(base.len().saturating_sub(1));
                    varies[i] = true;
                }
                _ => old.for_each(|i| varies[i] = true),
            }
        }
        ops.push(diff);
    }
    let mut slots = Vec::new();
    let mut i = 0;
    while i < base.len() {
        if !varies[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < base.len() && varies[i] {
            i += 1;
        }
        slots.push(Slot {
            start,
            end: i,
            values: vec![base[start..i].join(" ")],
        });
    }
    // Each other prompt's value of a slot: its words between the equal words around the slot.
    for (other, diff) in prompts[1..].iter().zip(&ops) {
        let mut map = vec![None; base.len()];
        for op in diff {
            if let DiffOp::Equal {
                old_index,
                new_index,
                len,
            } = op
            {
                for k in 0..*len {
                    map[old_index + k] = Some(new_index + k);
                }
            }
        }
        for slot in &mut slots {
            let from = (0..slot.start)
                .rev()
                .find_map(|k| map[k])
                .map_or(0, |n| n + 1);
            let to = (slot.end..base.len())
                .find_map(|k| map[k])
                .unwrap_or(other.len());
            if from >= to {
                return None;
            }
            slot.values.push(other[from..to].join(" "));
        }
    }
    Some(slots)
}

fn is_number(s: &str) -> bool {
    s.replace(',', ".").parse::<f64>().is_ok()
}

/// Compiles one group of same-shaped tasks into a skill; `None` when nothing varied between them
/// (a single task, or identical prompts) or their prompts do not line up.
pub fn compile_group(group: &[TaskRecord], id: String) -> Option<Skill> {
    if group.len() < 2 {
        return None;
    }
    let words: Vec<Vec<&str>> = group
        .iter()
        .map(|t| t.prompt.split_whitespace().collect())
        .collect();
    let slots = varying_slots(&words)?;
    if slots.is_empty() {
        return None;
    }
    build(group, &words, slots, id)
}

/// Compiles one task whose variable parts someone (a model) named: each of `values` is a run of
/// words of its prompt. With one example nothing shows what stays the same, so only steps whose
/// arguments contain a parameter are replayed, and no answer is reused.
pub fn compile_single(task: &TaskRecord, values: &[String], id: String) -> Option<Skill> {
    let words: Vec<&str> = task.prompt.split_whitespace().collect();
    let mut slots: Vec<Slot> = Vec::new();
    for value in values {
        let wanted: Vec<&str> = value.split_whitespace().collect();
        if wanted.is_empty() || wanted.len() > words.len() {
            continue;
        }
        let free = |start: usize| {
            slots
                .iter()
                .all(|s| start + wanted.len() <= s.start || start >= s.end)
        };
        if let Some(start) = (0..=words.len() - wanted.len())
            .find(|&i| words[i..i + wanted.len()] == wanted[..] && free(i))
        {
            slots.push(Slot {
                start,
                end: start + wanted.len(),
                values: vec![wanted.join(" ")],
            });
        }
    }
    if slots.is_empty() {
        return None;
    }
    slots.sort_by_key(|s| s.start);
    build(std::slice::from_ref(task), &[words], slots, id)
}

/// The skill of `group` (one task or more) with these word slots of the first prompt.
fn build(group: &[TaskRecord], words: &[Vec<&str>], slots: Vec<Slot>, id: String) -> Option<Skill> {
    let first = group.first()?;
    let parameters = name_parameters(&slots);
    // Each task's own bindings, to turn its texts into templates.
    let bindings: Vec<Bindings> = (0..group.len())
        .map(|t| {
            parameters
                .iter()
                .zip(&slots)
                .map(|(p, s)| (p.name.clone(), s.values[t].clone()))
                .collect()
        })
        .collect();
    let prompt_template = prompt_template(&words[0], &parameters, &slots);
    let mut subtasks: Vec<SkillSubtask> = (0..first.subtasks.len())
        .map(|k| recipe(group, &bindings, k))
        .collect();
    reuse_fixed_answers(group, &mut subtasks);
    // Every step replayed and the answer still the model's: all it does is write up the steps'
    // results, which a lighter model does as well.
    for st in &mut subtasks {
        st.light =
            st.output.is_none() && !st.steps.is_empty() && st.steps.iter().all(|s| s.replayable);
    }
    let title_template = generalize_text(group, &bindings, |t| &t.title);
    let n = group.len() as f64;
    let mean_tokens = group.iter().map(|t| t.tokens as f64).sum::<f64>() / n;
    let mean_seconds = group.iter().map(|t| t.seconds).sum::<f64>() / n;
    Some(Skill {
        id,
        name: skill_name(&title_template, &prompt_template),
        description: format!(
            "{} (compiled from {} tasks)",
            render_placeholders(&prompt_template),
            group.len()
        ),
        version: 1,
        parameters,
        prompt_template,
        title_template,
        subtasks,
        source_tasks: group.iter().map(|t| t.task_id.clone()).collect(),
        status: SkillStatus::Candidate,
        validation: None,
        stats: SkillStats {
            source_mean_tokens: mean_tokens,
            source_mean_seconds: mean_seconds,
            ..SkillStats::default()
        },
        created_at: Utc::now(),
        kind: crate::SkillKind::Recipe,
        instructions: String::new(),
        files: Vec::new(),
        license: None,
        compatibility: None,
        enabled: true,
        disabled_for: Vec::new(),
        origin: crate::SkillOrigin::default(),
        offered: false,
        owner: None,
    })
}

/// The slots as parameters: numbers are counts, the rest subjects (`count`, `subject_2`, …).
fn name_parameters(slots: &[Slot]) -> Vec<SkillParameter> {
    let (mut counts, mut subjects) = (0, 0);
    slots
        .iter()
        .map(|slot| {
            let number = slot.values.iter().all(|v| is_number(v));
            let (kind, base, n) = if number {
                counts += 1;
                (ParameterKind::Number, "count", counts)
            } else {
                subjects += 1;
                (ParameterKind::Text, "subject", subjects)
            };
            let mut examples = slot.values.clone();
            examples.dedup();
            SkillParameter {
                name: if n == 1 {
                    base.to_owned()
                } else {
                    format!("{base}_{n}")
                },
                kind,
                examples,
            }
        })
        .collect()
}

/// The first prompt's words with each slot replaced by its parameter (`{{count}}`).
fn prompt_template(words: &[&str], parameters: &[SkillParameter], slots: &[Slot]) -> String {
    let mut template = Vec::new();
    let mut i = 0;
    for (p, slot) in parameters.iter().zip(slots) {
        template.extend(words[i..slot.start].iter().map(|w| w.to_string()));
        template.push(format!("{{{{{}}}}}", p.name));
        i = slot.end;
    }
    template.extend(words[i..].iter().map(|w| w.to_string()));
    template.join(" ")
}

/// The `k`-th subtask as a recipe: its title, brief and tool calls templated over the group; a
/// call whose arguments the parameters decide, of a tool that reads or writes the task folder
/// or the web, is replayable (with one example only if it reads).
fn recipe(group: &[TaskRecord], bindings: &[Bindings], k: usize) -> SkillSubtask {
    let st = &group[0].subtasks[k];
    SkillSubtask {
        id: st.id.clone(),
        title: generalize_text(group, bindings, |t| &t.subtasks[k].title),
        description: generalize_text(group, bindings, |t| &t.subtasks[k].description),
        agent_type: st.agent_type.clone(),
        depends_on: st.depends_on.clone(),
        steps: st
            .calls
            .iter()
            .enumerate()
            .map(|(c, call)| {
                let values: Vec<&serde_json::Value> = group
                    .iter()
                    .map(|t| &t.subtasks[k].calls[c].arguments)
                    .collect();
                let (template, determined) =
                    generalize(&values, bindings, templated_json, render_json);
                SkillStep {
                    tool: call.tool.clone(),
                    replayable: determined
                        && REPLAYABLE_TOOLS.contains(&call.tool.as_str())
                        && (group.len() > 1 || READING_TOOLS.contains(&call.tool.as_str())),
                    arguments: template,
                }
            })
            .collect(),
        output: None,
        light: false,
    }
}

/// A subtask that did the same thing in every task — no parameter in its brief or its steps,
/// every step replayable, the same answer each time, and only such subtasks before it — is not
/// asked of the model again: its steps are replayed and its answer reused.
fn reuse_fixed_answers(group: &[TaskRecord], subtasks: &mut [SkillSubtask]) {
    for k in 0..subtasks.len() {
        let st = &subtasks[k];
        let fixed = !st.title.contains("{{")
            && !st.description.contains("{{")
            && st
                .steps
                .iter()
                .all(|s| s.replayable && !s.arguments.to_string().contains("{{"))
            && st.depends_on.iter().all(|d| {
                subtasks
                    .iter()
                    .find(|o| &o.id == d)
                    .is_some_and(|o| o.output.is_some())
            });
        let output = &group[0].subtasks[k].output;
        let same = group.len() > 1 && group.iter().all(|t| &t.subtasks[k].output == output);
        if fixed && same && !output.is_empty() {
            subtasks[k].output = Some(output.clone());
        }
    }
}

/// One template for a value every task of the group had (a title, a tool call's arguments), and
/// whether the parameters alone decide it. The same value everywhere stays literal; otherwise each
/// task's value with its own parameters made placeholders must give one template that renders
/// back to each task's value.
fn generalize<T: PartialEq + Clone>(
    values: &[&T],
    bindings: &[Bindings],
    template: impl Fn(&T, &Bindings) -> T,
    render: impl Fn(&T, &Bindings) -> T,
) -> (T, bool) {
    let first = values[0];
    if values.len() == 1 {
        // One example: a parameter in it is all that shows what depends on the parameters.
        let candidate = template(first, &bindings[0]);
        let determined = candidate != *first;
        return (candidate, determined);
    }
    if values.iter().all(|v| *v == first) {
        return (first.clone(), true);
    }
    let candidate = template(first, &bindings[0]);
    let determined = values
        .iter()
        .zip(bindings)
        .all(|(v, b)| template(v, b) == candidate && render(&candidate, b) == **v);
    (candidate, determined)
}

fn generalize_text(
    group: &[TaskRecord],
    bindings: &[Bindings],
    field: impl Fn(&TaskRecord) -> &String,
) -> String {
    let values: Vec<&String> = group.iter().map(field).collect();
    generalize(
        &values,
        bindings,
        |t: &String, b| templated(t, b),
        |t: &String, b| render(t, b),
    )
    .0
}

/// `text` with each parameter's value (longest first) replaced by its placeholder where it stands
/// as a word of its own: the `5` of "top 5" becomes `{{count}}`, the one in "54325" does not.
fn templated(text: &str, bindings: &Bindings) -> String {
    let mut pairs: Vec<(&String, &String)> = bindings.iter().collect();
    pairs.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let mut out = text.to_owned();
    for (name, value) in pairs {
        if !value.is_empty() {
            out = replace_words(&out, value, &format!("{{{{{name}}}}}"));
        }
    }
    out
}

fn replace_words(text: &str, word: &str, with: &str) -> String {
    // Letters, digits and `_` join words; so do `.` and `:` between digits (1.5, 127.0.0.1, :8080).
    let joins = |c: Option<char>, beyond: Option<char>| match c {
        Some(c) if c.is_alphanumeric() || c == '_' => true,
        Some('.' | ':') => beyond.is_some_and(|b| b.is_ascii_digit()),
        _ => false,
    };
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let end = at + word.len();
        let mut back = text[..at].chars().rev();
        let mut ahead = text[end..].chars();
        let (prev, prev2) = (back.next(), back.next());
        let (next, next2) = (ahead.next(), ahead.next());
        out.push_str(&text[from..at]);
        if joins(prev, prev2) || joins(next, next2) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

fn templated_json(value: &serde_json::Value, bindings: &Bindings) -> serde_json::Value {
    map_strings(value, &|s| templated(s, bindings))
}

/// `{{count}}` as `<count>`, for descriptions people read.
fn render_placeholders(template: &str) -> String {
    let names: BTreeMap<String, String> = regex::Regex::new(r"\{\{(\w+)\}\}")
        .expect("static regex")
        .captures_iter(template)
        .map(|c| (c[1].to_owned(), format!("<{}>", &c[1])))
        .collect();
    render(template, &names)
}

/// A slug from the title's fixed words (or the prompt's when the title is all parameters).
fn skill_name(title_template: &str, prompt_template: &str) -> String {
    let slug = |t: &str| {
        t.split(|c: char| !c.is_alphanumeric() && c != '{' && c != '}')
            .filter(|w| !w.is_empty() && !w.contains("{{"))
            .map(str::to_lowercase)
            .take(6)
            .collect::<Vec<_>>()
            .join("-")
    };
    let name = slug(title_template);
    if name.is_empty() {
        slug(prompt_template)
    } else {
        name
    }
}

#[cfg(test)]
mod tests;
