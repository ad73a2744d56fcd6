//! Confinement of file tools to the task folder: no absolute paths, no `..`, no symlink out.
//!
//! Two layers. [`confined_path`] checks a path before anything runs (what a command may name,
//! what a deliverable is). The reads and writes Miteos itself makes for an agent go through
//! [`read_beneath`] and [`write_beneath`], which open the task folder once and resolve every path
//! beneath it in the kernel (cap-std: `openat2` with `RESOLVE_BENEATH`, or step by step with
//! `O_NOFOLLOW`): a symlink that a command or an unpacked archive left in the folder — even one
//! placed between the check and the write — cannot lead the open outside. Temporary files are
//! created with `O_EXCL` under a fresh name, so a link waiting at that name is never followed.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cap_std::fs::{Dir, OpenOptions};

use super::ToolError;

/// Resolves `relative` inside `root`, refusing anything that could land outside it: absolute
/// paths, `..` components, and symlinks (at any depth) whose target lies outside `root`.
/// The file itself need not exist; its existing ancestors are checked.
pub fn confined_path(root: &Path, relative: &str) -> Result<PathBuf, ToolError> {
    let clean = lexically_inside(relative)?;
    if clean.as_os_str().is_empty() {
        return Ok(root.to_path_buf());
    }
    let root_real = root
        .canonicalize()
        .map_err(|e| ToolError::Failed(format!("the task folder is not readable: {e}")))?;
    // Walk down the existing part of the path; every step must resolve under the real root.
    let mut resolved = root_real.clone();
    let mut parts = clean.components();
    while let Some(part) = parts.next() {
        let next = resolved.join(part);
        match std::fs::symlink_metadata(&next) {
            Ok(_) => {
                let real = next.canonicalize().map_err(|e| {
                    ToolError::Refused(format!("{relative:?} cannot be resolved: {e}"))
                })?;
                if !real.starts_with(&root_real) {
                    return Err(ToolError::Refused(format!(
                        "{relative:?} points outside the task folder"
                    )));
                }
                resolved = real;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The rest does not exist yet, so nothing below can be a symlink.
                resolved = next;
                resolved.extend(parts);
                break;
            }
            Err(e) => {
                return Err(ToolError::Failed(format!(
                    "{relative:?} cannot be read: {e}"
                )));
            }
        }
    }
    Ok(resolved)
}

/// `relative` as components that stay inside whatever folder it is taken from: not empty, no
/// NUL, no `..`, not absolute. Answers the cleaned path (empty for the folder itself).
fn lexically_inside(relative: &str) -> Result<PathBuf, ToolError> {
    let trimmed = relative.trim();
    if trimmed.is_empty() {
        return Err(ToolError::InvalidArguments("the path is empty".into()));
    }
    if trimmed.contains('\0') {
        return Err(ToolError::Refused("the path contains a NUL byte".into()));
    }
    let rel = Path::new(trimmed);
    let mut clean = PathBuf::new();
    for component in rel.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(ToolError::Refused(format!(
                    "{relative:?} leaves the task folder ('..' is not allowed)"
                )));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(ToolError::Refused(format!(
                    "{relative:?} is absolute; paths are relative to the task folder"
                )));
            }
        }
    }
    Ok(clean)
}

/// Opens the task folder as the root of every path an agent names. Opening the folder itself
/// follows links (it is Miteos's own); nothing below it does unless the link stays beneath.
fn open_root(root: &Path) -> Result<Dir, ToolError> {
    Dir::open_ambient_dir(root, cap_std::ambient_authority())
        .map_err(|e| ToolError::Failed(format!("the task folder cannot be opened: {e}")))
}

/// What an open beneath the folder failed with, in the agent's words.
fn beneath_error(relative: &str, doing: &str, e: std::io::Error) -> ToolError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => ToolError::Refused(format!(
            "{relative:?} leads outside the task folder (through a link) or may not be {doing}"
        )),
        std::io::ErrorKind::NotFound => {
            ToolError::Failed(format!("{relative} is not in the task folder"))
        }
        // A folder on the way is a link or a file: nothing is made through it.
        std::io::ErrorKind::AlreadyExists => ToolError::Refused(format!(
            "{relative:?} goes through a link or a file where a folder of the task should be"
        )),
        _ => ToolError::Failed(format!("cannot {doing} {relative}: {e}")),
    }
}

