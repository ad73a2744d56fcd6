//! Handing deliverables over: a zip of a task's files, deployments to a staging target (Miteos's
//! own staging server by default; the [`DeploymentTarget`] trait lets remote hosts join later),
//! share pages for public links, and provenance (which subtasks and sources a file came from).
//!
//! Nothing here serves HTTP: the server crate maps `/d/…` and `/s/…` onto these functions.

mod bundle;
mod page;
pub(crate) mod provenance;
mod site_files;
mod staging;

pub use bundle::zip_files;
pub use page::{SharePage, share_page, viewer_page};
pub use provenance::{ReplayStep, provenance, redact, redact_json, replay};
pub use site_files::used_files;
pub use staging::{DeploymentTarget, LocalStaging, Site, SiteFile};
