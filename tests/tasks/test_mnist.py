"""The MNIST reader: the official IDX files, clear errors when they are missing or wrong."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from neurosym.errors import NeurosymError
from neurosym.tasks.mnist import (
    IMAGES_FILE,
    LABELS_FILE,
    TEST_RANGE,
    TRAIN_RANGE,
    addition_pairs,
    default_mnist_dir,
    read_mnist,
    relation_pairs,
    write_idx,
)


def test_reads_idx_files_and_builds_pairs(tmp_path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 10000).astype(np.uint8)
    write_idx(tmp_path, images, labels)
    got_images, got_labels = read_mnist(tmp_path)
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)
    pairs = addition_pairs(labels, TRAIN_RANGE, 100, seed=0)
    assert set(pairs.first) | set(pairs.second) <= set(TRAIN_RANGE)
    assert len(set(pairs.first) | set(pairs.second)) == 200  # no image reused
    assert np.array_equal(pairs.label, labels[pairs.first].astype(int) + labels[pairs.second])
    lt = relation_pairs(
        labels, TEST_RANGE, 50, seed=1, relation="less_than", exclude=frozenset({(0, 1)})
    )
    assert np.array_equal(lt.label, (labels[lt.first] < labels[lt.second]).astype(int))
    assert not any(labels[a] == 0 and labels[b] == 1 for a, b in zip(lt.first, lt.second))


def test_missing_or_bad_files_say_where_and_how_to_fix(tmp_path) -> None:
    with pytest.raises(NeurosymError, match="missing"):
        read_mnist(tmp_path)
    (tmp_path / IMAGES_FILE).write_bytes(gzip.compress(b"\x00" * 32))
    (tmp_path / LABELS_FILE).write_bytes(gzip.compress(b"\x00" * 16))
    with pytest.raises(NeurosymError, match="not an MNIST IDX file"):
        read_mnist(tmp_path)
    with pytest.raises(NeurosymError, match="unknown relation"):
        relation_pairs(np.zeros(10, np.uint8), range(10), 2, 0, "greater")


@pytest.mark.skipif(default_mnist_dir() is None, reason="../shared/mnist absent (MNIST test set)")
def test_the_shared_mnist_test_set() -> None:
    images, labels = read_mnist()
    assert images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
