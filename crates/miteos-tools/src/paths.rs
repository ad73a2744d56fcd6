//! Confinement of file tools to the task folder: no absolute paths, no `..`, no symlink out.

use std::path::{Component, Path, PathBuf};

use super::ToolError;

/// Resolves `relative` inside `root`, refusing anything that could land outside it: absolute
/// paths, `..` components, and symlinks (at any depth) whose target lies outside `root`.
/// The file itself need not exist; its existing ancestors are checked.
pub fn confined_path(root: &Path, relative: &str) -> Result<PathBuf, ToolError> {
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
    fn new_nested_paths_resolve_inside() {
        let dir = tempfile::tempdir().unwrap();
        let p = confined_path(dir.path(), "./reports/q3/summary.md").unwrap();
        assert!(p.starts_with(dir.path().canonicalize().unwrap()));
        assert!(p.ends_with("reports/q3/summary.md"));
    }
}
