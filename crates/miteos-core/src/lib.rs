//! Miteos core: the orchestrator (planner, scheduler, agent loop) and the service layer, the one
//! API every transport calls ([`service::Miteos`]). No Tauri or axum import.
//!
//! The parts it builds on are crates of their own, re-exported here under the names the
//! transports use: the domain types and events (`miteos-domain`), the store (`miteos-store`),
//! the model providers (`miteos-providers`; the embedded model is `miteos-local-model`, behind
//! the `local` feature), the agents' tools (`miteos-tools`) and the Skill Compiler
//! (`miteos-skills`). This crate adds deliverables, previews, publishing and the key store.

pub mod bindings;
pub mod deliverables;
pub mod model_source;
pub mod orchestrator;
pub mod preview;
pub mod publish;
pub mod secrets;
pub mod service;
pub mod shared_files;

pub use miteos_domain as domain;
pub use miteos_domain::{budget, digest, error, events, ids};
#[cfg(feature = "local")]
pub use miteos_local_model as local_model;
pub use miteos_providers as providers;
pub use miteos_providers::models;
pub use miteos_skills as skills;
pub use miteos_store as store;
pub use miteos_tools as tools;

pub use error::{Error, ErrorCode, Result};
pub use service::Miteos;
