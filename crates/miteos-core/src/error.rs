//! Typed errors of the core. Every boundary (HTTP, CLI, desktop) turns an [`Error`] into
//! `{code, message}` through [`Error::code`]; nobody matches on message strings.

use crate::providers::ProviderError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The codes a consumer can act on. New codes appear only when a consumer needs to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The input was malformed or out of range (HTTP 400).
    InvalidInput,
    /// The thing named does not exist (HTTP 404).
    NotFound,
    /// The thing exists but is in the wrong state for the request (HTTP 409).
    Conflict,
    /// The input is larger than allowed (HTTP 413).
    TooLarge,
    /// No model provider is configured; the message says how to configure one (HTTP 503).
    NotConfigured,
    /// A model provider or an MCP server failed (HTTP 502).
    Provider,
    /// Something inside Miteos failed; details are in the log (HTTP 500).
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NotConfigured => "not_configured",
            ErrorCode::Provider => "provider_error",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    NotConfigured(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// An MCP server could not be started or answered wrongly.
    #[error("{0}")]
    ToolServer(String),
    #[error("storage failed while {context}: {source}")]
    Store {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::NotConfigured(_) => ErrorCode::NotConfigured,
            Error::Provider(_) | Error::ToolServer(_) => ErrorCode::Provider,
            Error::Store { .. } | Error::Io { .. } | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Adds "what we were doing" to storage errors at the place they happen.
pub trait StoreContext<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> StoreContext<T> for std::result::Result<T, sqlx::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Store {
            context: context(),
            source,
        })
    }
}
