"""MNIST hybrid benchmarks (issue #16): rules + digit encoder from pair labels, side by side.

    python bench/mnist/run.py --tasks addition,less_than,predecessor --seeds 0,1,2,3,4 \
        --device cpu --json bench/mnist/results-cpu.json

Tasks (data: the official MNIST test set; training percepts from images 0-7999, test percepts
from 8000-9999; no digit label is used in training, only to score the encoder afterwards):

* ``addition``: 4,000 training pairs, 1,000 test pairs, the sum program given (only the CNN
  learns), batch 2 and Adam 1e-3 as in DeepProbLog's example; beside it DeepProbLog itself on
  the same pairs, CNN and epochs (run in its own environment, ``bench/mnist/setup_peers.sh``,
  when that exists; ``--no-peers`` skips it) and a CNN that predicts the sum directly.
* ``less_than`` / ``predecessor``: ∂ILP's hybrid tasks over image pairs; the digit relation is
  learned from ``zero``/``succ`` while the CNN learns the digits; beside it the same CNN on
  both images + an MLP. "unseen" = test pairs whose digit combination never occurs in training.

Every result is written (atomically) to ``--json`` with the command, device, seeds and versions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from neurosym.bench.mnist_bench import RunResult, run_addition, run_relation
from neurosym.ilp.neural import HybridSettings
from neurosym.io import atomic_write_json
from neurosym.tasks.mnist import RELATIONS, read_mnist
from neurosym.versions import command_line, resolve_device, versions

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-peers" / "bin" / "python"


def deepproblog(seed: int, epochs: int, device: str) -> RunResult | str:
    """DeepProbLog's run on the same pairs (its own environment), or why it did not run."""
    if not PEER_PYTHON.exists():
        return f"not run: {PEER_PYTHON} missing (bash bench/mnist/setup_peers.sh)"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dpl.json"
        cmd = [
            str(PEER_PYTHON),
            str(HERE / "deepproblog_addition.py"),
            "--seed",
            str(seed),
            "--epochs",
            str(epochs),
            "--device",
            device,
            "--json",
            str(out),
        ]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd="/")
        if proc.returncode != 0 or not out.exists():
            return f"failed (exit {proc.returncode}): {proc.stderr.strip()[-400:]}"
        data = json.loads(out.read_text())
    return RunResult(
        "addition",
        "DeepProbLog (exact inference)",
        seed,
        data["sum_accuracy"],
        None,
        data["digit_accuracy"],
        seconds=data["train_seconds"],
        extra={"versions": data.get("versions", {})},
    )


def table(results: list[dict]) -> str:
    def pct(x):
        return "" if x is None else f"{100 * x:.1f}"

    def yes(x):
        return "" if x is None else ("yes" if x else "no")

    def cpu(r):
        return "" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.0f}"

    header = (
        "| task | method | seed | target acc % | unseen combos % | digit acc % | mirrored digit "
        "acc % | program = intended | right via digit map | seconds | CPU s |"
    )
    rows = [header, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r['task']} | {r['method']} | {r['seed']} | {pct(r['target_accuracy'])} | "
            f"{pct(r['unseen_accuracy'])} | {pct(r['digit_accuracy'])} | "
            f"{pct(r.get('mirrored_digit_accuracy'))} | {yes(r['recovered'])} | "
            f"{yes(r.get('right_through_digit_map'))} | {r['seconds']:.0f} | {cpu(r)} |"
        )
    return "\n".join(rows)


