//! Errors leave every command as `{code, message}`, the same shape and codes as the HTTP API.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl From<miteos_core::Error> for CommandError {
    fn from(e: miteos_core::Error) -> Self {
        if e.code() == miteos_core::ErrorCode::Internal {
            tracing::error!(error = %e, "command failed");
        }
        CommandError {
            code: e.code().as_str(),
            message: e.to_string(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
