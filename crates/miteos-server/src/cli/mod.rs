pub mod run;
pub mod tasks;
