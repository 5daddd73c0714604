#!/usr/bin/env bash
# Creates bench/.venv and installs numpy + threadpoolctl for the numpy/OpenBLAS reference side of
# the benchmarks. Idempotent and quiet: does nothing when both are already importable.
# Prints the venv's python path on stdout (the only stdout line).
#
#   bash bench/setup-python.sh            numpy + threadpoolctl (bench/gemm.mjs)
#   bash bench/setup-python.sh --torch    also the Python training peer for bench/run.mjs:
#                                         PyTorch from PyPI (plain `pip install torch`, large,
#                                         installed once); if torch cannot be installed, JAX
#                                         (jax[cpu]), then Keras on tensorflow-cpu. Whichever is
#                                         importable first is the one bench/train_python.py uses.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="$venv/bin/python"
if [ ! -x "$py" ]; then
  python3 -m venv "$venv" >&2
fi
pip() { "$py" -m pip install --quiet --disable-pip-version-check "$@" >&2; }
if ! "$py" -c 'import numpy, threadpoolctl' >/dev/null 2>&1; then
  echo "setup-python: installing numpy and threadpoolctl into $venv" >&2
  pip numpy threadpoolctl
fi
if [ "${1:-}" = "--torch" ]; then
  if ! "$py" -c 'import torch' >/dev/null 2>&1 \
    && ! "$py" -c 'import jax' >/dev/null 2>&1 \
    && ! "$py" -c 'import keras, tensorflow' >/dev/null 2>&1; then
    echo "setup-python: installing torch from PyPI into $venv (large download, once)…" >&2
    if ! pip torch; then
      echo "setup-python: torch did not install; trying jax[cpu]" >&2
      if ! pip 'jax[cpu]'; then
        echo "setup-python: jax[cpu] did not install; trying keras + tensorflow-cpu" >&2
        pip keras tensorflow-cpu || echo "setup-python: no Python training framework could be installed" >&2
      fi
    fi
  fi
  # bench/torch-export-check.mjs runs exportTorch's generated module, which loads with safetensors.
  if "$py" -c 'import torch' >/dev/null 2>&1 && ! "$py" -c 'import safetensors' >/dev/null 2>&1; then
    pip safetensors
  fi
fi
echo "$py"
