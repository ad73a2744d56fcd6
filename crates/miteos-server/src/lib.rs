//! The Miteos HTTP API (REST + SSE, OpenAPI at `/openapi.json`) and the headless CLI, both thin
//! adapters over `miteos_core::Miteos`.

pub mod api;
pub mod cli;
pub mod files;
pub mod staging;
pub mod token;
