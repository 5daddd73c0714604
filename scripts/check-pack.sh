#!/usr/bin/env bash
# The release as users install it. From the binaries that scripts/release/build-target.sh put in
# artifacts/, stages the packages the way the release job does (napi create-npm-dirs → artifacts →
# prepublish, which writes the root's optionalDependencies), packs the root package and every built
# platform package, and installs them into empty projects — no lockfile, cargo and rustup off PATH —
# with npm and with pnpm, as `npm install tunenet` would (the platform packages come from the packed
# tarballs through overrides instead of the registry). In each: require, import and a short fit
# (scripts/release/smoke.mjs). Also: tarball sizes and contents, the glibc floor, the error when no
# binary fits, the WebAssembly build and its speed against native, AVX-512 off (qemu-x86_64 -cpu
# Haswell), the linux-arm64-gnu package under qemu-aarch64 (scripts/release/arm64-userland.sh) and a
# Debian 11 userland (a debootstrap chroot) where those exist on this machine.
#   scripts/check-pack.sh            (after: scripts/release/build-target.sh x86_64-unknown-linux-gnu …)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
napi="$root/node_modules/.bin/napi"
pnpm=(npx --yes pnpm@9.15.9)
bullseye="${TUNENET_BULLSEYE_ROOT:-$HOME/.cache/tunenet/bullseye-root}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
section() { printf '\n== %s\n' "$*"; }

# Which targets have a binary in artifacts/ (a .node, or the .wasm for WASI).
mapfile -t built < <(node -e '
  const fs = require("fs");
  for (const t of require("./package.json").napi.targets)
    if (fs.existsSync(`artifacts/${t}`) && fs.readdirSync(`artifacts/${t}`).some((f) => /\.(node|wasm)$/.test(f))) console.log(t);')
if [[ ! " ${built[*]} " == *" x86_64-unknown-linux-gnu "* ]]; then
  echo "no artifacts/x86_64-unknown-linux-gnu: run scripts/release/build-target.sh x86_64-unknown-linux-gnu first" >&2
  exit 1
fi
section "built targets: ${built[*]}"

section "glibc floor (must be <= 2.17)"
for t in "${built[@]}"; do
  if [[ $t == *-linux-gnu ]]; then node scripts/release/glibc-floor.mjs artifacts/"$t"/*.node --max 2.17; fi
done
for t in "${built[@]}"; do
  if [[ $t == *-linux-musl ]]; then
    printf '%s: needs %s\n' "$(ls artifacts/"$t"/*.node)" "$(readelf -d artifacts/"$t"/*.node | grep -o 'Shared library: \[[^]]*\]' | tr '\n' ' ')"
  fi
done

# Stage the release: the repository's package files, the loader napi generated with the build.
npm run --silent build:ts
stage="$work/stage"
mkdir -p "$stage" "$work/tarballs"
cp -r package.json LICENSE README.md CHANGELOG.md bin dist "$stage/"
node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ binaryName: "tunenet", targets: process.argv.slice(2) }))' \
  "$work/napi-built.json" "${built[@]}"
(
  cd "$stage"
  # napi prepublish reads the last commit's message; the stage is its own throwaway repository.
  git init -q && git -c user.name=check-pack -c user.email=check-pack@localhost commit -q --allow-empty -m check-pack
  quiet() { "$@" >"$work/napi.log" 2>&1 || { cat "$work/napi.log" >&2; return 1; }; }
  quiet "$napi" create-npm-dirs
  wasi_dir=()
  [ -d "$root/artifacts/wasm32-wasip1-threads" ] && wasi_dir=(--build-output-dir "$root/artifacts/wasm32-wasip1-threads")
  quiet "$napi" artifacts -c "$work/napi-built.json" --output-dir "$root/artifacts" --npm-dir npm "${wasi_dir[@]}"
  cp "$root/artifacts/x86_64-unknown-linux-gnu/index.js" "$root/artifacts/x86_64-unknown-linux-gnu/index.d.ts" .
  # Only the built targets: the real release lists all of package.json's napi.targets.
  quiet "$napi" prepublish -c "$work/napi-built.json" -t npm --skip-optional-publish
)

section "npm publish --dry-run (root package)"
(cd "$stage" && npm publish --dry-run --ignore-scripts 2>&1 | sed -n '/Tarball Contents/,/total files/p' | sed 's/^npm notice //')

section "tarballs"
pack() { (cd "$1" && npm pack --json --pack-destination "$work/tarballs" 2>/dev/null) | node -e '
  const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(`${p.filename.padEnd(36)} ${(p.size / 1024).toFixed(0).padStart(6)} KiB packed ${(p.unpackedSize / 1024).toFixed(0).padStart(6)} KiB unpacked ${String(p.entryCount).padStart(4)} files`);'; }
pack "$stage"
for dir in "$stage"/npm/*/; do
  if ls "$dir" | grep -qE '\.(node|wasm)$'; then pack "$dir"; fi
done
root_tgz="$work/tarballs/tunenet-$(node -p 'require("./package.json").version').tgz"
if tar -tzf "$root_tgz" | grep -E '\.node$|\.wasm$|__test__|/target/|/src/|/crates/'; then
  echo "the root tarball ships files it should not (above)" >&2; exit 1
fi
echo "root package: no binaries, tests, sources or target/; optionalDependencies: $(node -p "Object.keys(require('$stage/package.json').optionalDependencies).join(', ')")"

# No Rust toolchain for the installs.
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e cargo -e rustup | paste -sd:)"
if command -v cargo >/dev/null; then echo "cargo is still on PATH" >&2; exit 1; fi