/// The bytes of the file at `relative` under `root`, opened beneath it.
pub fn read_beneath(root: &Path, relative: &str) -> Result<Vec<u8>, ToolError> {
    let clean = lexically_inside(relative)?;
    open_root(root)?
        .read(&clean)
        .map_err(|e| beneath_error(relative, "read", e))
}

/// Writes `bytes` to `relative` under `root`, making its folders, through a temporary file
/// created beside it (never an existing one) and renamed into place, so a reader never sees
/// half a file. `executable` gives the file mode 0755 (a skill's scripts).
pub fn write_beneath(
    root: &Path,
    relative: &str,
    bytes: &[u8],
    executable: bool,
) -> Result<(), ToolError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let clean = lexically_inside(relative)?;
    let Some(name) = clean.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(ToolError::InvalidArguments(format!(
            "{relative} names the task folder, not a file"
        )));
    };
    std::fs::create_dir_all(root)
        .map_err(|e| ToolError::Failed(format!("the task folder cannot be made: {e}")))?;
    let dir = open_root(root)?;
    let parent = clean.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        dir.create_dir_all(parent)
            .map_err(|e| beneath_error(relative, "write", e))?;
    }
    if dir.metadata(&clean).is_ok_and(|m| m.is_dir()) {
        return Err(ToolError::InvalidArguments(format!(
            "{relative} is a folder"
        )));
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = executable;
    // A fresh name each time; O_EXCL refuses any file or link already there.
    let (tmp, mut file) = (0..8)
        .find_map(|_| {
            let tmp_name = format!(
                ".{name}.{}-{}.miteos-tmp",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let tmp = parent.map_or_else(|| PathBuf::from(&tmp_name), |p| p.join(&tmp_name));
            dir.open_with(&tmp, &options).ok().map(|file| (tmp, file))
        })
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "cannot write {relative}: no temporary file could be made"
            ))
        })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_data());
    drop(file);
    if let Err(e) = written.and_then(|()| dir.rename(&tmp, &dir, &clean)) {
        let _ = dir.remove_file(&tmp);
        return Err(beneath_error(relative, "write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(root: &Path, p: &str) -> bool {
        matches!(confined_path(root, p), Err(ToolError::Refused(_)))
    }

    #[test]
    fn traversal_and_absolute_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["../x", "a/../../x", "/etc/passwd", "a/../b"] {
            assert!(refused(dir.path(), p), "{p} must be refused");
        }
    }

    #[test]
    fn symlinks_pointing_out_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        assert!(refused(dir.path(), "out/secret.txt"));
        assert!(refused(dir.path(), "out"));
    }

    #[test]
    fn writes_and_reads_beneath_follow_no_link_out() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let canary = outside.path().join("canary.txt");
        std::fs::write(&canary, "canary").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(&canary, dir.path().join("link.txt")).unwrap();
        let through_link = write_beneath(dir.path(), "out/canary.txt", b"x", false);
        assert!(
            matches!(through_link, Err(ToolError::Refused(_))),
            "{through_link:?}"
        );
        assert!(read_beneath(dir.path(), "link.txt").is_err());
        assert!(read_beneath(dir.path(), "out/canary.txt").is_err());
        // Writing over a link replaces the link, never its target.
        write_beneath(dir.path(), "link.txt", b"mine", false).unwrap();
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "canary");
        assert_eq!(read_beneath(dir.path(), "link.txt").unwrap(), b"mine");
        write_beneath(dir.path(), "a/b/c.md", b"deep", true).unwrap();
        assert_eq!(read_beneath(dir.path(), "./a/b/c.md").unwrap(), b"deep");
        assert!(
            write_beneath(dir.path(), "a", b"x", false).is_err(),
            "a folder"
        );
    }

    #[test]
    fn new_nested_paths_resolve_inside() {
        let dir = tempfile::tempdir().unwrap();
        let p = confined_path(dir.path(), "./reports/q3/summary.md").unwrap();
        assert!(p.starts_with(dir.path().canonicalize().unwrap()));
        assert!(p.ends_with("reports/q3/summary.md"));
    }
}
