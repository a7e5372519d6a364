"""A neural learner draws from its own random streams: the process's global RNG is untouched."""

from __future__ import annotations

import pytest
import torch

from neurosym.seq2seq.base import make_learner
from tests.seq2seq.test_baselines import TINY, _mini_data, _one_thread  # noqa: F401 (fixture)

# Losses of the first 6 steps, recorded before the learner kept its own RNG state
# (when it called the global torch.manual_seed): the same seed gives the same numbers.
RECORDED = {
    "gru": [2.012371, 1.972086, 1.982329, 1.979083, 1.960423, 1.961696],
    "transformer": [2.028917, 1.807815, 1.870018, 1.428241, 1.818649, 1.785387],
}
OPTIONS = {"gru": TINY["gru"], "transformer": dict(TINY["transformer"], dropout=0.1)}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_same_seed_same_losses_whatever_the_global_state(name):
    for user_seed in (123, 7):
        torch.manual_seed(user_seed)
        assert _losses(name) == pytest.approx(RECORDED[name], abs=1e-5)


def _losses(name: str) -> list[float]:
    losses: list[float] = []
    learner = make_learner(name, device="cpu", seed=1, batch_size=4, **OPTIONS[name])
    learner.fit(_mini_data(), steps=6, callback=lambda step, m: losses.append(m["loss"]))
    return losses


def test_creating_and_training_a_learner_leaves_the_global_rng_alone():
    torch.manual_seed(2024)
    before = torch.get_rng_state()
    learner = make_learner("gru", device="cpu", seed=1, batch_size=4, **TINY["gru"])
    learner.fit(_mini_data(), steps=3)
    learner.predict([("walk", "twice")])
    assert torch.equal(torch.get_rng_state(), before)
