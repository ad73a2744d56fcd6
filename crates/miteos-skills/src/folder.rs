//! Skills as Agent Skills folders: a `SKILL.md` (YAML front matter with the standard's `name`
//! and `description`, then Markdown a person or another agent can follow), and any files beside
//! it (`references/`, `scripts/`, `assets/`). A Miteos export adds `references/miteos-skill.json`
//! with the whole recipe, so it imports back to an equal skill; any other folder imports as
//! instructions an agent loads when its work calls for them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use base64::Engine;

use super::{Skill, SkillFileInfo, SkillKind, SkillOrigin, SkillStats, SkillStatus};
use miteos_domain::error::{Error, Result};

/// The machine-readable copy inside the folder.
pub const SKILL_JSON: &str = "references/miteos-skill.json";
pub const SKILL_MD: &str = "SKILL.md";
/// Largest file of a folder accepted on import.
const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Largest folder accepted on import, all files together.
const MAX_TOTAL_BYTES: usize = 20 * 1024 * 1024;
/// Most files a folder may have.
const MAX_FILES: usize = 500;

/// How a [`SkillFile`]'s content is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FileEncoding {
    /// The file's text.
    #[default]
    Utf8,
    /// The file's bytes in base64 (images, fonts, anything not UTF-8).
    Base64,
}

/// One file of a skill folder, its path relative to the folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillFile {
    pub path: String,
    pub content: String,
    /// `utf8` when left out.
    #[serde(default)]
    pub encoding: FileEncoding,
}

impl SkillFile {
    /// A file of text.
    pub fn text(path: impl Into<String>, content: impl Into<String>) -> Self {
        SkillFile {
            path: path.into(),
            content: content.into(),
            encoding: FileEncoding::Utf8,
        }
    }

    /// A file of any bytes: as text when they are UTF-8, else in base64.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => SkillFile::text(path, text),
            Err(e) => SkillFile {
                path: path.into(),
                content: base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
                encoding: FileEncoding::Base64,
            },
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>> {
        match self.encoding {
            FileEncoding::Utf8 => Ok(self.content.clone().into_bytes()),
            FileEncoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(self.content.trim())
                .map_err(|e| Error::InvalidInput(format!("{} is not base64: {e}", self.path))),
        }
    }
}

/// Longest `name` the Agent Skills format allows.
const MAX_NAME_CHARS: usize = 64;
/// Longest `description` the Agent Skills format allows.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 1024;
/// Longest `compatibility` the Agent Skills format allows.
const MAX_COMPATIBILITY_CHARS: usize = 500;

/// A skill folder imported: the skill, and every file of the folder (`SKILL.md` among them) to
/// keep with it, paths relative to the folder.
#[derive(Debug, Clone)]
pub struct Imported {
    pub skill: Skill,
    pub files: Vec<(String, Vec<u8>)>,
}