# An empty project whose tunenet-* packages resolve to the packed tarballs (overrides for npm,
# pnpm.overrides for pnpm); the root package itself is installed from its tarball.
new_project() {
  local dir="$work/$1"
  mkdir -p "$dir"
  node -e '
    const fs = require("fs");
    const [dir, tarballs] = process.argv.slice(1);
    const overrides = {};
    for (const f of fs.readdirSync(tarballs)) {
      const m = /^(tunenet-.+)-\d+\.\d+\.\d+\.tgz$/.exec(f);
      if (m) overrides[m[1]] = `file:${tarballs}/${f}`;
    }
    fs.writeFileSync(`${dir}/package.json`, JSON.stringify({ name: "consumer", private: true, overrides, pnpm: { overrides } }, null, 2));
  ' "$dir" "$work/tarballs"
  cp scripts/release/smoke.mjs "$dir/"
  printf '%s' "$dir"
}
require_check='const t = require("tunenet"); const c = t.gemm(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), null, { m: 2, n: 2, k: 2 });
  if (String(Array.from(c)) !== "19,22,43,50") throw new Error("gemm gave " + c); console.log("require: gemm " + Array.from(c));'
run_checks() { # dir label [env…]
  local dir="$1" label="$2"; shift 2
  (cd "$dir" && env "$@" node -e "$require_check" && env "$@" node smoke.mjs 5 | sed 's/^/import: /') | sed "s/^/[$label] /"
}
installed_platforms() { (cd "$1" && ls -d node_modules/tunenet-* node_modules/.pnpm/tunenet-* 2>/dev/null | sed 's|.*/||; s|@file.*||' | sort -u | tr '\n' ' '); }

section "npm, linux-x64-gnu"
npm_dir="$(new_project npm)"
(cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error "$root_tgz" >/dev/null)
[ -e "$npm_dir/package-lock.json" ] && echo "[npm] installed: $(installed_platforms "$npm_dir")"
run_checks "$npm_dir" npm | tee "$work/native.txt"

section "pnpm, linux-x64-gnu"
pnpm_dir="$(new_project pnpm)"
(cd "$pnpm_dir" && "${pnpm[@]}" add --reporter=silent "$root_tgz" >/dev/null)
echo "[pnpm] installed: $(installed_platforms "$pnpm_dir")"
run_checks "$pnpm_dir" pnpm

