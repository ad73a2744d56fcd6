//! How Miteos thinks: the first-run question (what the machine has, the choice), the catalog of
//! local models and their downloads, and prices — the same service calls the War Room's
//! Settings → Models and `miteos models` make.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use miteos_core::domain::models::{
    Catalog, Download, DownloadRequest, ModelChoice, ModelSetup, PriceEntry, PriceInput,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::accounts::MayConfigure;
use super::extract::ApiJson;
use super::{ApiError, ApiState, ErrorBody};

/// What "How should Miteos think?" offers: API keys found, model servers running here (Ollama,
/// LM Studio, llama.cpp, vLLM), installed local models, and the model in use.
#[utoipa::path(get, path = "/models/setup", operation_id = "model_setup", responses((status = 200, body = ModelSetup)))]
pub async fn setup(State(s): State<ApiState>) -> Result<Json<ModelSetup>, ApiError> {
    Ok(Json(s.miteos.model_setup().await?))
}

/// Answers "How should Miteos think?": the model new tasks use (a pasted key is checked with one
/// cheap call first, then kept in the key store).
#[utoipa::path(post, path = "/models/choice", operation_id = "choose_model", request_body = ModelChoice,
    responses((status = 200, body = ModelSetup), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn choose(
    State(s): State<ApiState>,
    _: MayConfigure,
    ApiJson(choice): ApiJson<ModelChoice>,
) -> Result<Json<ModelSetup>, ApiError> {
    Ok(Json(s.miteos.choose_model(choice).await?))
}

/// The catalog of recommended local models, with this machine's small, medium and large picks.
#[utoipa::path(get, path = "/models/catalog", operation_id = "model_catalog", responses((status = 200, body = Catalog)))]
pub async fn catalog(State(s): State<ApiState>) -> Result<Json<Catalog>, ApiError> {
    Ok(Json(s.miteos.catalog()?))
}

/// Model downloads: running (with speed and time left), paused, finished.
#[utoipa::path(get, path = "/models/downloads", operation_id = "model_downloads", responses((status = 200, body = Vec<Download>)))]
pub async fn downloads(State(s): State<ApiState>) -> Json<Vec<Download>> {
    Json(s.miteos.downloads())
}

/// Starts downloading a catalog model (`{"name": …}`) or any GGUF file
/// (`{"url": …, "name"?: …, "sha256"?: …}`), or resumes a paused download (free disk space is
/// checked first, the checksum at the end).
#[utoipa::path(post, path = "/models/downloads", operation_id = "start_download", request_body = DownloadRequest,
    responses((status = 202, body = Download), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn start_download(
    State(s): State<ApiState>,
    _: MayConfigure,
    ApiJson(body): ApiJson<DownloadRequest>,
) -> Result<(StatusCode, Json<Download>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(s.miteos.start_download(body)?)))
}

/// Pauses a running download, keeping what it has.
#[utoipa::path(post, path = "/models/downloads/{name}/pause", operation_id = "pause_download", params(("name" = String, Path)),
    responses((status = 200, body = Download), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn pause_download(
    State(s): State<ApiState>,
    _: MayConfigure,
    Path(name): Path<String>,
) -> Result<Json<Download>, ApiError> {
    Ok(Json(s.miteos.pause_download(&name)?))
}

/// Cancels a download and deletes what it had.
#[utoipa::path(post, path = "/models/downloads/{name}/cancel", operation_id = "cancel_download", params(("name" = String, Path)),
    responses((status = 200, body = Download), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cancel_download(
    State(s): State<ApiState>,
    _: MayConfigure,
    Path(name): Path<String>,
) -> Result<Json<Download>, ApiError> {
    Ok(Json(s.miteos.cancel_download(&name)?))
}

/// Every price Miteos costs calls with (USD per million tokens): yours, OpenRouter's (dated),
/// the built-in table. A model in none of them costs "unknown", never $0.
#[utoipa::path(get, path = "/prices", operation_id = "list_prices", responses((status = 200, body = Vec<PriceEntry>)))]
pub async fn prices(State(s): State<ApiState>) -> Json<Vec<PriceEntry>> {
    Json(s.miteos.prices())
}

/// Sets your price of a model; calls from now on are costed with it.
#[utoipa::path(put, path = "/prices", operation_id = "set_price", request_body = PriceInput,
    responses((status = 200, body = Vec<PriceEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_price(
    State(s): State<ApiState>,
    _: MayConfigure,
    ApiJson(input): ApiJson<PriceInput>,
) -> Result<Json<Vec<PriceEntry>>, ApiError> {
    Ok(Json(s.miteos.set_price(input).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct PriceOf {
    /// The model whose price of yours to forget.
    pub model: String,
}

/// Forgets your price of a model.
#[utoipa::path(delete, path = "/prices", operation_id = "remove_price", params(PriceOf),
    responses((status = 200, body = Vec<PriceEntry>), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_price(
    State(s): State<ApiState>,
    _: MayConfigure,
    Query(of): Query<PriceOf>,
) -> Result<Json<Vec<PriceEntry>>, ApiError> {
    Ok(Json(s.miteos.remove_price(&of.model).await?))
}

/// Fetches OpenRouter's current price list (cached with its date).
#[utoipa::path(post, path = "/prices/refresh", operation_id = "refresh_prices",
    responses((status = 200, body = Vec<PriceEntry>), (status = 502, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn refresh_prices(
    State(s): State<ApiState>,
    _: MayConfigure,
) -> Result<Json<Vec<PriceEntry>>, ApiError> {
    Ok(Json(s.miteos.refresh_openrouter_prices().await?))
}