/// A skill from a folder's files, checked as the Agent Skills standard requires: a `SKILL.md`
/// whose front matter has a valid `name` (the folder's name, when known) and `description`; paths
/// inside the folder; sizes within limits. With `references/miteos-skill.json` it is a Miteos
/// recipe (`unvalidated`: not used until validated here); otherwise an instructions skill agents
/// load when their work calls for it. Files all under one folder (as a zip or a dropped folder
/// has them) are read from inside it, that folder's name being the skill's. `id` is used when
/// the folder does not carry one; `from` says where it came from.
pub fn from_folder(
    files: &[SkillFile],
    folder_name: Option<&str>,
    id: String,
    from: &str,
) -> Result<Imported> {
    if files.len() > MAX_FILES {
        return Err(Error::TooLarge(format!(
            "the folder has {} files; a skill may have {MAX_FILES}",
            files.len()
        )));
    }
    let mut read: Vec<(String, Vec<u8>)> = Vec::with_capacity(files.len());
    let mut total = 0usize;
    for f in files {
        let path = clean_path(&f.path)?;
        let bytes = f.bytes()?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(Error::TooLarge(format!(
                "{path} has {} bytes; a skill's files may have {MAX_FILE_BYTES} each",
                bytes.len()
            )));
        }
        total += bytes.len();
        if total > MAX_TOTAL_BYTES {
            return Err(Error::TooLarge(format!(
                "the folder has more than {MAX_TOTAL_BYTES} bytes, the most a skill may have"
            )));
        }
        if read.iter().any(|(p, _)| *p == path) {
            return Err(Error::InvalidInput(format!(
                "{path} is in the folder twice"
            )));
        }
        read.push((path, bytes));
    }
    // Everything under one folder with the SKILL.md in it: that folder is the skill.
    let mut folder_name = folder_name.map(str::to_owned);
    if !read.iter().any(|(p, _)| p == SKILL_MD)
        && let Some((top, _)) = read.first().and_then(|(p, _)| p.split_once('/'))
    {
        let top = top.to_owned();
        let prefix = format!("{top}/");
        if read.iter().all(|(p, _)| p.starts_with(&prefix))
            && read
                .iter()
                .any(|(p, _)| *p == format!("{prefix}{SKILL_MD}"))
        {
            for (p, _) in &mut read {
                *p = p[prefix.len()..].to_owned();
            }
            folder_name = Some(top);
        }
    }
    let md = read
        .iter()
        .find(|(p, _)| p == SKILL_MD)
        .map(|(_, b)| b)
        .ok_or_else(|| {
            Error::InvalidInput(
                "a skill folder has a SKILL.md at its top (its front matter names and describes the skill)".into(),
            )
        })?;
    let md = std::str::from_utf8(md)
        .map_err(|_| Error::InvalidInput("SKILL.md is not UTF-8 text".into()))?;
    let (front, body) = front_matter(md)?;
    check_name(&front.name)?;
    if let Some(folder) = folder_name.as_deref()
        && folder != front.name
    {
        return Err(Error::InvalidInput(format!(
            "SKILL.md's name is {:?} but its folder is {folder:?}; the standard wants them the same",
            front.name
        )));
    }
    let description = front.description.trim().to_owned();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::InvalidInput(format!(
            "SKILL.md's description must say what the skill does and when to use it in 1–{MAX_DESCRIPTION_CHARS} characters (it has {})",
            description.chars().count()
        )));
    }
    if front
        .compatibility
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMPATIBILITY_CHARS)
    {
        return Err(Error::InvalidInput(format!(
            "SKILL.md's compatibility may have {MAX_COMPATIBILITY_CHARS} characters"
        )));
    }
    let origin = SkillOrigin::Imported {
        from: from.to_owned(),
        at: chrono::Utc::now(),
    };
    let others: Vec<SkillFileInfo> = read
        .iter()
        .filter(|(p, _)| p != SKILL_MD)
        .map(|(p, b)| SkillFileInfo {
            path: p.clone(),
            bytes: b.len() as u64,
        })
        .collect();
    let skill = if let Some((_, json)) = read.iter().find(|(p, _)| p == SKILL_JSON) {
        let mut skill: Skill = serde_json::from_slice(json)
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
        // Validated elsewhere, if at all: here it is not used until validated again.
        skill.status = SkillStatus::Unvalidated;
        skill.validation = None;
        skill.origin = origin;
        skill.offered = false;
        skill
    } else {
        if body.trim().is_empty() {
            return Err(Error::InvalidInput(
                "SKILL.md has no instructions after its front matter".into(),
            ));
        }
        Skill {
            id,
            name: front.name.clone(),
            description,
            version: 1,
            parameters: Vec::new(),
            prompt_template: String::new(),
            title_template: front.name,
            subtasks: Vec::new(),
            source_tasks: Vec::new(),
            status: SkillStatus::Active,
            stats: SkillStats::default(),
            validation: None,
            created_at: chrono::Utc::now(),
            kind: SkillKind::Instructions,
            instructions: body.trim().to_owned(),
            files: others,
            license: front.license,
            compatibility: front.compatibility,
            enabled: true,
            disabled_for: Vec::new(),
            origin,
            offered: false,
            owner: None,
        }
    };
    Ok(Imported { skill, files: read })
}

/// A skill name as the standard has it: 1–64 lowercase letters, digits and hyphens, not starting
/// or ending with a hyphen, no two hyphens in a row.
pub fn check_name(name: &str) -> Result<()> {
    let valid = (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c == '-' || (c.is_alphanumeric() && !c.is_uppercase()))
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{name:?} is not a skill name: 1–{MAX_NAME_CHARS} lowercase letters, digits and single hyphens, \
             not starting or ending with a hyphen"
        )))
    }
}

/// `path` relative to the skill folder, `/`-separated, or why it cannot be part of one.
fn clean_path(path: &str) -> Result<String> {
    let outside = || Error::InvalidInput(format!("{path:?} is not a path inside the skill folder"));
    if path.contains('\\') || path.contains('\0') || path.starts_with('/') || path.contains(':') {
        return Err(outside());
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(outside());
    }
    Ok(parts.join("/"))
}

