#!/usr/bin/env bash
# Installs what building, running and testing Miteos needs on a fresh Debian machine (idempotent):
# a C/C++ toolchain, cmake and libclang (llama.cpp and its Rust bindings), and the default
# embedded model (scripts/install-model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config cmake clang libclang-dev python3-pip)
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

bash scripts/install-model.sh
