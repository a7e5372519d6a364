"""Training and decoding throughput of the neural baselines on SCAN's simple split.

    python bench/scan/throughput.py --device cpu --threads 2 --steps 40 \
        --json bench/scan/throughput-cpu.json

Trains each model with its default (published-size) configuration for ``--warmup``
steps, then times ``--steps`` more (examples/s = steps x batch / seconds, timed
between two progress callbacks, which synchronise the device); then times free
greedy decoding of ``--decode`` test commands (examples/s).
"""

from __future__ import annotations

import argparse
import time

import torch

from neurosym.bench.scan_runner import load_split, load_task
from neurosym.io import atomic_write_json
from neurosym.seq2seq.base import make_learner
from neurosym.versions import command_line, device_description, resolve_device, versions


def measure(
    model: str,
    train,
    test,
    device: torch.device,
    warmup: int,
    steps: int,
    decode: int,
    batch_size: int | None,
) -> dict:
    opts = {} if batch_size is None else {"batch_size": batch_size}
    learner = make_learner(model, device=device, seed=0, **opts)
    stamps: dict[int, float] = {}

    def cb(
        step: int, metrics: dict
    ) -> None:  # float(loss) inside fit already synchronised the device
        stamps[step] = time.perf_counter()

    learner.fit(train, steps=warmup, callback=cb)
    learner.fit(train, steps=warmup + steps, callback=cb)
    secs = stamps[warmup + steps] - stamps[warmup]
    bs = learner.train_config.batch_size
    inputs = [e.input for e in test[:decode]]
    learner.predict(inputs[:64])  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    learner.predict(inputs)
    dsecs = time.perf_counter() - t0
    return {
        "model": model,
        "batch_size": bs,
        "timed_steps": steps - 1,
        "train_seconds": round(secs, 3),
        "train_examples_per_second": round((steps - 1) * bs / secs, 1),
        "decode_examples": len(inputs),
        "decode_seconds": round(dsecs, 3),
        "decode_examples_per_second": round(len(inputs) / dsecs, 1),
        "parameters": learner.num_parameters(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--models", default="lstm,transformer")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--decode", type=int, default=1024)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    train, test, _ = load_split(load_task(None), "simple", None, dedupe=False)
    rows = [
        measure(m, train, test, device, args.warmup, args.steps, args.decode, args.batch_size)
        for m in args.models.split(",")
    ]
    for r in rows:
        print(
            f"{r['model']:12s} batch {r['batch_size']:3d}: train "
            f"{r['train_examples_per_second']:8.1f} ex/s ({r['timed_steps']} steps in "
            f"{r['train_seconds']:.2f} s); greedy decode {r['decode_examples_per_second']:8.1f} "
            f"ex/s ({r['decode_examples']} in {r['decode_seconds']:.2f} s)"
        )
    out = {
        "device": device_description(device),
        "threads": torch.get_num_threads(),
        "rows": rows,
        "versions": versions(),
        "command": command_line(),
    }
    if args.json:
        atomic_write_json(args.json, out)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