/// The files of a zip (a .zip or a .skill file), checked as they are read: no entry leaving the
/// folder, no links, within the size limits before a byte is inflated past them.
pub fn unpack(bytes: &[u8]) -> Result<Vec<SkillFile>> {
    use std::io::Read;
    let bad = |e: zip::result::ZipError| Error::InvalidInput(format!("not a zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    if archive.len() > MAX_FILES * 2 {
        return Err(Error::TooLarge(format!(
            "the archive has {} entries; a skill may have {MAX_FILES} files",
            archive.len()
        )));
    }
    let mut files = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(bad)?;
        let name = entry.name().map_err(bad)?.into_owned();
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(Error::InvalidInput(format!(
                "{name} is a link; a skill's files are plain files"
            )));
        }
        if entry.enclosed_name().is_none() {
            return Err(Error::InvalidInput(format!(
                "{name:?} is not a path inside the skill folder"
            )));
        }
        // macOS's resource forks are not part of the skill.
        if name.starts_with("__MACOSX/") || name.ends_with(".DS_Store") {
            continue;
        }
        let mut content = Vec::new();
        entry
            .by_ref()
            .take(MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| Error::InvalidInput(format!("reading {name} from the archive: {e}")))?;
        if content.len() > MAX_FILE_BYTES {
            return Err(Error::TooLarge(format!(
                "{name} has more than {MAX_FILE_BYTES} bytes; a skill's files may have {MAX_FILE_BYTES} each"
            )));
        }
        total += content.len() as u64;
        if total > MAX_TOTAL_BYTES as u64 {
            return Err(Error::TooLarge(format!(
                "the archive unpacks to more than {MAX_TOTAL_BYTES} bytes, the most a skill may have"
            )));
        }
        files.push(SkillFile::from_bytes(name, content));
    }
    Ok(files)
}

/// What Miteos reads of `SKILL.md`'s front matter.
#[derive(Deserialize)]
pub(crate) struct FrontMatter {
    name: String,
    pub(crate) description: String,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    compatibility: Option<String>,
}

/// The front matter between the leading `---` fences, and the body after it.
pub(crate) fn front_matter(text: &str) -> Result<(FrontMatter, String)> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let rest = text.strip_prefix("---\n").ok_or_else(|| {
        Error::InvalidInput("SKILL.md starts with a --- front matter block".into())
    })?;
    let (yaml, body) = match rest.split_once("\n---") {
        Some((yaml, body)) => (yaml, body),
        None if rest.starts_with("---") => ("", &rest[3..]),
        None => {
            return Err(Error::InvalidInput(
                "SKILL.md's front matter has no closing ---".into(),
            ));
        }
    };
    // Many published skills write a description with ": " in it unquoted, which YAML refuses;
    // other agents read those leniently, and so does Miteos: each top-level line a field.
    let value: serde_yaml_ng::Value = match serde_yaml_ng::from_str(yaml) {
        Ok(value) => value,
        Err(e) => lenient_fields(yaml).ok_or_else(|| {
            Error::InvalidInput(format!("SKILL.md's front matter is not YAML: {e}"))
        })?,
    };
    let map = value.as_mapping().ok_or_else(|| {
        Error::InvalidInput("SKILL.md's front matter is not a set of `key: value` fields".into())
    })?;
    let text_of = |key: &str| -> Result<Option<String>> {
        match map.get(key) {
            None | Some(serde_yaml_ng::Value::Null) => Ok(None),
            Some(serde_yaml_ng::Value::String(s)) => Ok(Some(s.clone())),
            Some(serde_yaml_ng::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(serde_yaml_ng::Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(Error::InvalidInput(format!("SKILL.md's {key} is not text"))),
        }
    };
    let front = FrontMatter {
        name: text_of("name")?
            .ok_or_else(|| Error::InvalidInput("SKILL.md's front matter has no name".into()))?,
        description: text_of("description")?.ok_or_else(|| {
            Error::InvalidInput("SKILL.md's front matter has no description".into())
        })?,
        license: text_of("license")?,
        compatibility: text_of("compatibility")?,
    };
    if let Some(metadata) = map.get("metadata")
        && !metadata.is_mapping()
        && !metadata.is_null()
    {
        return Err(Error::InvalidInput(
            "SKILL.md's metadata is a map of keys to values".into(),
        ));
    }
    // The rest of the closing fence's line.
    let body = body.split_once('\n').map_or("", |(_, b)| b).to_owned();
    Ok((front, body))
}

/// Front matter YAML refused, read as plain `key: value` lines (indented lines continue the
/// field before); `None` when it has no name that way either.
fn lenient_fields(yaml: &str) -> Option<serde_yaml_ng::Value> {
    let mut map = serde_yaml_ng::Mapping::new();
    let mut last: Option<String> = None;
    for line in yaml.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(key) = &last
                && let Some(serde_yaml_ng::Value::String(v)) = map.get_mut(key.as_str())
            {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_owned();
        let value = value.trim();
        // A nested block (`metadata:`) is left out; its indented lines are not this field's.
        if value.is_empty() {
            last = None;
            continue;
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        map.insert(key.clone().into(), value.to_owned().into());
        last = Some(key);
    }
    map.contains_key("name")
        .then_some(serde_yaml_ng::Value::Mapping(map))
}

#[cfg(test)]
mod tests;
