//! How Miteos thinks: the first-run question, the catalog of local models and their downloads,
//! prices (Settings → Models).

use miteos_core::domain::models::{
    Catalog, Download, DownloadRequest, ModelChoice, ModelSetup, PriceEntry, PriceInput,
};
use tauri::State;

use crate::DesktopState;
use crate::error::CommandResult;

/// What the machine has (keys, model servers, local models) and the model in use.
#[tauri::command]
pub async fn model_setup(state: State<'_, DesktopState>) -> CommandResult<ModelSetup> {
    Ok(state.miteos.model_setup().await?)
}

/// Makes `choice` the model new tasks run on (a pasted key is checked first).
#[tauri::command]
pub async fn choose_model(
    state: State<'_, DesktopState>,
    choice: ModelChoice,
) -> CommandResult<ModelSetup> {
    Ok(state.miteos.choose_model(choice).await?)
}

/// The catalog of recommended local models for this machine.
#[tauri::command]
pub async fn model_catalog(state: State<'_, DesktopState>) -> CommandResult<Catalog> {
    Ok(state.miteos.catalog()?)
}

/// Model downloads and their progress.
#[tauri::command]
pub async fn model_downloads(state: State<'_, DesktopState>) -> CommandResult<Vec<Download>> {
    Ok(state.miteos.downloads())
}

/// Starts or resumes downloading a catalog model, or a GGUF file by URL.
#[tauri::command]
pub async fn start_download(
    state: State<'_, DesktopState>,
    request: DownloadRequest,
) -> CommandResult<Download> {
    Ok(state.miteos.start_download(request)?)
}

/// Pauses a download, keeping what it has.
#[tauri::command]
pub async fn pause_download(
    state: State<'_, DesktopState>,
    name: String,
) -> CommandResult<Download> {
    Ok(state.miteos.pause_download(&name)?)
}

/// Cancels a download and deletes what it had.
#[tauri::command]
pub async fn cancel_download(
    state: State<'_, DesktopState>,
    name: String,
) -> CommandResult<Download> {
    Ok(state.miteos.cancel_download(&name)?)
}

/// Every price Miteos costs calls with.
#[tauri::command]
pub async fn list_prices(state: State<'_, DesktopState>) -> CommandResult<Vec<PriceEntry>> {
    Ok(state.miteos.prices())
}

/// Sets your price of a model.
#[tauri::command]
pub async fn set_price(
    state: State<'_, DesktopState>,
    input: PriceInput,
) -> CommandResult<Vec<PriceEntry>> {
    Ok(state.miteos.set_price(input).await?)
}

/// Forgets your price of a model.
#[tauri::command]
pub async fn remove_price(
    state: State<'_, DesktopState>,
    model: String,
) -> CommandResult<Vec<PriceEntry>> {
    Ok(state.miteos.remove_price(&model).await?)
}

/// Fetches OpenRouter's current prices.
#[tauri::command]
pub async fn refresh_prices(state: State<'_, DesktopState>) -> CommandResult<Vec<PriceEntry>> {
    Ok(state.miteos.refresh_openrouter_prices().await?)
}
