//! `miteos skills`: the skills compiled from completed tasks — list, show, compile, remove.

use miteos_core::skills::{Skill, SkillStatus};
use miteos_core::{Error, Miteos};

#[derive(clap::Subcommand)]
pub enum SkillsCommand {
    /// List skills with their parameters and how they have done.
    List,
    /// A skill's plan and recipes.
    Show { skill_id: String },
    /// Compile completed tasks into skills (the given ones, or the newest completed tasks).
    Compile { task_ids: Vec<String> },
    /// Delete a skill.
    Remove { skill_id: String },
    /// Give a skill another name.
    Rename { skill_id: String, name: String },
    /// Write a skill as an Agent Skills folder (SKILL.md + references/miteos-skill.json).
    Export {
        skill_id: String,
        /// The folder to write (created).
        dir: std::path::PathBuf,
    },
    /// Import a skill folder: an export, or a hand-written SKILL.md with `prompt:`.
    Import { dir: std::path::PathBuf },
    /// Which skill a prompt would run from (no model call: a prompt worded otherwise is only
    /// reported close; a short model call decides when it runs).
    Match { prompt: String },
}

pub async fn run(miteos: &Miteos, command: SkillsCommand) -> Result<(), Error> {
    match command {
        SkillsCommand::List => {
            let skills = miteos.skills().await?;
            if skills.is_empty() {
                println!("No skills yet: `miteos skills compile` makes them from completed tasks.");
            }
            for s in skills {
                println!("{}", summary(&s));
            }
        }
        SkillsCommand::Show { skill_id } => {
            let s = miteos.skill(&skill_id).await?;
            println!("{}\n  prompt: {}", summary(&s), s.prompt_template);
            for st in &s.subtasks {
                let deps = if st.depends_on.is_empty() {
                    String::new()
                } else {
                    format!(" (after {})", st.depends_on.join(", "))
                };
                let how = match (&st.output, st.light) {
                    (Some(_), _) => " [reused without the model]",
                    (None, true) => " [the model only writes up: lighter model]",
                    _ => "",
                };
                println!("  {} {} — {}{deps}{how}", st.id, st.agent_type, st.title);
                for step in &st.steps {
                    println!(
                        "      {} {} {}",
                        if step.replayable { "↻" } else { "·" },
                        step.tool,
                        super::format::short(&step.arguments.to_string(), 100)
                    );
                }
            }
            println!(
                "  ↻ = replayed without the model. Compiled from {}.",
                s.source_tasks.join(", ")
            );
        }
        SkillsCommand::Compile { task_ids } => {
            let compiled = miteos.compile_skills_now(&task_ids).await?;
            if compiled.is_empty() {
                println!("No new skill: no two completed tasks share a plan and tool steps.");
            }
            for s in compiled {
                let why = s
                    .validation
                    .as_ref()
                    .map(|v| v.reason.as_str())
                    .unwrap_or_default();
                println!("compiled {}\n  validation: {why}", summary(&s));
            }
        }
        SkillsCommand::Match { prompt } => match miteos.match_skill(&prompt).await? {
            None => println!("No skill: the prompt is planned afresh."),
            Some(m) if m.bound_by == miteos_core::skills::BoundBy::Pending => println!(
                "Close to skill {} ({:.0}% of its words): a short model call decides when it runs.",
                m.name,
                m.confidence * 100.0
            ),
            Some(m) => {
                let params: Vec<String> = m
                    .parameters
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                println!("Runs from skill {} ({}).", m.name, params.join(", "));
            }
        },
        SkillsCommand::Export { skill_id, dir } => {
            for file in miteos.export_skill(&skill_id).await? {
                let path = dir.join(&file.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
                }
                std::fs::write(&path, file.content)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
                println!("wrote {}", path.display());
            }
        }
        SkillsCommand::Import { dir } => {
            let mut files = Vec::new();
            for path in [miteos_core::skills::SKILL_JSON, "SKILL.md"] {
                if let Ok(content) = std::fs::read_to_string(dir.join(path)) {
                    files.push(miteos_core::skills::SkillFile {
                        path: path.to_owned(),
                        content,
                    });
                }
            }
            let s = miteos.import_skill(&files).await?;
            println!("imported {}", summary(&s));
        }
        SkillsCommand::Rename { skill_id, name } => {
            let s = miteos.rename_skill(&skill_id, &name).await?;
            println!("renamed {}", summary(&s));
        }
        SkillsCommand::Remove { skill_id } => {
            miteos.delete_skill(&skill_id).await?;
            println!("removed {skill_id}");
        }
    }
    Ok(())
}

fn summary(s: &Skill) -> String {
    let params: Vec<&str> = s.parameters.iter().map(|p| p.name.as_str()).collect();
    format!(
        "{} {} v{}{} · parameters: {} · used {} times, {} succeeded",
        s.id,
        s.name,
        s.version,
        if s.status == SkillStatus::Active {
            String::new()
        } else {
            format!(" ({})", s.status.as_str())
        },
        params.join(", "),
        s.stats.uses,
        s.stats.successes
    )
}
