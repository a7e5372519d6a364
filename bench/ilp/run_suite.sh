#!/usr/bin/env bash
# The ∂ILP benchmark suite at 0%, 10% and 20% flipped training labels.
#
#   bench/ilp/run_suite.sh [--device auto|cpu|cuda] [--restarts N] [--steps S] [--seed K] [--out DIR] [TASK ...]
#
# Writes DIR/noise-0.json, DIR/noise-0.1.json, DIR/noise-0.2.json and DIR/noise-*.txt (the printed
# tables); DIR defaults to bench/ilp/results-<device>. Run from the repository root; uses .venv/bin/neurosym
# when present, else `neurosym` on the PATH. Extra arguments after the options are task names.
set -euo pipefail

device=auto
restarts=""
steps=""
seed=0
out=""
tasks=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --restarts) restarts="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "run_suite.sh: unknown option $1" >&2; exit 2 ;;
    *) tasks+=("$1"); shift ;;
  esac
done
out="${out:-bench/ilp/results-${device}}"
mkdir -p "$out"

if [[ -x .venv/bin/neurosym ]]; then neurosym=.venv/bin/neurosym; else neurosym=neurosym; fi
extra=(--device "$device" --seed "$seed")
[[ -n "$restarts" ]] && extra+=(--restarts "$restarts")
[[ -n "$steps" ]] && extra+=(--steps "$steps")

status=0
for noise in 0 0.1 0.2; do
  echo "== noise $noise ==" >&2
  # a failed task makes neurosym exit 1; keep going so every noise level is recorded
  "$neurosym" ilp bench "${tasks[@]}" "${extra[@]}" --noise "$noise" --json "$out/noise-$noise.json" \
    | tee "$out/noise-$noise.txt" || status=1
done
exit $status
