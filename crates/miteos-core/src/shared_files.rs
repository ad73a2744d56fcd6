//! Task folders every process of a team reaches: a store the `object_store` crate speaks — a
//! shared directory (`file:///srv/miteos-files`) or S3-compatible storage
//! (`s3://bucket/prefix`, credentials and endpoint from the usual `AWS_*` variables). A task's
//! folder is kept under `tasks/<task id>/`: the server that took the task puts its attachments
//! there, the worker that runs it fetches them and puts back what its agents wrote when the run
//! ends, and a server asked for a deliverable fetches the folder it does not have.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, UpdateVersion};

use crate::error::{Error, Result};
use crate::tools::files_under;

/// The team's file store.
#[derive(Clone)]
pub struct SharedFiles {
    store: Arc<dyn ObjectStore>,
    root: ObjectPath,
    /// The URL as given, for messages.
    url: String,
}

impl std::fmt::Debug for SharedFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFiles")
            .field("url", &self.url)
            .finish()
    }
}

impl SharedFiles {
    /// The store a URL names, S3's settings from the environment as AWS's own tools read them.
    /// A `file://` directory is created if missing.
    pub fn open(url: &str) -> Result<SharedFiles> {
        let options = std::env::vars()
            .filter(|(key, _)| key.starts_with("AWS_"))
            .collect::<Vec<_>>();
        Self::open_with(url, options)
    }

