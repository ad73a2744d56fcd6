pub mod agents;
pub mod mcp;
pub mod models;
pub mod run;
pub mod skills;
pub mod tasks;
