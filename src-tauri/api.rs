//! The app serves the local HTTP API itself (the same router as `miteos serve`), so scripts and
//! a browser can reach the tasks the window shows; two processes never share one data directory.

use miteos_api::token;
use miteos_core::Miteos;
use serde::Serialize;
use tokio::net::TcpListener;

/// Where the API answers and the bearer token it wants.
#[derive(Debug, Clone, Serialize)]
pub struct ApiInfo {
    pub url: String,
    pub token: String,
}

/// Binds the configured address (`api` setting, default 127.0.0.1:7411), or any free port on
/// that host when the address is taken, and serves until Miteos shuts down. `None` (logged) when the
/// API cannot start; the window works without it.
pub async fn start(miteos: Miteos) -> Option<ApiInfo> {
    let address = match miteos.api_address().await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "reading the API address setting; using the default");
            miteos_core::service::ApiAddress::default()
        }
    };
    let token = match token::load_or_create(miteos.data_dir()) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "creating the API token; the local API is off");
            return None;
        }
    };
    let listener = match TcpListener::bind((address.host.as_str(), address.port)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, host = %address.host, port = address.port, "API address taken; using a free port");
            TcpListener::bind((address.host.as_str(), 0)).await.ok()?
        }
    };
    let local = listener.local_addr().ok()?;
    let state = miteos_api::ApiState::new(miteos, &token, &address.host);
    tokio::spawn(async move {
        let closed = state.miteos.closed();
        if let Err(e) = miteos_api::serve(listener, state, closed).await {
            tracing::error!(error = %e, "the local API stopped");
        }
    });
    tracing::info!(%local, "local API listening");
    Some(ApiInfo {
        url: format!("http://{local}"),
        token,
    })
}
