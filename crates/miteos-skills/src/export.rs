//! Skills out as standard Agent Skills: a recipe as a `SKILL.md` another agent can follow plus
//! the machine-readable recipe in `references/`, and any folder as a zip (a `.skill` file).

use super::folder::{MAX_DESCRIPTION_CHARS, SKILL_JSON, SKILL_MD, SkillFile};
use super::{ParameterKind, Skill};
use miteos_domain::error::{Error, Result};

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
    // Some validators refuse angle brackets in a description: parameters in square ones there.
    let description: String = format!(
        "{} Use it for requests like: {}",
        skill.description.trim(),
        example.replace('<', "[").replace('>', "]")
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
        SkillFile::text(SKILL_MD, md),
        SkillFile::text(
            SKILL_JSON,
            serde_json::to_string_pretty(skill).expect("a skill always encodes"),
        ),
    ]
}

/// A skill folder as a zip (what a `.skill` file is): its files under a folder named for the
/// skill, as the standard lays a skill out.
pub fn pack(name: &str, files: &[SkillFile]) -> Result<Vec<u8>> {
    use std::io::Write;
    let failed = |e: std::io::Error| Error::Internal(format!("packing skill {name}: {e}"));
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        zip.start_file(format!("{name}/{}", file.path), options)
            .map_err(|e| failed(e.into()))?;
        zip.write_all(&file.bytes()?).map_err(failed)?;
    }
    zip.finish().map_err(|e| failed(e.into()))?;
    Ok(out.into_inner())
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn yaml_scalar(v: &str) -> String {
    serde_json::to_string(&v.replace('\n', " ")).expect("a string always encodes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::folder::{from_folder, front_matter};
    use crate::{SkillKind, SkillOrigin, SkillStatus};

    fn import(files: &[SkillFile], folder: Option<&str>) -> Result<crate::Imported> {
        from_folder(files, folder, "sk-x".into(), "test")
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
            crate::SkillSubtask {
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
            crate::SkillSubtask {
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
        assert!(!front_matter(md).unwrap().0.description.contains('<'));
        let (_, body) = front_matter(md).unwrap();
        let front: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&md[4..md.find("\n---").unwrap()]).unwrap();
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
        let get = |k: &str| front.get(k).and_then(|v| v.as_str());
        assert_eq!(get("name"), Some("saas-comparison"));
        assert!(get("description").unwrap().chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(
            get("description")
                .unwrap()
                .contains("Research the top [count] SaaS competitors")
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
        assert_eq!(
            front["metadata"]["miteos-prompt"].as_str(),
            Some(skill.prompt_template.as_str())
        );
        let back = import(&files, Some("saas-comparison")).unwrap().skill;
        assert_eq!(
            back.status,
            SkillStatus::Unvalidated,
            "validated here before use"
        );
        assert!(matches!(back.origin, SkillOrigin::Imported { .. }));
        assert_eq!(
            Skill {
                status: skill.status,
                origin: skill.origin.clone(),
                ..back
            },
            skill
        );

        // Without the JSON copy another agent reads it as instructions.
        let alone = import(&files[..1], None).unwrap().skill;
        assert_eq!(alone.kind, SkillKind::Instructions);
        assert!(alone.instructions.contains("## How to do it"));
    }
}
