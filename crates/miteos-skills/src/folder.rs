//! Skills as Agent Skills folders: a `SKILL.md` (YAML front matter with the standard's `name`
//! and `description`, then Markdown a person or another agent can follow) and, for Miteos,
//! `references/miteos-skill.json` with the whole skill, so an export imports back to an equal
//! skill. A hand-written `SKILL.md` imports too when its front matter says which prompts it is
//! for (`prompt: "Summarise {{subject}} for me"`, or `miteos-prompt:` under `metadata`): it becomes
//! a one-subtask skill whose instructions are the Markdown body.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ParameterKind, Skill, SkillParameter, SkillStats, SkillStatus, SkillSubtask};
use miteos_domain::error::{Error, Result};

/// The machine-readable copy inside the folder.
pub const SKILL_JSON: &str = "references/miteos-skill.json";
const SKILL_MD: &str = "SKILL.md";
/// Largest file of a folder accepted on import.
const MAX_FILE_BYTES: usize = 512 * 1024;

/// One file of a skill folder, its path relative to the folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillFile {
    pub path: String,
    pub content: String,
}

/// Longest `description` the Agent Skills format allows.
const MAX_DESCRIPTION_CHARS: usize = 1024;

/// The skill's text for another agent: its parameters as `<name>` instead of Miteos's
/// `{{name}}` placeholders.
fn for_people(text: &str) -> String {
    regex::Regex::new(r"\{\{(\w+)\}\}")
        .expect("static regex")
        .replace_all(text, "<$1>")
        .into_owned()
}

/// What an agent type's tools do, in words, for the steps another agent follows.
fn role(agent_type: &str) -> &str {
    match agent_type {
        "researcher" => "research: web search and reading pages",
        "analyst" => "analysis: tables, spreadsheets, charts and SQL",
        "builder" => "building: files, pages and commands",
        other => other,
    }
}

