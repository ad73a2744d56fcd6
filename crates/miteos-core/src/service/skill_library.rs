//! The skills library as the user keeps it: importing Agent Skills folders (a folder's files, a
//! .zip or a .skill file), exporting them, naming, enabling and disabling (globally and per agent
//! type), keeping or discarding what the compiler offered, versions, and validating what came
//! from elsewhere.

use serde::Deserialize;
use ts_rs::TS;

use super::{Caller, Miteos};
use crate::error::{Error, Result};
use crate::ids::new_skill_id;
use crate::skills::{Skill, SkillFile, SkillKind, SkillStatus};

/// A change to a skill; what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillPatch {
    /// The standard's name: 1–64 lowercase letters, digits and single hyphens.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    /// Off: never matched nor offered to an agent.
    #[serde(default)]
    #[ts(optional)]
    pub enabled: Option<bool>,
    /// The agent types that may not use it (the whole list).
    #[serde(default)]
    #[ts(optional)]
    pub disabled_for: Option<Vec<String>>,
}

impl Miteos {
    /// Changes a skill's name, whether it is enabled, and for which agent types it is off.
    pub async fn update_skill(
        &self,
        caller: &Caller,
        id: &str,
        patch: SkillPatch,
    ) -> Result<Skill> {
        let mut skill = self.skill(caller, id).await?;
        if let Some(name) = patch.name {
            let name = name.trim();
            crate::skills::check_name(name)?;
            if self
                .inner
                .shared
                .store
                .skills_of(skill.owner.as_deref())
                .await?
                .iter()
                .any(|s| s.name == name && s.id != id)
            {
                return Err(Error::Conflict(format!("another skill is called {name}")));
            }
            skill.name = name.to_owned();
        }
        if let Some(enabled) = patch.enabled {
            skill.enabled = enabled;
        }
        if let Some(mut types) = patch.disabled_for {
            let known = self.inner.shared.store.agent_types().await?;
            if let Some(unknown) = types.iter().find(|t| !known.iter().any(|a| &a.name == *t)) {
                return Err(Error::InvalidInput(format!(
                    "{unknown:?} is not an agent type"
                )));
            }
            types.sort();
            types.dedup();
            skill.disabled_for = types;
        }
        self.inner.shared.store.save_skill(&skill).await?;
        self.skill(caller, id).await
    }

    /// Gives a skill another name.
    pub async fn rename_skill(&self, caller: &Caller, id: &str, name: &str) -> Result<Skill> {
        self.update_skill(
            caller,
            id,
            SkillPatch {
                name: Some(name.to_owned()),
                ..SkillPatch::default()
            },
        )
        .await
    }

