#!/usr/bin/env bash
# Runs the test suite's core cases (scripts/release/vitest.core.config.mjs: kernels, models,
# regression) against the binary built for one target in artifacts/<target>/, chosen with
# TUNENET_BINARY (src/native.ts; the WASI build through its .wasi.cjs). The release jobs run it
# on each platform (Linux arm64 under QEMU); here it runs the x64 builds and the WASI one.
#   scripts/release/test-binding.sh <target> [vitest args…]
set -euo pipefail
target="${1:?usage: scripts/release/test-binding.sh <target from package.json napi.targets> [vitest args]}"
shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dir="artifacts/$target"
binary="$(ls "$dir"/*.node "$dir"/*.wasi.cjs 2>/dev/null | head -n 1 || true)"
[ -n "$binary" ] || { echo "no binary in $dir: run scripts/release/build-target.sh $target" >&2; exit 1; }
# A fresh checkout (CI) has no loader yet: the build wrote it beside the binary.
[ -f index.js ] || cp "$dir/index.js" "$dir/index.d.ts" .
export TUNENET_BINARY="$(node -p 'require("path").resolve(process.argv[1])' "$binary")"
echo "testing $TUNENET_BINARY on node $(node --version) $(node -p 'process.platform + "-" + process.arch')"
NODE_NO_WARNINGS=1 npx vitest run --config scripts/release/vitest.core.config.mjs "$@"
