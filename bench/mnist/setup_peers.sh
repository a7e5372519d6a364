#!/usr/bin/env bash
# Build the peer environment for the MNIST benchmarks: bench/mnist/.venv-peers
# (DeepProbLog and its dependencies, kept OUT of the library's own venv and dependencies).
#
#   bash bench/mnist/setup_peers.sh          # idempotent: re-running only checks/prints
#
# torch is pinned to the library's version (2.13.0, the CPU wheel on this machine's disk):
# deepproblog requires an unpinned torch + torchvision, so a constraints file holds
# torch==2.13.0 for every pip call here (an unpinned resolve would pull a multi-GB CUDA build).
# pysdd / problog may build from source (gcc needed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv-peers"
PY="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
# the versions the benchmark was measured with (deepproblog 2.1.0: the newest release on PyPI when written)
printf "%s\n" "torch==$TORCH_VERSION" "deepproblog==2.1.0" "problog==2.3.0" "pysdd==1.0.6" "torchvision==0.28.0" >"$CONSTRAINTS"
PIP=("$VPY" -m pip install --disable-pip-version-check -c "$CONSTRAINTS")

# checks run from / so that the repository root (which holds neurosym/) is not on sys.path
have() { (cd / && "$VPY" -c "import $1") >/dev/null 2>&1; }

have torch || "${PIP[@]}" "torch==$TORCH_VERSION"
# deepproblog pulls problog, pysdd and torchvision (the one matching torch 2.13.0).
if ! have deepproblog || ! have pysdd || ! have problog || ! have torchvision; then
  "${PIP[@]}" deepproblog
fi
# neurosym itself (for the shared data split and DigitCNN), without its dependency resolve.
have neurosym || "${PIP[@]}" -e "$REPO" --no-deps
"${PIP[@]}" -q lark numpy tqdm safetensors

(cd / && "$VPY" -) <<'EOF'
import sys
from importlib.metadata import version, PackageNotFoundError
import torch
from pysdd.sdd import SddManager  # noqa: F401  (the compiled extension loads)
from deepproblog.engines import ExactEngine  # noqa: F401
import neurosym
print("neurosym from", neurosym.__file__)
print("python", sys.version.split()[0])
for name in ("deepproblog", "problog", "pysdd", "torch", "torchvision", "numpy", "neurosym"):
    try:
        print(f"{name:12s} {version(name)}")
    except PackageNotFoundError:
        print(f"{name:12s} MISSING")
assert torch.__version__.startswith("2.13.0"), torch.__version__
EOF
echo "peer environment ready: $VENV"
