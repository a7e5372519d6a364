"""The row-wise optimizer (a portfolio over restarts) and re-initialising one restart."""

from __future__ import annotations

import pytest
import torch

from neurosym.errors import NeurosymError
from neurosym.ilp import RuleLearner
from neurosym.ilp.training import RowOptimizer, init_weights, make_optimizer, parse_optimizers
from neurosym.tasks.ilp_task import load_ilp_task

TORCH = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


def loss(w: torch.Tensor) -> torch.Tensor:
    return (w.sin() * torch.arange(w.shape[1], dtype=w.dtype)).sum() + (w ** 2).sum()


def test_each_row_follows_its_torch_optimizer():
    rows = [("adam", 0.1), ("rmsprop", 0.5), ("sgd", 0.3), ("adam", 0.02)]
    w0 = torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    w = w0.clone().requires_grad_()
    opt = RowOptimizer([w], rows)
    refs = [w0[r : r + 1].clone().requires_grad_() for r in range(4)]
    ref_opts = [TORCH[name]([p], lr=lr) for p, (name, lr) in zip(refs, rows)]
    for _ in range(25):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
        for p, o in zip(refs, ref_opts):
            o.zero_grad()
            loss(p).backward()
            o.step()
    for r in range(4):
        assert torch.allclose(w[r], refs[r][0], atol=1e-12), rows[r]


