"""Run a benchmark's work items across processes with torch.distributed (launched by torchrun).

The model is deliberately simple, because benchmark work items (one ILP task, one
SCAN split × seed) are independent:

* every rank gets a deterministic share of the items (round-robin by index), so a
  run with K processes computes exactly what a single process computes, item by item;
* each rank appends a record to its own shard file (``<out>.shards/rank<k>.jsonl``)
  the moment an item finishes, so nothing finished is lost if a rank dies;
* at the end rank 0 waits for the others (a monitored barrier that names a dead rank),
  merges the shards in item order, and marks items whose rank never reported them.

Single-process runs (no torchrun) use the same code path with world size 1.
``merge_shards`` can also be called after a crash to recover what was finished.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch

T = TypeVar("T")


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def init_distributed() -> DistContext:
    """Join the process group torchrun set up; world size 1 otherwise.

    The backend is gloo on every device: the ranks only meet at the final barrier, and NCCL
    refuses several ranks on one GPU, which is how a single-GPU machine runs tasks side by side
    (``torchrun --nproc-per-node 8 ... --device cuda``).
    """
    if not launched_by_torchrun():
        return DistContext()
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="gloo", timeout=datetime.timedelta(minutes=60))
    return DistContext(
        dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0"))
    )


def rank_device(device: torch.device, ctx: DistContext) -> torch.device:
    """On a multi-GPU node each rank takes the GPU of its local rank."""
    if device.type == "cuda" and ctx.distributed:
        return torch.device("cuda", ctx.local_rank % max(torch.cuda.device_count(), 1))
    return device


def my_share(items: Sequence[T], ctx: DistContext) -> list[tuple[int, T]]:
    """(index, item) pairs this rank runs: items ctx.rank, ctx.rank + K, ctx.rank + 2K, ..."""
    return [(i, item) for i, item in enumerate(items) if i % ctx.world_size == ctx.rank]


def shard_dir(out: str | Path) -> Path:
    return Path(f"{out}.shards")


class ShardWriter:
    """Appends one JSON record per finished item to this rank's shard file (flushed and fsynced)."""

    def __init__(self, out: str | Path, ctx: DistContext, *, fresh: bool = True) -> None:
        self.path = shard_dir(out) / f"rank{ctx.rank}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh and self.path.exists():
            self.path.unlink()

    def write(self, index: int, record: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"index": index, "record": record}) + "\n")
            f.flush()
            os.fsync(f.fileno())


def merge_shards(
    out: str | Path, n_items: int, world_size: int | None = None
) -> list[dict[str, Any] | None]:
    """Records in item order from every shard file; None for items no rank reported."""
    merged: list[dict[str, Any] | None] = [None] * n_items
    for path in sorted(shard_dir(out).glob("rank*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a dying process
                continue
            if 0 <= entry["index"] < n_items:
                merged[entry["index"]] = entry["record"]
    return merged


def wait_for_all(ctx: DistContext, timeout_s: float = 3600.0) -> list[int]:
    """Barrier at the end of the work; returns the ranks that did not arrive (rank 0 only knows)."""
    if not ctx.distributed:
        return []
    import torch.distributed as dist

    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=timeout_s), wait_all_ranks=True)
        return []
    except RuntimeError as err:  # monitored_barrier names the ranks that failed to respond
        import re

        return sorted(
            {int(r) for r in re.findall(r"\b(\d+)\b", str(err).split("rank", 1)[-1])} - {ctx.rank}
        )


def finish(ctx: DistContext) -> None:
    if ctx.distributed:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def missing_owner(index: int, world_size: int) -> int:
    """The rank that owned item ``index`` (for reporting lost items)."""
    return index % world_size


def run_items(
    items: Sequence[T],
    work: Callable[[int, T], dict[str, Any]],
    *,
    out: str | Path,
    ctx: DistContext,
    on_record: Callable[[int, dict[str, Any]], None] | None = None,
    timeout_s: float = 3600.0,
) -> list[dict[str, Any]] | None:
    """Run this rank's share of ``items`` with ``work(index, item) -> record``; rank 0 returns all
    records.

    In a distributed run every finished record also goes to this rank's shard file, and
    records of items whose rank died come back as ``{"status": "lost", "rank": r, "error": ...}``.
    Ranks other than 0 return None.
    """
    writer = ShardWriter(out, ctx) if ctx.distributed else None
    local: list[dict[str, Any] | None] = [None] * len(items)
    for index, item in my_share(items, ctx):
        record = work(index, item)
        local[index] = record
        if writer is not None:
            writer.write(index, record)
        if on_record is not None:
            on_record(index, record)
    if not ctx.distributed:
        return local  # type: ignore[return-value]
    dead = wait_for_all(ctx, timeout_s)
    if not ctx.is_main:
        return None
    merged = merge_shards(out, len(items))
    out_records = []
    for i, rec in enumerate(merged):
        if rec is None:
            owner = missing_owner(i, ctx.world_size)
            rec = {
                "status": "lost",
                "rank": owner,
                "error": f"rank {owner} did not report this item"
                + (" (it died)" if owner in dead else ""),
            }
        out_records.append(rec)
    return out_records
