#!/usr/bin/env bash
# The release checks that can run on one Linux x64 machine, for CI beside the test suite: the
# workflow's schema and security lint, the glibc-2.17 and WASI builds, then scripts/check-pack.sh
# (install with npm and pnpm, require/import/fit, WASI speed, the glibc floor; the AVX-512-off and
# Debian 11 sections run where qemu-user and the chroot exist). Needs Rust with the
# wasm32-wasip1-threads target, python3 (zig and cargo-zigbuild come from PyPI) and npm's registry.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/release/validate-workflow.sh
bash scripts/release/build-target.sh x86_64-unknown-linux-gnu
bash scripts/release/build-target.sh wasm32-wasip1-threads
bash scripts/check-pack.sh
