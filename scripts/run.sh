#!/usr/bin/env bash
# Runs Miteos's main job on its embedded defaults: installs what it needs (first time only),
# builds the `miteos` CLI, and runs the task given as arguments on the local model (or on the
# provider the environment configures).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
cargo build --release --locked -p miteos-server --bin miteos
exec "$CARGO_TARGET_DIR/release/miteos" run "$@"
