//! The staging and share server: deployments at `/d/<deployment-id>/…` and share links at
//! `/s/<token>` (page), `/s/<token>/raw` (the file, sandboxed) and `/s/<token>/download`. It
//! serves nothing else — no API, no other task's files — and needs no token: the deployment id
//! or the share token is the capability. It listens on its own port (default 7412), on
//! loopback unless the `staging` setting opens it to the local network.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use miteos_core::Miteos;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::files::{Disposition, file_response};

/// Share pages run no scripts and load nothing from elsewhere.
const SHARE_PAGE_CSP: &str = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
     frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router(miteos: Miteos) -> Router {
    Router::new()
        .route(
            "/d/{id}",
            get(|Path(id): Path<String>| async move { Redirect::permanent(&format!("/d/{id}/")) }),
        )
        .route("/d/{id}/", get(deployment_root))
        .route("/d/{id}/{*path}", get(deployment_file))
        .route("/s/{token}", get(share_page))
        .route("/s/{token}/raw", get(share_raw))
        .route("/s/{token}/download", get(share_download))
        .fallback(|| async { not_found() })
        .with_state(miteos)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "Not found. The link may have expired or been taken down.",
    )
        .into_response()
}

fn internal(e: miteos_core::Error) -> Response {
    tracing::error!(error = %e, "staging server");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on this Miteos.",
    )
        .into_response()
}

async fn deployment_root(
    State(m): State<Miteos>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    serve_deployment(m, id, request).await
}

async fn deployment_file(
    State(m): State<Miteos>,
    Path((id, _path)): Path<(String, String)>,
    request: Request,
) -> Response {
    serve_deployment(m, id, request).await
}

/// Serves `path` from a live deployment's folder through ServeDir (which refuses `..`, encoded
/// traversal and absolute paths, and serves index.html for folders).
async fn serve_deployment(m: Miteos, id: String, request: Request) -> Response {
    let dir = match m.live_deployment_dir(&id).await {
        Ok(Some(dir)) => dir,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    // Re-root the request at the deployment: /d/<id>/a/b.css -> /a/b.css. The path is taken
    // from the raw URI, still percent-encoded, so ServeDir decodes and checks it itself.
    let prefix = format!("/d/{id}");
    let rest = request
        .uri()
        .path()
        .strip_prefix(&prefix)
        .unwrap_or("/")
        .to_owned();
    let (mut parts, body) = request.into_parts();
    parts.uri = match rest.parse() {
        Ok(uri) => uri,
        Err(_) => return not_found(),
    };
    let request = Request::from_parts(parts, body);
    match ServeDir::new(dir).oneshot(request).await {
        Ok(mut response) => {
            if response.status() == StatusCode::NOT_FOUND {
                return not_found();
            }
            response.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response.into_response()
        }
        Err(never) => match never {},
    }
}

async fn share_page(State(m): State<Miteos>, Path(token): Path<String>) -> Response {
    match m.share_page(&token).await {
        Ok(Some(html)) => {
            let mut response = Html(html).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(SHARE_PAGE_CSP),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
            response
        }
        Ok(None) => not_found(),
        Err(e) => internal(e),
    }
}

async fn share_file(m: Miteos, token: String, disposition: Disposition) -> Response {
    let shared = match m.open_share(&token, false).await {
        Ok(Some(shared)) => shared,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    let Ok(file) = std::fs::File::open(&shared.path) else {
        return not_found();
    };
    let mut response = file_response(
        file,
        &shared.deliverable.mime_type,
        &shared.deliverable.name,
        disposition,
    );
    let headers = response.headers_mut();
    // Shared HTML runs in an opaque origin: no scripts, no access to this server.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn share_raw(State(m): State<Miteos>, Path(token): Path<String>) -> Response {
    share_file(m, token, Disposition::Inline).await
}

async fn share_download(State(m): State<Miteos>, Path(token): Path<String>) -> Response {
    share_file(m, token, Disposition::Attachment).await
}

/// Binds the staging server per the `staging` setting (any free port when that one is taken),
/// tells Miteos its public base URL, and serves until Miteos shuts down. Answers the base URL.
pub async fn start(miteos: Miteos) -> Option<String> {
    let settings = match miteos.staging_address().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "reading the staging setting; using the default");
            Default::default()
        }
    };
    let host: IpAddr = if settings.lan {
        IpAddr::from([0, 0, 0, 0])
    } else {
        IpAddr::from([127, 0, 0, 1])
    };
    let listener = match TcpListener::bind(SocketAddr::new(host, settings.port)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, port = settings.port, "staging port taken; using a free port");
            TcpListener::bind(SocketAddr::new(host, 0)).await.ok()?
        }
    };
    let shown = if settings.lan {
        miteos_core::service::settings::lan_address().unwrap_or(IpAddr::from([127, 0, 0, 1]))
    } else {
        IpAddr::from([127, 0, 0, 1])
    };
    let closed = miteos.closed();
    serve_on(listener, shown, miteos, closed).map(|(base, _)| base)
}

/// Serves the staging server on `listener` in the background until `shutdown`, announcing it
/// to Miteos as reachable at `shown` (the listener's port). Answers the base URL and the
/// server's task.
pub fn serve_on(
    listener: TcpListener,
    shown: IpAddr,
    miteos: Miteos,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Option<(String, tokio::task::JoinHandle<()>)> {
    let port = listener.local_addr().ok()?.port();
    let base = format!("http://{}", SocketAddr::new(shown, port));
    miteos.set_public_base(base.clone());
    let app = router(miteos);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "the staging server stopped");
        }
    });
    Some((base, task))
}
