//! Outside Linux there is no sandbox for commands (see sandbox.rs for Linux).

/// No sandbox outside Linux: every command asks first, and the approval says so.
pub fn available() -> bool {
    false
}

pub fn spawn(
    mut command: tokio::process::Command,
    _dir: &std::path::Path,
    _no_network: bool,
) -> std::io::Result<(tokio::process::Child, bool)> {
    command.spawn().map(|child| (child, false))
}
