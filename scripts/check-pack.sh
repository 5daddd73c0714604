#!/usr/bin/env bash
# Packs tunenet, installs the tarball into an empty directory with cargo removed from PATH, and
# checks that both require() and import run a GEMM and an Adam step from the prebuilt binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tarball="$(npm pack --silent | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$root/$tarball"' EXIT
cd "$work"
npm init -y >/dev/null
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e cargo -e rustup | paste -sd:)"
if command -v cargo >/dev/null; then echo "cargo is still on PATH" >&2; exit 1; fi
npm install --no-audit --no-fund "$root/$tarball" >/dev/null
tar -tzf "$root/$tarball" > contents.txt
grep -q 'package/tunenet.linux-x64-gnu.node' contents.txt || { echo "tarball lacks the linux-x64-gnu binary" >&2; exit 1; }
node -e '
const t = require("tunenet");
const c = t.gemm(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), null, { m: 2, n: 2, k: 2 });
if (String(Array.from(c)) !== "19,22,43,50") throw new Error("gemm gave " + c);
const r = t.optimizerStep(new Float32Array([1]), new Float32Array([0.5]), null, null, { kind: "adam", learningRate: 0.1, step: 1 });
if (Math.abs(r.w[0] - 0.9) > 1e-6) throw new Error("adam gave " + r.w[0]);
console.log("require: gemm", Array.from(c), "adam", r.w[0]);
'
cat > check.mjs <<'JS'
import { gemm, optimizerStep } from 'tunenet';
const c = gemm(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), null, { m: 2, n: 2, k: 2 });
const r = optimizerStep(new Float32Array([1]), new Float32Array([0.5]), null, null, { kind: 'adam', learningRate: 0.1, step: 1 });
if (String(Array.from(c)) !== '19,22,43,50' || Math.abs(r.w[0] - 0.9) > 1e-6) throw new Error('wrong results');
console.log('import: gemm', Array.from(c), 'adam', r.w[0]);
JS
node check.mjs
echo "pack check passed: $tarball installs and runs without cargo"
