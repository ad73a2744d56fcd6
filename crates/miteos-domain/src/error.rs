//! Typed errors of the core. Every boundary (HTTP, CLI, desktop) turns an [`Error`] into
//! `{code, message}` through [`Error::code`]; nobody matches on message strings.

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The codes a consumer can act on. New codes appear only when a consumer needs to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The input was malformed or out of range (HTTP 400).
    InvalidInput,
    /// The thing named does not exist (HTTP 404).
    NotFound,
    /// The caller may not do this (a team's member asking for an admin's work; HTTP 403).
    Forbidden,
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
    /// The code `as_str` names (from another process's answer).
    pub fn parse(code: &str) -> Option<ErrorCode> {
        [
            ErrorCode::InvalidInput,
            ErrorCode::NotFound,
            ErrorCode::Forbidden,
            ErrorCode::Conflict,
            ErrorCode::TooLarge,
            ErrorCode::NotConfigured,
            ErrorCode::Provider,
            ErrorCode::Internal,
        ]
        .into_iter()
        .find(|c| c.as_str() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
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
    /// A plan, or an edit of one, that breaks the plan rules: each problem names its subtask
    /// and field where it has them (an `invalid_input` whose `problems` a client can point at).
    #[error("{}", crate::plan_rules::in_words(.0))]
    InvalidPlan(Vec<crate::plan_rules::PlanProblem>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
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
    /// The database failed (the store adds what it was doing).
    #[error("storage failed while {context}: {source}")]
    Store {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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
            Error::InvalidInput(_) | Error::InvalidPlan(_) => ErrorCode::InvalidInput,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::NotConfigured(_) => ErrorCode::NotConfigured,
            Error::Provider(_) | Error::ToolServer(_) => ErrorCode::Provider,
            Error::Store { .. } | Error::Io { .. } | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What a person is told: an internal failure says what Miteos was doing but not the
    /// details (SQL, paths of its own files), which belong in the log; every other error is
    /// told as it is. Every boundary (HTTP, the app's commands, a task's `error`) uses this.
    pub fn public_message(&self) -> String {
        match self {
            Error::Store { context, .. } | Error::Io { context, .. } => {
                format!(
                    "something went wrong inside Miteos while {context}; the log has the details"
                )
            }
            Error::Internal(_) => {
                "something went wrong inside Miteos; the log has the details".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The plan problems this error carries (none unless it is [`Error::InvalidPlan`]).
    pub fn plan_problems(&self) -> &[crate::plan_rules::PlanProblem] {
        match self {
            Error::InvalidPlan(problems) => problems,
            _ => &[],
        }
    }

    /// An error of `code` (as `ErrorCode::as_str` names it) with `message`: one another process
    /// answered.
    pub fn with_code(code: &str, message: String) -> Self {
        match ErrorCode::parse(code) {
            Some(ErrorCode::InvalidInput) => Error::InvalidInput(message),
            Some(ErrorCode::NotFound) => Error::NotFound(message),
            Some(ErrorCode::Forbidden) => Error::Forbidden(message),
            Some(ErrorCode::Conflict) => Error::Conflict(message),
            Some(ErrorCode::TooLarge) => Error::TooLarge(message),
            Some(ErrorCode::NotConfigured) => Error::NotConfigured(message),
            Some(ErrorCode::Provider) => Error::ToolServer(message),
            Some(ErrorCode::Internal) | None => Error::Internal(message),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// A model provider's failure, typed so that callers can retry, wait or explain.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider is rate limiting requests: {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("the provider failed with HTTP {status}: {message}")]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("the conversation is longer than the model's context: {0}")]
    ContextTooLong(String),
    #[error("the provider refused the credentials: {0}")]
    Auth(String),
    #[error("the provider rejected the request: {0}")]
    BadRequest(String),
    #[error("could not reach the provider: {0}")]
    Network(String),
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the provider's stream broke: {0}")]
    Stream(String),
    /// The connection broke while the answer streamed: worth asking again.
    #[error("the provider's stream was cut: {0}")]
    Interrupted(String),
    #[error("the model is not available: {0}")]
    Unavailable(String),
}

impl ProviderError {
    /// Worth trying again with the same request.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Network(_)
                | ProviderError::Interrupted(_)
                | ProviderError::Timeout
        )
    }

    /// The delay the provider asked for (Retry-After), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. }
            | ProviderError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_error_crosses_processes_as_its_code_and_message() {
        for e in [
            Error::InvalidInput("bad".into()),
            Error::NotFound("gone".into()),
            Error::Forbidden("admins only".into()),
            Error::Conflict("already".into()),
            Error::NotConfigured("no model".into()),
        ] {
            let again = Error::with_code(e.code().as_str(), e.to_string());
            assert_eq!((again.code(), again.to_string()), (e.code(), e.to_string()));
        }
        assert_eq!(
            Error::with_code("what", "x".into()).code(),
            ErrorCode::Internal
        );
    }

    use super::*;

    #[test]
    fn internal_details_stay_out_of_public_messages() {
        let store = Error::Store {
            context: "listing tasks".into(),
            source: "no such column: promptt in SELECT promptt FROM tasks".into(),
        };
        assert_eq!(store.code(), ErrorCode::Internal);
        let told = store.public_message();
        assert!(told.contains("listing tasks"), "says what failed: {told}");
        assert!(!told.contains("SELECT"), "no SQL reaches a person: {told}");
        let refused = Error::InvalidInput("the prompt is empty".into());
        assert_eq!(refused.public_message(), "the prompt is empty");
    }
}
