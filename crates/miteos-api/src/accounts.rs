//! People on a team's server: who a bearer token is (the server's own token, an admin; or an
//! account's), the tasks a caller may reach (a task it may not see answers 404, as if it did
//! not exist), and the routes an admin manages accounts with.

use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Json};
use miteos_core::domain::{Account, Me, Task};
use miteos_core::service::Caller;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::{ApiError, ApiState, ErrorBody};

/// `mt_` and 256 random bits in hex.
const ACCOUNT_TOKEN_CHARS: usize = 3 + 64;
/// Unknown account tokens one address may present in a second before it is refused without a
/// lookup (a guessing script; a team behind one proxy presents known tokens, which never count).
const UNKNOWN_TOKENS_PER_SECOND: u32 = 10;
/// Addresses remembered at once; past it, the oldest windows are forgotten.
const MAX_REMEMBERED: usize = 10_000;

/// Addresses that presented unknown account tokens, with the second they did and how many.
#[derive(Default)]
pub(crate) struct UnknownTokens(
    std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
);

impl UnknownTokens {
    /// Whether `ip` may have one more token looked up now.
    fn allows(&self, ip: std::net::IpAddr) -> bool {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        !seen.get(&ip).is_some_and(|(since, count)| {
            since.elapsed() < std::time::Duration::from_secs(1)
                && *count >= UNKNOWN_TOKENS_PER_SECOND
        })
    }

    /// Counts an unknown token presented by `ip`.
    fn record(&self, ip: std::net::IpAddr) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_REMEMBERED {
            seen.retain(|_, (since, _)| since.elapsed() < std::time::Duration::from_secs(1));
        }
        let entry = seen.entry(ip).or_insert((std::time::Instant::now(), 0));
        if entry.0.elapsed() >= std::time::Duration::from_secs(1) {
            *entry = (std::time::Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// Refuses a request without a known token (401); otherwise records who is calling.
pub(crate) async fn authenticate(
    State(state): State<ApiState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("");
    let server: bool = presented.as_bytes().ct_eq(state.token.as_bytes()).into();
    // Only a token of an account's shape is looked up: anything else is refused at no cost.
    let shaped = presented.len() == ACCOUNT_TOKEN_CHARS && presented.starts_with("mt_");
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let caller = if server {
        Caller::Server
    } else {
        // An address guessing tokens is refused before any hash or lookup.
        if shaped && !state.unknown_tokens.allows(address) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many unknown tokens from {address}; try again in a second"),
            ));
        }
        let found = match shaped {
            true => state.miteos.authenticate(presented).await?,
            false => None,
        };
        if shaped && found.is_none() {
            state.unknown_tokens.record(address);
        }
        match found {
            Some(account) => Caller::Account(account),
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "missing or wrong bearer token (see DATA_DIR/api-token, or ask an admin for an account)",
                ));
            }
        }
    };
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

/// Every route under `/tasks/{task_id}` answers 404 for a task the caller may not see.
pub(crate) async fn task_scope(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let task_id = request
        .uri()
        .path()
        .strip_prefix("/tasks/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| !id.is_empty() && *id != "completed")
        .map(str::to_owned);
    if let Some(task_id) = task_id {
        state.miteos.check_task_access(&caller, &task_id).await?;
    }
    Ok(next.run(request).await)
}

/// A caller who may change the server's configuration (an admin). Anyone else is refused 403
/// before the request's body is read.
pub(crate) struct MayConfigure;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for MayConfigure {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().ok_or_else(|| {
            miteos_core::Error::Internal("a configuration route without authentication".into())
        })?;
        caller.may_configure()?;
        Ok(MayConfigure)
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    /// 1 to 64 characters, unique.
    pub name: String,
    /// Manages accounts and sees every task (default `false`).
    #[serde(default)]
    pub admin: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedAccount {
    pub account: Account,
    /// Its API token: shown this once (only its SHA-256 is kept).
    pub token: String,
}

/// Makes an account and its API token (admins only).
#[utoipa::path(post, path = "/accounts", operation_id = "create_account", request_body = NewAccount,
    responses((status = 201, body = CreatedAccount), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<CreatedAccount>), ApiError> {
    let (account, token) = s
        .miteos
        .create_account(&caller, &body.name, body.admin)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedAccount { account, token })))
}

/// The team's accounts (admins only).
#[utoipa::path(get, path = "/accounts", operation_id = "list_accounts",
    responses((status = 200, body = Vec<Account>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Account>>, ApiError> {
    Ok(Json(s.miteos.accounts(&caller).await?))
}

/// Deletes an account (admins only): its token stops working; its tasks stay, for admins.
#[utoipa::path(delete, path = "/accounts/{account_id}", operation_id = "delete_account", params(("account_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(account_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.miteos.delete_account(&caller, &account_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the presented token is.
#[utoipa::path(get, path = "/me", responses((status = 200, body = Me)))]
pub async fn me(Extension(caller): Extension<Caller>) -> Json<Me> {
    Json(Me {
        admin: caller.is_admin(),
        account: match caller {
            Caller::Server => None,
            Caller::Account(account) => Some(account),
        },
    })
}

#[derive(Deserialize, ToSchema)]
pub struct TeamShare {
    /// `true`: everyone on the team may see and steer the task; `false`: its owner alone.
    pub shared: bool,
}

/// Shares a task with the team, or makes it its owner's alone again (its owner or an admin).
#[utoipa::path(post, path = "/tasks/{task_id}/team", params(("task_id" = String, Path)), request_body = TeamShare,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share_with_team(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<TeamShare>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        s.miteos
            .share_with_team(&caller, &task_id, body.shared)
            .await?,
    ))
}
