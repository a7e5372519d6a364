#!/usr/bin/env bash
# The neural baselines on SCAN's 8 standard splits (recorded in bench/scan/RESULTS.md).
#
#   bash bench/scan/run_baselines.sh                               # lstm + transformer, 1 seed, --device auto
#   MODELS=transformer bash bench/scan/run_baselines.sh # what the lead still has to run on a GPU
#   MODELS=lstm SEEDS=3 bash bench/scan/run_baselines.sh
#
# lstm: Lake & Baroni 2018's overall-best architecture and optimiser (2x200 LSTM, no
#   attention, dropout 0.5, Adam, clip 5, teacher forcing on half the batches, examples
#   drawn with replacement) trained in batches of 32 (L&B: single examples). Batching
#   cuts the number of updates 32-fold, and L&B's 100k examples at batch 32 (3125 steps,
#   the library default) underfit (85.5% on simple, train 87%), so this script runs
#   6500 steps (208k examples) at lr 2e-3, decayed linearly to 0 over the last 20%
#   (LSTM_FLAGS). On one H100 the 8 splits in parallel (PARALLEL=8) took 430 s.
# transformer: the SCAN-sized config of neurosym/seq2seq/transformer.py (3+3 layers,
#   d_model 128, 8 heads, ff 512), batch 64, 7000 steps (TRANSFORMER_FLAGS): 99.1% on
#   simple in the exploration run (bench/scan/exploration-gpu-simple.txt).
# No AMP; greedy decoding in batches of 1024. Every split x model is its own run; finished
# runs are reused (--resume), so an interrupted script can simply be started again.
#
# Environment: DEVICE (auto), SEEDS (1), MODELS ("lstm transformer"), PARALLEL (runs at once: 8 where nvidia-smi exists, else 1),
# OUT (runs/scan_baselines), RESULTS (bench/scan/results), SCAN_DATA (folder of the official
# files; default: found automatically), LSTM_FLAGS, TRANSFORMER_FLAGS, EXTRA (flags for every run).
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-auto}
PARALLEL=${PARALLEL:-$(command -v nvidia-smi >/dev/null && echo 8 || echo 1)}  # 8 at once on a GPU
SEEDS=${SEEDS:-1}
MODELS=${MODELS:-lstm transformer}
OUT=${OUT:-runs/scan_baselines}
RESULTS=${RESULTS:-bench/scan/results}
LSTM_FLAGS=${LSTM_FLAGS:---steps 6500 --lr 0.002 -o lr_decay=0.2}
TRANSFORMER_FLAGS=${TRANSFORMER_FLAGS:---steps 7000 --batch-size 64}
SPLITS=${SPLITS:-simple length addprim_jump addprim_turn_left template_around_right template_jump_around_right template_opposite_right template_right}
if command -v neurosym >/dev/null 2>&1; then NEUROSYM=(neurosym); else NEUROSYM=(python3 -m neurosym); fi
PY=$(command -v python3 || command -v python)
DATA_ARGS=()
if [ -n "${SCAN_DATA:-}" ]; then DATA_ARGS=(--data "$SCAN_DATA"); fi
mkdir -p "$RESULTS"
echo "run_baselines: models [$MODELS], splits [$SPLITS], seeds $SEEDS, device $DEVICE, $PARALLEL at a time, runs in $OUT, summaries in $RESULTS"
start=$(date +%s)
mkdir -p "$OUT"
pids=()
for model in $MODELS; do
  for split in $SPLITS; do
    cmd=("${NEUROSYM[@]}" scan run --split "$split" --model "$model" --seeds "$SEEDS" --device "$DEVICE"
         --out "$OUT" --json "$RESULTS/$split-$model.json" --resume "${DATA_ARGS[@]}")
    case "$model" in lstm) flags=$LSTM_FLAGS ;; transformer) flags=$TRANSFORMER_FLAGS ;; *) flags= ;; esac
    # shellcheck disable=SC2206
    cmd+=($flags ${EXTRA:-})
    echo "== $(date +%T) $model on $split (elapsed $(( $(date +%s) - start )) s): ${cmd[*]}"
    if [ "$PARALLEL" -le 1 ]; then
      "${cmd[@]}"
    else  # several runs at once: small models leave a GPU mostly idle; each run logs to its own file
      "${cmd[@]}" > "$OUT/$split-$model.log" 2>&1 &
      pids+=($!)
      while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do sleep 1; done
    fi
  done
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
if [ "$PARALLEL" -gt 1 ]; then tail -n 4 "$OUT"/*.log; fi
[ "$status" -eq 0 ] || { echo "some runs failed: see $OUT/*.log" >&2; exit 1; }
echo "== all runs done in $(( $(date +%s) - start )) s; table:"
"$PY" bench/scan/collect.py "$RESULTS" | tee "$RESULTS/table.md"
