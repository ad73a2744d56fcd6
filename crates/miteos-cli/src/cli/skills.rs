//! `miteos skills`: the skills library — compiled from completed tasks or imported as Agent
//! Skills — list, show, compile, import, export, enable/disable, keep, validate, remove.

use miteos_core::service::{Caller, SkillPatch};
use miteos_core::skills::{Skill, SkillKind, SkillStatus};
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
    /// Write a skill as an Agent Skills folder (SKILL.md, and the rest of its folder).
    Export {
        skill_id: String,
        /// The folder to write (created), or a .zip / .skill file to write.
        path: std::path::PathBuf,
    },
    /// Import an Agent Skills folder, or a .zip / .skill file of one.
    Import { path: std::path::PathBuf },
    /// Let agents use a skill again (all of them, or one agent type).
    Enable {
        skill_id: String,
        /// Only for this agent type.
        #[arg(long = "for")]
        agent_type: Option<String>,
    },
    /// Stop agents using a skill (all of them, or one agent type).
    Disable {
        skill_id: String,
        /// Only for this agent type.
        #[arg(long = "for")]
        agent_type: Option<String>,
    },
    /// Keep a skill the compiler made by itself.
    Keep { skill_id: String },
    /// Run a recipe's validation (an imported one is not used until it passes).
    Validate { skill_id: String },
    /// A skill's versions.
    Versions { skill_id: String },
    /// Which skill a prompt would run from (no model call: a prompt worded otherwise is only
    /// reported close; a short model call decides when it runs).
    Match { prompt: String },
}

pub async fn run(miteos: &Miteos, command: SkillsCommand) -> Result<(), Error> {
    match command {
        SkillsCommand::List => {
            let skills = miteos.skills(&Caller::Server).await?;
            if skills.is_empty() {
                println!(
                    "No skills yet: `miteos skills compile` makes them from completed tasks (or they are made by \
                     themselves as tasks repeat); `miteos skills import PATH` adds an Agent Skills folder or .zip."
                );
            }
            for s in skills {
                println!("{}", summary(&s));
            }
        }
        SkillsCommand::Show { skill_id } => {
            let s = miteos.skill(&Caller::Server, &skill_id).await?;
            if s.kind == SkillKind::Instructions {
                println!("{}\n  {}", summary(&s), s.description);
                for f in &s.files {
                    println!("  {} ({} bytes)", f.path, f.bytes);
                }
                println!("\n{}", s.instructions);
                return Ok(());
            }
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
            let compiled = miteos
                .compile_skills_now(&Caller::Server, &task_ids)
                .await?;
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
        SkillsCommand::Match { prompt } => {
            match miteos.match_skill(&Caller::Server, &prompt).await? {
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
            }
        }
        SkillsCommand::Export { skill_id, path } => {
            if is_archive(&path) {
                let (_, bytes) = miteos
                    .export_skill_archive(&Caller::Server, &skill_id)
                    .await?;
                std::fs::write(&path, bytes)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
                println!("wrote {}", path.display());
                return Ok(());
            }
            for file in miteos.export_skill(&Caller::Server, &skill_id).await? {
                let target = path.join(&file.path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
                }
                std::fs::write(&target, file.bytes()?)
                    .map_err(|e| Error::io(format!("writing {}", target.display()), e))?;
                println!("wrote {}", target.display());
            }
        }
        SkillsCommand::Import { path } => {
            let s = miteos.import_skill_path(&Caller::Server, &path).await?;
            println!("imported {}", summary(&s));
            if s.status == SkillStatus::Unvalidated {
                println!(
                    "  not used until validated here: `miteos skills validate {}`",
                    s.id
                );
            }
        }
        SkillsCommand::Enable {
            skill_id,
            agent_type,
        } => {
            let s = switch(miteos, &skill_id, agent_type, true).await?;
            println!("enabled {}", summary(&s));
        }
        SkillsCommand::Disable {
            skill_id,
            agent_type,
        } => {
            let s = switch(miteos, &skill_id, agent_type, false).await?;
            println!("disabled {}", summary(&s));
        }
        SkillsCommand::Keep { skill_id } => {
            let s = miteos.keep_skill(&Caller::Server, &skill_id).await?;
            println!("kept {}", summary(&s));
        }
        SkillsCommand::Validate { skill_id } => {
            let s = miteos.validate_skill(&skill_id).await?;
            let why = s
                .validation
                .as_ref()
                .map(|v| v.reason.as_str())
                .unwrap_or_default();
            println!("{}\n  validation: {why}", summary(&s));
        }
        SkillsCommand::Versions { skill_id } => {
            for v in miteos.skill_versions(&Caller::Server, &skill_id).await? {
                println!("{}", summary(&v));
            }
        }
        SkillsCommand::Rename { skill_id, name } => {
            let s = miteos
                .rename_skill(&Caller::Server, &skill_id, &name)
                .await?;
            println!("renamed {}", summary(&s));
        }
        SkillsCommand::Remove { skill_id } => {
            miteos.delete_skill(&Caller::Server, &skill_id).await?;
            println!("removed {skill_id}");
        }
    }
    Ok(())
}

/// A .zip or .skill file rather than a folder.
fn is_archive(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip") || e.eq_ignore_ascii_case("skill"))
}

/// Turns a skill on or off, for every agent or one agent type.
async fn switch(
    miteos: &Miteos,
    id: &str,
    agent_type: Option<String>,
    on: bool,
) -> Result<Skill, Error> {
    let patch = match agent_type {
        None => SkillPatch {
            enabled: Some(on),
            ..SkillPatch::default()
        },
        Some(agent) => {
            let mut off = miteos.skill(&Caller::Server, id).await?.disabled_for;
            off.retain(|a| *a != agent);
            if !on {
                off.push(agent);
            }
            SkillPatch {
                disabled_for: Some(off),
                ..SkillPatch::default()
            }
        }
    };
    miteos.update_skill(&Caller::Server, id, patch).await
}

fn summary(s: &Skill) -> String {
    let state = match (s.enabled, s.status) {
        (false, _) => " (disabled)".to_owned(),
        (true, SkillStatus::Active) => String::new(),
        (true, status) => format!(" ({})", status.as_str()),
    };
    let off = if s.disabled_for.is_empty() {
        String::new()
    } else {
        format!(" · off for {}", s.disabled_for.join(", "))
    };
    let from = match &s.origin {
        miteos_core::skills::SkillOrigin::Imported { from, .. } => {
            format!(" · imported from {from}")
        }
        miteos_core::skills::SkillOrigin::Compiled { automatic } => format!(
            " · compiled{} from {} tasks",
            if *automatic { " by itself" } else { "" },
            s.source_tasks.len()
        ),
    };
    match s.kind {
        SkillKind::Instructions => format!(
            "{} {} v{}{state} · instructions{} · loaded {} times{off}{from}",
            s.id,
            s.name,
            s.version,
            if s.files.is_empty() {
                String::new()
            } else {
                format!(" + {} files", s.files.len())
            },
            s.stats.uses
        ),
        SkillKind::Recipe => {
            let params: Vec<&str> = s.parameters.iter().map(|p| p.name.as_str()).collect();
            format!(
                "{} {} v{}{state} · parameters: {} · used {} times, {} succeeded{off}{from}",
                s.id,
                s.name,
                s.version,
                params.join(", "),
                s.stats.uses,
                s.stats.successes
            )
        }
    }
}
