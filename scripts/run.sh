#!/usr/bin/env bash
# Runs Miteos's main job on its embedded defaults (SQLite, a local model): installs what it needs
# (first time only), builds the War Room, the desktop app and the CLI, installs the local model
# recommended for this machine when it can reach it (else keeps the packaged SmolLM2-135M demo
# model, and says so), and opens the window; a prompt given as arguments starts right away.
# Without a display it runs the task in the terminal instead (`miteos run`).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what running needs (the tests' tools come with scripts/test.sh).
bash scripts/setup.sh run
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
# Runs one phase and says how long it took.
phase() {
  local name=$1 start=$SECONDS
  shift
  echo "run: $name…" >&2
  "$@"
  echo "run: $name done in $((SECONDS - start)) s" >&2
}
phase "building the War Room" npm --prefix ui run --silent build
phase "building miteos (release; the first build takes most of the time)" \
  cargo build --release --locked -p miteos-cli --bin miteos
miteos="$CARGO_TARGET_DIR/release/miteos"
# The recommended local model (a download of 1–5 GB, resumed if it was cut), or the packaged demo.
if [ -z "${MITEOS_MODEL:-}${OPENAI_API_KEY:-}${ANTHROPIC_API_KEY:-}${OPENROUTER_API_KEY:-}" ]; then
  phase "choosing the local model" "$miteos" models get --recommended --or-packaged || true
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  phase "building the desktop app" cargo build --release --locked -p miteos-app
  exec "$CARGO_TARGET_DIR/release/miteos-app" "$@"
fi
echo "run: no display; running the task in the terminal (miteos run)" >&2
[ $# -gt 0 ] || { echo "run: give the task as arguments" >&2; exit 2; }
exec "$miteos" run "$@"
