//! On a team's server, each task's commands run as a user of their own: a uid from a range the
//! admin set aside (`--command-uids 200000-265535`, like a container's subordinate ids), which
//! owns that task's folder and nothing else. A command then cannot read Miteos's data (the
//! database, keys, the token: the server's, 0600), nor another task's folder (another uid's,
//! 0700), whatever the kernel's sandbox does — Landlock stays on top of it.
//!
//! The server starts as root to use it (it switches the command to the uid between fork and
//! exec, and hands the folder to it). A task's uid is its folder's owner, so it survives a
//! restart; a new task gets the next uid no other task folder has.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;

use cap_std::fs::Dir;

/// How deep a task folder is handed over; deeper folders are left as they are.
const MAX_DEPTH: usize = 32;

/// The range of uids the commands of a server's tasks run as.
#[derive(Debug)]
pub struct CommandUsers {
    first: u32,
    last: u32,
    /// One task folder is given a uid at a time.
    choosing: Mutex<()>,
}

impl CommandUsers {
    /// The range `FIRST-LAST` (`200000-265535`). Uids below 1000 (the system's) are refused.
    pub fn parse(range: &str) -> Result<CommandUsers, String> {
        let bad = || {
            format!(
                "{range:?} is not a range of uids: FIRST-LAST, e.g. 200000-265535 (uids no account on this machine uses)"
            )
        };
        let (first, last) = range.trim().split_once('-').ok_or_else(bad)?;
        let first: u32 = first.trim().parse().map_err(|_| bad())?;
        let last: u32 = last.trim().parse().map_err(|_| bad())?;
        if first < 1000 || last < first || last == u32::MAX {
            return Err(bad());
        }
        Ok(CommandUsers {
            first,
            last,
            choosing: Mutex::new(()),
        })
    }

    /// [`Self::parse`], for a server whose data directory is `data_dir`: the server must run as
    /// root (to switch users), and from now on what it creates is its own only (umask 077).
    /// The data directory and its `tasks/` become passable (0711: a command reaches its own
    /// folder by its path; no one lists them); everything else in it, the server's only.
    pub fn open(range: &str, data_dir: &Path) -> Result<CommandUsers, String> {
        use std::os::unix::fs::PermissionsExt;
        let users = CommandUsers::parse(range)?;
        if !nix::unistd::geteuid().is_root() {
            return Err(
                "commands run as users of their own only when the server starts as root (it switches each command to its task's uid)".into(),
            );
        }
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
        let failed = |e: std::io::Error| format!("preparing {}: {e}", data_dir.display());
        let passable = std::fs::Permissions::from_mode(0o711);
        std::fs::set_permissions(data_dir, passable.clone()).map_err(failed)?;
        for entry in std::fs::read_dir(data_dir).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let meta = entry.path().symlink_metadata().map_err(failed)?;
            if meta.file_type().is_symlink() {
                continue;
            }
            let mode = if entry.file_name() == "tasks" {
                passable.clone()
            } else {
                std::fs::Permissions::from_mode(meta.mode() & 0o700)
            };
            std::fs::set_permissions(entry.path(), mode).map_err(failed)?;
        }
        Ok(users)
    }

    /// Whether this process runs as root: a server that does, without a range, runs its agents'
    /// commands as root (Landlock and seccomp still apply).
    pub fn running_as_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    fn holds(&self, uid: u32) -> bool {
        (self.first..=self.last).contains(&uid)
    }

    /// The uid the commands of the task whose folder is `task_dir` run as, the folder and
    /// everything in it handed to it (links are not followed: what one names stays as it is).
    pub fn prepare(&self, task_dir: &Path) -> std::io::Result<u32> {
        let uid = self.uid_of(task_dir)?;
        let dir = Dir::open_ambient_dir(task_dir, cap_std::ambient_authority())?;
        hand_over(&dir, uid, 0)?;
        Ok(uid)
    }

    /// The task's uid: its folder's owner when that is one of the range, else the next uid no
    /// other task folder beside it has.
    fn uid_of(&self, task_dir: &Path) -> std::io::Result<u32> {
        let _one_at_a_time = self.choosing.lock().unwrap_or_else(|p| p.into_inner());
        let owner = std::fs::symlink_metadata(task_dir)?.uid();
        if self.holds(owner) {
            return Ok(owner);
        }
        let mut taken = HashSet::new();
        if let Some(tasks) = task_dir.parent() {
            for entry in std::fs::read_dir(tasks)?.flatten() {
                if let Ok(meta) = entry.path().symlink_metadata() {
                    taken.insert(meta.uid());
                }
            }
        }
        let after_last = taken
            .iter()
            .copied()
            .filter(|uid| self.holds(*uid))
            .max()
            .map_or(self.first, |uid| uid + 1);
        (after_last..=self.last)
            .chain(self.first..after_last)
            .find(|uid| !taken.contains(uid))
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "every uid of {}-{} has a task folder: widen --command-uids",
                    self.first, self.last
                ))
            })
    }
}