section "no binary for this platform (npm --omit=optional)"
bare_dir="$(new_project bare)"
(cd "$bare_dir" && npm install --no-audit --no-fund --loglevel=error --omit=optional "$root_tgz" >/dev/null)
if (cd "$bare_dir" && node -e 'require("tunenet")' 2>"$work/bare.txt"); then echo "loaded without a platform package" >&2; exit 1; fi
sed -n '/^Error: tunenet:/,/^ *at /p' "$work/bare.txt" | grep -v '^ *at '

if [[ " ${built[*]} " == *" wasm32-wasip1-threads "* ]]; then
  section "WebAssembly (tunenet-wasm32-wasi, NAPI_RS_FORCE_WASI=error), npm --cpu=wasm32"
  wasi_dir="$(new_project wasi)"
  (cd "$wasi_dir" && npm install --no-audit --no-fund --loglevel=error --cpu=wasm32 "$root_tgz" >/dev/null)
  echo "[wasi] installed: $(installed_platforms "$wasi_dir")"
  run_checks "$wasi_dir" wasi NAPI_RS_FORCE_WASI=error NODE_NO_WARNINGS=1 | tee "$work/wasi.txt"
  native_speed="$(grep -o '[0-9]* samples/s' "$work/native.txt" | grep -o '^[0-9]*')"
  wasi_speed="$(grep -o '[0-9]* samples/s' "$work/wasi.txt" | grep -o '^[0-9]*')"
  echo "WASI speed: $wasi_speed samples/s against native $native_speed: native is $(node -p "($native_speed / $wasi_speed).toFixed(1)")x faster (MLP 64-256-256-2, batch 64)"
fi

if command -v qemu-x86_64 >/dev/null; then
  section "AVX-512 off: the same install under qemu-x86_64 -cpu Haswell (AVX2+FMA) and -cpu Nehalem (SSE4.2)"
  (cd "$npm_dir" && node smoke.mjs 1) | sed "s/^/[this CPU, AVX-512] /"
  for cpu in Haswell Nehalem; do
    (cd "$npm_dir" && qemu-x86_64 -cpu "$cpu" "$(command -v node)" smoke.mjs 1 2> >(grep -v "TCG doesn't support" >&2)) | sed "s/^/[qemu $cpu] /"
  done
fi

arm64_tgz="$(ls "$work"/tarballs/tunenet-linux-arm64-gnu-*.tgz 2>/dev/null | head -1)"
if command -v qemu-aarch64 >/dev/null && command -v debootstrap >/dev/null && [ -n "$arm64_tgz" ]; then
  # The arm64 package installed as npm does on arm64 (--cpu/--os pick the optional dependency) and
  # run by Node's arm64 build under qemu-aarch64 on Debian 11's arm64 libraries.
  eval "$(bash scripts/release/arm64-userland.sh)" # sets arm64_root= and arm64_node=
  section "linux-arm64-gnu under qemu-aarch64 (Node $(qemu-aarch64 -L "$arm64_root" "$arm64_node" --version), Debian 11 arm64 libraries, glibc 2.31)"
  arm64_dir="$(new_project arm64)"
  (cd "$arm64_dir" && npm install --no-audit --no-fund --loglevel=error --cpu=arm64 --os=linux "$root_tgz" >/dev/null)
  echo "[arm64] installed: $(installed_platforms "$arm64_dir")"
  (cd "$arm64_dir" && qemu-aarch64 -L "$arm64_root" "$arm64_node" -e "$require_check" && qemu-aarch64 -L "$arm64_root" "$arm64_node" smoke.mjs 2 | sed 's/^/import: /') | sed 's/^/[arm64] /'
fi

