#!/usr/bin/env bash
# Saves the War Room's main views (empty, running, completed with deliverables, preview, history,
# settings; light and dark) from Chromium, and the real app window under Xvfb, into
# docs/screenshots/, by running the two end-to-end tests that drive them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
export MITEOS_SCREENSHOTS="$PWD/docs/screenshots"
npm --prefix ui run build
cargo test --locked --workspace --test e2e browser -- --nocapture
cargo test --locked --workspace --test app -- --nocapture
ls -1 "$MITEOS_SCREENSHOTS"
