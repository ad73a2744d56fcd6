pub mod agents;
pub mod models;
pub mod run;
pub mod tasks;
