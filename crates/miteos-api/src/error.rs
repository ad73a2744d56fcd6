//! Every error leaves the API as `{"error": {"code", "message"}}` with the matching status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use miteos_core::domain::plan_rules::PlanProblem;
use miteos_core::{Error, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// A plan's or a plan edit's problems, each naming its subtask and field.
    pub problems: Vec<PlanProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: invalid_input, unauthorized, forbidden, not_found, conflict,
    /// too_large, not_configured, provider_error, internal.
    pub code: String,
    pub message: String,
    /// With `invalid_input` for a plan or an edit of one: each problem, naming the subtask and
    /// the field at fault (`{"subtask": "st-2", "field": "depends_on", "message": …}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<PlanProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = e.code();
        let status = match code {
            ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Provider => StatusCode::BAD_GATEWAY,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "internal error");
        }
        let message = e.public_message();
        ApiError {
            problems: e.plan_problems().to_vec(),
            ..ApiError::new(status, code.as_str(), message)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                problems: self.problems,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
