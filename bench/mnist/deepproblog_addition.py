"""DeepProbLog on single-digit MNIST addition, on the project's data split (issue #16, peer side).

Runs in the peer environment made by ``bench/mnist/setup_peers.sh`` (``bench/mnist/.venv-peers``),
never in the library's own venv: DeepProbLog is not a dependency of neurosym.

    bash bench/mnist/setup_peers.sh
    OMP_NUM_THREADS=2 bench/mnist/.venv-peers/bin/python bench/mnist/deepproblog_addition.py \
        --seed 0 --epochs 1 --device cpu --json runs/deepproblog_seed0.json

What is the same as neurosym's side of the benchmark:
  * the data: the official MNIST test set in ../shared/mnist, images 0-7999 for training percepts,
    8000-9999 for test percepts; the pairs are ``addition_pairs(labels, TRAIN_RANGE, 4000, seed)``
    and ``addition_pairs(labels, TEST_RANGE, 1000, seed)`` (neurosym.tasks.mnist), images as
    float32 in [0, 1] (``neurosym.concepts.percept.images_to_tensor``; no mean/std normalisation);
  * the network: ``nn.Sequential(DigitCNN(84), nn.ReLU(), nn.Linear(84, 10), nn.Softmax(1))``,
    which is DeepProbLog's own MNIST_Net layout (conv 1->6 5x5, pool, relu, conv 6->16 5x5, pool,
    relu, 256->120, relu, 120->84, relu, 84->10, softmax);
  * the number of epochs (``--epochs``).

DeepProbLog's setting (as in its MNIST addition example): the program below with exact inference
(``ExactEngine``: ProbLog grounding, knowledge compilation to an SDD, arithmetic circuit evaluated
on the network's probabilities; circuits cached per query shape), cross-entropy on the
probability of the query ``addition(a, b, sum)``, Adam lr 1e-3, batch size 2 (queries per step).
The training queries are shuffled each epoch with ``--seed``.

Reported: sum accuracy on the test pairs (most probable sum under exact inference, DeepProbLog's
``get_confusion_matrix``), digit accuracy of the network on the 2,000 test images (argmax; the
digit labels are used only here, never in training), training wall time (seconds, evaluation
excluded), the process CPU time of training (all threads; less sensitive than wall time to other
jobs on a shared machine), the 1-minute load average at the end, and the versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from torch import nn

with warnings.catch_warnings():  # "ApproximateEngine is not available as PySwip could not be found"
    warnings.simplefilter("ignore")
    from deepproblog.dataset import DataLoader, Dataset
    from deepproblog.engines import ExactEngine
    from deepproblog.evaluate import get_confusion_matrix
    from deepproblog.model import Model
    from deepproblog.network import Network
    from deepproblog.query import Query
    from deepproblog.train import train_model
from problog.logic import Constant, Term

from neurosym.concepts.percept import DigitCNN, images_to_tensor
from neurosym.tasks.mnist import TEST_RANGE, TRAIN_RANGE, DigitPairs, addition_pairs, read_mnist

PROGRAM = """\
nn(mnist_net,[X],Y,[0,1,2,3,4,5,6,7,8,9]) :: digit(X,Y).
addition(X,Y,Z) :- digit(X,X2), digit(Y,Y2), Z is X2+Y2.
"""
BATCH_SIZE = 2  # as in DeepProbLog's MNIST addition example
LEARNING_RATE = 1e-3


class ImageSource:
    """A DeepProbLog tensor source: the term ``tensor(mnist(I))`` -> image ``I`` ``[1, 28, 28]``.

    All 10,000 images are held as one tensor on the run's device; the indices are MNIST indices,
    so a test query can only name a test image if the pairs say so (they come from TEST_RANGE)."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __getitem__(self, args: tuple) -> torch.Tensor:
        return self.images[int(args[0])]


