//! Skills: what the Skill Compiler makes of successful tasks, and how a new prompt is matched to
//! one. A skill is a plan template with typed parameters and, per subtask, the tool steps that
//! worked (argument templates; steps fully determined by the parameters are replayable without
//! the model). Pure data and functions: the service compiles and stores, the orchestrator runs.

mod compile;
mod export;
mod folder;
mod matching;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use compile::{
    CallRecord, SubtaskRecord, TaskRecord, compile_group, compile_single, group_by_shape,
};
pub use export::{pack, to_folder};
pub use folder::{
    FileEncoding, Imported, SKILL_JSON, SKILL_MD, SkillFile, check_name, from_folder, unpack,
};
pub use matching::{
    Binding, CLOSE_ENOUGH, SUBMIT_BINDING, SURE_ENOUGH, check_binding, closest, resemblance,
};
pub use miteos_domain::skill::{Bindings, BoundBy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ParameterKind {
    Number,
    Text,
}

/// Something that varies between runs of a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillParameter {
    pub name: String,
    pub kind: ParameterKind,
    /// The values it had in the tasks the skill was compiled from.
    pub examples: Vec<String>,
}

/// A tool call of a recipe. String arguments may hold `{{parameter}}` placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillStep {
    pub tool: String,
    #[ts(type = "unknown")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub arguments: serde_json::Value,
    /// The arguments depend only on the parameters (they were the same, parameters aside, in
    /// every source task) and the tool's result only on its arguments: Miteos runs it itself,
    /// without asking the model.
    pub replayable: bool,
}

/// One subtask of a skill's plan, with the steps that completed it before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillSubtask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub agent_type: String,
    pub depends_on: Vec<String>,
    pub steps: Vec<SkillStep>,
    /// Set when the subtask did the same in every source task (no parameter in its brief or
    /// steps, all steps replayable, the same answer): a run replays its steps and reuses this
    /// answer without the model.
    pub output: Option<String>,
    /// The recipe allows a lighter model: Miteos replays every step, so the model only writes
    /// up their results. A run gives the subtask the lighter model of the task's (falling back
    /// to the task's own if it fails).
    #[serde(default)]
    pub light: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SkillStatus {
    /// Compiled; its validation run has not ended yet. Not matched.
    Candidate,
    /// Validated: used for prompts that match it.
    Active,
    /// Its validation run did not deliver what its source task did, at lower cost. Not matched.
    Rejected,
    /// Failed too often; kept for the record, never used.
    Retired,
    /// Imported from elsewhere and not validated here yet: not used until its validation run
    /// (which the user starts) passes.
    Unvalidated,
}

impl SkillStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SkillStatus::Candidate => "candidate",
            SkillStatus::Active => "active",
            SkillStatus::Rejected => "rejected",
            SkillStatus::Retired => "retired",
            SkillStatus::Unvalidated => "unvalidated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "candidate" => SkillStatus::Candidate,
            "active" => SkillStatus::Active,
            "rejected" => SkillStatus::Rejected,
            "retired" => SkillStatus::Retired,
            "unvalidated" => SkillStatus::Unvalidated,
            _ => return None,
        })
    }
}

/// How a skill's validation run went: the skill run on its newest source task's prompt, judged
/// against that task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillValidation {
    /// The validation run (a task in the history).
    pub task_id: String,
    pub source_task_id: String,
    pub passed: bool,
    /// Why it passed or not, in words.
    pub reason: String,
    pub tokens: i64,
    pub source_tokens: i64,
}

/// How a skill has done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillStats {
    /// Tasks run from it.
    pub uses: i64,
    pub successes: i64,
    /// Means over the tasks run from it (the source tasks' until it is used).
    pub mean_tokens: f64,
    pub mean_cost_usd: f64,
    pub mean_seconds: f64,
    /// The source tasks' means, to compare with.
    pub source_mean_tokens: f64,
    pub source_mean_seconds: f64,
}

/// What a skill is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SkillKind {
    /// A plan template compiled from tasks (or imported from Miteos): a prompt worded as its
    /// template runs from it.
    #[default]
    Recipe,
    /// A standard Agent Skill: instructions (and files) an agent loads with `load_skill` when its
    /// work calls for them.
    Instructions,
}

/// Where a skill came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SkillOrigin {
    /// Compiled from the skill's `source_tasks`; `automatic` when the compiler ran by itself
    /// after tasks of one kind completed often enough.
    Compiled {
        #[serde(default)]
        automatic: bool,
    },
    /// Imported from a folder, a .zip or a .skill file (its name).
    Imported {
        from: String,
        #[serde(with = "miteos_domain::rfc3339")]
        #[ts(type = "string")]
        at: DateTime<Utc>,
    },
}

