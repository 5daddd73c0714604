#!/usr/bin/env bash
# Prints a directory to put on PATH that holds `zig` and `cargo-zigbuild`, installing both from PyPI
# (ziglang, cargo-zigbuild) into a cached venv on first use. `napi build -x` needs both for the Linux
# targets: zig links against glibc 2.17's symbols (target suffix .2.17) or static musl from one host,
# with no distribution toolchains or Docker. The same script serves this machine and the CI runners.
set -euo pipefail
venv="${TUNENET_ZIG_VENV:-$HOME/.cache/tunenet/zig-venv}"
if [ ! -x "$venv/bin/cargo-zigbuild" ] || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet 'cargo-zigbuild==0.24.1' 'ziglang==0.17.1' >&2
fi
# ziglang ships zig as a Python module; napi looks for an executable named zig.
mkdir -p "$venv/shim"
printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$venv/bin/python" > "$venv/shim/zig"
chmod +x "$venv/shim/zig"
ln -sf "$venv/bin/cargo-zigbuild" "$venv/shim/cargo-zigbuild"
printf '%s\n' "$venv/shim"
