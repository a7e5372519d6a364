"""Run one SCAN split with the neuro-symbolic model through the runner, then read its run folder.

The same as  neurosym scan run --split addprim_jump --model neurosym --out DIR  from Python:
RunSettings holds the command's flags, run_scan trains, evaluates and writes one run folder per
seed (config.json, metrics.jsonl, checkpoint/, result.json, errors.txt, rules.txt).

Run:  python examples/scan_split.py [OUT_DIR]
"""

import json
import sys
import tempfile
from pathlib import Path

from neurosym.bench.scan_runner import RunSettings, run_scan

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
settings = RunSettings(split="addprim_jump", model="neurosym", seeds=1, device="cpu", out=str(out),
                       train_eval=500, progress=False)
summary = run_scan(settings)

run = out / "addprim_jump-neurosym-seed0"  # <split>-<model>-seed<k>
print(f"\nthe run folder {run} holds: {', '.join(sorted(p.name for p in run.iterdir()))}")
result = json.loads((run / "result.json").read_text())
print(f"test exact match {100 * result['test_accuracy']:.2f}% on {result['test_size']} commands, "
      f"{result['train_seconds']:.1f} s training")
print("rules.txt begins:")
print("".join((run / "rules.txt").read_text().splitlines(keepends=True)[:4]), end="")
metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
print(f"metrics.jsonl: {len(metrics)} lines, the last: {metrics[-1]}")
