//! End-to-end tests: the real API over HTTP on 127.0.0.1, a real SQLite file (and a real
//! PostgreSQL server: team.rs), real tools, and a
//! scripted fake model server speaking OpenAI's and Anthropic's streaming formats.

mod support;

mod accounts;
mod agent_skills;
mod analysis;
mod browser;
mod browser_models;
mod browser_plan;
mod browser_skills;
mod browser_wide;
mod budgets;
mod cancel;
mod cli;
mod desktop_api;
mod durability;
mod emulated;
mod faults;
mod inputs;
mod lifecycle;
mod living_plan;
mod local;
mod loops;
mod mcp;
mod model_setup;
mod models;
mod operations;
mod publishing;
mod red_team;
mod research;
mod s3_files;
mod shell;
mod shutdown;
mod skill_matching;
mod skills;
mod steering;
mod steering_cli;
mod subtask_claims;
mod team;
mod team_server;
mod wide_research;
mod workers;
