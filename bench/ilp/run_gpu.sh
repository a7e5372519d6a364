#!/usr/bin/env bash
# Everything issue #4 measures on a GPU, in one go, for a machine lent for a short while:
# the CUDA tests, the whole ∂ILP suite at 0 %, 10 % and 20 % flipped labels (tasks run side by
# side, several processes sharing the one GPU) and the connectedness scale test.
#
#   bench/ilp/run_gpu.sh OUT_DIR [--procs 8] [--suite-limit 300] [--scale-nodes 100,200,500]
#                        [--scale-limit 300] [--parts tests,suite0,suite10,suite20,scale]
#                        [--device cuda] [--tasks "TASK ..."]
#
# Writes OUT_DIR/noise-{0,0.1,0.2}.{json,txt}, OUT_DIR/scale-connectedness-N.json and scale-N.txt
# per size, OUT_DIR/tests.txt and OUT_DIR/summary.txt (wall seconds of each part, the whole-suite
# time included). Each part, and each scale size, runs under `timeout` (seconds given above), so
# the script ends even when a part is slow; a suite
# cut short still leaves its finished tasks in OUT_DIR/noise-*.json.shards/. Run from the
# repository root with the package importable (installed, or PYTHONPATH=.). Where one command
# may run 10 minutes at most, run it in parts: --parts tests,suite0 / --parts suite10,suite20 /
# --parts scale. Not yet run on a GPU (no session since it was written had one); checked on the
# CPU with --device cpu --procs 2 --tasks "predecessor father" --scale-nodes 10,20.
set -uo pipefail

out="${1:?usage: bench/ilp/run_gpu.sh OUT_DIR [options]}"; shift
procs=8
suite_limit=300
scale_nodes=100,200,500
scale_limit=300
parts=tests,suite0,suite10,suite20,scale
device=cuda
# the most expensive tasks first, so that round-robin dealing gives each process one of them
tasks="length buzz relatedness uncle member grandparent fizz cyclic less_than even father husband
       graph_colouring connectedness son two_children adjacent_to_red even_odd undirected_edge predecessor"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --procs) procs="$2"; shift 2 ;;
    --suite-limit) suite_limit="$2"; shift 2 ;;
    --scale-nodes) scale_nodes="$2"; shift 2 ;;
    --scale-limit) scale_limit="$2"; shift 2 ;;
    --parts) parts="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    *) echo "run_gpu.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
python=${PYTHON:-python3}
export OMP_NUM_THREADS=2 PYTHONUNBUFFERED=1

timed() {  # timed NAME LIMIT LOG CMD...: run CMD under timeout, output to LOG; wall time and exit code to summary
  local name=$1 limit=$2 log=$3; shift 3
  local t0; t0=$(date +%s%N)
  timeout "$limit" "$@" >"$log" 2>&1
  local rc=$? ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '%-8s %5d.%03d s  exit %d  (%s)\n' "$name" $((ms / 1000)) $((ms % 1000)) "$rc" "$*" | tee -a "$out/summary.txt"
}

{ nvidia-smi -L; "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'; } \
  | tee "$out/summary.txt"
if [[ ",$parts," == *,tests,* ]]; then
  timed tests 240 "$out/tests.txt" "$python" -m pytest -q -p no:cacheprovider tests/ilp/test_forward_exact.py \
    tests/tasks/test_data.py
  tail -n 3 "$out/tests.txt"
fi
for part in suite0 suite10 suite20; do
  [[ ",$parts," == *,"$part",* ]] || continue
  case "$part" in suite0) noise=0 ;; suite10) noise=0.1 ;; suite20) noise=0.2 ;; esac
  timed "$part" "$suite_limit" "$out/noise-$noise.txt" "$python" -m torch.distributed.run --standalone \
    --nproc-per-node "$procs" -m neurosym ilp bench $tasks --device "$device" --seed 0 --noise "$noise" \
    --no-progress --json "$out/noise-$noise.json"
  tail -n 26 "$out/noise-$noise.txt"
done
if [[ ",$parts," == *,scale,* ]]; then
  for nodes in ${scale_nodes//,/ }; do  # one process per size, each under its own limit
    timed "scale$nodes" "$scale_limit" "$out/scale-$nodes.txt" "$python" bench/ilp/scale_connectedness.py \
      --device "$device" --nodes "$nodes" --json "$out/scale-connectedness-$nodes.json"
    tail -n 1 "$out/scale-$nodes.txt"
  done
fi
cat "$out/summary.txt"
