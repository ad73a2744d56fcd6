//! Handing deliverables over, as service calls: a zip of the task's files, deployments to the
//! staging target, public share links with their pages, and provenance.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;

use super::Miteos;
use crate::deliverables::file_path;
use crate::domain::{Deliverable, Deployment, Provenance, Share};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::{is_deployment_id, new_deployment_id, new_share_id, random_token};
use crate::publish::{self, DeploymentTarget, Site, SiteFile};
use crate::store::{DeploymentRow, ShareRow};

/// How long a share link lives unless the user says otherwise.
pub const DEFAULT_SHARE_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The longest a share link may live.
pub const MAX_SHARE_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
/// How long a deployment stays on the web unless told otherwise.
pub const DEFAULT_DEPLOYMENT_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest a deployment may stay.
pub const MAX_DEPLOYMENT_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// A file a share link opens, checked live.
pub struct SharedFile {
    pub share: Share,
    pub deliverable: Deliverable,
    pub path: PathBuf,
}

impl Miteos {
    /// The base URL of the staging/share server (`http://host:port`), set by whoever serves it;
    /// deployments and share links are composed on it.
    pub fn set_public_base(&self, base: impl Into<String>) {
        *self
            .inner
            .public_base
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(base.into());
    }

    pub(super) fn public_base(&self) -> String {
        self.inner
            .public_base
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:7412".to_owned())
    }