impl Default for SkillOrigin {
    fn default() -> Self {
        SkillOrigin::Compiled { automatic: false }
    }
}

/// A file kept with a skill besides its `SKILL.md` (`references/`, `scripts/`, `assets/`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillFileInfo {
    pub path: String,
    pub bytes: u64,
}

fn yes() -> bool {
    true
}

/// A named, reusable procedure: compiled from successful tasks (a recipe), or a standard Agent
/// Skill's instructions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skill {
    /// `sk-<uuid v7 simple>`.
    pub id: String,
    pub name: String,
    pub description: String,
    pub version: u32,
    pub parameters: Vec<SkillParameter>,
    /// The prompts it stands for, with `{{parameter}}` placeholders.
    pub prompt_template: String,
    pub title_template: String,
    pub subtasks: Vec<SkillSubtask>,
    /// The tasks it was compiled from.
    pub source_tasks: Vec<String>,
    pub status: SkillStatus,
    pub stats: SkillStats,
    /// The validation run, once it ended.
    #[serde(default)]
    pub validation: Option<SkillValidation>,
    #[serde(with = "miteos_domain::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub kind: SkillKind,
    /// An Agent Skill's instructions: its `SKILL.md` without the front matter.
    #[serde(default)]
    pub instructions: String,
    /// The files kept with it besides `SKILL.md`.
    #[serde(default)]
    pub files: Vec<SkillFileInfo>,
    /// The standard's optional `license` and `compatibility`.
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub compatibility: Option<String>,
    /// Off: never matched nor offered to an agent.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Agent types that may not use it (an instructions skill is not offered to them; a recipe
    /// is not matched while one of its subtasks is theirs).
    #[serde(default)]
    pub disabled_for: Vec<String>,
    #[serde(default)]
    pub origin: SkillOrigin,
    /// Compiled by itself and not yet kept (or discarded) by the user.
    #[serde(default)]
    pub offered: bool,
    /// The account it belongs to on a team's server (compiled from their tasks, or imported by
    /// them): only they run it, and only they and admins see it. `null`: the server's own (the
    /// desktop's, or made with the server's token).
    #[serde(default)]
    pub owner: Option<String>,
}

impl Skill {
    /// Usable at all: enabled and, for a recipe, validated.
    pub fn usable(&self) -> bool {
        self.enabled && self.status == SkillStatus::Active
    }

    /// Usable by agents of `agent_type`.
    pub fn usable_by(&self, agent_type: &str) -> bool {
        self.usable() && !self.disabled_for.iter().any(|a| a == agent_type)
    }
}

/// A skill a prompt matched, with the parameters bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillMatch {
    pub skill_id: String,
    pub name: String,
    pub parameters: Bindings,
    /// 0 to 1: how sure the matcher is (1 for the template's wording; for a pending match, the
    /// share of the skill's words the prompt has).
    pub confidence: f64,
    pub bound_by: BoundBy,
}

/// A skill a task runs from: the skill as it was when the task started, and how the task's
/// prompt matched it (the parameters' values among it).
#[derive(Debug, Clone)]
pub struct SkillRun {
    pub skill: Skill,
    pub matched: SkillMatch,
}

impl SkillRun {
    /// The values the prompt gave the parameters.
    pub fn bindings(&self) -> &Bindings {
        &self.matched.parameters
    }

    /// One subtask of the skill's plan.
    pub fn subtask(&self, subtask_id: &str) -> Option<&SkillSubtask> {
        self.skill.subtasks.iter().find(|s| s.id == subtask_id)
    }
}

