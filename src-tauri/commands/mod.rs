//! The commands the War Room calls, one file per domain. Each is one service call. Their one
//! list is `list.rs` (the `app_commands!` macro): registration and permissions come from it.

include!("list.rs");

pub mod deliverables;
pub mod models;
pub mod plans;
pub mod settings;
pub mod skills;
pub mod tasks;
pub mod team;
#[cfg(test)]
mod typescript;