# The musl packages as Alpine users get them: npm --libc=musl picks the optional dependency, and a
# musl build of Node runs them in a musl userland (scripts/release/musl-userland.sh): x64 in a
# chroot, arm64 under qemu-aarch64 with that userland as its prefix.
for arch in x64 arm64; do
  musl_tgz="$(ls "$work"/tarballs/tunenet-linux-$arch-musl-*.tgz 2>/dev/null | head -1)"
  [ -n "$musl_tgz" ] || continue
  [ "$arch" = arm64 ] && ! command -v qemu-aarch64 >/dev/null && continue
  eval "$(bash scripts/release/musl-userland.sh "$arch")" # sets musl_root=, musl_node=, musl_libs=
  musl_dir="$(new_project "musl-$arch")"
  (cd "$musl_dir" && npm install --no-audit --no-fund --loglevel=error --cpu="$arch" --os=linux --libc=musl "$root_tgz" >/dev/null)
  inside="$musl_root/tmp/tunenet-check"
  rm -rf "$inside" && mkdir -p "$inside"
  cp -r "$musl_dir/node_modules" "$musl_dir/smoke.mjs" "$inside/"
  printf '%s\nconsole.log("loaded " + require.resolve("tunenet-linux-%s-musl"));\n' "$require_check" "$arch" > "$inside/require-check.cjs"
  # Alpine's musl loader prints its version when run bare; the libraries Node needs come from the wheel.
  # Scripts by the path their Node sees: inside the chroot, or this machine's (qemu's prefix only
  # redirects some file calls, not those Node's module loader makes).
  if [ "$arch" = x64 ]; then
    in_musl() { env -i LD_LIBRARY_PATH="$musl_libs" "$(command -v chroot)" "$musl_root" "$@"; }
    scripts=/tmp/tunenet-check
  else
    scripts="$inside"
    in_musl() { local exe="$1"; shift; qemu-aarch64 -L "$musl_root" -E LD_LIBRARY_PATH="$musl_root$musl_libs" "$musl_root$exe" "$@"; }
  fi
  musl_version="$(in_musl "/lib/ld-musl-$( [ "$arch" = x64 ] && echo x86_64 || echo aarch64).so.1" 2>&1 | sed -n 's/^Version //p' || true)"
  section "linux-$arch-musl: Node $(in_musl "$musl_node" --version) built for musl, musl $musl_version$( [ "$arch" = arm64 ] && echo ', under qemu-aarch64')"
  echo "[musl $arch] installed: $(installed_platforms "$musl_dir")"
  (in_musl "$musl_node" "$scripts/require-check.cjs" && in_musl "$musl_node" "$scripts/smoke.mjs" 2 | sed 's/^/import: /') | sed "s/^/[musl $arch] /"
  rm -rf "$inside"
done

if [ ! -x "$bullseye/bin/sh" ] && command -v debootstrap >/dev/null && [ -z "${TUNENET_BULLSEYE_ROOT:-}" ]; then
  echo "check-pack: debootstrap bullseye (minbase) into $bullseye, once" >&2
  debootstrap --variant=minbase bullseye "$bullseye" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; rm -rf "$bullseye"; }
fi
if [ -x "$bullseye/bin/sh" ]; then
  section "Debian 11 userland (glibc $(chroot "$bullseye" ldd --version | head -1 | grep -o '[0-9.]*$')), chroot"
  inside="$bullseye/tmp/tunenet-check"
  rm -rf "$inside" && mkdir -p "$inside"
  cp "$(command -v node)" "$inside/node"
  cp -r "$npm_dir/node_modules" "$npm_dir/smoke.mjs" "$inside/"
  chroot "$bullseye" env -i PATH=/usr/bin:/bin /tmp/tunenet-check/node /tmp/tunenet-check/smoke.mjs 2 | sed 's/^/[debian 11] /'
  cp "$root/tunenet.linux-x64-gnu.node" "$inside/node_modules/tunenet-linux-x64-gnu/tunenet.linux-x64-gnu.node"
  if chroot "$bullseye" env -i PATH=/usr/bin:/bin /tmp/tunenet-check/node /tmp/tunenet-check/smoke.mjs 1 2>"$work/dev-build.txt"; then
    echo "[debian 11] the development build (this machine's glibc) loaded too"
  else
    echo "[debian 11] the development build does not load there: $(grep -o "version .GLIBC_[0-9.]*' not found" "$work/dev-build.txt" | head -1)"
  fi
  rm -rf "$inside"
fi

section "pack check passed"