    /// Deletes a skill (also how an offered one is discarded), its files and versions.
    pub async fn delete_skill(&self, caller: &Caller, id: &str) -> Result<()> {
        self.skill(caller, id).await?;
        if self.inner.shared.store.delete_skill(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("skill {id} does not exist")))
        }
    }

    /// Keeps a skill the compiler made by itself: it is no longer offered.
    pub async fn keep_skill(&self, caller: &Caller, id: &str) -> Result<Skill> {
        let mut skill = self.skill(caller, id).await?;
        skill.offered = false;
        self.inner.shared.store.save_skill(&skill).await?;
        self.skill(caller, id).await
    }

    /// Every version of a skill, newest first.
    pub async fn skill_versions(&self, caller: &Caller, id: &str) -> Result<Vec<Skill>> {
        self.skill(caller, id).await?;
        self.inner.shared.store.skill_versions(id).await
    }

    /// Starts the validation run of a recipe (one imported, or one to check again) in the
    /// background: answers the skill, a `candidate` until the run ends.
    pub async fn start_skill_validation(&self, caller: &Caller, id: &str) -> Result<Skill> {
        let mut skill = self.skill(caller, id).await?;
        if skill.kind != SkillKind::Recipe {
            return Err(Error::InvalidInput(format!(
                "{} is instructions an agent loads, not a recipe: there is no run to validate",
                skill.name
            )));
        }
        if skill.status == SkillStatus::Candidate {
            return Err(Error::Conflict(format!(
                "{} is being validated already",
                skill.name
            )));
        }
        skill.status = SkillStatus::Candidate;
        self.inner.shared.store.save_skill(&skill).await?;
        let (this, run_id) = (self.clone(), id.to_owned());
        self.spawn_background(async move {
            let id = run_id;
            if let Err(e) = this.validate_skill(&id).await {
                tracing::error!(skill = %id, error = %e, "validating a skill");
                if let Ok(mut skill) = this.stored_skill(&id).await
                    && skill.status == SkillStatus::Candidate
                {
                    skill.status = SkillStatus::Unvalidated;
                    let _ = this.inner.shared.store.save_skill(&skill).await;
                }
            }
        });
        self.skill(caller, id).await
    }

    /// The skill as an Agent Skills folder: an imported one as it came; a recipe as a
    /// `SKILL.md` another agent can follow plus `references/miteos-skill.json`.
    pub async fn export_skill(&self, caller: &Caller, id: &str) -> Result<Vec<SkillFile>> {
        let skill = self.skill(caller, id).await?;
        if skill.kind == SkillKind::Recipe {
            return Ok(crate::skills::to_folder(&skill));
        }
        Ok(self
            .inner
            .shared
            .store
            .skill_files(id)
            .await?
            .into_iter()
            .map(|(path, bytes)| SkillFile::from_bytes(path, bytes))
            .collect())
    }

    /// The exported folder as a zip (a `.skill` file): its files under the skill's name.
    pub async fn export_skill_archive(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(String, Vec<u8>)> {
        let skill = self.skill(caller, id).await?;
        let files = self.export_skill(caller, id).await?;
        Ok((
            skill.name.clone(),
            crate::skills::pack(&skill.name, &files)?,
        ))
    }

    /// Imports an Agent Skills folder, or a .zip / .skill file, from this machine.
    pub async fn import_skill_path(
        &self,
        caller: &Caller,
        path: &std::path::Path,
    ) -> Result<Skill> {
        let from = path.display().to_string();
        let path = path.to_path_buf();
        let read = tokio::task::spawn_blocking(move || {
            if path.is_dir() {
                read_folder(&path).map(|files| (files, None))
            } else {
                std::fs::read(&path)
                    .map(|bytes| (Vec::new(), Some(bytes)))
                    .map_err(|e| Error::io(format!("reading {}", path.display()), e))
            }
        })
        .await
        .map_err(|e| Error::Internal(format!("reading a skill: {e}")))??;
        match read {
            (_, Some(bytes)) => self.import_skill_archive(caller, &bytes, &from).await,
            (files, None) => self.import_skill(caller, &files, &from).await,
        }
    }

    /// Imports a .zip or .skill file (`file_name` is where it came from).
    pub async fn import_skill_archive(
        &self,
        caller: &Caller,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<Skill> {
        let files = crate::skills::unpack(bytes)?;
        self.import_skill(caller, &files, file_name).await
    }

    /// Imports an Agent Skills folder, checked as the standard requires (`from` says where it
    /// came from). A standard skill becomes instructions agents may load; one with the name of
    /// an imported skill is its next version. A Miteos export becomes a recipe `unvalidated`
    /// until its validation run passes — unless it is the very recipe already validated here.
    /// It is the caller's: it runs for their tasks only. On a team's server a member's new
    /// skill starts disabled, until they turn it on.
    pub async fn import_skill(
        &self,
        caller: &Caller,
        files: &[SkillFile],
        from: &str,
    ) -> Result<Skill> {
        let from = from.trim();
        let from = if from.is_empty() { "a folder" } else { from };
        let imported = crate::skills::from_folder(files, None, new_skill_id(), from)?;
        let mut skill = imported.skill;
        if !crate::ids::is_skill_id(&skill.id) {
            return Err(Error::InvalidInput(format!(
                "{:?} is not a skill id (sk-…)",
                skill.id
            )));
        }
        skill.owner = caller.account_id().map(str::to_owned);
        skill.enabled = caller.account_id().is_none();
        let existing = self
            .inner
            .shared
            .store
            .skills_of(skill.owner.as_deref())
            .await?;
        let same = match skill.kind {
            SkillKind::Recipe => existing.iter().find(|s| s.id == skill.id),
            SkillKind::Instructions => existing
                .iter()
                .find(|s| s.kind == SkillKind::Instructions && s.name == skill.name),
        };
        if same.is_none() && self.inner.shared.store.skill(&skill.id).await?.is_some() {
            // The id is another owner's skill: this one is new, and never replaces that.
            skill.id = new_skill_id();
        }
        if let Some(old) = same {
            skill.id = old.id.clone();
            skill.created_at = old.created_at;
            skill.enabled = old.enabled;
            skill.disabled_for = old.disabled_for.clone();
            match skill.kind {
                SkillKind::Instructions => skill.version = old.version + 1,
                SkillKind::Recipe
                    if old.subtasks == skill.subtasks
                        && old.prompt_template == skill.prompt_template =>
                {
                    // The recipe validated here came back unchanged: it stays as it was.
                    skill.status = old.status;
                    skill.validation = old.validation.clone();
                }
                SkillKind::Recipe => {}
            }
        }
        if existing
            .iter()
            .any(|s| s.name == skill.name && s.id != skill.id)
        {
            return Err(Error::Conflict(format!(
                "another skill is called {}; rename it first",
                skill.name
            )));
        }
        self.inner.shared.store.save_skill(&skill).await?;
        self.inner
            .shared
            .store
            .save_skill_files(&skill.id, &imported.files)
            .await?;
        self.skill(caller, &skill.id).await
    }
}

/// Every file under `dir`, paths starting with the folder's own name (which the standard wants
/// to be the skill's).
fn read_folder(dir: &std::path::Path) -> Result<Vec<SkillFile>> {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        let entries = std::fs::read_dir(&at)
            .map_err(|e| Error::io(format!("reading {}", at.display()), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(format!("reading {}", at.display()), e))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy();
                let bytes = std::fs::read(&path)
                    .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
                let rel = if name.is_empty() {
                    rel.into_owned()
                } else {
                    format!("{name}/{rel}")
                };
                files.push(SkillFile::from_bytes(rel, bytes));
            } else {
                return Err(Error::InvalidInput(format!(
                    "{} is a link; a skill's files are plain files",
                    path.display()
                )));
            }
        }
    }
    Ok(files)
}
