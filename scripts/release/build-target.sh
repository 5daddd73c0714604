#!/usr/bin/env bash
# Builds tunenet's release binary for one napi target into artifacts/<target>/, with the generated
# loader (index.js, index.d.ts) beside it. Never touches the root tunenet.<platform>.node that
# `npm run build:native` makes for development and the tests load.
#   Linux gnu:  cargo-zigbuild against glibc 2.17 (Debian 8, RHEL 7, Amazon Linux 2 and newer)
#   Linux musl: cargo-zigbuild, static musl (Alpine)
#   others:     the runner's own toolchain (macOS, Windows, wasm32-wasip1-threads via emnapi)
# No target-cpu: the gemm crate picks AVX-512/AVX2/FMA/SSE/NEON kernels at run time.
set -euo pipefail
target="${1:?usage: scripts/release/build-target.sh <rust target triple from package.json napi.targets>}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
node -e 'const t = require("./package.json").napi.targets; if (!t.includes(process.argv[1])) { console.error(`target ${process.argv[1]} is not in package.json napi.targets: ${t.join(", ")}`); process.exit(2); }' "$target"
cross=()
build_target="$target"
case "$target" in
  *-linux-gnu) build_target="$target.2.17"; cross=(--cross-compile) ;;
  *-linux-musl) cross=(--cross-compile) ;;
esac
if [ ${#cross[@]} -gt 0 ]; then
  PATH="$(bash scripts/release/zig-toolchain.sh):$PATH"
fi
out="artifacts/$target"
mkdir -p "$out"
npx napi build --platform --release "${cross[@]}" --target "$build_target" \
  --manifest-path crates/node/Cargo.toml --target-dir target/release-artifacts \
  --output-dir "$out" --js index.js --dts index.d.ts
ls -l "$out"
