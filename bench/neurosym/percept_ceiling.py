"""Supervised ceiling of the visual-SCAN percept networks: true labels, no rules.

    PYTHONPATH=. OMP_NUM_THREADS=1 .venv/bin/python bench/neurosym/percept_ceiling.py \
        --device cpu --seeds 0-13 --json bench/neurosym/results-percept-ceiling.json

Each network reads MNIST digits of classes 0-3 (the four action words of visual SCAN, as in
``visual_scan.py``) with their true labels: train images 0-7999 (3,315), test images 8000-9999
of those classes (842), ``--passes`` passes of Adam (lr 3e-3, batch 256, learning rate decaying
linearly to 0) on images distorted by :func:`random_affine`, as the encoder phases of the
perceived model train. What it measures is how many unseen images each network misreads when
every label is right: the perceived model cannot read test images better than this, and one
misread test image spoils every test command it is drawn into.

Networks: ``deepproblog`` is ``DigitCNN(84)`` (6 and 16 channels, the DeepProbLog / Scallop
MNIST network); ``perceived`` is :func:`percept_network` (16 and 32 channels, dropout 0.3),
the one visual SCAN uses.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neurosym.concepts.percept import DigitCNN, PerceptEncoder, images_to_tensor, random_affine
from neurosym.concepts.table import ConceptTable
from neurosym.io import atomic_write_json
from neurosym.seq2seq.perceived_model import FEATURES, percept_network
from neurosym.tasks.mnist import TEST_RANGE, TRAIN_RANGE, read_mnist
from neurosym.versions import command_line, device_description, resolve_device, versions

NETWORKS: dict[str, Callable[[], nn.Module]] = {
    "deepproblog": lambda: DigitCNN(FEATURES),
    "perceived": percept_network,
}
CLASSES = 4  # digits 0-3


def train_and_score(network: Callable[[], nn.Module], images: Tensor, labels: Tensor,
                    train: Tensor, test: Tensor, passes: int, seed: int,
                    device: torch.device) -> dict[str, Any]:
    """One encoder (``network`` against four concept rows) trained on ``images[train]`` with
    ``labels[train]`` (``images [N, 1, 28, 28]``, ``labels [N]``); its errors on ``test``."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    encoder = PerceptEncoder(network(), ConceptTable({str(c): 0 for c in range(CLASSES)}),
                             FEATURES).to(device)
    opt = torch.optim.Adam(encoder.parameters(), lr=3e-3)
    steps = max(1, passes * -(-len(train) // 256))
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / steps)
    start = time.process_time()
    encoder.train()
    for _ in range(passes):
        for part in train[torch.randperm(len(train), generator=gen)].split(256):
            x = random_affine(images[part], gen).to(device)
            loss = F.nll_loss(encoder(x), labels[part].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    cpu = time.process_time() - start
    encoder.eval()
    with torch.no_grad():
        wrong = int((encoder(images[test].to(device)).argmax(1).cpu() != labels[test]).sum())
    return {"seed": seed, "test_images": len(test), "misread": wrong,
            "accuracy": round(100 * (1 - wrong / len(test)), 2), "train_cpu_seconds": round(cpu, 1)}


def seeds_from(text: str) -> list[int]:
    """``"0-3"`` -> [0, 1, 2, 3]; ``"0,5"`` -> [0, 5]."""
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--seeds", default="0-13")
    parser.add_argument("--passes", type=int, default=40)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    raw, digits = read_mnist()
    images, labels = images_to_tensor(raw), torch.tensor(digits.astype("int64"))
    train = torch.tensor([i for i in TRAIN_RANGE if digits[i] < CLASSES])
    test = torch.tensor([i for i in TEST_RANGE if digits[i] < CLASSES])
    results: dict[str, list[dict[str, Any]]] = {}
    for name in args.networks.split(","):
        results[name] = []
        for seed in seeds_from(args.seeds):
            results[name].append(train_and_score(NETWORKS[name], images, labels, train, test,
                                                 args.passes, seed, device))
            if args.json:
                atomic_write_json(args.json, {
                    "command": command_line(), "device": device_description(device),
                    "versions": versions(), "threads": args.threads, "passes": args.passes,
                    "train_images": len(train), "results": results})
        runs = results[name]
        misread = [r["misread"] for r in runs]
        print(f"{name}: misread per seed {misread} of {len(test)}; mean "
              f"{100 * sum(misread) / len(misread) / len(test):.3f} %, most {max(misread)}; "
              f"{sum(r['train_cpu_seconds'] for r in runs) / len(runs):.1f} CPU s per run",
              flush=True)


if __name__ == "__main__":
    main()
