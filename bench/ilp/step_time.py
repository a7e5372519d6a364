"""Seconds per ∂ILP training step (forward chaining over T steps + backward + optimizer update).

    python bench/ilp/step_time.py --device cpu            # even/succ2 at 1, 16 and 64 restarts
    python bench/ilp/step_time.py --device cuda --json step_time_cuda.json
    python bench/ilp/step_time.py --task ancestor_40 --restarts 8 --grounding sparse,dense

Times :meth:`neurosym.ilp.training.Trainer.step` (exactly what ``RuleLearner.fit`` runs
between its checks) after ``--warmup`` untimed steps, and reports wall seconds per
step, per restart-step, and (CPU) the process CPU time per step. Reference: a public
PyTorch port of ∂ILP (jeasinema/DILP_pytorch, Python loop over clauses) measured about
0.1 s per step for one restart of even/succ2 on a 2-core CPU (the team's research notes, not
re-measured here); the last column is that figure divided by ours.
"""

from __future__ import annotations

import argparse
import time

import torch

from neurosym.ilp import RuleLearner
from neurosym.io import atomic_write_json
from neurosym.tasks.ilp_task import load_ilp_task
from neurosym.versions import command_line, device_description, resolve_device, versions

REFERENCE_SECONDS = 0.1  # one restart of even/succ2, jeasinema/DILP_pytorch, 2-core CPU


def time_steps(
    task,
    restarts: int,
    device: str,
    steps: int,
    warmup: int,
    threads: int | None,
    grounding: str = "sparse",
) -> dict:
    learner = RuleLearner(
        restarts=restarts, device=device, seed=0, threads=threads, grounding=grounding
    )
    dev = resolve_device(device)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    trainer = learner.prepare(task)
    for _ in range(warmup):
        trainer.step()
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(steps):
        trainer.step()
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    wall = (time.perf_counter() - wall0) / steps
    cpu = (time.process_time() - cpu0) / steps
    row = {
        "grounding": grounding,
        "restarts": restarts,
        "seconds_per_step": wall,
        "seconds_per_restart_step": wall / restarts,
        "cpu_seconds_per_step": cpu,
        "speedup_vs_reference_per_restart_step": REFERENCE_SECONDS / (wall / restarts),
        "threads": torch.get_num_threads() if dev.type == "cpu" else None,
        "estimated_memory_bytes": trainer.estimate.total,
    }
    if dev.type == "cuda":
        row["peak_memory_bytes"] = int(torch.cuda.max_memory_allocated(dev))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument(
        "--task", default="ilp/even", help="bundled task or task file (default ilp/even)"
    )
    ap.add_argument("--restarts", default="1,16,64", help="comma-separated restart counts")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per setting")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument(
        "--threads", type=int, default=None, help="CPU threads (default: RuleLearner's choice)"
    )
    ap.add_argument(
        "--grounding", default="sparse", help="comma-separated: sparse, dense (default sparse)"
    )
    ap.add_argument("--json", metavar="PATH", help="write the rows, device and versions as JSON")
    args = ap.parse_args()

    task = load_ilp_task(args.task)
    dev = resolve_device(args.device)
    rows = [
        time_steps(task, int(r), args.device, args.steps, args.warmup, args.threads, g)
        for g in args.grounding.split(",")
        for r in args.restarts.split(",")
    ]
    print(
        f"task {task.name} (T={task.steps}) on {device_description(dev)}; torch {torch.__version__}"
    )
    print(
        f"{'grounding':>9} {'restarts':>8} {'s/step':>10} {'s/restart-step':>15} "
        f"{'cpu s/step':>11} {'x vs 0.1 s':>11} {'threads':>7}"
    )
    for r in rows:
        print(
            f"{r['grounding']:>9} {r['restarts']:>8} {r['seconds_per_step']:>10.4f} "
            f"{r['seconds_per_restart_step']:>15.5f} {r['cpu_seconds_per_step']:>11.4f} "
            f"{r['speedup_vs_reference_per_restart_step']:>11.1f} "
            f"{r['threads'] if r['threads'] is not None else '-':>7}"
        )
    if args.json:
        atomic_write_json(
            args.json,
            {
                "task": task.name,
                "device": str(dev),
                "device_description": device_description(dev),
                "steps_timed": args.steps,
                "warmup": args.warmup,
                "rows": rows,
                "reference_seconds": REFERENCE_SECONDS,
                "versions": versions(),
                "command": command_line(),
            },
        )


if __name__ == "__main__":
    main()
