#!/usr/bin/env bash
# Installs the CPU build of torch before anything else, so no later install pulls a CUDA build
# (several GB) from PyPI. PyTorch's CPU wheel index first; where the network does not reach it,
# the configured index (a local mirror may hold the CPU build). Says which build was installed.
set -euo pipefail
python=${1:?usage: install-torch.sh PYTHON}
version=2.13.0

installed() {
  "$python" - "$version" <<'PY' 2>/dev/null
import sys
import torch
sys.exit(0 if torch.__version__.split("+")[0] == sys.argv[1] else 1)
PY
}

describe() {
  "$python" -W ignore -c 'import torch; print(f"torch {torch.__version__}: " + ("CUDA build " + torch.version.cuda if torch.version.cuda else "CPU build"))'
}

if installed; then
  echo "$(describe) (already installed)"
  exit 0
fi
if "$python" -m pip install --quiet --timeout 10 --retries 0 \
    --index-url https://download.pytorch.org/whl/cpu "torch==$version" >/dev/null 2>&1; then
  echo "$(describe), installed with PyTorch's CPU wheel index (and any configured find-links)"
else
  echo "PyTorch's CPU wheel index is not reachable; installing torch==$version from the configured index" >&2
  "$python" -m pip install --quiet "torch==$version"
  echo "$(describe), from the configured index"
fi
