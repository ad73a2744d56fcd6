//! The commands the War Room calls, one file per domain. Each is one service call.

pub mod deliverables;
pub mod settings;
pub mod skills;
pub mod tasks;
