//! The Miteos HTTP API: REST + SSE (OpenAPI at `/openapi.json`), and the token-free staging and
//! share server ([`staging`]). A library: `miteos serve` and the desktop app both serve it.
//! Handlers only translate HTTP to `Miteos` calls and back.
//!
//! Every route but `/health` needs `Authorization: Bearer <token>` (compared in constant time);
//! the Host header must name this machine (a DNS-rebinding page cannot reach the API); bodies
//! are capped; errors are `{"error": {"code", "message"}}`.

mod accounts;
mod approvals;
mod error;
mod events;
mod extract;
pub mod files;
mod health;
mod models;
mod openapi;
mod plans;
mod publish;
mod settings;
mod skills;
pub mod staging;
mod tasks;
pub mod token;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use miteos_core::Miteos;
use miteos_core::service::Caller;
use tokio::net::TcpListener;

pub use error::{ApiError, ErrorBody};
pub use openapi::openapi_json;

/// Largest request body accepted (a prompt is at most 32 KiB; JSON escaping may double it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest `POST /tasks` body: the attachments (25 MiB) base64-encoded, and the prompt.
pub const MAX_TASK_BODY_BYTES: usize = 36 * 1024 * 1024;
/// Largest skill import: a 20 MB folder, in base64 JSON.
pub const MAX_SKILL_BODY_BYTES: usize = 30 * 1024 * 1024;

/// Requests one client (an account, or an address) may make per second, and in a burst.
pub const RATE_PER_SECOND: u32 = 100;
pub const RATE_BURST: u32 = 1000;

/// Who a rate is counted for: a team's member by their account (a team behind one reverse proxy
/// shares an address, not a rate); the server's own token by the address it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RateKey {
    Account(String),
    Address(std::net::IpAddr),
}

impl std::fmt::Display for RateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateKey::Account(id) => write!(f, "account {id}"),
            RateKey::Address(ip) => write!(f, "{ip}"),
        }
    }
}

type Limiter = governor::DefaultKeyedRateLimiter<RateKey>;

/// What every handler of the API reaches: the service, the token it checks, the host names it
/// answers to, the built War Room it serves and the rate limiter.
#[derive(Clone)]
pub struct ApiState {
    pub miteos: Miteos,
    token: Arc<str>,
    /// Host names (without port) the API answers to.
    allowed_hosts: Arc<[String]>,
    /// The built War Room (ui/dist) to serve at `/`, if any.
    ui_dir: Option<Arc<std::path::Path>>,
    /// Requests per account, or per address.
    limiter: Arc<Limiter>,
    /// Addresses that present unknown account tokens: refused before a lookup past a rate.
    unknown_tokens: Arc<accounts::UnknownTokens>,
}

fn limiter(per_second: u32, burst: u32) -> Arc<Limiter> {
    let quota = governor::Quota::per_second(
        std::num::NonZeroU32::new(per_second.max(1)).expect("at least 1"),
    )
    .allow_burst(std::num::NonZeroU32::new(burst.max(1)).expect("at least 1"));
    Arc::new(governor::RateLimiter::keyed(quota))
}

