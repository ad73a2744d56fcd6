//! A task's deliverables as files: listing, resolving, previews, and saving copies where the
//! user chose (through a temporary file, so nothing is ever half written).

use std::path::{Path, PathBuf};

use super::{Miteos, check_task_id};
use crate::domain::Deliverable;
use crate::error::{Error, Result};

impl Miteos {
    pub async fn deliverables(&self, task_id: &str) -> Result<Vec<Deliverable>> {
        self.get_task(task_id).await?;
        self.inner.shared.store.deliverables_of(task_id).await
    }

    /// A deliverable and the path of its file, for download.
    pub async fn deliverable_file(
        &self,
        task_id: &str,
        deliverable_id: &str,
    ) -> Result<(Deliverable, PathBuf)> {
        check_task_id(task_id)?;
        self.get_task_files(task_id).await?;
        let deliverable = self
            .inner
            .shared
            .store
            .deliverable(task_id, deliverable_id)
            .await?;
        let path = crate::deliverables::file_path(&self.task_dir(task_id), &deliverable.name)?;
        Ok((deliverable, path))
    }

    /// A bounded preview of a deliverable (text, table, image or sandboxable HTML).
    pub async fn preview_deliverable(
        &self,
        task_id: &str,
        deliverable_id: &str,
    ) -> Result<crate::preview::Preview> {
        let (deliverable, path) = self.deliverable_file(task_id, deliverable_id).await?;
        tokio::task::spawn_blocking(move || crate::preview::preview(&path, &deliverable.name))
            .await
            .map_err(|e| Error::Internal(format!("building a preview: {e}")))?
    }

    /// Copies a deliverable to `destination` (a path the user chose in a save dialog), through a
    /// temporary file beside it so a failed copy never leaves half a file.
    pub async fn save_deliverable_as(
        &self,
        task_id: &str,
        deliverable_id: &str,
        destination: &Path,
    ) -> Result<()> {
        let (_, path) = self.deliverable_file(task_id, deliverable_id).await?;
        let destination = checked_destination(destination)?;
        tokio::task::spawn_blocking(move || {
            write_atomically(&destination, |out| {
                std::io::copy(&mut std::fs::File::open(&path)?, out).map(|_| ())
            })
        })
        .await
        .map_err(|e| Error::Internal(format!("saving a deliverable: {e}")))?
    }
}

/// A save-dialog destination: an absolute path to a file.
pub(super) fn checked_destination(destination: &Path) -> Result<PathBuf> {
    if !destination.is_absolute() || destination.file_name().is_none() {
        return Err(Error::InvalidInput(format!(
            "save to an absolute file path, not {}",
            destination.display()
        )));
    }
    Ok(destination.to_owned())
}

/// Writes `destination` through a temporary file beside it, renamed into place, so a failed
/// write never leaves half a file. Blocking.
pub(super) fn write_atomically(
    destination: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let mut tmp = destination.to_owned().into_os_string();
    tmp.push(".miteos-part");
    let tmp = PathBuf::from(tmp);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut out| write(&mut out).and_then(|()| out.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, destination));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("saving to {}", destination.display()), e)
    })
}
