#!/usr/bin/env bash
# Installs what building, running and testing Miteos needs on a fresh Debian machine (idempotent):
# a C/C++ toolchain, cmake and libclang (llama.cpp and its Rust bindings); WebKitGTK and friends
# (the Tauri desktop app); PostgreSQL (the team server and its tests); Chromium, Xvfb,
# WebKitWebDriver and tauri-driver (browser and window tests); the UI's npm packages; the MCP
# servers the tests connect to (tests/mcp, from npm); schemathesis and moto's S3 server (PyPI, in
# a virtualenv); and the default embedded model (scripts/install-model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config cmake clang libclang-dev python3-pip python3-venv
  # The desktop app (Tauri v2 on Linux).
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libxdo-dev libssl-dev file
  # A font for the text of PNG charts.
  fonts-dejavu-core
  # Programs of the shell tool's default allow-list that images leave out (and its tests use).
  zip unzip
  # Tests: the real window (WebKitWebDriver under Xvfb) and the UI in a real browser.
  webkit2gtk-driver xvfb xauth chromium
  # The team server's database, and its tests' (scripts/postgres.sh runs a cluster of its own).
  postgresql postgresql-contrib
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: install Rust (rustup) first" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: install Node.js 20.19+ and npm first" >&2; exit 1; }

# tauri-driver: the WebDriver bridge to the app's window (major version 2, like Tauri).
if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver" >&2
  cargo install tauri-driver --version '^2.0' --locked --quiet
fi

# The UI's packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

# Real MCP servers for the MCP tests (server-everything, server-filesystem), exactly as locked.
if [ ! -d tests/mcp/node_modules ] || [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; then
  npm --prefix tests/mcp ci --no-audit --no-fund --loglevel=error
fi

# Schemathesis (API fuzzing from the OpenAPI document) and moto's S3 server (a team's file store
# on S3-compatible storage), in their own virtualenv.
venv="${XDG_CACHE_HOME:-$HOME/.cache}/miteos/venv"
if [ ! -x "$venv/bin/schemathesis" ] || [ ! -x "$venv/bin/moto_server" ]; then
  echo "setup: installing schemathesis and moto into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5' 'moto[server]==5.2.5'
fi

bash scripts/install-model.sh
