#!/usr/bin/env bash
# Runs Miteos's main job on its embedded defaults (SQLite, the local model): installs what it
# needs (first time only), builds the War Room and the desktop app, and opens the window; a
# prompt given as arguments starts right away. Without a display it runs the task in the
# terminal instead (`miteos run`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
npm --prefix ui run build
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  cargo build --release --locked -p miteos-app
  exec "$CARGO_TARGET_DIR/release/miteos-app" "$@"
fi
echo "run: no display; running the task in the terminal (miteos run)" >&2
[ $# -gt 0 ] || { echo "run: give the task as arguments" >&2; exit 2; }
cargo build --release --locked -p miteos-cli --bin miteos
exec "$CARGO_TARGET_DIR/release/miteos" run "$@"