    /// [`Self::open`] with S3's settings given (`AWS_ENDPOINT_URL`, `AWS_REGION`, …).
    pub fn open_with(
        url: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> Result<SharedFiles> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            Error::InvalidInput(format!(
                "{url} is not a file store URL (file:///dir or s3://bucket/prefix): {e}"
            ))
        })?;
        if parsed.scheme() == "file" {
            let dir = parsed.to_file_path().map_err(|()| {
                Error::InvalidInput(format!("{url} does not name a local directory"))
            })?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io(format!("creating the file store {}", dir.display()), e))?;
        }
        let options = options
            .into_iter()
            .map(|(key, value)| (key.to_ascii_lowercase(), value));
        let (store, root) = object_store::parse_url_opts(&parsed, options).map_err(|e| {
            Error::InvalidInput(format!("{url} cannot be used as a file store: {e}"))
        })?;
        Ok(SharedFiles {
            store: Arc::from(store),
            root,
            url: url.to_owned(),
        })
    }

    fn folder(&self, task_id: &str) -> ObjectPath {
        self.root.clone().join("tasks").join(task_id)
    }

    /// Puts every file of the task's local folder in the store; answers how many. `still_writes`
    /// is asked before each file: a process that no longer runs the task writes nothing more.
    pub async fn put_task(
        &self,
        task_id: &str,
        local: &Path,
        still_writes: StillWrites<'_>,
    ) -> Result<usize> {
        let now = Snapshot::of(local).await?;
        let folder = self.folder(task_id);
        for relative in now.files.keys() {
            self.put_file(&folder, local, relative, PutMode::Overwrite, still_writes)
                .await?;
        }
        Ok(now.files.len())
    }

    /// Puts the files of the task's local folder that are not as `before` saw them (new, or
    /// written since) in the store; answers their names. A worker running one subtask of a task
    /// puts back only what its agent wrote, so it does not undo what other workers' agents
    /// wrote meanwhile; and each put is conditional: on the version `before` fetched (or on
    /// there being none, for a new file), so one written by another worker since is not
    /// overwritten but refused (`Conflict`). A store that cannot put on a condition (a shared
    /// directory) is written after `still_writes` said yes, like every put.
    pub async fn put_changed(
        &self,
        task_id: &str,
        local: &Path,
        before: &Snapshot,
        still_writes: StillWrites<'_>,
    ) -> Result<Vec<String>> {
        let now = Snapshot::of(local).await?;
        let folder = self.folder(task_id);
        let mut put = Vec::new();
        for (relative, seen) in &now.files {
            if before.files.get(relative) == Some(seen) {
                continue;
            }
            let mode = match before.stored.get(relative) {
                Some(version) => PutMode::Update(version.clone()),
                None => PutMode::Create,
            };
            self.put_file(&folder, local, relative, mode, still_writes)
                .await?;
            put.push(relative.clone());
        }
        Ok(put)
    }

    /// Puts one file of the local folder at its place in the store, `mode` permitting, while
    /// `still_writes` says this process runs the task.
    async fn put_file(
        &self,
        folder: &ObjectPath,
        local: &Path,
        relative: &str,
        mode: PutMode,
        still_writes: StillWrites<'_>,
    ) -> Result<()> {
        if !still_writes().await? {
            return Err(Error::Conflict(format!(
                "{relative} was not stored: another worker runs this task now"
            )));
        }
        let bytes = tokio::fs::read(local.join(relative))
            .await
            .map_err(|e| Error::io(format!("reading {relative}"), e))?;
        let location = object_at(folder, relative);
        let bytes = object_store::PutPayload::from(bytes);
        let put = match self
            .store
            .put_opts(&location, bytes.clone(), mode.clone().into())
            .await
        {
            // A store that cannot put on a version (a shared directory) is asked for the
            // version just before: a narrow window instead of none.
            Err(object_store::Error::NotImplemented { .. }) => match mode {
                PutMode::Update(expected) => match self.store.head(&location).await {
                    Ok(meta) if meta.e_tag != expected.e_tag => {
                        Err(object_store::Error::Precondition {
                            path: location.to_string(),
                            source: "its version changed".into(),
                        })
                    }
                    Ok(_) => self.store.put(&location, bytes).await,
                    Err(e) => Err(e),
                },
                _ => self.store.put(&location, bytes).await,
            },
            put => put,
        };
        match put {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(Error::Conflict(format!(
                "{relative} was written by another worker since this one fetched the task's files; \
                 its copy was not stored over it"
            ))),
            Err(e) => Err(self.failed(&format!("storing {relative}"), e)),
        }
    }

    /// Brings the task's folder from the store into `local` (as [`Self::get_task`]) and answers
    /// what it then holds, with the version of each file the store had: what
    /// [`Self::put_changed`] compares with and puts on.
    pub async fn check_out(&self, task_id: &str, local: &Path) -> Result<Snapshot> {
        let stored = self.get_task(task_id, local).await?;
        let mut snapshot = Snapshot::of(local).await?;
        snapshot.stored = stored;
        Ok(snapshot)
    }

    /// Brings the task's folder from the store into `local`, leaving alone the files `local`
    /// already has at the same size and written since the store's copy; answers the version of
    /// every file the store holds, fetched or not.
    pub async fn get_task(&self, task_id: &str, local: &Path) -> Result<Versions> {
        let folder = self.folder(task_id);
        let objects: Vec<_> = self
            .store
            .list(Some(&folder))
            .try_collect()
            .await
            .map_err(|e| self.failed(&format!("listing the files of {task_id}"), e))?;
        let mut versions = Versions::new();
        for object in objects {
            let Some(relative) = object.location.prefix_match(&folder) else {
                continue;
            };
            // Names come from this store's own puts; anything else is not followed.
            let name = relative
                .map(|part| part.as_ref().to_owned())
                .filter(|part| !(part.is_empty() || part == "." || part == ".."))
                .collect::<Vec<_>>()
                .join("/");
            versions.insert(
                name.clone(),
                UpdateVersion {
                    e_tag: object.e_tag.clone(),
                    version: object.version.clone(),
                },
            );
            let here = tokio::fs::symlink_metadata(local.join(&name)).await.ok();
            let stored_at = std::time::SystemTime::from(object.last_modified);
            if here.is_some_and(|m| {
                m.len() == object.size && m.modified().is_ok_and(|at| at >= stored_at)
            }) {
                continue;
            }
            self.fetch(&object.location, local, &name).await?;
        }
        Ok(versions)
    }

    /// Brings the named files of the task's folder (as [`Self::put_changed`] answered them)
    /// from the store into `local`, without listing the folder.
    pub async fn get_named(&self, task_id: &str, local: &Path, names: &[String]) -> Result<()> {
        let folder = self.folder(task_id);
        for name in names {
            if name
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            {
                return Err(Error::Internal(format!(
                    "{name} is not a task folder's file"
                )));
            }
            self.fetch(&object_at(&folder, name), local, name).await?;
        }
        Ok(())
    }

    /// Writes one object of the store to `relative` in the local task folder, making its folder;
    /// opened beneath the folder, so a link an agent left there is not followed.
    async fn fetch(&self, location: &ObjectPath, local: &Path, relative: &str) -> Result<()> {
        let bytes = self
            .store
            .get(location)
            .await
            .map_err(|e| self.failed(&format!("fetching {location}"), e))?
            .bytes()
            .await
            .map_err(|e| self.failed(&format!("fetching {location}"), e))?;
        let (local, name) = (local.to_path_buf(), relative.to_owned());
        tokio::task::spawn_blocking(move || {
            crate::tools::write_beneath(&local, &name, &bytes, false)
        })
        .await
        .map_err(|e| Error::Internal(format!("writing {relative}: {e}")))?
        .map_err(|e| {
            Error::io(
                format!("writing {relative}"),
                std::io::Error::other(e.to_string()),
            )
        })
    }

    fn failed(&self, doing: &str, e: object_store::Error) -> Error {
        Error::io(
            format!("{doing} in the file store {}", self.url),
            std::io::Error::other(e.to_string()),
        )
    }
}

