pub mod agents;
mod format;
pub mod mcp;
pub mod models;
mod questions;
pub mod run;
pub mod skills;
pub mod tasks;
mod tree_view;
