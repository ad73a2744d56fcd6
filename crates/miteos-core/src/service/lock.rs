//! One owner per data directory: a second process would end the first one's running tasks as
//! "interrupted" when it opens, so it must not open at all.

use std::path::Path;

use crate::error::{Error, Result};

/// Takes the data directory's lock file (`miteos.lock`, holding the owner's pid) or explains who
/// has it. The operating system releases the lock when the process ends, however it ends.
pub(super) fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = data_dir.join("miteos.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut owner = String::new();
            let _ = file.read_to_string(&mut owner);
            let owner = owner.trim();
            let who = if owner.is_empty() {
                "another Miteos process".to_owned()
            } else {
                format!("another Miteos process (pid {owner})")
            };
            return Err(Error::Conflict(format!(
                "the data directory {} is in use by {who}: use that one (the desktop app serves the API too), or choose another --data-dir",
                data_dir.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::io(format!("locking {}", path.display()), e));
        }
    }
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    Ok(file)
}

/// Keeps the data directory to its owner (0700), and the database files in it (0600): every
/// prompt, output and key of Miteos is there, and other accounts on the machine read none of it.
pub(super) fn owner_only(data_dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
        for name in ["miteos.db", "miteos.db-wal", "miteos.db-shm"] {
            let file = data_dir.join(name);
            if file.is_file() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = data_dir;
    Ok(())
}
