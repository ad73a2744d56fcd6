//! Deliverables: files agents wrote in the task folder, registered with name, type, size, sha256
//! and the subtask that produced them, and resolved back to a file for download.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::domain::Deliverable;
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::ids::new_deliverable_id;
use crate::store::{Journal, Store};
use crate::tools::confined_path;

/// Registers (or refreshes) `relative` in `task_dir` as a deliverable and announces it.
pub async fn register(
    store: &Store,
    journal: &Journal,
    task_id: &str,
    task_dir: &Path,
    relative: &str,
    subtask_id: Option<&str>,
) -> Result<Deliverable> {
    let path = file_path(task_dir, relative)?;
    let (size, sha256) = tokio::task::spawn_blocking(move || crate::digest::sha256_file(&path))
        .await
        .map_err(|e| Error::Internal(format!("hashing {relative}: {e}")))??;
    let deliverable = store
        .upsert_deliverable(&Deliverable {
            id: new_deliverable_id(),
            task_id: task_id.to_owned(),
            name: relative.to_owned(),
            mime_type: mime_type(relative),
            size_bytes: size as i64,
            sha256,
            subtask_id: subtask_id.map(str::to_owned),
            created_at: Utc::now(),
        })
        .await?;
    journal
        .append(
            task_id,
            EventKind::DeliverableAdded {
                deliverable: deliverable.clone(),
            },
        )
        .await?;
    Ok(deliverable)
}

/// The file behind a deliverable name, confined to the task folder.
pub fn file_path(task_dir: &Path, relative: &str) -> Result<PathBuf> {
    confined_path(task_dir, relative)
        .map_err(|e| Error::NotFound(format!("deliverable {relative}: {e}")))
}

/// The MIME type of a file name; text types say they are UTF-8.
pub fn mime_type(name: &str) -> String {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    if mime.type_() == "text" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_of_common_deliverables() {
        assert_eq!(
            mime_type("pricing.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(mime_type("pricing.csv"), "text/csv; charset=utf-8");
        assert_eq!(mime_type("report.md"), "text/markdown; charset=utf-8");
        assert_eq!(mime_type("blob"), "application/octet-stream");
    }
}
