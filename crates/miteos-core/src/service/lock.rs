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