/// `template` with each `{{name}}` replaced by its value.
pub fn render(template: &str, bindings: &Bindings) -> String {
    let mut out = template.to_owned();
    for (name, value) in bindings {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// Every string inside `value` rendered with `bindings`.
pub fn render_json(value: &serde_json::Value, bindings: &Bindings) -> serde_json::Value {
    map_strings(value, &|s| render(s, bindings))
}

/// `value` with every string in it (not keys) passed through `f`.
fn map_strings(value: &serde_json::Value, f: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), map_strings(v, f)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Skill {
    /// The parameters `prompt` gives this skill, when it is one of the prompts the skill stands
    /// for: its fixed words in order (case and spacing aside), the parameters in between (numbers
    /// where a number is expected).
    pub fn bind(&self, prompt: &str) -> Option<Bindings> {
        let mut pattern = String::from("(?is)^\\s*");
        let mut names = Vec::new();
        let mut rest = self.prompt_template.as_str();
        while let Some(start) = rest.find("{{") {
            let end = start + rest[start..].find("}}")?;
            pattern.push_str(&literal(&rest[..start]));
            let name = &rest[start + 2..end];
            let kind = self
                .parameters
                .iter()
                .find(|p| p.name == name)
                .map_or(ParameterKind::Text, |p| p.kind);
            pattern.push_str(match kind {
                ParameterKind::Number => "(\\d+(?:[.,]\\d+)?)",
                ParameterKind::Text => "(.+?)",
            });
            names.push(name.to_owned());
            rest = &rest[end + 2..];
        }
        pattern.push_str(&literal(rest));
        pattern.push_str("\\s*[.!]?\\s*$");
        let regex = regex::Regex::new(&pattern).ok()?;
        let captures = regex.captures(prompt)?;
        let mut bindings = Bindings::new();
        for (i, name) in names.iter().enumerate() {
            let value = captures.get(i + 1)?.as_str().trim().to_owned();
            if value.is_empty() {
                return None;
            }
            bindings.insert(name.clone(), value);
        }
        Some(bindings)
    }

    /// A recipe prompts may run from: usable, and none of its subtasks' agent types has it off.
    pub fn is_matchable(&self) -> bool {
        self.kind == SkillKind::Recipe
            && self.usable()
            && self
                .subtasks
                .iter()
                .all(|st| !self.disabled_for.contains(&st.agent_type))
    }

    /// The match of `prompt` when it is worded as this skill's template.
    pub fn pattern_match(&self, prompt: &str) -> Option<SkillMatch> {
        Some(SkillMatch {
            skill_id: self.id.clone(),
            name: self.name.clone(),
            parameters: self.bind(prompt)?,
            confidence: 1.0,
            bound_by: BoundBy::Pattern,
        })
    }

    /// The best match of `prompt` worded as a template among `skills` (usable recipes only).
    pub fn best_match(skills: &[Skill], prompt: &str) -> Option<(Skill, SkillMatch)> {
        skills
            .iter()
            .filter(|s| s.is_matchable())
            .filter_map(|s| s.pattern_match(prompt).map(|m| (s, m)))
            // More fixed words matched is a more specific skill.
            .max_by_key(|(s, _)| literal_words(&s.prompt_template))
            .map(|(s, m)| (s.clone(), m))
    }
}

/// `text` (a fixed part of a template) as a regex that matches it with any whitespace.
fn literal(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    if words.is_empty() {
        return if text.is_empty() {
            String::new()
        } else {
            "\\s+".to_owned()
        };
    }
    let mut out = words.join("\\s+");
    if text.starts_with(char::is_whitespace) {
        out = format!("\\s+{out}");
    }
    if text.ends_with(char::is_whitespace) {
        out.push_str("\\s+");
    }
    out
}

fn literal_words(template: &str) -> usize {
    template
        .split_whitespace()
        .filter(|w| !w.contains("{{"))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn skill(template: &str, params: &[(&str, ParameterKind)]) -> Skill {
        Skill {
            id: "sk-1".into(),
            name: "s".into(),
            description: String::new(),
            version: 1,
            parameters: params
                .iter()
                .map(|(n, k)| SkillParameter {
                    name: (*n).into(),
                    kind: *k,
                    examples: vec![],
                })
                .collect(),
            prompt_template: template.into(),
            title_template: String::new(),
            subtasks: vec![],
            source_tasks: vec![],
            status: SkillStatus::Active,
            stats: SkillStats::default(),
            validation: None,
            created_at: Utc::now(),
            kind: SkillKind::Recipe,
            instructions: String::new(),
            files: vec![],
            license: None,
            compatibility: None,
            enabled: true,
            disabled_for: vec![],
            origin: SkillOrigin::default(),
            offered: false,
            owner: None,
        }
    }

    #[test]
    fn a_prompt_of_the_same_kind_binds_the_parameters() {
        let s = skill(
            "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet",
            &[
                ("count", ParameterKind::Number),
                ("subject", ParameterKind::Text),
            ],
        );
        let b = s
            .bind("research the top 7 SaaS competitors to Monday.com and  create a feature comparison spreadsheet.")
            .unwrap();
        assert_eq!(b["count"], "7");
        assert_eq!(b["subject"], "Monday.com");
        assert!(s.bind("Research the top seven SaaS competitors to Asana and create a feature comparison spreadsheet").is_none(), "a number is expected");
        assert!(s.bind("Write a poem about the sea").is_none());
        assert_eq!(
            render(&s.prompt_template, &b),
            "Research the top 7 SaaS competitors to Monday.com and create a feature comparison spreadsheet"
        );
    }

    #[test]
    fn json_arguments_are_rendered_inside() {
        let b = Bindings::from([("subject".to_owned(), "Notion".to_owned())]);
        let v =
            serde_json::json!({"query": "{{subject}} pricing", "n": 3, "list": ["{{subject}}"]});
        assert_eq!(
            render_json(&v, &b),
            serde_json::json!({"query": "Notion pricing", "n": 3, "list": ["Notion"]})
        );
    }
}
