//! Errors leave every command as `{code, message}`, the same shape, codes and messages as the
//! HTTP API: internal details go to the log, not to the window.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
    /// A plan's or a plan edit's problems, each naming its subtask and field (as over HTTP).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<miteos_core::domain::plan_rules::PlanProblem>,
}

impl From<miteos_core::Error> for CommandError {
    fn from(e: miteos_core::Error) -> Self {
        if e.code() == miteos_core::ErrorCode::Internal {
            tracing::error!(error = %e, "command failed");
        }
        CommandError {
            code: e.code().as_str(),
            message: e.public_message(),
            problems: e.plan_problems().to_vec(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    /// The window asked for something it may not have: the same code as the HTTP API's.
    pub fn forbidden(message: impl Into<String>) -> Self {
        CommandError {
            code: "forbidden",
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

/// Only a file the user chose in a native file dialog (the dialog plugin adds each choice to
/// the fs plugin's scope) may be read or written for the window: a page that went wrong cannot
/// make the app attach `~/.ssh/id_rsa` or overwrite `~/.bashrc`.
pub fn chosen_in_dialog<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    path: &std::path::Path,
) -> CommandResult<()> {
    use tauri_plugin_fs::FsExt;
    if app.fs_scope().is_allowed(path) {
        Ok(())
    } else {
        Err(CommandError::forbidden(format!(
            "{} was not chosen in a file dialog; pick it there",
            path.display()
        )))
    }
}
