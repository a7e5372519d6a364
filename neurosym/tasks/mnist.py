"""MNIST images as percepts: the IDX reader, the project's train/test split, digit-pair tasks.

Only numpy and gzip (no torchvision, no download). The shared folder holds the
official 10,000-image MNIST *test* set; every neurosym result uses images
``0..7999`` to draw training percepts from and ``8000..9999`` for test percepts
(:data:`TRAIN_RANGE`, :data:`TEST_RANGE`).

>>> images, labels = read_mnist()                       # doctest: +SKIP
>>> images.shape, images.dtype, labels[:3]              # doctest: +SKIP
((10000, 28, 28), dtype('uint8'), array([7, 2, 1], dtype=uint8))
"""

from __future__ import annotations

import functools
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurosym.errors import NeurosymError
from neurosym.io import read_bytes

MNIST_DATA_ENV = "NEUROSYM_MNIST_DATA"
IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
TRAIN_RANGE = range(8000)
"""Images percepts are drawn from during training."""
TEST_RANGE = range(8000, 10000)
"""Images percepts are drawn from at test time (never seen in training)."""


def mnist_candidates() -> list[Path]:
    """Where the MNIST folder is looked for, in order: ``$NEUROSYM_MNIST_DATA``, then
    ``../shared/mnist`` beside the repository, then ``../shared/mnist`` from the working directory.
    """
    from neurosym.resources import data_folder_candidates

    return data_folder_candidates(MNIST_DATA_ENV, "mnist")


def default_mnist_dir() -> Path | None:
    """The first candidate folder holding both IDX files, or None."""
    for folder in mnist_candidates():
        if (folder / IMAGES_FILE).is_file() and (folder / LABELS_FILE).is_file():
            return folder.resolve()
    return None


def _read_idx(path: Path, offset: int, magic: int) -> np.ndarray:
    packed = read_bytes(path, what="gzip'd MNIST IDX file")
    try:
        raw = gzip.decompress(packed)
    except (OSError, EOFError, zlib.error) as exc:
        raise NeurosymError(f"{path}: cannot read the gzip'd IDX file ({exc})") from None
    if len(raw) < offset or int.from_bytes(raw[:4], "big") != magic:
        raise NeurosymError(
            f"{path}: not an MNIST IDX file (bad header); fix: use the official t10k files"
        )
    return np.frombuffer(raw, np.uint8, offset=offset)


