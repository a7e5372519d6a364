#!/usr/bin/env bash
# Time to a verified program at e70864a and at this checkout, side by side (issue #17): the scaled
# suite, the 20 paper tasks and the Popper folders, one subprocess per task and commit.
#
#   bench/ilp/run_ttv_compare.sh [--device cpu|cuda] [--time-limit S] [--seed K] [more flags]
#
# Flags go to bench/ilp/ttv_compare.py (--suite, --tasks 'even_*,uncle_20', --old COMMIT, ...).
# Writes bench/ilp/results-<device>/ttv-compare-<UTC time>.json and .txt (the printed table).
# Run from anywhere; uses $PYTHON, else the repository's .venv/bin/python.
set -euo pipefail
cd "$(dirname "$0")/../.."

device=cpu
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
python="${PYTHON:-.venv/bin/python}"
out="bench/ilp/results-${device}"
mkdir -p "$out"
stamp="$(date -u +%Y%m%d-%H%M%S)"
"$python" bench/ilp/ttv_compare.py --device "$device" --time-limit 600 --seed 0 \
  --json "$out/ttv-compare-$stamp.json" "${args[@]}" | tee "$out/ttv-compare-$stamp.txt"
