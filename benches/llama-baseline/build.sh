#!/usr/bin/env bash
# Builds benches/llama-baseline from the llama.cpp source that the pinned llama-cpp-sys-2 vendors,
# into ~/.cache/miteos/llama-baseline; prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
manifest=$(cd "$here/../.." && cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(next(p["manifest_path"] for p in meta["packages"] if p["name"] == "llama-cpp-sys-2"))')
src="$(dirname "$manifest")/llama.cpp"
out="${XDG_CACHE_HOME:-$HOME/.cache}/miteos/llama-baseline"
cmake -S "$here" -B "$out" -DCMAKE_BUILD_TYPE=Release -DLLAMA_SRC="$src" >/dev/null
cmake --build "$out" --target llama-baseline -j"$(nproc)" >/dev/null
echo "$out/llama-baseline"
