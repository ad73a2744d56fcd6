//! Deployment targets. The built-in one, [`LocalStaging`], copies a site into
//! `DATA_DIR/deployments/<id>/` (an immutable snapshot: later edits of the task's files do not
//! change it) for Miteos's staging server to serve at `/d/<id>/`.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::error::{Error, Result};

/// What a deployment publishes: files (relative URL path → source file) and the page to open.
#[derive(Debug, Clone)]
pub struct Site {
    pub files: Vec<SiteFile>,
    /// The relative path visitors land on (`index.html` is served for `/`).
    pub entry: String,
    /// A generated page to add (path, HTML), e.g. the viewer of a single non-HTML file.
    pub generated: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct SiteFile {
    pub relative: String,
    pub source: PathBuf,
}

/// Somewhere deliverables can be deployed. Remote hosts implement this later; the built-in
/// staging server is the default.
#[async_trait]
pub trait DeploymentTarget: Send + Sync {
    /// The name stored with each deployment (`local` for the built-in one).
    fn name(&self) -> &'static str;
    /// Publishes `site` as deployment `id`; answers its location: a path on Miteos's staging
    /// server, or an absolute URL for a remote host.
    async fn deploy(&self, id: &str, site: &Site) -> Result<String>;
    /// Stops serving deployment `id`.
    async fn take_down(&self, id: &str) -> Result<()>;
}

pub struct LocalStaging {
    root: PathBuf,
}

impl LocalStaging {
    pub fn new(data_dir: &Path) -> Self {
        LocalStaging {
            root: data_dir.join("deployments"),
        }
    }

    /// The folder of deployment `id` (which must be a well-formed deployment id).
    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }
}

#[async_trait]
impl DeploymentTarget for LocalStaging {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn deploy(&self, id: &str, site: &Site) -> Result<String> {
        let dir = self.dir(id);
        let staging = self.root.join(format!(".{id}.part"));
        let site = site.clone();
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            std::fs::create_dir_all(&root)
                .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
            let copy = || -> std::io::Result<()> {
                for file in &site.files {
                    let to = staging.join(&file.relative);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::copy(&file.source, &to)?;
                }
                if let Some((name, html)) = &site.generated {
                    std::fs::write(staging.join(name), html)?;
                }
                // Appears whole or not at all.
                std::fs::rename(&staging, &dir)
            };
            copy().map_err(|e| {
                let _ = std::fs::remove_dir_all(&staging);
                Error::io(format!("copying deployment {}", dir.display()), e)
            })
        })
        .await
        .map_err(|e| Error::Internal(format!("deploying: {e}")))??;
        let entry = if site.entry == "index.html" {
            String::new()
        } else {
            site.entry
                .split('/')
                .map(urlencoding_segment)
                .collect::<Vec<_>>()
                .join("/")
        };
        Ok(format!("/d/{id}/{entry}"))
    }

    async fn take_down(&self, id: &str) -> Result<()> {
        let dir = self.dir(id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("removing {}", dir.display()), e)),
        }
    }
}

/// Percent-encodes one URL path segment (letters, digits and `-._~` stay).
fn urlencoding_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
