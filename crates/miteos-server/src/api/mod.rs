//! The REST + SSE API. Handlers only translate HTTP to `Miteos` calls and back.
//!
//! Every route but `/health` needs `Authorization: Bearer <token>` (compared in constant time);
//! the Host header must name this machine (a DNS-rebinding page cannot reach the API); bodies
//! are capped; errors are `{"error": {"code", "message"}}`.

mod approvals;
mod error;
mod events;
mod extract;
mod openapi;
mod publish;
mod settings;
mod tasks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use miteos_core::Miteos;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

pub use error::{ApiError, ErrorBody};
pub use openapi::openapi_json;

/// Largest request body accepted (a prompt is at most 32 KiB; JSON escaping may double it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest `POST /tasks` body: the attachments (25 MiB) base64-encoded, and the prompt.
pub const MAX_TASK_BODY_BYTES: usize = 36 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub miteos: Miteos,
    token: Arc<str>,
    /// Host names (without port) the API answers to.
    allowed_hosts: Arc<[String]>,
    /// The built War Room (ui/dist) to serve at `/`, if any.
    ui_dir: Option<Arc<std::path::Path>>,
}

impl AppState {
    /// `bound_host` is the address the server listens on; it is accepted as a Host too.
    pub fn new(miteos: Miteos, token: &str, bound_host: &str) -> Self {
        let mut hosts = vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
            "[::1]".to_owned(),
        ];
        let bound = bound_host.trim_start_matches('[').trim_end_matches(']');
        let bound = if bound.contains(':') {
            format!("[{bound}]")
        } else {
            bound.to_owned()
        };
        if !hosts.contains(&bound) && bound != "0.0.0.0" && bound != "[::]" {
            hosts.push(bound);
        }
        AppState {
            miteos,
            token: token.into(),
            allowed_hosts: hosts.into(),
            ui_dir: None,
        }
    }

    /// Also serves the War Room from `dir` (a built ui/dist) at `/`, for browsers.
    pub fn with_ui(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.ui_dir = Some(Arc::from(dir.into().into_boxed_path()));
        self
    }
}

/// The content security policy of the War Room page: its own scripts and the API only.
const UI_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; frame-src blob: data:; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `/`, `/assets/…` and `/icon.png` from the built UI, with a strict CSP. No token is needed to
/// load the page; it carries none, and every API call it makes presents one.
fn ui_routes(dir: &std::path::Path) -> Router<AppState> {
    use tower_http::services::{ServeDir, ServeFile};
    use tower_http::set_header::SetResponseHeaderLayer;
    Router::new()
        .route_service("/", ServeFile::new(dir.join("index.html")))
        .route_service("/icon.png", ServeFile::new(dir.join("icon.png")))
        .nest_service("/assets", ServeDir::new(dir.join("assets")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(UI_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        ))
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/tasks",
            post(tasks::create)
                .layer(DefaultBodyLimit::max(MAX_TASK_BODY_BYTES))
                .get(tasks::list),
        )
        .route("/tasks/completed", get(tasks::completed))
        .route("/tasks/{task_id}", get(tasks::get))
        .route("/tasks/{task_id}/cancel", post(tasks::cancel))
        .route("/tasks/{task_id}/events", get(events::stream))
        .route("/tasks/{task_id}/deliverables", get(tasks::deliverables))
        .route(
            "/tasks/{task_id}/deliverables/{deliverable_id}/download",
            get(tasks::download),
        )
        .route(
            "/tasks/{task_id}/deliverables/{deliverable_id}/preview",
            get(tasks::preview),
        )
        .route(
            "/tasks/{task_id}/deliverables/bundle.zip",
            get(tasks::bundle),
        )
        .route(
            "/tasks/{task_id}/deliverables/{deliverable_id}/provenance",
            get(publish::provenance),
        )
        .route(
            "/tasks/{task_id}/deliverables/{deliverable_id}/deploy",
            post(publish::deploy),
        )
        .route(
            "/tasks/{task_id}/deliverables/{deliverable_id}/share",
            post(publish::share),
        )
        .route("/tasks/{task_id}/deployments", get(publish::deployments))
        .route(
            "/tasks/{task_id}/deployments/{deployment_id}",
            axum::routing::delete(publish::take_down),
        )
        .route("/tasks/{task_id}/approvals", get(approvals::list))
        .route(
            "/tasks/{task_id}/approvals/{approval_id}",
            post(approvals::decide),
        )
        .route("/tasks/{task_id}/shares", get(publish::shares))
        .route(
            "/tasks/{task_id}/shares/{share_id}",
            axum::routing::delete(publish::revoke),
        )
        .route("/settings", get(settings::get).put(settings::put))
        .route(
            "/agent-types",
            get(settings::agent_types).post(settings::create_agent_type),
        )
        .route(
            "/agent-types/{name}",
            axum::routing::put(settings::update_agent_type).delete(settings::delete_agent_type),
        )
        .route("/tools", get(settings::tools))
        .route(
            "/mcp-servers",
            get(settings::mcp_servers).put(settings::save_mcp_servers),
        )
        .route(
            "/agent-types/{name}/model",
            axum::routing::put(settings::set_agent_model),
        )
        .route("/openapi.json", get(|| async { Json(openapi_json()) }))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let ui = match &state.ui_dir {
        Some(dir) => ui_routes(dir),
        None => Router::new(),
    };
    Router::new()
        .merge(api)
        .merge(ui)
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .layer(middleware::from_fn_with_state(state.clone(), check_host))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn require_token(
    State(state): State<AppState>,
    request: Request,
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
    let ok: bool = presented.as_bytes().ct_eq(state.token.as_bytes()).into();
    if !ok {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token (see DATA_DIR/api-token)",
        ));
    }
    Ok(next.run(request).await)
}

async fn check_host(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or("");
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    if !state
        .allowed_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("host {host:?} is not this machine; the API answers only on its own address"),
        ));
    }
    Ok(next.run(request).await)
}
