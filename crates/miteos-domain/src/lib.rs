//! The words every part of Miteos shares, and nothing else: tasks, subtasks, agent types,
//! deliverables and their states (the public contract's shapes), the one event enum that the
//! journal, the live streams and the Skill Compiler read, identifiers, budgets as a pure rule,
//! and the typed errors every boundary turns into `{code, message}`.
//!
//! No I/O beyond hashing a file, no database, no network: every other crate builds on this one.

pub mod address;
pub mod budget;
pub mod digest;
pub mod error;
pub mod events;
pub mod ids;
pub mod models;
pub mod plan;
pub mod plan_rules;
pub mod rfc3339;
pub mod skill;
mod types;
pub mod words;

pub use error::{Error, ErrorCode, ProviderError, Result};
pub use types::*;