def read_mnist(folder: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``uint8 [N, 28, 28]`` and labels ``uint8 [N]`` from an MNIST folder.

    ``folder`` None: :func:`default_mnist_dir`. Raises :class:`NeurosymError`
    naming every place looked in when the files are missing.
    """
    if folder is None:
        found = default_mnist_dir()
        if found is None:
            looked = ", ".join(str(p) for p in mnist_candidates())
            raise NeurosymError(
                f"MNIST files ({IMAGES_FILE}, {LABELS_FILE}) not found; looked in "
                f"{looked}; fix: set ${MNIST_DATA_ENV} to the folder"
            )
        folder = found
    folder = Path(folder)
    for name in (IMAGES_FILE, LABELS_FILE):
        if not (folder / name).is_file():
            raise NeurosymError(
                f"{folder / name}: missing; fix: point to a folder with "
                f"{IMAGES_FILE} and {LABELS_FILE}"
            )
    images = _read_idx(folder / IMAGES_FILE, 16, 2051)
    labels = _read_idx(folder / LABELS_FILE, 8, 2049)
    if images.size != labels.size * 28 * 28:
        raise NeurosymError(f"{folder}: {images.size // 784} images but {labels.size} labels")
    return images.reshape(-1, 28, 28), labels


def write_idx(folder: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write uint8 images ``[N, 28, 28]`` and labels ``[N]`` as the two gzip'd IDX files
    :func:`read_mnist` reads (e.g. :func:`synthetic_digits` as a stand-in MNIST folder)."""
    folder = Path(folder)
    n = len(images).to_bytes(4, "big")
    with gzip.open(folder / IMAGES_FILE, "wb") as f:
        f.write((2051).to_bytes(4, "big") + n + (28).to_bytes(4, "big") * 2 + images.tobytes())
    with gzip.open(folder / LABELS_FILE, "wb") as f:
        f.write((2049).to_bytes(4, "big") + n + labels.tobytes())


@functools.lru_cache(maxsize=2)
def _read_cached(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    return read_mnist(folder)


def load_percept_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Images ``uint8 [N, 28, 28]`` and labels ``[N]`` of the percept data set ``name`` (a task
    file's ``percept ... from mnist``): all 10,000 images of the MNIST folder, read once."""
    if name != "mnist":
        raise NeurosymError(f"unknown percept data set {name!r}; the data sets are: mnist")
    folder = default_mnist_dir()
    return read_mnist() if folder is None else _read_cached(folder)


@dataclass(frozen=True)
class DigitPairs:
    """Pairs of image indices with a label computed from their (hidden) digits.

    ``first`` / ``second``: int64 ``[P]`` image indices; ``label``: int64 ``[P]``
    (a sum, or 0/1 for a relation). The digits themselves are never given to a learner.
    """

    first: np.ndarray
    second: np.ndarray
    label: np.ndarray

    def __len__(self) -> int:
        return len(self.first)


def addition_pairs(labels: np.ndarray, pool: range, count: int, seed: int) -> DigitPairs:
    """``count`` pairs of distinct images drawn from ``pool`` without reuse, labelled with the
    sum of their digits (DeepProbLog's single-digit MNIST addition)."""
    if 2 * count > len(pool):
        raise NeurosymError(f"{count} pairs need {2 * count} images; the pool has {len(pool)}")
    order = np.random.default_rng(seed).permutation(np.asarray(pool))[: 2 * count]
    first, second = order[:count].astype(np.int64), order[count:].astype(np.int64)
    return DigitPairs(first, second, (labels[first].astype(np.int64) + labels[second]))


def relation_pairs(
    labels: np.ndarray,
    pool: range,
    count: int,
    seed: int,
    relation: str,
    exclude: frozenset[tuple[int, int]] = frozenset(),
) -> DigitPairs:
    """``count`` image pairs from ``pool``, half of them positive for ``relation`` on their digits
    (``less_than``: a < b; ``predecessor``: a + 1 == b), digit combinations in ``exclude`` left
    out (to test on combinations never seen in training)."""
    holds = {"less_than": lambda a, b: a < b, "predecessor": lambda a, b: a + 1 == b}
    if relation not in holds:
        raise NeurosymError(f"unknown relation {relation!r}; choose from {', '.join(holds)}")
    rng = np.random.default_rng(seed)
    pool_idx = np.asarray(pool)
    by_digit = [pool_idx[labels[pool_idx] == d] for d in range(10)]
    combos = [(a, b) for a in range(10) for b in range(10) if (a, b) not in exclude]
    pos = [c for c in combos if holds[relation](*c)]
    neg = [c for c in combos if not holds[relation](*c)]
    if not pos or not neg:
        raise NeurosymError(
            f"{relation}: the excluded combinations leave no positive or negative pair"
        )
    firsts, seconds, out = [], [], []
    for i in range(count):
        side = pos if i % 2 == 0 else neg
        a, b = side[rng.integers(len(side))]
        firsts.append(rng.choice(by_digit[a]))
        seconds.append(rng.choice(by_digit[b]))
        out.append(1 if side is pos else 0)
    perm = rng.permutation(count)
    return DigitPairs(
        np.asarray(firsts, np.int64)[perm],
        np.asarray(seconds, np.int64)[perm],
        np.asarray(out, np.int64)[perm],
    )


def synthetic_digits(seed: int = 0, count: int = 10000) -> tuple[np.ndarray, np.ndarray]:
    """Stand-in percepts for tests and examples without the MNIST files: ten random 28x28 stroke
    patterns, each image one of them plus Gaussian noise. Images ``uint8 [count, 28, 28]``,
    labels ``uint8 [count]``."""
    rng = np.random.default_rng(seed)
    templates = (rng.random((10, 28, 28)) < 0.2) * 200.0
    labels = rng.integers(0, 10, count).astype(np.uint8)
    noise = rng.normal(0, 40, (count, 28, 28))
    return np.clip(templates[labels] + noise, 0, 255).astype(np.uint8), labels


RELATIONS = {
    # relation: (templates of the learned digit relation, steps T, intended program)
    "less_than": (
        [(0, False), (1, True)],
        9,
        "t(X, Y) :- succ(X, Y). t(X, Y) :- t(X, Z), succ(Z, Y).",
    ),
    "predecessor": ([(0, False)], 1, "t(X, Y) :- succ(X, Y)."),
}
"""The digit-level relation ``t(C, D)`` each image task asks for (a ``less_than`` image pair has
``t(digit_i, digit_j)``; ``predecessor(i, j)``: the digit of ``i`` is the predecessor of
``j``'s)."""


def relation_task_text(
    labels: np.ndarray, relation: str, train_pairs: int, test_pairs: int, seed: int
) -> str:
    """An ILP task file for ∂ILP's hybrid task ``relation`` over image pairs: a neural predicate
    ``digit`` from mnist, ``zero``/``succ`` over the digits, examples over pairs of images
    (training from :data:`TRAIN_RANGE`, a ``validation`` world from :data:`TEST_RANGE`)."""
    templates, steps, solution = RELATIONS[relation]
    rules = ", ".join(f"({v}, {'yes' if i else 'no'})" for v, i in templates)
    clauses = re.sub(r"\bt\(", f"{relation}(", solution).replace(". ", ".\n  ")

    def block(pairs: DigitPairs, label: int) -> str:
        atoms = [
            f"{relation}(mnist[{a}], mnist[{b}])."
            for a, b, y in zip(pairs.first, pairs.second, pairs.label)
            if y == label
        ]
        return "\n".join("  " + " ".join(atoms[i : i + 2]) for i in range(0, len(atoms), 2))

    def world(pairs: DigitPairs) -> str:
        return f"positive {{\n{block(pairs, 1)}\n}}\nnegative {{\n{block(pairs, 0)}\n}}"

    train = relation_pairs(labels, TRAIN_RANGE, train_pairs, seed, relation)
    test = relation_pairs(labels, TEST_RANGE, test_pairs, seed + 1, relation)
    digits = ", ".join(f"{d}: {d}" for d in range(10))
    return f"""# {relation} over pairs of MNIST images: ∂ILP's hybrid task (Evans & Grefenstette
# 2018). The digit of each image is never given: a CNN learns it through the rules learned over
# the digit concepts. Generated by bench/mnist/make_task.py (seed {seed}): {train_pairs} training
# pairs from images 0-7999, {test_pairs} validation pairs from images 8000-9999.
task mnist_{relation}
percept digit from mnist {{{digits}}}
constants 0..9
extensional zero/1, succ/2
target {relation}/2
rules {relation}: {rules}
steps {steps}
background {{
  zero(0).
  succ(X, X+1) for X in 0..8.
}}
{world(train)}
validation test {{
background {{
  zero(0).
  succ(X, X+1) for X in 0..8.
}}
{world(test)}
}}
solution {{
  {clauses}
}}
"""