def summary(results: list[dict]) -> str:
    """Mean ± std over seeds per task and method (accuracies in %), and how many seeds' programs
    are right through the learned digit map."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        groups.setdefault((r["task"], r["method"]), []).append(r)

    def stat(rows: list[dict], key: str) -> str:
        xs = [100 * r[key] for r in rows if r.get(key) is not None]
        if not xs:
            return ""
        mean = sum(xs) / len(xs)
        std = (sum((x - mean) ** 2 for x in xs) / len(xs)) ** 0.5
        return f"{mean:.1f} ± {std:.1f}"

    header = (
        "| task | method | seeds | target acc % | unseen combos % | digit acc % | mirrored digit "
        "acc % | digit acc %, the better of the two | right via digit map | train s (mean) | "
        "CPU s (max) |"
    )
    rows = [header, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (task, method), rs in groups.items():
        right = [
            r["right_through_digit_map"] for r in rs if r.get("right_through_digit_map") is not None
        ]
        secs = sum(r["seconds"] for r in rs) / len(rs)
        cpus = [r["cpu_seconds"] for r in rs if r.get("cpu_seconds") is not None]
        for r in rs:
            both = [r.get(k) for k in ("digit_accuracy", "mirrored_digit_accuracy")]
            r["better_digit_accuracy"] = max((x for x in both if x is not None), default=None)
        rows.append(
            f"| {task} | {method} | {len(rs)} | {stat(rs, 'target_accuracy')} | "
            f"{stat(rs, 'unseen_accuracy')} | {stat(rs, 'digit_accuracy')} | "
            f"{stat(rs, 'mirrored_digit_accuracy')} | {stat(rs, 'better_digit_accuracy')} | "
            f"{f'{sum(right)}/{len(right)}' if right else ''} | {secs:.0f} | "
            f"{f'{max(cpus):.0f}' if cpus else ''} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--tasks",
        default="addition,less_than,predecessor",
        help="comma-separated: addition and/or " + ", ".join(RELATIONS),
    )
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    ap.add_argument(
        "--epochs", type=int, default=1, help="addition epochs (DeepProbLog gets the same)"
    )
    ap.add_argument("--relation-epochs", type=int, default=10, help="epochs of the relation tasks")
    ap.add_argument(
        "--train-pairs",
        type=int,
        default=12000,
        help="relation tasks: training pairs drawn from images 0-7999 (both methods)",
    )
    ap.add_argument(
        "--attempts",
        type=int,
        default=3,
        help="relation tasks: joint runs, lowest training loss kept",
    )
    ap.add_argument(
        "--good-enough",
        type=float,
        default=0.97,
        help="relation tasks: no further attempt once one fits this share of the training pairs",
    )
    ap.add_argument(
        "--any-concept-use",
        action="store_true",
        help="relation tasks: an attempt that leaves a concept unused may still be good enough",
    )
    ap.add_argument("--no-peers", action="store_true", help="do not run DeepProbLog")
    ap.add_argument("--json", default=None, help="write every result here (atomically)")
    ap.add_argument(
        "--tables", nargs="+", metavar="JSON", help="print the tables of recorded runs and exit"
    )
    args = ap.parse_args(argv)
    if args.tables:
        results = [r for path in args.tables for r in json.loads(Path(path).read_text())["results"]]
        print(table(results) + "\n\n" + summary(results))
        return 0
    device = str(resolve_device(args.device))
    images, labels = read_mnist()
    record = {
        "command": command_line(),
        "device": device,
        "threads": torch.get_num_threads(),
        "versions": versions(),
        "data": "MNIST test set; training percepts 0-7999, test percepts 8000-9999",
        "results": [],
        "notes": [],
    }
    for task in args.tasks.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            if task == "addition":
                found = run_addition(seed, images, labels, epochs=args.epochs, device=device)
                if not args.no_peers:
                    peer = deepproblog(seed, args.epochs, device)
                    if isinstance(peer, str):
                        record["notes"].append(f"DeepProbLog seed {seed}: {peer}")
                    else:
                        found.append(peer)
            else:
                cfg = HybridSettings(
                    epochs=args.relation_epochs,
                    attempts=args.attempts,
                    good_enough=args.good_enough,
                    every_concept=not args.any_concept_use,
                )
                found = run_relation(
                    task, seed, images, labels, train_pairs=args.train_pairs, device=device,
                    settings=cfg,
                )
            for r in found:
                print(json.dumps(r.to_json()), flush=True)
                record["results"].append(r.to_json())
            if args.json:
                atomic_write_json(args.json, record)
    print(table(record["results"]) + "\n\n" + summary(record["results"]))
    for note in record["notes"]:
        print("note:", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
