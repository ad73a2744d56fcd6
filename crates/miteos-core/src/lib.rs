//! Miteos core: everything that is Miteos, with no Tauri or axum import.
//!
//! The transports (HTTP API, CLI, desktop shell) call [`service::Miteos`] and nothing else. The
//! core owns the domain types, the SQLite store and its event journal, the orchestrator (planner,
//! scheduler, agent loop), the model providers and the agents' tools.

pub mod bindings;
pub mod budget;
pub mod deliverables;
pub mod digest;
pub mod domain;
pub mod error;
pub mod events;
pub mod ids;
pub mod models;
pub mod orchestrator;
pub mod preview;
pub mod providers;
pub mod publish;
pub mod secrets;
pub mod service;
pub mod skills;
pub mod store;
pub mod tools;

pub use error::{Error, ErrorCode, Result};
pub use service::Miteos;
