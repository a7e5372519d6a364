#!/usr/bin/env bash
# Speed-up of `neurosym ilp bench` with 2 torchrun processes over 1 on this machine's CPU.
#   bash bench/distributed/ilp_speedup.sh [--device cpu|cuda] [TASK ...]
# Each process uses one thread (OMP_NUM_THREADS=1), so 2 processes use the 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=cpu
if [ "${1:-}" = "--device" ]; then DEVICE=$2; shift 2; fi
TASKS=("$@")
if [ ${#TASKS[@]} -eq 0 ]; then
  TASKS=(predecessor undirected_edge father husband connectedness cyclic graph_colouring member adjacent_to_red two_children son even_odd)
fi
PY=${PYTHON:-.venv/bin/python}
OUT=${OUT:-runs/distributed}
mkdir -p "$OUT"
ARGS=(ilp bench "${TASKS[@]}" --restarts 8 --steps 200 --seed 0 --device "$DEVICE" --no-progress)
export OMP_NUM_THREADS=1
s=$(date +%s.%N)
"$PY" -m neurosym "${ARGS[@]}" --json "$OUT/one.json" | tail -4
m=$(date +%s.%N)
"$PY" -m torch.distributed.run --nproc-per-node 2 -m neurosym "${ARGS[@]}" --json "$OUT/two.json" | tail -4
e=$(date +%s.%N)
one=$(echo "$m - $s" | bc); two=$(echo "$e - $m" | bc)
echo "1 process: ${one} s   2 processes: ${two} s   speed-up: $(echo "scale=2; $one / $two" | bc)x"
"$PY" - "$OUT/one.json" "$OUT/two.json" <<'PY'
import json, sys
a, b = (json.load(open(p))["records"] for p in sys.argv[1:])
keys = ("task", "restarts_succeeded", "verified", "recovered", "steps_run", "program")
same = [{k: r.get(k) for k in keys} for r in a] == [{k: r.get(k) for k in keys} for r in b]
print("identical per-task results:", same)
PY
