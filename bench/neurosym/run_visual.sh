#!/usr/bin/env bash
# Visual SCAN (bench/neurosym/RESULTS.md, section 5): the compositional model with the four
# action words seen as MNIST digits, every split and seed, then the per-split table.
#
#   bash bench/neurosym/run_visual.sh                       # 8 splits x 5 seeds, --device auto
#   DEVICE=cuda PARALLEL=4 bash bench/neurosym/run_visual.sh
#   SPLITS="simple addprim_jump" SEEDS=0 bash bench/neurosym/run_visual.sh
#   BASELINE=lstm SPLITS="simple addprim_jump" bash bench/neurosym/run_visual.sh  # the LSTM
#
# Each split is one process (1 torch thread) writing $OUT/visual-<split>.json; PARALLEL runs at
# once (default 2: the development machine's cores). The table comes from every JSON written.
# Environment: DEVICE (auto), SEEDS (0,1,2,3,4), SPLITS (all 8), PARALLEL (2), OUT
# (runs/visual_scan), BASELINE (empty: the compositional model; lstm: the LSTM on the same
# percept sequences, L&B's full budget of 3,125 steps), EXTRA (more flags for every run).
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-auto}
SEEDS=${SEEDS:-0,1,2,3,4}
SPLITS=${SPLITS:-simple length addprim_jump addprim_turn_left template_around_right template_jump_around_right template_opposite_right template_right}
PARALLEL=${PARALLEL:-2}
OUT=${OUT:-runs/visual_scan}
BASELINE=${BASELINE:-}
PY=$(command -v python3 || command -v python)
mkdir -p "$OUT"
MODEL_ARGS=()
TAG=visual
MODEL=neurosym  # the model name in each run's summary line
if [ -n "$BASELINE" ]; then MODEL_ARGS=(--baseline "$BASELINE"); TAG=$BASELINE; MODEL=$BASELINE; fi
echo "run_visual: splits [$SPLITS], seeds $SEEDS, device $DEVICE, $PARALLEL at a time, JSON in $OUT"
for split in $SPLITS; do
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do sleep 5; done
  PYTHONPATH=. OMP_NUM_THREADS=1 "$PY" bench/neurosym/visual_scan.py --device "$DEVICE" \
    --splits "$split" --seeds "$SEEDS" "${MODEL_ARGS[@]}" ${EXTRA:-} \
    --json "$OUT/$TAG-$split.json" > "$OUT/$TAG-$split.log" 2>&1 &
done
wait
grep -h " $MODEL:" "$OUT"/$TAG-*.log
if [ -z "$BASELINE" ]; then
  PYTHONPATH=. "$PY" bench/neurosym/visual_scan.py --table "$OUT"/visual-*.json
fi
