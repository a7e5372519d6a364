"""MNIST hybrids: an encoder learns digits through a rule, from pair labels only (reduced sizes)."""

from __future__ import annotations

import pytest
import torch

from neurosym.bench.mnist_bench import addition_relation, run_addition
from neurosym.ilp.neural import perceived
from neurosym.tasks.mnist import default_mnist_dir, read_mnist, synthetic_digits


def test_perceived_pair_is_the_marginal_over_percepts() -> None:
    gen = torch.Generator().manual_seed(0)
    rel = torch.rand(3, 4, 4, generator=gen)
    a = torch.softmax(torch.randn(5, 4, generator=gen), 1)
    b = torch.softmax(torch.randn(5, 4, generator=gen), 1)
    loop = torch.tensor(
        [
            [
                sum(float(a[i, c] * b[i, d] * rel[r, c, d]) for c in range(4) for d in range(4))
                for r in range(3)
            ]
            for i in range(5)
        ]
    )
    assert torch.allclose(perceived(rel, a, b), loop, atol=1e-6)
    plus = addition_relation()
    assert plus.sum() == 100 and plus[3, 4, 7] == 1 and plus[3, 4, 6] == 0


def test_encoder_learns_synthetic_digits_through_the_sum_program() -> None:
    images, labels = synthetic_digits()
    torch.manual_seed(0)
    neuro = run_addition(
        0, images, labels, train_pairs=1000, test_pairs=200, epochs=1, batch=8, baseline=False
    )[0]
    assert neuro.digit_accuracy > 0.6  # chance is 0.1; no digit label was used
    assert neuro.program.startswith("addition(X, Y, Z) :-") and neuro.seconds > 0


@pytest.mark.skipif(default_mnist_dir() is None, reason="../shared/mnist absent (MNIST test set)")
def test_encoder_learns_mnist_digits_through_the_sum_program() -> None:
    images, labels = read_mnist()
    neuro = run_addition(
        0, images, labels, train_pairs=1500, test_pairs=300, epochs=1, batch=8, baseline=False
    )[0]
    assert neuro.digit_accuracy > 0.5 and neuro.target_accuracy > 0.3