/// The folder of a skill as a standard Agent Skill: a `SKILL.md` whose front matter has the
/// standard's `name` and `description` (Miteos's own prompt template under `metadata`), and whose
/// body another agent can follow — what the skill is for, its inputs, the steps and the tools
/// they used, what it delivers — plus `references/miteos-skill.json`, the whole skill, which
/// Miteos imports back as the same skill.
pub fn to_folder(skill: &Skill) -> Vec<SkillFile> {
    let example = for_people(&skill.prompt_template);
    let description: String = format!(
        "{} Use it for requests like: {example}",
        skill.description.trim()
    )
    .chars()
    .take(MAX_DESCRIPTION_CHARS)
    .collect();
    let mut md = format!(
        "---\nname: {}\ndescription: {}\nmetadata:\n  generator: miteos\n  miteos-prompt: {}\n---\n\n# {}\n\n{}\n\n## When to use it\n\nFor requests like \u{201c}{example}\u{201d}",
        yaml_scalar(&skill.name),
        yaml_scalar(&description),
        yaml_scalar(&skill.prompt_template),
        skill.name,
        skill.description.trim(),
    );
    if skill.parameters.is_empty() {
        md.push_str(".\n");
    } else {
        let names: Vec<String> = skill
            .parameters
            .iter()
            .map(|p| format!("<{}>", p.name))
            .collect();
        md.push_str(&format!(
            "; the words in angle brackets change from one request to the next: {}.\n\n## Inputs\n\n",
            names.join(", ")
        ));
        for p in &skill.parameters {
            let kind = match p.kind {
                ParameterKind::Number => "a number",
                ParameterKind::Text => "text",
            };
            let examples = if p.examples.is_empty() {
                String::new()
            } else {
                format!(", for example {}", p.examples.join(", "))
            };
            md.push_str(&format!("- `{}`: {kind}{examples}\n", p.name));
        }
    }
    md.push_str("\n## How to do it\n\n");
    let mut delivers: Vec<String> = Vec::new();
    for (i, st) in skill.subtasks.iter().enumerate() {
        let after = if st.depends_on.is_empty() {
            String::new()
        } else {
            let steps: Vec<String> = st
                .depends_on
                .iter()
                .filter_map(|d| skill.subtasks.iter().position(|s| &s.id == d))
                .map(|p| (p + 1).to_string())
                .collect();
            format!(", after step {}", steps.join(" and "))
        };
        md.push_str(&format!(
            "{}. **{}** ({}{after}). {}\n",
            i + 1,
            for_people(&st.title),
            role(&st.agent_type),
            for_people(st.description.trim())
        ));
        for step in &st.steps {
            md.push_str(&format!(
                "   - Call `{}` with `{}`.\n",
                step.tool,
                for_people(&step.arguments.to_string())
            ));
            if step.tool.starts_with("write_")
                && let Some(path) = step.arguments.get("path").and_then(|p| p.as_str())
                && !delivers.iter().any(|d| d == path)
            {
                delivers.push(for_people(path));
            }
        }
    }
    if !delivers.is_empty() {
        md.push_str(&format!(
            "\n## What it delivers\n\n{}\n",
            delivers
                .iter()
                .map(|d| format!("- `{d}`"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    md.push_str(&format!(
        "\n## For Miteos\n\nCompiled by Miteos from {} tasks. `{SKILL_JSON}` is the machine-readable recipe; \
         Miteos imports this folder back as the same skill.\n",
        skill.source_tasks.len()
    ));
    vec![
        SkillFile {
            path: SKILL_MD.into(),
            content: md,
        },
        SkillFile {
            path: SKILL_JSON.into(),
            content: serde_json::to_string_pretty(skill).expect("a skill always encodes"),
        },
    ]
}

/// A skill from a folder's files: the JSON copy when there is one, else the hand-written
/// `SKILL.md`. `id` is used when the folder does not carry one.
pub fn from_folder(files: &[SkillFile], id: String) -> Result<Skill> {
    if let Some(f) = files.iter().find(|f| f.content.len() > MAX_FILE_BYTES) {
        return Err(Error::TooLarge(format!(
            "{} has {} bytes; skill files may have {MAX_FILE_BYTES}",
            f.path,
            f.content.len()
        )));
    }
    let file = |path: &str| {
        files
            .iter()
            .find(|f| f.path.trim_start_matches("./") == path)
    };
    if let Some(json) = file(SKILL_JSON) {
        let mut skill: Skill = serde_json::from_str(&json.content)
            .map_err(|e| Error::InvalidInput(format!("{SKILL_JSON} is not a Miteos skill: {e}")))?;
        if skill.subtasks.is_empty() || skill.prompt_template.trim().is_empty() {
            return Err(Error::InvalidInput(format!(
                "{SKILL_JSON} has no plan or no prompt template"
            )));
        }
        skill.stats = SkillStats {
            source_mean_tokens: skill.stats.source_mean_tokens,
            source_mean_seconds: skill.stats.source_mean_seconds,
            ..SkillStats::default()
        };
        return Ok(skill);
    }
    let md = file(SKILL_MD).ok_or_else(|| {
        Error::InvalidInput(
            "a skill folder has a SKILL.md (and, from Miteos, references/miteos-skill.json)".into(),
        )
    })?;
    let (front, body) = front_matter(&md.content)?;
    let get = |key: &str| {
        front
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let name = get("name")
        .ok_or_else(|| Error::InvalidInput("SKILL.md's front matter has no name".into()))?;
    let description = get("description").unwrap_or_default();
    // `prompt:` (Miteos's own key), or under the standard's `metadata` as an export writes it.
    let prompt = get("prompt").or_else(|| get("miteos-prompt")).ok_or_else(|| {
        Error::InvalidInput(
            "to run a hand-written skill, Miteos needs `prompt:` in its front matter: the prompts it is for, with \
             {{parameters}} for the words that change (e.g. \"Summarise {{subject}} for me\")"
                .into(),
        )
    })?;
    let parameters = regex::Regex::new(r"\{\{(\w+)\}\}")
        .expect("static regex")
        .captures_iter(&prompt)
        .map(|c| SkillParameter {
            name: c[1].to_owned(),
            kind: ParameterKind::Text,
            examples: vec![],
        })
        .collect();
    Ok(Skill {
        id,
        name: name.clone(),
        description: description.clone(),
        version: 1,
        parameters,
        prompt_template: prompt.clone(),
        title_template: name.clone(),
        subtasks: vec![SkillSubtask {
            id: "st-1".into(),
            title: name,
            description: format!(
                "{description}\n\nFollow these instructions:\n{}",
                body.trim()
            ),
            agent_type: get("agent_type").unwrap_or_else(|| "researcher".into()),
            depends_on: vec![],
            steps: vec![],
            output: None,
            light: false,
        }],
        source_tasks: vec![],
        status: SkillStatus::Active,
        stats: SkillStats::default(),
        validation: None,
        created_at: chrono::Utc::now(),
    })
}

/// The `key: value` pairs between the leading `---` fences, and the rest.
fn front_matter(text: &str) -> Result<(Vec<(String, String)>, String)> {
    let rest = text
        .trim_start_matches('\u{feff}')
        .strip_prefix("---")
        .ok_or_else(|| {
            Error::InvalidInput("SKILL.md starts with a --- front matter block".into())
        })?;
    let end = rest
        .find("\n---")
        .ok_or_else(|| Error::InvalidInput("SKILL.md's front matter has no closing ---".into()))?;
    let pairs = rest[..end]
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), unquote(v.trim())))
        .collect();
    let body = rest[end + 4..].trim_start_matches('-').to_owned();
    Ok((pairs, body))
}

fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        serde_json::from_str(v).unwrap_or_else(|_| v[1..v.len() - 1].to_owned())
    } else if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else {
        v.to_owned()
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn yaml_scalar(v: &str) -> String {
    serde_json::to_string(&v.replace('\n', " ")).expect("a string always encodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_written_skill_with_a_prompt_imports() {
        let md = "---\nname: brief-summary\ndescription: 'Summarises a product for a busy reader'\nprompt: \"Summarise {{subject}} for me\"\n---\n\n# Brief summary\n\nRead the product's site and write five bullet points.\n";
        let skill = from_folder(
            &[SkillFile {
                path: "SKILL.md".into(),
                content: md.into(),
            }],
            "sk-x".into(),
        )
        .unwrap();
        assert_eq!(skill.name, "brief-summary");
        assert_eq!(skill.parameters[0].name, "subject");
        assert!(skill.subtasks[0].description.contains("five bullet points"));
        assert_eq!(
            skill.bind("Summarise Linear for me").unwrap()["subject"],
            "Linear"
        );

        let without = md.replace("prompt: \"Summarise {{subject}} for me\"\n", "");
        let err = from_folder(
            &[SkillFile {
                path: "SKILL.md".into(),
                content: without,
            }],
            "sk-x".into(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("prompt:"));
    }

    #[test]
    fn an_export_is_a_standard_agent_skill_that_imports_back_the_same() {
        let mut skill = crate::tests::skill(
            "Research the top {{count}} SaaS competitors to {{subject}} and create a feature comparison spreadsheet",
            &[
                ("count", ParameterKind::Number),
                ("subject", ParameterKind::Text),
            ],
        );
        skill.name = "saas-comparison".into();
        // Stored to the second.
        skill.created_at = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .to_utc();
        skill.description = "Compares a product's SaaS competitors in a spreadsheet.".into();
        skill.subtasks = vec![
            SkillSubtask {
                id: "st-1".into(),
                title: "Research {{subject}}'s competitors".into(),
                description: "Find the top {{count}} competitors of {{subject}}.".into(),
                agent_type: "researcher".into(),
                depends_on: vec![],
                steps: vec![crate::SkillStep {
                    tool: "fetch_url".into(),
                    arguments: serde_json::json!({"url": "https://example.com/{{subject}}"}),
                    replayable: true,
                }],
                output: None,
                light: false,
            },
            SkillSubtask {
                id: "st-2".into(),
                title: "Build the spreadsheet".into(),
                description: "Write comparison.xlsx.".into(),
                agent_type: "analyst".into(),
                depends_on: vec!["st-1".into()],
                steps: vec![crate::SkillStep {
                    tool: "write_spreadsheet".into(),
                    arguments: serde_json::json!({"path": "comparison.xlsx", "columns": [], "rows": []}),
                    replayable: false,
                }],
                output: None,
                light: false,
            },
        ];
        let files = to_folder(&skill);
        let md = &files[0].content;
        let (front, body) = front_matter(md).unwrap();
        let top: Vec<&str> = md[4..md.find("\n---").unwrap()]
            .lines()
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split_once(':').map(|(k, _)| k))
            .collect();
        assert_eq!(
            top,
            ["name", "description", "metadata"],
            "only the standard's top-level keys"
        );
        let get = |k: &str| {
            front
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("name"), Some("saas-comparison"));
        assert!(get("description").unwrap().chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(
            get("description")
                .unwrap()
                .contains("Research the top <count> SaaS competitors")
        );
        assert!(
            !body.contains("{{"),
            "another agent reads <parameters>: {body}"
        );
        assert!(
            body.contains(
                "1. **Research <subject>'s competitors** (research: web search and reading pages)"
            ),
            "{body}"
        );
        assert!(body.contains("2. **Build the spreadsheet** (analysis: tables, spreadsheets, charts and SQL, after step 1)"), "{body}");
        assert!(
            body.contains("Call `fetch_url` with `{\"url\":\"https://example.com/<subject>\"}`"),
            "{body}"
        );
        assert!(
            body.contains("## What it delivers\n\n- `comparison.xlsx`"),
            "{body}"
        );
        assert_eq!(from_folder(&files, "sk-other".into()).unwrap(), skill);

        // Without the JSON copy, the SKILL.md alone still imports (from its metadata's prompt).
        let alone = from_folder(&files[..1], "sk-2".into()).unwrap();
        assert_eq!(alone.prompt_template, skill.prompt_template);
    }
}
