"""A real 2-process gloo job: merged results equal a single-process run; a dead rank is reported."""

from __future__ import annotations

import json
import os
import socket

import torch
import torch.multiprocessing as mp

from neurosym.bench.distributed import DistContext, finish, init_distributed, my_share, run_items


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _work(index: int, item: int) -> dict:
    g = torch.Generator().manual_seed(item)
    return {"item": item, "value": float(torch.rand(3, generator=g).sum()), "pid": os.getpid()}


def _worker(rank: int, world: int, port: int, out: str, die_rank: int, result_file: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
    )
    ctx = init_distributed()

    def work(index: int, item: int) -> dict:
        if rank == die_rank and index >= 2:
            os._exit(3)  # simulate a crash after finishing one item
        return _work(index, item)

    records = run_items(
        list(range(10, 16)), work, out=out, ctx=ctx, timeout_s=10 if die_rank >= 0 else 120
    )
    if ctx.is_main:
        with open(result_file, "w") as f:
            json.dump(records, f)
    if die_rank < 0:
        finish(ctx)


def _spawn(tmp_path, die_rank: int) -> list[dict]:
    result_file = tmp_path / f"merged{die_rank}.json"
    ctx = mp.get_context("spawn")
    port = _free_port()
    procs = [
        ctx.Process(
            target=_worker,
            args=(r, 2, port, str(tmp_path / f"out{die_rank}.json"), die_rank, str(result_file)),
        )
        for r in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    return json.loads(result_file.read_text())


def test_partition_is_round_robin_and_complete():
    items = list("abcdefg")
    shares = [my_share(items, DistContext(rank=r, world_size=3)) for r in range(3)]
    assert sorted(i for s in shares for i, _ in s) == list(range(7))
    assert shares[1] == [(1, "b"), (4, "e")]


def test_two_process_gloo_equals_single_process(tmp_path):
    merged = _spawn(tmp_path, die_rank=-1)
    single = run_items(list(range(10, 16)), _work, out=tmp_path / "single.json", ctx=DistContext())
    strip = lambda recs: [{k: v for k, v in r.items() if k != "pid"} for r in recs]
    assert strip(merged) == strip(single)
    assert len({r["pid"] for r in merged}) == 2  # really two processes did the work


def test_dead_rank_is_reported_and_finished_work_kept(tmp_path):
    merged = _spawn(tmp_path, die_rank=1)
    # rank 1 owned items 1, 3, 5; it finished item 1 and died at item 3.
    assert merged[1]["item"] == 11
    assert merged[3]["status"] == "lost" and merged[3]["rank"] == 1
    assert merged[5]["status"] == "lost"
    assert [merged[i]["item"] for i in (0, 2, 4)] == [10, 12, 14]


def _bench(tmp_path, name: str, nproc: int) -> list[dict]:
    import subprocess
    import sys

    cmd = [
        sys.executable,
        "-m",
        "neurosym",
        "ilp",
        "bench",
        "predecessor",
        "undirected_edge",
        "father",
        "--restarts",
        "4",
        "--steps",
        "50",
        "--device",
        "cpu",
        "--no-progress",
        "--json",
        str(tmp_path / name),
    ]
    if nproc > 1:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            str(nproc),
            "--master-port",
            str(_free_port()),
            *cmd[1:],
        ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        cmd, check=False, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("3/3 verified") == 1  # only rank 0 prints the table
    return json.loads((tmp_path / name).read_text())["records"]


def test_ilp_bench_under_torchrun_equals_single_process(tmp_path):
    two = _bench(tmp_path, "two.json", 2)
    one = _bench(tmp_path, "one.json", 1)
    keys = (
        "task",
        "status",
        "clauses_generated",
        "restarts",
        "restarts_succeeded",
        "verified",
        "recovered",
        "steps_run",
        "program",
    )
    assert [{k: r[k] for k in keys} for r in two] == [{k: r[k] for k in keys} for r in one]
    assert {r["rank"] for r in two} == {0, 1} and {r["rank"] for r in one} == {0}
