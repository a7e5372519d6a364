"""Scale test of the ∂ILP engine: connectedness on random graphs of growing size (issue #4).

    .venv/bin/python bench/ilp/scale_connectedness.py --device cpu --nodes 20,40,80,160 \
        --time-limit 600 --json bench/ilp/results-cpu/scale-connectedness.json

For each N: a random directed graph on N nodes (each node gets ``--out-degree`` edges to random
other nodes, seeded), the target ``connected/2`` is its transitive closure, every other pair is a
negative example (N * N target atoms in all). Templates as in tasks/ilp/connectedness.task
(``(0, no), (1, yes)``); T = ceil(log2(longest shortest path)) + 1 chaining steps, enough for
``connected(X, Y) :- connected(X, Z), connected(Z, Y)``. Each N is learned, its program checked
by the exact evaluator, and time and peak memory recorded; sizes stop at the first run over
``--time-limit`` seconds or out of memory. The JSON (rewritten after each size) carries the
command, device, seed and versions. ``--estimate-only`` prints each size's memory estimate
(what the learner checks before allocating) and trains nothing: it sizes a GPU run.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import deque
from typing import Any

import torch

from neurosym.errors import ResourceLimitError
from neurosym.ilp import RuleLearner, make_task
from neurosym.ilp.training import fit_layout
from neurosym.io import atomic_write_json
from neurosym.logic.terms import atom
from neurosym.tasks.ilp_task import ILPTask
from neurosym.versions import command_line, versions


def random_graph(nodes: int, out_degree: int, seed: int) -> list[tuple[int, int]]:
    """``out_degree`` distinct edges from every node to other nodes, drawn with ``seed``."""
    rng = random.Random(seed)
    edges = []
    for a in range(nodes):
        for b in rng.sample([n for n in range(nodes) if n != a], min(out_degree, nodes - 1)):
            edges.append((a, b))
    return edges


def closure_and_depth(nodes: int, edges: list[tuple[int, int]]) -> tuple[set[tuple[int, int]], int]:
    """Reachable pairs (paths of length >= 1) and the longest shortest path, by BFS from every
    node."""
    succ: dict[int, list[int]] = {n: [] for n in range(nodes)}
    for a, b in edges:
        succ[a].append(b)
    reach, depth = set(), 1
    for s in range(nodes):
        dist = {}
        queue = deque((b, 1) for b in succ[s])
        while queue:
            n, d = queue.popleft()
            if n in dist:
                continue
            dist[n] = d
            queue.extend((m, d + 1) for m in succ[n] if m not in dist)
        reach.update((s, n) for n in dist)
        depth = max([depth, *dist.values()])
    return reach, depth


def graph_task(nodes: int, args: argparse.Namespace) -> tuple[ILPTask, int, int]:
    """The connectedness task on a seeded random graph: (task, edges, longest shortest path)."""
    edges = random_graph(nodes, args.out_degree, args.seed)
    reach, depth = closure_and_depth(nodes, edges)
    names = [f"n{i}" for i in range(nodes)]
    steps = math.ceil(math.log2(max(depth, 1))) + 1
    task = make_task(
        [atom("edge", names[a], names[b]) for a, b in edges],
        [atom("connected", names[a], names[b]) for a, b in sorted(reach)],
        templates={"connected": [(0, False), (1, True)]},
        constants=names,
        steps=steps,
        name=f"connectedness-{nodes}",
    )
    return task, len(edges), depth


def run_size(nodes: int, args: argparse.Namespace) -> dict[str, Any]:
    task, num_edges, depth = graph_task(nodes, args)
    learner = RuleLearner(
        restarts=args.restarts,
        steps=args.steps,
        device=args.device,
        seed=args.seed,
        threads=args.threads,
    )
    record: dict[str, Any] = {
        "nodes": nodes,
        "edges": num_edges,
        "target_atoms": nodes * nodes,
        "positives": len(task.train[0].positives),
        "longest_path": depth,
        "chaining_steps": task.steps,
    }
    start = time.perf_counter()
    try:
        result = learner.fit(task)
    except (ResourceLimitError, torch.cuda.OutOfMemoryError, MemoryError) as err:
        record.update(
            status="out of memory",
            error=str(err).splitlines()[0],
            seconds=round(time.perf_counter() - start, 2),
        )
        return record
    record.update(
        status="verified" if result.verified else "not verified",
        verified=result.verified,
        seconds=round(result.seconds, 2),
        steps_run=result.steps_run,
        restarts_succeeded=result.restarts_succeeded,
        restarts=result.restarts,
        peak_memory_mib=round(result.peak_memory_bytes / 2**20, 1),
        estimated_memory_mib=round(result.estimated_memory_bytes / 2**20, 1),
        program=result.program_text,
        labels_contradicted=result.labels_contradicted,
    )
    return record


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", default="20,40,80,160,320,500", help="graph sizes, comma-separated")
    p.add_argument("--out-degree", type=int, default=1, help="edges leaving each node (default 1)")
    p.add_argument("--restarts", type=int, default=4)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=600,
        help="stop after the first size slower than this (s)",
    )
    p.add_argument("--json", default="bench/ilp/results-cpu/scale-connectedness.json")
    p.add_argument(
        "--estimate-only",
        action="store_true",
        help="print the memory estimate of each size (fixed + per restart) and train nothing",
    )
    args = p.parse_args(argv)
    if args.estimate_only:
        for nodes in [int(n) for n in args.nodes.split(",")]:
            learner = RuleLearner(restarts=1, steps=args.steps, device="cpu", seed=args.seed)
            est = fit_layout(learner.config, graph_task(nodes, args)[0]).estimate(restarts=1)
            print(
                f"{nodes:5d} nodes {nodes * nodes:7d} atoms: {est.fixed / 2**30:.2f} GiB + "
                f"{est.per_restart / 2**30:.2f} GiB per restart",
                flush=True,
            )
        return 0
    out: dict[str, Any] = {
        "header": {
            "command": command_line(),
            "device": args.device,
            "seed": args.seed,
            "versions": versions(),
            "restarts": args.restarts,
            "steps": args.steps,
            "out_degree": args.out_degree,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
        "sizes": [],
    }
    for nodes in [int(n) for n in args.nodes.split(",")]:
        record = run_size(nodes, args)
        out["sizes"].append(record)
        atomic_write_json(args.json, out)
        print(
            f"{nodes:5d} nodes {record['target_atoms']:7d} atoms T={record['chaining_steps']}: "
            f"{record['status']} in {record['seconds']:.1f} s, peak "
            f"{record.get('peak_memory_mib', '?')} MiB  {record.get('program', '')!r}",
            flush=True,
        )
        if record["status"] == "out of memory" or record["seconds"] > args.time_limit:
            break
    out["header"]["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    atomic_write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