    /// Every event of a task, oldest first.
    async fn all_events(&self, task_id: &str) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let batch = self.inner.shared.journal.read(task_id, after, 1000).await?;
            let full = batch.len() == 1000;
            if let Some(last) = batch.last() {
                after = last.seq;
            }
            events.extend(batch);
            if !full {
                return Ok(events);
            }
        }
    }

    /// All of a task's deliverables as one zip (an anonymous temporary file), with a file name.
    pub async fn deliverables_zip(&self, task_id: &str) -> Result<(String, std::fs::File)> {
        let deliverables = self.deliverables(task_id).await?;
        if deliverables.is_empty() {
            return Err(Error::NotFound(format!(
                "task {task_id} has no deliverables to zip"
            )));
        }
        let names: Vec<String> = deliverables.into_iter().map(|d| d.name).collect();
        self.get_task_files(task_id).await?;
        let dir = self.task_dir(task_id);
        let file = tokio::task::spawn_blocking(move || publish::zip_files(&dir, &names))
            .await
            .map_err(|e| Error::Internal(format!("zipping: {e}")))??;
        Ok((format!("{task_id}.zip"), file))
    }

    /// Saves the zip of all deliverables at `destination` (a path from a save dialog).
    pub async fn save_deliverables_zip_as(
        &self,
        task_id: &str,
        destination: &std::path::Path,
    ) -> Result<()> {
        let (_, mut zip) = self.deliverables_zip(task_id).await?;
        let destination = super::deliverables::checked_destination(destination)?;
        tokio::task::spawn_blocking(move || {
            super::deliverables::write_atomically(&destination, |out| {
                std::io::copy(&mut zip, out).map(|_| ())
            })
        })
        .await
        .map_err(|e| Error::Internal(format!("saving the zip: {e}")))?
    }

    /// Where a deliverable came from: its subtasks and the sources they read.
    pub async fn provenance(&self, task_id: &str, deliverable_id: &str) -> Result<Provenance> {
        let (deliverable, _) = self.deliverable_file(task_id, deliverable_id).await?;
        let events = self.all_events(task_id).await?;
        Ok(publish::provenance(&deliverable, &events))
    }

    /// Deploys a deliverable to the staging server: an HTML file with the files of its folder
    /// that it uses (a site), any other file with a generated viewer page, for `lifetime`
    /// (default 30 days, at most 365). Answers the deployment and its URL.
    pub async fn deploy_deliverable(
        &self,
        task_id: &str,
        deliverable_id: &str,
        lifetime: Option<Duration>,
    ) -> Result<Deployment> {
        let lifetime = lifetime.unwrap_or(DEFAULT_DEPLOYMENT_LIFETIME);
        if lifetime.is_zero() || lifetime > MAX_DEPLOYMENT_LIFETIME {
            return Err(Error::InvalidInput(
                "a deployment stays between 1 second and 365 days".into(),
            ));
        }
        let (deliverable, path) = self.deliverable_file(task_id, deliverable_id).await?;
        let task_dir = self.task_dir(task_id);
        let is_html = matches!(
            deliverable
                .name
                .rsplit('.')
                .next()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("html" | "htm")
        );
        let site = if is_html {
            // The site is the page's folder, paths kept: the deliverables under it the page uses.
            let folder = match deliverable.name.rfind('/') {
                Some(i) => &deliverable.name[..=i],
                None => "",
            };
            let available: std::collections::BTreeSet<String> =
                (self.inner.shared.store.deliverables_of(task_id).await?)
                    .iter()
                    .filter_map(|d| d.name.strip_prefix(folder).map(str::to_owned))
                    .collect();
            // Only what the page uses (followed through its pages and styles) is published.
            let entry = deliverable.name[folder.len()..].to_owned();
            let (root, start) = (task_dir.join(folder), entry.clone());
            let used = tokio::task::spawn_blocking(move || {
                publish::used_files(&start, &available, |name| {
                    crate::tools::read_beneath(&root, name)
                        .ok()
                        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                })
            })
            .await
            .map_err(|e| Error::Internal(format!("reading the page: {e}")))?;
            let mut files = Vec::with_capacity(used.len());
            for relative in used {
                files.push(SiteFile {
                    source: file_path(&task_dir, &format!("{folder}{relative}"))?,
                    relative,
                });
            }
            Site {
                files,
                entry,
                generated: None,
            }
        } else {
            let base = deliverable
                .name
                .rsplit('/')
                .next()
                .unwrap_or(&deliverable.name)
                .to_owned();
            let name = deliverable.name.clone();
            let raw = base.clone();
            let source = path.clone();
            let page = tokio::task::spawn_blocking(move || {
                crate::preview::preview(&source, &name)
                    .map(|p| publish::viewer_page(&name, &p, &raw))
            })
            .await
            .map_err(|e| Error::Internal(format!("rendering the viewer: {e}")))??;
            Site {
                files: vec![SiteFile {
                    relative: base,
                    source: path,
                }],
                entry: "index.html".to_owned(),
                generated: Some(("index.html".to_owned(), page)),
            }
        };
        let bytes: u64 = site
            .files
            .iter()
            .filter_map(|f| std::fs::metadata(&f.source).ok())
            .map(|m| m.len())
            .sum();
        let id = new_deployment_id();
        let target = &self.inner.staging;
        let location = target.deploy(&id, &site).await?;
        let row = DeploymentRow {
            id,
            task_id: task_id.to_owned(),
            deliverable_id: deliverable.id,
            target: target.name().to_owned(),
            location,
            files: site.files.len() as i64 + i64::from(site.generated.is_some()),
            bytes: bytes as i64,
            created_at: Utc::now(),
            taken_down_at: None,
            expires_at: chrono::Duration::from_std(lifetime)
                .ok()
                .map(|lifetime| Utc::now() + lifetime),
        };
        self.inner.shared.store.insert_deployment(&row).await?;
        Ok(self.deployment_of(row))
    }

    fn deployment_of(&self, row: DeploymentRow) -> Deployment {
        let url = if row.location.starts_with('/') {
            format!("{}{}", self.public_base(), row.location)
        } else {
            row.location
        };
        Deployment {
            id: row.id,
            task_id: row.task_id,
            deliverable_id: row.deliverable_id,
            target: row.target,
            url,
            files: row.files,
            bytes: row.bytes,
            created_at: row.created_at,
            taken_down_at: row.taken_down_at,
            expires_at: row.expires_at,
        }
    }

    /// A task's deployments, newest first (taken-down ones say so).
    pub async fn deployments(&self, task_id: &str) -> Result<Vec<Deployment>> {
        self.get_task(task_id).await?;
        Ok(self
            .inner
            .shared
            .store
            .deployments_of(task_id)
            .await?
            .into_iter()
            .map(|row| self.deployment_of(row))
            .collect())
    }

    /// Takes a deployment down: its URL answers 404 from now on.
    pub async fn take_down(&self, task_id: &str, deployment_id: &str) -> Result<()> {
        self.get_task(task_id).await?;
        if !self
            .inner
            .shared
            .store
            .take_down_deployment(task_id, deployment_id, Utc::now())
            .await?
        {
            return Err(Error::NotFound(format!(
                "task {task_id} has no live deployment {deployment_id}"
            )));
        }
        self.inner.staging.take_down(deployment_id).await
    }

    /// The folder the staging server serves for a live local deployment; `None` otherwise.
    pub async fn live_deployment_dir(&self, deployment_id: &str) -> Result<Option<PathBuf>> {
        if !is_deployment_id(deployment_id) {
            return Ok(None);
        }
        Ok(
            match self.inner.shared.store.deployment(deployment_id).await? {
                Some(row)
                    if row.taken_down_at.is_none()
                        && row.expires_at.is_none_or(|at| at > Utc::now())
                        && row.target == "local" =>
                {
                    Some(self.inner.staging.dir(deployment_id))
                }
                _ => None,
            },
        )
    }

    /// Creates a public link to one deliverable, valid for `lifetime` (default 7 days, at most
    /// 90). The answer carries the link; only a hash of its 256-bit token is stored.
    pub async fn share_deliverable(
        &self,
        task_id: &str,
        deliverable_id: &str,
        lifetime: Option<Duration>,
        include_replay: bool,
    ) -> Result<Share> {
        let (deliverable, _) = self.deliverable_file(task_id, deliverable_id).await?;
        let lifetime = lifetime.unwrap_or(DEFAULT_SHARE_LIFETIME);
        if lifetime.is_zero() || lifetime > MAX_SHARE_LIFETIME {
            return Err(Error::InvalidInput(
                "a share link lives between 1 second and 90 days".into(),
            ));
        }
        let token = random_token(32);
        let now = Utc::now();
        let row = ShareRow {
            id: new_share_id(),
            task_id: task_id.to_owned(),
            deliverable_id: deliverable.id,
            include_replay,
            created_at: now,
            expires_at: now
                + chrono::Duration::from_std(lifetime)
                    .map_err(|_| Error::InvalidInput("the share lifetime is too long".into()))?,
            revoked_at: None,
            access_count: 0,
        };
        self.inner
            .shared
            .store
            .insert_share(&row, &crate::digest::sha256_hex(token.as_bytes()))
            .await?;
        let mut share = share_of(row);
        share.url = Some(format!("{}/s/{token}", self.public_base()));
        Ok(share)
    }

    pub async fn shares(&self, task_id: &str) -> Result<Vec<Share>> {
        self.get_task(task_id).await?;
        Ok(self
            .inner
            .shared
            .store
            .shares_of(task_id)
            .await?
            .into_iter()
            .map(share_of)
            .collect())
    }

    pub async fn revoke_share(&self, task_id: &str, share_id: &str) -> Result<()> {
        self.get_task(task_id).await?;
        if self
            .inner
            .shared
            .store
            .revoke_share(task_id, share_id, Utc::now())
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound(format!(
                "task {task_id} has no live share {share_id}"
            )))
        }
    }

    /// The file behind a live share token (`visit` counts an access); `None` for a token that
    /// does not exist, expired or was revoked — deliberately indistinguishable.
    pub async fn open_share(&self, token: &str, visit: bool) -> Result<Option<SharedFile>> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let hash = crate::digest::sha256_hex(token.as_bytes());
        let now = Utc::now();
        let row = if visit {
            self.inner.shared.store.visit_share(&hash, now).await?
        } else {
            self.inner.shared.store.live_share(&hash, now).await?
        };
        let Some(row) = row else { return Ok(None) };
        let (deliverable, path) = self
            .deliverable_file(&row.task_id, &row.deliverable_id)
            .await?;
        Ok(Some(SharedFile {
            share: share_of(row),
            deliverable,
            path,
        }))
    }

    /// The HTML page of a live share link (counting the visit), or `None`.
    pub async fn share_page(&self, token: &str) -> Result<Option<String>> {
        let Some(shared) = self.open_share(token, true).await? else {
            return Ok(None);
        };
        let task = self.get_task(&shared.share.task_id).await?;
        let events = self.all_events(&task.id).await?;
        let provenance = publish::provenance(&shared.deliverable, &events);
        let replay = if shared.share.include_replay {
            Some(publish::replay(&events, &self.known_secrets().await))
        } else {
            None
        };
        let name = shared.deliverable.name.clone();
        let path = shared.path.clone();
        let preview = tokio::task::spawn_blocking(move || crate::preview::preview(&path, &name))
            .await
            .map_err(|e| Error::Internal(format!("building a preview: {e}")))??;
        let title = task.title.clone().unwrap_or_else(|| task.prompt.clone());
        let expires = shared
            .share
            .expires_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string();
        Ok(Some(publish::share_page(&publish::SharePage {
            deliverable: &shared.deliverable,
            preview: &preview,
            raw_href: &format!("{token}/raw"),
            download_href: &format!("{token}/download"),
            provenance: &provenance,
            task_title: &publish::redact(&title, &[]),
            replay: replay.as_deref(),
            expires: &expires,
        })))
    }

    /// Secret values that must never appear on a share page or in the journal: API keys (model
    /// and search, saved or from the environment), MCP servers' env values and the API token.
    /// (Account tokens are kept only as hashes: their shape is redacted instead.)
    pub(super) async fn known_secrets(&self) -> Vec<String> {
        use super::settings::{effective, key_of, saved_keys};
        let inner = &self.inner;
        let mut out = Vec::new();
        if let Ok(keys) = saved_keys(&inner.secrets).await
            && let Ok((models, search)) = effective(
                &inner.shared.store,
                &keys,
                inner.env_models.clone(),
                inner.env_search.clone(),
            )
            .await
        {
            out.extend(
                crate::secrets::KEY_NAMES
                    .iter()
                    .filter_map(|name| key_of(&models, &search, name)),
            );
        }
        if let Ok(token) = std::fs::read_to_string(self.data_dir().join("api-token")) {
            out.push(token.trim().to_owned());
        }
        out.extend(
            self.mcp_server_configs()
                .into_iter()
                .flat_map(|server| server.env.into_values()),
        );
        out
    }
}

fn share_of(row: ShareRow) -> Share {
    Share {
        id: row.id,
        task_id: row.task_id,
        deliverable_id: row.deliverable_id,
        include_replay: row.include_replay,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        access_count: row.access_count,
        url: None,
    }
}
