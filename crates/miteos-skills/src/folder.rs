//! Skills as Agent Skills folders: a `SKILL.md` (YAML front matter with `name` and
//! `description`, then Markdown a person or another agent tool can read) and, for Miteos,
//! `references/miteos-skill.json` with the whole skill, so an export imports back to an equal
//! skill. A hand-written `SKILL.md` imports too when its front matter says which prompts it is
//! for (`prompt: "Summarise {{subject}} for me"`): it becomes a one-subtask skill whose
//! instructions are the Markdown body.

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

/// The folder of a skill: `SKILL.md` and the JSON copy.
pub fn to_folder(skill: &Skill) -> Vec<SkillFile> {
    let mut md = format!(
        "---\nname: {}\ndescription: {}\nprompt: {}\n---\n\n# {}\n\n{}\n\nUse it for prompts like: `{}`\n\n## Parameters\n\n",
        yaml_scalar(&skill.name),
        yaml_scalar(&skill.description),
        yaml_scalar(&skill.prompt_template),
        skill.name,
        skill.description,
        skill.prompt_template
    );
    for p in &skill.parameters {
        let kind = match p.kind {
            ParameterKind::Number => "a number",
            ParameterKind::Text => "text",
        };
        md.push_str(&format!(
            "- `{}` ({kind}), e.g. {}\n",
            p.name,
            p.examples.join(", ")
        ));
    }
    md.push_str("\n## Plan\n\n");
    for (i, st) in skill.subtasks.iter().enumerate() {
        let after = if st.depends_on.is_empty() {
            String::new()
        } else {
            format!(", after {}", st.depends_on.join(", "))
        };
        md.push_str(&format!(
            "{}. **{}** ({}{after}): {}\n",
            i + 1,
            st.title,
            st.agent_type,
            st.description
        ));
        for step in &st.steps {
            md.push_str(&format!(
                "   - {} `{}` `{}`\n",
                if step.replayable {
                    "replayable:"
                } else {
                    "then"
                },
                step.tool,
                step.arguments
            ));
        }
    }
    md.push_str(&format!(
        "\nCompiled by Miteos from {} tasks; `{SKILL_JSON}` holds the whole skill.\n",
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
    let prompt = get("prompt").ok_or_else(|| {
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
}