/// Where a file of a task folder (`a/b.md`, relative, `/`-separated) is kept in the store.
fn object_at(folder: &ObjectPath, relative: &str) -> ObjectPath {
    relative
        .split('/')
        .fold(folder.clone(), |location, part| location.join(part))
}

/// Asked before each put: whether this process still runs the task (a worker that lost its
/// lease or its claim writes nothing more).
pub type StillWrites<'a> =
    &'a (dyn Fn() -> futures::future::BoxFuture<'a, Result<bool>> + Send + Sync);

/// The version of each file of a task's folder the store holds, by relative name.
pub type Versions = HashMap<String, UpdateVersion>;

/// What a local task folder held at one moment: each file's size and modification time; and,
/// when it was checked out of the store, the version the store had of each file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    files: HashMap<String, (u64, Option<SystemTime>)>,
    stored: Versions,
}

impl Snapshot {
    /// The folder as it is now (empty when it does not exist).
    pub async fn of(local: &Path) -> Result<Snapshot> {
        let local = local.to_owned();
        tokio::task::spawn_blocking(move || {
            let files = files_under(&local)
                .map_err(|e| Error::Internal(format!("listing a task folder: {e}")))?;
            Ok(Snapshot {
                files: files
                    .into_iter()
                    .filter_map(|relative| {
                        let meta = std::fs::metadata(local.join(&relative)).ok()?;
                        Some((relative, (meta.len(), meta.modified().ok())))
                    })
                    .collect(),
                stored: Versions::new(),
            })
        })
        .await
        .map_err(|e| Error::Internal(format!("listing a task folder: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SharedFiles) {
        let store_dir = tempfile::tempdir().unwrap();
        let url = reqwest::Url::from_directory_path(store_dir.path()).unwrap();
        let files = SharedFiles::open(url.as_str()).unwrap();
        (store_dir, files)
    }

    #[tokio::test]
    async fn a_task_folder_goes_to_the_store_and_comes_back_elsewhere() {
        let (_dir, files) = store();
        let worker = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(worker.path().join("inputs")).unwrap();
        std::fs::write(worker.path().join("report.md"), "# Report").unwrap();
        std::fs::write(worker.path().join("inputs/notes.txt"), "notes").unwrap();
        let put = files.put_task("task-1", worker.path(), &|| Box::pin(async { Ok(true) }));
        assert_eq!(put.await.unwrap(), 2);

        let server = tempfile::tempdir().unwrap();
        let local = server.path().join("task-1");
        let versions = files.get_task("task-1", &local).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions.values().all(|v| v.e_tag.is_some()), "{versions:?}");
        assert_eq!(
            std::fs::read_to_string(local.join("report.md")).unwrap(),
            "# Report"
        );
        assert_eq!(
            std::fs::read_to_string(local.join("inputs/notes.txt")).unwrap(),
            "notes"
        );
        let written = || {
            std::fs::metadata(local.join("report.md"))
                .unwrap()
                .modified()
                .unwrap()
        };
        let before = written();
        files.get_task("task-1", &local).await.unwrap();
        assert_eq!(written(), before, "already here: not fetched again");
        let none = files.get_task("task-2", &local).await.unwrap();
        assert!(none.is_empty(), "no such folder");
        assert!(SharedFiles::open("not a url").is_err());
    }

    #[tokio::test]
    async fn a_worker_puts_back_only_what_changed_and_the_holder_fetches_it_by_name() {
        let (_dir, files) = store();
        let holder = tempfile::tempdir().unwrap();
        std::fs::write(holder.path().join("brief.md"), "the brief").unwrap();
        let put = files.put_task("task-1", holder.path(), &|| Box::pin(async { Ok(true) }));
        put.await.unwrap();

        // Two workers fetch the folder; each agent writes a file of its own.
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut seen = Vec::new();
        for worker in [&a, &b] {
            seen.push(files.check_out("task-1", worker.path()).await.unwrap());
        }
        std::fs::write(a.path().join("a.md"), "from a").unwrap();
        std::fs::write(b.path().join("brief.md"), "the brief, revised by b").unwrap();
        let put_b = files
            .put_changed("task-1", b.path(), &seen[1], &|| {
                Box::pin(async { Ok(true) })
            })
            .await
            .unwrap();
        let put_a = files
            .put_changed("task-1", a.path(), &seen[0], &|| {
                Box::pin(async { Ok(true) })
            })
            .await
            .unwrap();
        assert_eq!(
            put_a,
            ["a.md"],
            "a's stale brief.md is not put back over b's"
        );
        assert_eq!(put_b, ["brief.md"]);

        files
            .get_named("task-1", holder.path(), &put_a)
            .await
            .unwrap();
        files
            .get_named("task-1", holder.path(), &put_b)
            .await
            .unwrap();
        let read = |name: &str| std::fs::read_to_string(holder.path().join(name)).unwrap();
        assert_eq!(read("a.md"), "from a");
        assert_eq!(read("brief.md"), "the brief, revised by b");
        for bad in ["../x", "/etc/passwd", "a/./b"] {
            assert!(
                files
                    .get_named("task-1", holder.path(), &[bad.to_owned()])
                    .await
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn a_write_over_a_newer_version_or_after_the_lease_is_refused() {
        let (_dir, files) = store();
        let holder = tempfile::tempdir().unwrap();
        std::fs::write(holder.path().join("brief.md"), "the brief").unwrap();
        files
            .put_task("task-1", holder.path(), &|| Box::pin(async { Ok(true) }))
            .await
            .unwrap();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let seen_a = files.check_out("task-1", a.path()).await.unwrap();
        let seen_b = files.check_out("task-1", b.path()).await.unwrap();
        // b writes first; a, which fetched the older version, then writes the same file, and a
        // file b also made new.
        std::fs::write(b.path().join("brief.md"), "b's brief, longer than before").unwrap();
        std::fs::write(b.path().join("new.md"), "b's new file").unwrap();
        files
            .put_changed("task-1", b.path(), &seen_b, &|| {
                Box::pin(async { Ok(true) })
            })
            .await
            .unwrap();
        std::fs::write(a.path().join("brief.md"), "a's").unwrap();
        let stale = files
            .put_changed("task-1", a.path(), &seen_a, &|| {
                Box::pin(async { Ok(true) })
            })
            .await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        std::fs::remove_file(a.path().join("brief.md")).unwrap();
        std::fs::write(a.path().join("new.md"), "a's new file").unwrap();
        let stale = files
            .put_changed("task-1", a.path(), &seen_a, &|| {
                Box::pin(async { Ok(true) })
            })
            .await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");

        // A worker whose lease is gone writes nothing at all.
        std::fs::write(a.path().join("other.md"), "after the lease").unwrap();
        let fenced = files
            .put_task("task-1", a.path(), &|| Box::pin(async { Ok(false) }))
            .await;
        assert!(matches!(fenced, Err(Error::Conflict(_))), "{fenced:?}");

        let check = tempfile::tempdir().unwrap();
        files.get_task("task-1", check.path()).await.unwrap();
        let read = |name: &str| std::fs::read_to_string(check.path().join(name)).ok();
        assert_eq!(
            read("brief.md").as_deref(),
            Some("b's brief, longer than before")
        );
        assert_eq!(read("new.md").as_deref(), Some("b's new file"));
        assert_eq!(read("other.md"), None);
    }
}