def test_reset_rows_restarts_a_row_as_new():
    w0 = torch.randn(2, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    w = w0.clone().requires_grad_()
    opt = RowOptimizer([w], [("adam", 0.1)] * 2)
    for _ in range(10):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
    with torch.no_grad():
        w[1] = w0[1]
    opt.reset_rows(torch.tensor([False, True]))
    fresh = w0[1:].clone().requires_grad_()
    ref = torch.optim.Adam([fresh], lr=0.1)
    for _ in range(10):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
        ref.zero_grad()
        loss(fresh).backward()
        ref.step()
    assert torch.allclose(w[1], fresh[0], atol=1e-12)


def test_portfolio_spec_cycles_over_restarts_and_rejects_bad_entries():
    assert parse_optimizers("adam:0.1, rmsprop:0.5", 0.3) == [("adam", 0.1), ("rmsprop", 0.5)]
    assert parse_optimizers("sgd", 0.3) == [("sgd", 0.3)]
    opt = make_optimizer("adam:0.1,rmsprop:0.5", [torch.zeros(5, 3, requires_grad=True)], 0.1)
    assert opt.adam.view(-1).tolist() == [True, False, True, False, True]
    assert opt.lr.view(-1).tolist() == pytest.approx([0.1, 0.5, 0.1, 0.5, 0.1])
    for bad in ("lbfgs", "adam:x", "adam:-1"):
        with pytest.raises(NeurosymError):
            parse_optimizers(bad, 0.1)


def test_reinitialise_draws_the_next_attempt_and_leaves_other_restarts_alone():
    learner = RuleLearner(restarts=3, steps=10, device="cpu", seed=5)
    tr = learner.prepare(load_ilp_task("ilp/even"))
    for _ in range(5):
        tr.step()
    before = [w.detach().clone() for w in tr.weights]
    tr.reinitialise([1])
    expected = init_weights("normal", 1.0, 5, 3, [s.pairs for s in tr.shapes], tr.device, tr.dtype,
                            attempts=[0, 1, 0], rows_only=[1])
    for w, b, e in zip(tr.weights, before, expected):
        assert torch.equal(w[0], b[0]) and torch.equal(w[2], b[2])
        assert torch.equal(w[1], e[0]) and not torch.equal(w[1], b[1])
    assert (
        tr.attempts == [0, 1, 0] and float(tr.optimizer.t[1]) == 0 and float(tr.optimizer.t[0]) == 5
    )


def test_stuck_restarts_are_reinitialised_and_counted():
    # lr so small that no restart can improve by reinit_tolerance: every check window re-draws them
    learner = RuleLearner(
        restarts=2,
        steps=60,
        device="cpu",
        seed=0,
        optimizer="sgd:1e-6",
        stop_early=False,
        check_every=10,
        reinit_patience=20,
        reinit_tolerance=0.5,
    )
    result = learner.fit(load_ilp_task("ilp/even"))
    assert result.attempts > 2 and result.attempts_abandoned == result.attempts - 2
    assert result.attempts_verified <= result.attempts


# ----- restarts="auto" ---------------------------------------------------------------------------


def test_auto_restarts_adds_restarts_to_cheap_tasks_only():
    from neurosym.ilp.training import AUTO_RESTARTS, auto_restarts

    cpu = AUTO_RESTARTS["cpu"][1]
    assert auto_restarts(1000) == 64
    assert auto_restarts(cpu // 40) == 32
    assert auto_restarts(cpu // 20) == 16 and auto_restarts(cpu * 4) == 16
    # a GPU takes more restarts (launch-bound steps); unknown device types count as the CPU
    gpu = AUTO_RESTARTS["cuda"][1]
    assert auto_restarts(1000, "cuda") == 512 and auto_restarts(gpu // 200, "cuda") == 128
    assert auto_restarts(gpu * 4, "cuda") == 32 and auto_restarts(1000, "mps") == 64
    # (the learner's restarts="auto" is sized by time: tests/ilp/test_budget.py)


def test_auto_restarts_steps_down_when_memory_is_short(monkeypatch):
    from neurosym.errors import ResourceLimitError
    from neurosym.ilp import training

    def fits_16_at_most(est, device, fraction=0.9):
        if est.restarts > 16:
            raise ResourceLimitError(f"{est.restarts} restarts do not fit")

    monkeypatch.setattr(training, "check_fits", fits_16_at_most)
    task = load_ilp_task("ilp/fizz")
    assert RuleLearner(device="cpu").prepare(task).restarts == 16
    with pytest.raises(ResourceLimitError, match="32 restarts"):
        RuleLearner(restarts=32, device="cpu").prepare(task)


@pytest.mark.parametrize("bad", [0, -3, "many", 2.5])
def test_bad_restart_counts_are_refused(bad):
    with pytest.raises(NeurosymError, match="restarts must be 'auto' or a positive whole number"):
        RuleLearner(restarts=bad)


# ----- training noise (gumbel_scale) ----------------------------------------------------------


def test_gumbel_noise_is_seeded_and_only_in_training_forward_passes():
    task = load_ilp_task("ilp/even")

    def make(**kw):
        return RuleLearner(
            restarts=4, device="cpu", dtype="float64", **{"gumbel_scale": 0.3, **kw}
        ).prepare(task)

    a, b, plain = make(), make(), make(gumbel_scale=0.0)
    assert torch.equal(a.losses(), b.losses())  # same seed, same noise
    assert not torch.allclose(a.losses(), plain.losses())  # the noise changes the training loss
    assert not torch.equal(
        a.probabilities(0.3)["even"], a.probabilities(0.3)["even"]
    )  # fresh each call
    one = RuleLearner(restarts=1, device="cpu", dtype="float64", gumbel_scale=0.3).prepare(task)
    assert torch.equal(one.losses()[0], make().losses()[0])  # restart 0's noise is its own
    noiseless = (
        a.probabilities()
    )  # default: the weights' own softmax (used for extraction and predict)
    assert torch.allclose(noiseless["even"], plain.probabilities()["even"])
    other = RuleLearner(
        restarts=4, device="cpu", dtype="float64", seed=1, gumbel_scale=0.3
    ).prepare(task)
    other.weights = [
        w.detach().clone().requires_grad_() for w in a.weights
    ]  # same weights, other seed
    assert not torch.equal(other.losses(), make().losses())


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_gumbel_scales_are_refused(bad):
    with pytest.raises(NeurosymError, match="gumbel_scale"):
        RuleLearner(gumbel_scale=bad)
