#!/usr/bin/env bash
# Creates bench/.venv and installs numpy + threadpoolctl for the numpy/OpenBLAS reference side of
# the benchmarks. Idempotent and quiet: does nothing when both are already importable.
# Prints the venv's python path on stdout (the only stdout line).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="$venv/bin/python"
if [ ! -x "$py" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$py" -c 'import numpy, threadpoolctl' >/dev/null 2>&1; then
  echo "setup-python: installing numpy and threadpoolctl into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check numpy threadpoolctl >&2
fi
echo "$py"