impl ApiState {
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
        ApiState {
            miteos,
            token: token.into(),
            allowed_hosts: hosts.into(),
            ui_dir: None,
            limiter: limiter(RATE_PER_SECOND, RATE_BURST),
            unknown_tokens: Arc::default(),
        }
    }

    /// Also answers to these host names (a team's server reached as `miteos.internal`, or at an
    /// address other than the one it is bound to): as a `Host` header and as the page's origin.
    pub fn with_hosts(mut self, names: &[String]) -> Self {
        let mut hosts: Vec<String> = self.allowed_hosts.to_vec();
        for name in names {
            let name = name.trim().to_ascii_lowercase();
            // A name, without a port; an IPv6 address in brackets.
            let name = match name.strip_prefix('[') {
                Some(rest) => format!("[{}]", rest.split(']').next().unwrap_or_default()),
                None if name.matches(':').count() > 1 => format!("[{name}]"),
                None => name.split(':').next().unwrap_or_default().to_owned(),
            };
            if !name.is_empty() && name != "[]" && !hosts.contains(&name) {
                hosts.push(name);
            }
        }
        self.allowed_hosts = hosts.into();
        self
    }

    /// Another rate limit per client address than the default (tests, embedders).
    pub fn with_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.limiter = limiter(per_second, burst);
        self
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
fn ui_routes(dir: &std::path::Path) -> Router<ApiState> {
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

pub fn router(state: ApiState) -> Router {
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
        .route("/tasks/{task_id}/budget", post(tasks::budget))
        .route("/tasks/{task_id}/plan", post(plans::edit_plan))
        .route("/tasks/{task_id}/messages", post(plans::follow_up))
        .route(
            "/tasks/{task_id}/subtasks/{subtask_id}/retry",
            post(plans::retry_subtask),
        )
        .route(
            "/tasks/{task_id}/subtasks/{subtask_id}/rerun",
            post(plans::rerun_subtask),
        )
        .route(
            "/tasks/{task_id}/subtasks/{subtask_id}/cancel",
            post(plans::cancel_subtask),
        )
        .route("/skills", get(skills::list))
        .route("/skills/compile", post(skills::compile))
        .route("/skills/match", get(skills::matching))
        .route(
            "/skills/import",
            post(skills::import).layer(DefaultBodyLimit::max(MAX_SKILL_BODY_BYTES)),
        )
        .route("/skills/{skill_id}/export", get(skills::export))
        .route("/skills/{skill_id}/archive", get(skills::archive))
        .route("/skills/{skill_id}/keep", post(skills::keep))
        .route("/skills/{skill_id}/validate", post(skills::validate))
        .route("/skills/{skill_id}/versions", get(skills::versions))
        .route(
            "/skills/{skill_id}",
            get(skills::get)
                .patch(skills::update)
                .delete(skills::delete),
        )
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
        .route("/models/setup", get(models::setup))
        .route("/models/choice", post(models::choose))
        .route("/models/catalog", get(models::catalog))
        .route(
            "/models/downloads",
            get(models::downloads).post(models::start_download),
        )
        .route(
            "/models/downloads/{name}/pause",
            post(models::pause_download),
        )
        .route(
            "/models/downloads/{name}/cancel",
            post(models::cancel_download),
        )
        .route(
            "/prices",
            get(models::prices)
                .put(models::set_price)
                .delete(models::remove_price),
        )
        .route("/prices/refresh", post(models::refresh_prices))
        .route("/openapi.json", get(|| async { Json(openapi_json()) }))
        .route("/metrics", get(health::metrics))
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route(
            "/accounts/{account_id}",
            axum::routing::delete(accounts::delete),
        )
        .route("/me", get(accounts::me))
        .route("/tasks/{task_id}/team", post(accounts::share_with_team))
        // The token is checked first (the outer layer): a request with a missing or wrong token is
        // refused 401 at once, at no cost; the rate limit guards the work behind it, and a task
        // the caller may not see is not found, whatever the route under it.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            accounts::task_scope,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            accounts::authenticate,
        ));
    let ui = match &state.ui_dir {
        Some(dir) => ui_routes(dir),
        None => Router::new(),
    };
    Router::new()
        .merge(api)
        .merge(ui)
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
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
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Answers `429` with `Retry-After` to an authenticated client over its rate (a runaway script,
/// a flood).
async fn rate_limit(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let client = match request.extensions().get::<Caller>() {
        Some(Caller::Account(account)) => RateKey::Account(account.id.clone()),
        _ => RateKey::Address(
            request
                .extensions()
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1])),
        ),
    };
    if let Err(not_until) = state.limiter.check_key(&client) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests from {client}; try again in {seconds} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        return Ok(response);
    }
    Ok(next.run(request).await)
}

/// The browser origins allowed to call the API: its own address (the War Room it serves) and
/// the desktop app's webview. A page on any other site is refused even before the token is
/// checked; no CORS headers are ever sent, so browsers keep other origins out as well. A page on
/// the same host at another port it names (the staging server's deployments, another local
/// server) is another site: when both the Origin and the request's Host name a port, they must
/// be the same one (a TLS proxy in front sends the default port, which it does not name).
fn origin_allowed(state: &ApiState, origin: &str, host_port: Option<u16>) -> bool {
    if matches!(
        origin,
        "tauri://localhost" | "http://tauri.localhost" | "https://tauri.localhost"
    ) {
        return true;
    }
    let Ok(uri) = origin.parse::<axum::http::Uri>() else {
        return false;
    };
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return false;
    };
    if let (Some(port), Some(own)) = (uri.port_u16(), host_port)
        && port != own
    {
        return false;
    }
    matches!(scheme, "http" | "https")
        && state
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
}

async fn check_host(
    State(state): State<ApiState>,
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
    let host_port = host[name.len()..]
        .strip_prefix(':')
        .and_then(|p| p.parse::<u16>().ok());
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
    if let Some(origin) = request.headers().get(header::ORIGIN)
        && !origin
            .to_str()
            .is_ok_and(|o| origin_allowed(&state, o, host_port))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "requests from other web pages are refused",
        ));
    }
    Ok(next.run(request).await)
}
