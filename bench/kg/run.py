"""Benchmark of the chain-rule learner on Family, Kinship and UMLS (Neural LP folders).

Each (set, seed) runs in its own process so its peak memory (max RSS) is its own:

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/kg/run.py --sets kinship umls family \\
        --seeds 0 1 2 --out bench/kg/results.json

Writes one JSON (every run: metrics on test and valid, test MRR with optimistic ties as the
Neural LP / DRUM code counts them, learn wall and CPU time, peak RSS, exact-rule
precision/recall, settings, versions, load average) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(os.environ.get("NEUROSYM_KG_DATA", "/work/shared/kg"))
# Family converges in few epochs and an epoch there costs ~30x one of UMLS.
EPOCHS = {"family": 3}


def run_one(name: str, seed: int, device: str) -> dict:
    import torch

    from neurosym.kg import ChainRuleLearner, KGConfig, exact_predictions, precision_recall
    from neurosym.tasks.kg import load_kg
    from neurosym.versions import device_description, versions

    load_before = os.getloadavg()
    kg = load_kg(DATA / name)
    config = KGConfig(seed=seed, device=device, **({"epochs": EPOCHS[name]} if name in EPOCHS
                                                   else {}))
    learner = ChainRuleLearner(config)
    start, cpu = time.perf_counter(), time.process_time()
    learner.fit(kg)
    learn_s, learn_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    test, valid = learner.evaluate("test"), learner.evaluate("valid")
    optimistic = learner.evaluate("test", ties="optimistic")
    eval_s = time.perf_counter() - start
    rules = learner.rules()
    start = time.perf_counter()
    exact = precision_recall(kg, exact_predictions(kg, rules))
    exact_s = time.perf_counter() - start
    names = kg.datalog_names()
    return {
        "set": name, "seed": seed, "config": config.to_json(), "test": test, "valid": valid,
        "test_optimistic_ties": optimistic, "valid_history": learner.history,
        "learn_seconds": learn_s, "learn_cpu_seconds": learn_cpu, "eval_seconds": eval_s,
        "exact_seconds": exact_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "exact": exact, "top_rules": [r.text(names) for r in rules[:10]],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "torch_threads": torch.get_num_threads(), "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(), "device": device_description(learner.device),
        "versions": versions(),
    }


def table(runs: list[dict]) -> str:
    """Markdown: mean (and min-max over seeds) per set."""
    def cell(values: list[float], fmt: str) -> str:
        mean = statistics.mean(values)
        if len(values) == 1:
            return format(mean, fmt)
        return f"{format(mean, fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"

    head = ("| set | seeds | MRR | Hits@1 | Hits@3 | Hits@10 | MRR, optimistic ties | learn s "
            "| learn CPU s | peak RSS MiB | exact P | exact R |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [head]
    for name in dict.fromkeys(r["set"] for r in runs):
        mine = [r for r in runs if r["set"] == name]
        seeds = ",".join(str(r["seed"]) for r in mine)
        cols = [cell([r["test"][k] for r in mine], ".3f")
                for k in ("mrr", "hits@1", "hits@3", "hits@10")]
        cols += [cell([r["test_optimistic_ties"]["mrr"] for r in mine], ".3f"),
                 cell([r["learn_seconds"] for r in mine], ".0f"),
                 cell([r["learn_cpu_seconds"] for r in mine], ".0f"),
                 cell([r["peak_rss_mib"] for r in mine], ".0f"),
                 cell([r["exact"]["precision"] for r in mine], ".3f"),
                 cell([r["exact"]["recall"] for r in mine], ".3f")]
        rows.append(f"| {name} | {seeds} | " + " | ".join(cols) + " |")
    return "\n".join(rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", nargs="+", default=["kinship", "umls", "family"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default="bench/kg/results.json")
    p.add_argument("--one", nargs=2, metavar=("SET", "SEED"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.device)))
        return 0
    runs = []
    for name in args.sets:
        if not (DATA / name).exists():
            print(f"skip {name}: {DATA / name} is absent", file=sys.stderr)
            continue
        for seed in args.seeds:
            out = subprocess.run([sys.executable, __file__, "--one", name, str(seed),
                                  "--device", args.device], check=False, capture_output=True,
                                 text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                return out.returncode
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            print(f"{name} seed {seed}: test MRR {r['test']['mrr']:.3f}, learn "
                  f"{r['learn_seconds']:.0f} s, peak {r['peak_rss_mib']:.0f} MiB, load "
                  f"{r['loadavg_before'][0]:.1f}", file=sys.stderr, flush=True)
            Path(args.out).write_text(json.dumps({"command": " ".join(sys.argv), "runs": runs},
                                                 indent=1))
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
