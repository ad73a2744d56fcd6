//! The Miteos desktop app: a thin Tauri v2 shell. It opens the service layer
//! (`miteos_core::Miteos`) on the user's data directory, serves the local HTTP API from the same
//! process (the app owns the data directory while it runs), and exposes the service to the War
//! Room through commands; live events go to the window over `tauri::ipc::Channel`.
//!
//! It never implements Miteos behaviour itself: every command is one service call plus a type
//! conversion.

mod api;
#[macro_use]
mod commands;
mod error;
mod subscriptions;

use std::path::PathBuf;

use miteos_core::Miteos;
use miteos_core::providers::ModelConfig;
use miteos_core::service::Options;
use miteos_core::tools::SearchConfig;
use tauri::Manager;

pub use api::ApiInfo;

/// What every command reaches through `tauri::State`.
pub struct DesktopState {
    pub miteos: Miteos,
    /// The local HTTP API this process serves (for a browser or scripts), if it could start.
    pub api: Option<ApiInfo>,
    /// The window's live event streams, so that unsubscribing stops their forwarders.
    pub subscriptions: subscriptions::Subscriptions,
}

/// The data directory: `MITEOS_DATA_DIR`, or the platform's (`~/.local/share/miteos` on Linux),
/// shared with the `miteos` CLI.
fn data_dir() -> PathBuf {
    std::env::var_os("MITEOS_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("miteos")
        })
}

/// The invoke handler of every command in the one list (src-tauri/commands/list.rs).
macro_rules! command_handler {
    ($($module:ident: $($command:ident),+;)+) => {
        tauri::generate_handler![$($(commands::$module::$command),+),+]
    };
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,miteos=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_fs::init())
        .plugin(
            // The window shows the War Room and nothing else: a link in a preview or a page
            // cannot take it elsewhere (the person's browser opens web links instead).
            tauri::plugin::Builder::<tauri::Wry>::new("navigation")
                .on_navigation(|webview, url| {
                    let own = matches!(url.scheme(), "tauri" | "about" | "blob" | "data")
                        || url.host_str() == Some("tauri.localhost");
                    if !own && matches!(url.scheme(), "http" | "https") {
                        use tauri_plugin_opener::OpenerExt;
                        let _ = webview.opener().open_url(url.as_str(), None::<&str>);
                    }
                    own
                })
                .build(),
        )
        .setup(|app| {
            let data_dir = data_dir();
            let options = Options {
                search: SearchConfig::from_env(),
                ..Options::new(&data_dir, ModelConfig::from_env())
            };
            let miteos = tauri::async_runtime::block_on(Miteos::open(options))
                .map_err(|e| format!("opening Miteos on {}: {e}", data_dir.display()))?;
            let api = tauri::async_runtime::block_on(api::start(miteos.clone()));
            tauri::async_runtime::block_on(miteos_api::staging::start(miteos.clone()));
            // `miteos-app "prompt"` starts that task; the window opens on it (the newest running).
            let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
            if !prompt.trim().is_empty() {
                let new = miteos_core::service::NewTask {
                    prompt,
                    ..Default::default()
                };
                if let Err(e) = tauri::async_runtime::block_on(miteos.create_task(new)) {
                    tracing::error!(error = %e, "starting the task given on the command line");
                }
            }
            app.manage(DesktopState {
                miteos,
                api,
                subscriptions: Default::default(),
            });
            Ok(())
        })
        .invoke_handler(app_commands!(command_handler))
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Miteos could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        // The shutdown sequence (live streams, the servers, the runs, MCP servers, background
        // work) before the process exits: nothing Miteos started outlives the app.
        if let tauri::RunEvent::Exit = event
            && let Some(state) = app.try_state::<DesktopState>()
        {
            tauri::async_runtime::block_on(state.miteos.shutdown());
        }
    });
}