/// Gives `dir` (its own entry and everything beneath it) to `uid`, owner only: entries are
/// changed by name relative to their folder, without following links.
fn hand_over(dir: &Dir, uid: u32, depth: usize) -> std::io::Result<()> {
    use nix::unistd::{Gid, Uid};
    let (owner, group) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(uid)));
    if depth == 0 {
        // The folder's own entry, through its handle (opened O_PATH: chown by an empty path).
        nix::unistd::fchownat(
            Some(std::os::fd::AsRawFd::as_raw_fd(dir)),
            "",
            owner,
            group,
            nix::fcntl::AtFlags::AT_EMPTY_PATH,
        )?;
        set_mode(dir, ".", 0o700)?;
    }
    for entry in dir.entries()? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        nix::unistd::fchownat(
            Some(std::os::fd::AsRawFd::as_raw_fd(dir)),
            Path::new(&name),
            owner,
            group,
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )?;
        // Opened beneath `dir`: a folder swapped for a link meanwhile cannot lead out of it.
        if kind.is_dir() && depth < MAX_DEPTH {
            hand_over(&dir.open_dir(&name)?, uid, depth + 1)?;
        }
    }
    Ok(())
}

fn set_mode(dir: &Dir, name: &str, mode: u32) -> std::io::Result<()> {
    use cap_std::fs::PermissionsExt;
    dir.set_permissions(name, cap_std::fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_and_the_systems_uids_refused() {
        let users = CommandUsers::parse(" 200000-200009 ").unwrap();
        assert_eq!((users.first, users.last), (200000, 200009));
        for bad in [
            "",
            "200000",
            "0-100",
            "999-5000",
            "5000-4000",
            "a-b",
            "1000-4294967295",
        ] {
            assert!(CommandUsers::parse(bad).is_err(), "{bad}");
        }
    }

    /// Needs root (CI runs as root; elsewhere it says so and checks nothing of it).
    #[test]
    fn each_task_folder_gets_a_uid_of_its_own_and_keeps_it() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("not root: the hand-over of task folders is not tried here");
            return;
        }
        let data = tempfile::tempdir().unwrap();
        let tasks = data.path().join("tasks");
        let (a, b) = (tasks.join("task-a"), tasks.join("task-b"));
        std::fs::create_dir_all(a.join("sub")).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("sub/notes.md"), "notes").unwrap();
        let outside = data.path().join("outside.txt");
        std::fs::write(&outside, "the server's").unwrap();
        std::os::unix::fs::symlink(&outside, a.join("link")).unwrap();

        let users = CommandUsers::parse("300000-300001").unwrap();
        let uid_a = users.prepare(&a).unwrap();
        let uid_b = users.prepare(&b).unwrap();
        assert_ne!(uid_a, uid_b);
        assert_eq!(users.prepare(&a).unwrap(), uid_a, "kept");
        let owner = |p: &Path| std::fs::symlink_metadata(p).unwrap().uid();
        assert_eq!(owner(&a), uid_a);
        assert_eq!(owner(&a.join("sub/notes.md")), uid_a);
        assert_eq!(owner(&a.join("link")), uid_a, "the link itself");
        assert_eq!(owner(&outside), 0, "what the link names is not handed over");
        assert_eq!(
            std::fs::metadata(&a).unwrap().mode() & 0o777,
            0o700,
            "no other uid reads it"
        );

        std::fs::create_dir_all(tasks.join("task-c")).unwrap();
        let full = users.prepare(&tasks.join("task-c"));
        assert!(full.is_err(), "two uids, two folders: {full:?}");
    }

    struct Yes;

    #[async_trait::async_trait]
    impl crate::Approver for Yes {
        async fn approve(&self, _reason: &str) -> Result<bool, crate::ToolError> {
            Ok(true)
        }
    }

    /// A command runs as its task's uid: it writes its folder, and cannot read a file of the
    /// server's even where the kernel's sandbox would let it (a 0600 file under /opt, a folder
    /// Landlock leaves readable). Needs root.
    #[tokio::test]
    async fn a_command_runs_as_its_tasks_uid_and_reads_nothing_of_the_servers() {
        use crate::{Tool, ToolCtx};
        if !nix::unistd::geteuid().is_root() || !Path::new("/opt").is_dir() {
            eprintln!("not root: commands as users of their own are not tried here");
            return;
        }
        let data = tempfile::tempdir().unwrap();
        let task = data.path().join("tasks").join("task-a");
        std::fs::create_dir_all(&task).unwrap();
        std::fs::write(task.join("notes.md"), "written by the server").unwrap();
        let secret = tempfile::tempdir_in("/opt").unwrap();
        let secret_file = secret.path().join("server-key.txt");
        std::fs::write(&secret_file, "sk-server-secret").unwrap();
        std::fs::set_permissions(
            &secret_file,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
        )
        .unwrap();

        let mut ctx = ToolCtx::new(&task, reqwest::Client::new());
        ctx.command_users = Some(std::sync::Arc::new(
            CommandUsers::parse("310000-310099").unwrap(),
        ));
        ctx.approver = Some(std::sync::Arc::new(Yes));
        let run = |command: String| {
            let ctx = ctx.clone();
            async move {
                crate::RunCommand
                    .call(serde_json::json!({ "command": command }), &ctx)
                    .await
            }
        };
        let who = run("id -u".into()).await.unwrap();
        assert!(who.content.contains("310000"), "{}", who.content);
        let copied = run("cp notes.md copy.md".into()).await.unwrap();
        assert_eq!(copied.files_written, ["copy.md"]);
        assert_eq!(
            std::fs::symlink_metadata(task.join("copy.md"))
                .unwrap()
                .uid(),
            310000
        );
        let read = run(format!("cat {}", secret_file.display())).await;
        let refused = match read {
            Err(crate::ToolError::Failed(report)) => report,
            other => panic!("the server's file was read: {other:?}"),
        };
        assert!(refused.contains("Permission denied"), "{refused}");
        assert!(!refused.contains("sk-server-secret"));
    }
}
