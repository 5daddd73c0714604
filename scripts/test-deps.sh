#!/usr/bin/env bash
# What the test suite needs beyond `npm ci`, installed once and cached; idempotent and quick when
# everything is present (vitest's globalSetup runs it before every run, .ci/run before `npm test`).
#
#   - a Python venv at ~/.cache/tunenet/venv (override: TUNENET_PYTHON_VENV) with TensorBoard's
#     event reader, numpy + safetensors (the PyTorch-layout check) and optuna (the study export);
#   - chromium (report screenshots) and redis-server (the queue executor), from Debian's packages,
#     when missing and this shell may run apt-get (root); otherwise it says what to install.
#
# Prints nothing on success when all was cached; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${TUNENET_PYTHON_VENV:-$HOME/.cache/tunenet/venv}"
requirements="$here/python-requirements.txt"
stamp="$venv/.requirements"

if [ ! -x "$venv/bin/python" ]; then
  echo "test-deps: creating $venv" >&2
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
fi
# Reinstall only when the requirements file changed since the last install.
if ! cmp -s "$requirements" "$stamp"; then
  echo "test-deps: pip install -r $requirements into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: apt-get install ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
  else
    echo "test-deps: the tests need ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
