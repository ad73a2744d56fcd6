//! Documents given with a task: read from disk (CLI, desktop app) or sent in the request, checked
//! (size, safe distinct file names) and saved in the task's `inputs/` folder before it starts.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A document given with a task, read.
#[derive(Clone, Default)]
pub struct Attachment {
    /// The file's name (no folders).
    pub name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attachment({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// A document given with a task in JSON (`POST /tasks`, a browser's War Room).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentBody {
    /// Its file name, e.g. `brief.pdf`.
    pub name: String,
    /// Its bytes, base64-encoded (standard alphabet).
    pub content_base64: String,
}

impl AttachmentBody {
    /// The document's bytes; a clear error when they are not base64.
    pub fn decode(self) -> Result<Attachment> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.content_base64.trim())
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "attachment {:?} is not valid base64: {e}",
                    self.name
                ))
            })?;
        Ok(Attachment {
            name: self.name,
            bytes,
        })
    }
}

impl Attachment {
    /// Reads a file the user chose (CLI, desktop app).
    pub fn read(path: &Path) -> Result<Attachment> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::InvalidInput(format!("cannot attach {}: {e}", path.display())))?;
        if meta.len() > MAX_ATTACHMENT_BYTES as u64 {
            return Err(Error::TooLarge(format!(
                "{} has {} bytes; attachments may have {} MiB together",
                path.display(),
                meta.len(),
                MAX_ATTACHMENT_BYTES / 1024 / 1024
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::InvalidInput(format!("cannot attach {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Attachment { name, bytes })
    }

    /// The document as JSON carries it (to a team's server).
    pub fn encode(&self) -> AttachmentBody {
        use base64::Engine;
        AttachmentBody {
            name: self.name.clone(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        }
    }
}

/// Attachments of one task, together.
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;
pub use crate::orchestrator::INPUTS_DIR;

/// Attachments with safe, distinct file names, within the size limit.
pub(super) fn checked_attachments(attachments: Vec<Attachment>) -> Result<Vec<Attachment>> {
    let total: usize = attachments.iter().map(|a| a.bytes.len()).sum();
    if total > MAX_ATTACHMENT_BYTES {
        return Err(Error::TooLarge(format!(
            "the attachments have {total} bytes; at most {} MiB are accepted",
            MAX_ATTACHMENT_BYTES / 1024 / 1024
        )));
    }
    let mut out: Vec<Attachment> = Vec::with_capacity(attachments.len());
    for a in attachments {
        // The last path component, without characters that are trouble in file names.
        let base = a.name.rsplit(['/', '\\']).next().unwrap_or("").trim();
        let clean: String = base
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
            .take(120)
            .collect();
        let clean = clean.trim_start_matches('.').trim().to_owned();
        if clean.is_empty() {
            return Err(Error::InvalidInput(format!(
                "{:?} is not a usable file name for an attachment",
                a.name
            )));
        }
        let (stem, ext) = match clean.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
            _ => (clean.clone(), String::new()),
        };
        let mut name = clean.clone();
        let mut n = 2;
        while out.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            name = format!("{stem} ({n}){ext}");
            n += 1;
        }
        out.push(Attachment {
            name,
            bytes: a.bytes,
        });
    }
    Ok(out)
}

/// Writes a task's attachments into its `inputs` folder, off the async threads.
pub(super) async fn save_attachments(inputs: PathBuf, attachments: Vec<Attachment>) -> Result<()> {
    if attachments.is_empty() {
        return Ok(());
    }
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&inputs)?;
        for a in &attachments {
            std::fs::write(inputs.join(&a.name), &a.bytes)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| Error::Internal(format!("saving the task's attachments: {e}")))?
    .map_err(|e| Error::io("saving the task's attachments", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_read_here_is_sent_as_json_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("brief.pdf");
        let bytes: Vec<u8> = (0..=255).cycle().take(3000).collect();
        std::fs::write(&path, &bytes).unwrap();
        let body = Attachment::read(&path).unwrap().encode();
        assert_eq!(body.name, "brief.pdf");
        let back = body.decode().unwrap();
        assert_eq!((back.name.as_str(), back.bytes), ("brief.pdf", bytes));
    }
}
