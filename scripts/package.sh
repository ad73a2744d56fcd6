#!/usr/bin/env bash
# Builds the desktop app's Debian package: the UI, then `tauri build --bundles deb` (a release
# build of miteos-app with the UI embedded). Prints where the .deb is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run app
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
npm --prefix ui run build
./ui/node_modules/.bin/tauri build --bundles deb
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
