#!/usr/bin/env bash
# The whole test suite: formatting, lints and type checks, the UI's component tests, then every
# test of every crate (unit tests; the end-to-end tests in tests/, which run the real API over
# HTTP on 127.0.0.1 against a scripted fake model server, the War Room in Chromium, and the real
# app window under Xvfb). Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

"$(dirname "$0")/setup.sh"

# A persistent target directory outside the clone keeps rebuilds fast.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/miteos/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== PostgreSQL for the store's and the team server's tests (scripts/postgres.sh)"
MITEOS_TEST_DATABASE_URL="$(MITEOS_PG_CLEAN=1 bash "$(dirname "$0")/postgres.sh")"
export MITEOS_TEST_DATABASE_URL

echo "== UI: the HTTP client's types match the OpenAPI document, type check, component tests, build"
npm --prefix ui run api -- --check
npm --prefix ui run check
npm --prefix ui test
# The app embeds ui/dist and the browser tests load it: build it before cargo.
npm --prefix ui run build

echo "== the house's rules (file sizes, no module cycle, the app links no CLI crates, the map true)"
python3 scripts/check-house.py
python3 scripts/check-architecture.py
if cargo tree --locked -p miteos-app -e normal --prefix none | grep -qE '^(clap|indicatif) '; then
  echo "miteos-app links clap or indicatif: the CLI's crates belong to miteos-cli only" >&2
  exit 1
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked --no-fail-fast
