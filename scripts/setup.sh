#!/usr/bin/env bash
# Installs what Miteos needs on a fresh Debian machine, by purpose (idempotent; each phase prints
# its time):
#   run   what `scripts/run.sh` needs: a C/C++ toolchain, cmake and libclang (llama.cpp and its
#         Rust bindings), the shell tool's programs and a font for charts, the UI's npm packages,
#         the default embedded model (scripts/install-model.sh); with a display, WebKitGTK and
#         friends for the desktop app too
#   app   the desktop app's build dependencies (WebKitGTK, GTK, …), even without a display
#   team  PostgreSQL (a team's server)
#   test  all of the above, and what the tests use: Chromium, Xvfb, WebKitWebDriver and
#         tauri-driver (browser and window tests), the MCP servers they connect to (tests/mcp,
#         from npm), schemathesis and moto's S3 server (PyPI, in a virtualenv)
# No purpose given: test (everything).
set -euo pipefail
cd "$(dirname "$0")/.."

purposes=("${@:-test}")
wants() {
  local p
  for p in "${purposes[@]}"; do
    [ "$p" = "$1" ] || [ "$p" = test ] && return 0
  done
  return 1
}
for p in "${purposes[@]}"; do
  case "$p" in run | app | team | test) ;; *) echo "setup: unknown purpose $p (run, app, team, test)" >&2; exit 2 ;; esac
done
# The run builds the desktop app only where it can open a window.
if wants run && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then purposes+=(app); fi

# Runs one phase and says how long it took.
phase() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "setup: $name done in $((SECONDS - start)) s" >&2
}

packages=(
  build-essential pkg-config cmake clang libclang-dev python3-pip python3-venv libssl-dev file
  # A font for the text of PNG charts.
  fonts-dejavu-core
  # Programs of the shell tool's default allow-list that images leave out (and its tests use).
  zip unzip
)
if wants app; then
  # The desktop app (Tauri v2 on Linux).
  packages+=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
    libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev)
fi
if wants team; then
  # The team server's database (scripts/postgres.sh runs a cluster of its own for the tests).
  packages+=(postgresql postgresql-contrib)
fi
if wants test; then
  # The real window (WebKitWebDriver under Xvfb) and the UI in a real browser.
  packages+=(webkit2gtk-driver xvfb xauth chromium)
fi

system_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=sudo
    [ "$(id -u)" = 0 ] && sudo=""
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
phase "system packages" system_packages
command -v cargo >/dev/null || { echo "setup: install Rust (rustup) first" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: install Node.js 20.19+ and npm first" >&2; exit 1; }

# The UI's packages, exactly as locked.
ui_packages() {
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    npm --prefix ui ci --no-audit --no-fund --loglevel=error
  fi
}
phase "the War Room's npm packages" ui_packages

if wants test; then
  # tauri-driver: the WebDriver bridge to the app's window (major version 2, like Tauri).
  tauri_driver() {
    if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
      echo "setup: installing tauri-driver" >&2
      cargo install tauri-driver --version '^2.0' --locked --quiet
    fi
  }
  phase "tauri-driver" tauri_driver

  # Real MCP servers for the MCP tests (server-everything, server-filesystem), exactly as locked.
  mcp_servers() {
    if [ ! -d tests/mcp/node_modules ] || [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; then
      npm --prefix tests/mcp ci --no-audit --no-fund --loglevel=error
    fi
  }
  phase "the tests' MCP servers" mcp_servers

  # Schemathesis (API fuzzing from the OpenAPI document) and moto's S3 server (a team's file
  # store on S3-compatible storage), in their own virtualenv.
  python_tools() {
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/miteos/venv"
    if [ ! -x "$venv/bin/schemathesis" ] || [ ! -x "$venv/bin/moto_server" ]; then
      echo "setup: installing schemathesis and moto into $venv" >&2
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5' 'moto[server]==5.2.5'
    fi
  }
  phase "schemathesis and moto" python_tools
fi

if wants run; then
  phase "the default embedded model" bash scripts/install-model.sh
fi
