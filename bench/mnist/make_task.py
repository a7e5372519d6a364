"""Write the bundled task file tasks/ilp/neural/mnist_less_than.task (or another relation's).

    python bench/mnist/make_task.py --relation less_than --train-pairs 1000 --test-pairs 300 \
        --out tasks/ilp/neural/mnist_less_than.task

The digits of the images choose the pairs and their labels (as a user labels pairs); the task
file holds only the labels of the pairs, never a digit.
"""

from __future__ import annotations

import argparse
import sys

from neurosym.io import atomic_write_text
from neurosym.tasks.mnist import RELATIONS, read_mnist, relation_task_text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--relation", default="less_than", choices=list(RELATIONS))
    ap.add_argument("--train-pairs", type=int, default=1000)
    ap.add_argument("--test-pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    _, labels = read_mnist()
    text = relation_task_text(labels, args.relation, args.train_pairs, args.test_pairs, args.seed)
    atomic_write_text(args.out, text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
