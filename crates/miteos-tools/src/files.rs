//! `read_file`, `write_file`, `list_files`: the task folder as the agents' shared workspace.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use super::paths::{read_beneath, write_beneath};
use super::{Tool, ToolCtx, ToolError, ToolOutput, confined_path, parse_args, truncate_chars};

/// Largest file an agent may write in one call.
pub const MAX_WRITE_BYTES: usize = 10 * 1024 * 1024;
/// Largest part of a file returned to the model.
const MAX_READ_CHARS: usize = 60_000;
const MAX_LISTED: usize = 500;

pub struct ReadFile;
pub struct WriteFile;
pub struct ListFiles;

#[derive(Deserialize)]
struct PathArgs {
    path: String,
}

#[derive(Deserialize)]
struct WriteArgs {
    path: String,
    content: String,
}

#[async_trait]
impl Tool for ReadFile {
    fn name(&self) -> &'static str {
        "read_file"
    }
    fn description(&self) -> &'static str {
        "Read a file from the task folder: files other agents wrote, and documents the user attached (in inputs/). Text, Markdown, CSV and JSON come as they are; PDF as its text; HTML as Markdown. Path is relative to the task folder."
    }
    fn parameters(&self) -> serde_json::Value {
        json!({"type":"object","properties":{"path":{"type":"string","description":"relative path, e.g. notes/research.md"}},"required":["path"],"additionalProperties":false})
    }
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: PathArgs = parse_args(args)?;
        let (root, relative) = (ctx.task_dir.clone(), args.path.clone());
        let bytes = tokio::task::spawn_blocking(move || read_beneath(&root, &relative))
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))??;
        let name = normalize(&args.path);
        let extension = std::path::Path::new(&name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let text = match extension.as_deref() {
            Some("pdf") => {
                let text =
                    tokio::task::spawn_blocking(move || pdf_extract::extract_text_from_mem(&bytes))
                        .await
                        .map_err(|_| {
                            ToolError::Failed(format!("{name} is not a PDF that can be read"))
                        })?
                        .map_err(|e| {
                            ToolError::Failed(format!("cannot read the text of {name}: {e}"))
                        })?;
                if text.trim().is_empty() {
                    return Err(ToolError::Failed(format!(
                        "{name} has no text layer (a scanned PDF?); its text cannot be read"
                    )));
                }
                format!("Source: {name}\n\n{}", text.trim())
            }
            Some("html" | "htm") => {
                super::fetch::html_to_markdown(&String::from_utf8_lossy(&bytes), &name)
            }
            _ => String::from_utf8_lossy(&bytes).into_owned(),
        };
        Ok(ToolOutput::text(truncate_chars(&text, MAX_READ_CHARS)))
    }
}

#[async_trait]
impl Tool for WriteFile {
    fn name(&self) -> &'static str {
        "write_file"
    }
    fn description(&self) -> &'static str {
        "Write a text file (Markdown, HTML, CSS, JS, CSV, JSON...) into the task folder, creating folders as needed. Files written become the task's deliverables."
    }
    fn parameters(&self) -> serde_json::Value {
        json!({"type":"object","properties":{
            "path":{"type":"string","description":"relative path, e.g. report.md or site/index.html"},
            "content":{"type":"string","description":"the whole file content"}},
            "required":["path","content"],"additionalProperties":false})
    }
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: WriteArgs = parse_args(args)?;
        write_confined(ctx, &args.path, args.content.as_bytes()).await?;
        Ok(ToolOutput {
            content: format!("wrote {} ({} bytes)", args.path.trim(), args.content.len()),
            files_written: vec![normalize(&args.path)],
            ..ToolOutput::default()
        })
    }
}

#[async_trait]
impl Tool for ListFiles {
    fn name(&self) -> &'static str {
        "list_files"
    }
    fn description(&self) -> &'static str {
        "List the files in the task folder (or a subfolder of it) with their sizes."
    }
    fn parameters(&self) -> serde_json::Value {
        json!({"type":"object","properties":{"path":{"type":"string","description":"relative folder; empty for the task folder"}},"additionalProperties":false})
    }
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let sub = args
            .get("path")
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned();
        let dir = if sub.trim().is_empty() {
            ctx.task_dir.clone()
        } else {
            confined_path(&ctx.task_dir, &sub)?
        };
        let root = ctx
            .task_dir
            .canonicalize()
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        let files = tokio::task::spawn_blocking(move || list_under(&root, &dir))
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))??;
        if files.is_empty() {
            return Ok(ToolOutput::text("(no files yet)"));
        }
        Ok(ToolOutput::text(
            files
                .iter()
                .map(|(p, size)| format!("{p}\t{size} bytes"))
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }
}

/// Files under `dir` (not following symlinks), relative to `root`, sorted.
pub fn list_under(
    root: &std::path::Path,
    dir: &std::path::Path,
) -> Result<Vec<(String, u64)>, ToolError> {
    Ok(walk_files(root, dir, MAX_LISTED)?
        .into_iter()
        .map(|(name, meta)| (name, meta.len()))
        .collect())
}

/// Every regular file under `dir` (not following symlinks), relative to it with `/`
/// separators, sorted: a whole task folder, for copying it elsewhere.
pub fn files_under(dir: &std::path::Path) -> Result<Vec<String>, ToolError> {
    Ok(walk_files(dir, dir, usize::MAX)?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// Up to `limit` regular files under `dir` (not following symlinks) with their metadata,
/// relative to `root` with `/` separators, sorted.
pub(crate) fn walk_files(
    root: &std::path::Path,
    dir: &std::path::Path,
    limit: usize,
) -> Result<Vec<(String, std::fs::Metadata)>, ToolError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ToolError::Failed(format!(
                    "cannot list {}: {e}",
                    d.display()
                )));
            }
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file()
                && let Ok(rel) = entry.path().strip_prefix(root)
            {
                out.push((rel.to_string_lossy().replace('\\', "/"), meta));
            }
            if out.len() >= limit {
                break;
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Writes bytes to a confined path, creating parent folders, refusing oversized content.
pub(super) async fn write_confined(
    ctx: &ToolCtx,
    relative: &str,
    bytes: &[u8],
) -> Result<(), ToolError> {
    if bytes.len() > MAX_WRITE_BYTES {
        return Err(ToolError::Refused(format!(
            "{} bytes is more than the {} MiB a file may have",
            bytes.len(),
            MAX_WRITE_BYTES / 1024 / 1024
        )));
    }
    let (root, relative, bytes) = (ctx.task_dir.clone(), relative.to_owned(), bytes.to_vec());
    tokio::task::spawn_blocking(move || write_beneath(&root, &relative, &bytes, false))
        .await
        .map_err(|e| ToolError::Failed(e.to_string()))?
}

/// The relative path as stored: trimmed, `./` removed, `/`-separated.
pub(super) fn normalize(relative: &str) -> String {
    std::path::Path::new(relative.trim())
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}