class AdditionQueries(Dataset):
    """The pairs as DeepProbLog queries ``addition(tensor(mnist(i)), tensor(mnist(j)), sum)``.

    The image terms enter through a substitution, so every query with the same sum shares one
    compiled circuit (DeepProbLog's cache is keyed on the unsubstituted query)."""

    def __init__(self, pairs: DigitPairs, source: str = "mnist") -> None:
        super().__init__()
        self.pairs = pairs
        self.source = source

    def __len__(self) -> int:
        return len(self.pairs)

    def to_query(self, i: int) -> Query:
        a, b = Term("a"), Term("b")
        subs = {a: Term("tensor", Term(self.source, Constant(int(self.pairs.first[i])))),
                b: Term("tensor", Term(self.source, Constant(int(self.pairs.second[i]))))}
        return Query(Term("addition", a, b, Constant(int(self.pairs.label[i]))), subs)


def digit_network() -> nn.Module:
    return nn.Sequential(DigitCNN(84), nn.ReLU(), nn.Linear(84, 10), nn.Softmax(1))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)  # DeepProbLog samples with numpy in its approximate paths
    torch.manual_seed(seed)


@torch.no_grad()
def digit_accuracy(
    module: nn.Module, images: torch.Tensor, labels: np.ndarray, pool: range
) -> float:
    module.eval()
    idx = torch.as_tensor(np.asarray(pool), device=images.device)
    pred = torch.cat([module(images[chunk]).argmax(1) for chunk in idx.split(500)]).cpu().numpy()
    return float((pred == labels[np.asarray(pool)]).mean())


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--train-pairs", type=int, default=4000)
    ap.add_argument("--test-pairs", type=int, default=1000)
    ap.add_argument(
        "--device",
        default="cpu",
        help="cpu or cuda (the network only; the logic "
        "side of DeepProbLog runs in Python on the CPU either way)",
    )
    ap.add_argument("--mnist", default=None, help="MNIST folder (default: ../shared/mnist)")
    ap.add_argument("--log-iter", type=int, default=500, help="print the loss every N batches")
    ap.add_argument("--json", default=None, help="write the result to this file")
    args = ap.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error("--device cuda: torch sees no CUDA device")
    device = torch.device(args.device)

    seed_everything(args.seed)
    raw_images, labels = read_mnist(args.mnist)
    train_pairs = addition_pairs(labels, TRAIN_RANGE, args.train_pairs, args.seed)
    test_pairs = addition_pairs(labels, TEST_RANGE, args.test_pairs, args.seed)
    images = images_to_tensor(raw_images, device)  # [10000, 1, 28, 28] in [0, 1]

    module = digit_network().to(device)
    net = Network(module, "mnist_net", batching=True)
    net.optimizer = torch.optim.Adam(module.parameters(), lr=LEARNING_RATE)
    model = Model(PROGRAM, [net], load=False)
    model.set_engine(ExactEngine(model), cache=True)
    model.add_tensor_source("mnist", ImageSource(images))

    loader = DataLoader(AdditionQueries(train_pairs), BATCH_SIZE, shuffle=True, seed=args.seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    trainer = train_model(model, loader, args.epochs, log_iter=args.log_iter, verbose=1)
    if device.type == "cuda":
        torch.cuda.synchronize()
    train_seconds = time.perf_counter() - start
    train_cpu_seconds = time.process_time() - cpu_start

    start = time.perf_counter()
    with torch.no_grad():
        sum_acc = get_confusion_matrix(model, AdditionQueries(test_pairs)).accuracy()
    eval_seconds = time.perf_counter() - start
    digit_acc = digit_accuracy(module, images, labels, TEST_RANGE)

    result = {
        "system": "deepproblog",
        "task": "mnist_addition",
        "sum_accuracy": round(float(sum_acc), 4),
        "digit_accuracy": round(digit_acc, 4),
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "eval_seconds": round(eval_seconds, 1),
        "epochs": args.epochs,
        "seed": args.seed,
        "train_pairs": len(train_pairs),
        "test_pairs": len(test_pairs),
        "test_images": len(TEST_RANGE),
        "batch_size": BATCH_SIZE,
        "optimizer": f"Adam lr={LEARNING_RATE}",
        "engine": "ExactEngine (SDD), circuits cached",
        "iterations": trainer.i - 1,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "versions": {
            name: version(name) for name in ("deepproblog", "problog", "pysdd", "torch", "numpy")
        }
        | {"python": platform.python_version()},
        "command": " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv]),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
