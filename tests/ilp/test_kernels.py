"""The fused gather -> t-norm -> max kernel against plain autograd, and gradients that do not
vanish."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from neurosym.ilp.clauses import task_clause_sets
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.ilp.kernels import clause_outputs_max, first_argmax, weighted_pair_max
from neurosym.logic.fuzzy import OperatorSet, and_godel, and_product
from neurosym.tasks.ilp_task import load_ilp_task


def test_first_argmax_finds_the_first_maximum():
    x = torch.tensor([[0.2, 0.9, 0.5], [0.9, 0.1, 0.5], [0.9, 0.9, 0.7]])
    assert first_argmax(x, x.amax(0)).tolist() == [1, 0, 2]


def _group(A, S, N, G, K, gen):
    atoms = torch.randint(0, A, (S, N, G), generator=gen)
    first, second = (
        torch.randint(0, N, (K,), generator=gen),
        torch.randint(0, N, (K,), generator=gen),
    )
    base = torch.arange(G).view(1, G, 1)
    return SimpleNamespace(
        atoms=atoms,
        first=first,
        second=second,
        base_a=first.view(K, 1, 1) * G + base,
        base_b=second.view(K, 1, 1) * G + base,
    )


@pytest.mark.parametrize("conj", [and_product, and_godel])
def test_kernel_matches_autograd_values_and_gradients(conj):
    gen = torch.Generator().manual_seed(0)
    A, B, G = 30, 5, 3
    val = torch.rand(A, B, dtype=torch.float64, generator=gen).requires_grad_(True)
    groups = [
        _group(A, 4, 6, G, 9, gen),
        _group(A, 1, 5, G, 4, gen),
    ]  # with and without existentials
    unorder = torch.randperm(13, generator=gen)  # concatenated position of each clause
    order = torch.argsort(unorder)
    grad_fn = (lambda a, b, g: (g * b, g * a)) if conj is and_product else None
    out = clause_outputs_max(val, groups, order, unorder, conj, grad_fn)
    ref = torch.cat(
        [conj(val[g.atoms[:, g.first]], val[g.atoms[:, g.second]]).amax(0) for g in groups]
    )[order]  # no ties: random
    assert out.shape == (13, G, B) and torch.allclose(out, ref)
    w = torch.rand(ref.shape, dtype=torch.float64, generator=gen)
    (g1,) = torch.autograd.grad((out * w).sum(), val)
    (g2,) = torch.autograd.grad((ref * w).sum(), val)
    assert torch.allclose(g1, g2)


def test_pair_kernel_matches_autograd_including_ties():
    gen = torch.Generator().manual_seed(3)
    K1, K2, G, R, W = 4, 5, 3, 2, 2
    x = torch.rand(K1, G, R, W, dtype=torch.float64, generator=gen)
    y = torch.rand(K2, G, R, W, dtype=torch.float64, generator=gen)
    y[0] = x[1]  # exact ties
    p = torch.softmax(torch.randn(R, K1 * K2, dtype=torch.float64, generator=gen), -1)
    p = p.t().reshape(K1, K2, 1, R, 1)
    grads = []
    for fn in (
        weighted_pair_max,
        lambda x, y, p: (torch.maximum(x.unsqueeze(1), y.unsqueeze(0)) * p).sum((0, 1)),
    ):
        xs, ys, ps = (t.clone().requires_grad_(True) for t in (x, y, p))
        out = fn(xs, ys, ps)
        grads.append((out.detach(), *torch.autograd.grad((out * out).sum(), (xs, ys, ps))))
    for a, b in zip(*grads):
        assert torch.allclose(a, b)


def test_fused_and_plain_chaining_give_the_same_soft_values_and_gradients():
    task = load_ilp_task("ilp/even")
    sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    fused = ForwardChainer(index, sets, "dilp", fused=True)
    plain = ForwardChainer(index, sets, "dilp", fused=False)
    v0 = fused.initial_valuation([w.background for w in task.train], torch.float64)
    torch.manual_seed(1)
    grads = []
    for chainer in (fused, plain):
        weights = {
            p.pred: torch.randn(3, p.num_pairs, dtype=torch.float64, requires_grad=True)
            for p in chainer.plans
        }
        torch.manual_seed(2)
        for w in weights.values():
            w.data.normal_()
        probs = {
            p.pred: torch.softmax(weights[p.pred], -1).view(3, *p.pair_shape) for p in chainer.plans
        }
        val = chainer.run(v0, probs, task.steps)
        val[index.slice("even")].sum().backward()
        grads.append((val.detach(), [weights[p].grad for p in ("even", "succ2")]))
    (v1, g1), (v2, g2) = grads
    assert torch.allclose(v1, v2)
    # the extensional atoms are crisp, so max ties occur; both choices are subgradients, and
    # with product/max the gradient w.r.t. the *weights* is the same whichever tied winner is used
    for a, b in zip(g1, g2):
        assert torch.allclose(a, b, atol=1e-9)


def test_probsum_amalgamation_keeps_gradient_where_a_clamp_would_not():
    """The reason the preset amalgamates by probabilistic sum: a negative atom pushed to 1 still
    sends gradient back to the weights (min(1, a + b) would give exactly zero)."""
    task = load_ilp_task("ilp/even")
    sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    chainer = ForwardChainer(index, sets, "dilp")
    v0 = chainer.initial_valuation([w.background for w in task.train])
    weights = {p.pred: torch.zeros(1, p.num_pairs, requires_grad=True) for p in chainer.plans}
    probs = {
        p.pred: torch.softmax(weights[p.pred], -1).view(1, *p.pair_shape) for p in chainer.plans
    }
    val = chainer.run(v0, probs, task.steps)
    odd = [index.position(a) for a in task.train[0].negatives]
    val[odd].sum().backward()
    assert all(float(w.grad.abs().sum()) > 0 for w in weights.values())


def test_checkpointed_pairs_give_the_same_gradients(monkeypatch):
    """Clause combinations without the pair kernel or a bilinear form recompute large pair
    tensors in the backward pass instead of keeping them (memory O(1) in T); the gradients must
    not change."""
    from neurosym.ilp import forward

    task = load_ilp_task("ilp/even")
    sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    grads = []
    for threshold in (1 << 40, 1):
        monkeypatch.setattr(forward, "CHECKPOINT_PAIRS", threshold)
        # a t-conorm with neither the pair kernel (max) nor the bilinear form (probsum)
        chainer = ForwardChainer(
            index, sets, OperatorSet("product", "probsum", "bounded_sum", "probsum")
        )
        assert chainer.plans[0].checkpoint == (threshold == 1)
        weights = torch.randn(
            2,
            chainer.plans[0].num_pairs,
            dtype=torch.float64,
            generator=torch.Generator().manual_seed(0),
        ).requires_grad_(True)
        probs = {
            "even": torch.softmax(weights, -1).view(2, *chainer.plans[0].pair_shape),
            "succ2": torch.full((2, 39, 1), 1 / 39, dtype=torch.float64),
        }
        v0 = chainer.initial_valuation([task.train[0].background], torch.float64)
        chainer.run(v0, probs, task.steps)[index.slice("even")].sum().backward()
        grads.append(weights.grad)
    assert torch.allclose(grads[0], grads[1])


def test_merged_clause_groups_give_identical_values_and_gradients(monkeypatch):
    """Small batches evaluate all clause groups of a predicate as one group (repeating the clauses
    that use fewer existential variables); with max that changes nothing, not even a tie-break."""
    from neurosym.ilp import forward

    task = load_ilp_task("ilp/even")
    sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    chainer = ForwardChainer(index, sets, "dilp")
    assert all(p.merged is not None and len(p.groups) == 2 for p in chainer.plans)
    v0 = chainer.initial_valuation([task.train[0].background], torch.float64)
    results = []
    for limit in (0, 1 << 40):  # never / always merged
        monkeypatch.setattr(forward, "MERGE_ELEMENTS", limit)
        weights = {
            p.pred: torch.randn(
                3, p.num_pairs, dtype=torch.float64, generator=torch.Generator().manual_seed(5)
            ).requires_grad_(True)
            for p in chainer.plans
        }
        probs = {
            p.pred: torch.softmax(weights[p.pred], -1).view(3, *p.pair_shape) for p in chainer.plans
        }
        val = chainer.run(v0, probs, task.steps)
        (val[index.slice("even")] ** 2).sum().backward()
        results.append((val.detach(), [weights[p].grad for p in ("even", "succ2")]))
    (v1, g1), (v2, g2) = results
    assert torch.equal(v1, v2)
    assert all(torch.equal(a, b) for a, b in zip(g1, g2))


def test_kernel_in_slices_of_head_atoms_equals_one_slice(monkeypatch):
    """A small CHUNK_ELEMENTS makes the kernel evaluate groups head slice by head slice (the path
    large tasks take); values and gradients must not change."""
    from neurosym.ilp import kernels

    gen = torch.Generator().manual_seed(1)
    A, B, G = 40, 3, 7
    groups = [_group(A, 5, 6, G, 4, gen), _group(A, 1, 5, G, 3, gen)]
    val = torch.rand(A, B, dtype=torch.float64, generator=gen)
    w = torch.rand(7, G, B, dtype=torch.float64, generator=gen)
    results = []
    for chunk in (
        kernels.CHUNK_ELEMENTS,
        5 * 4 * B * 2,
        1,
    ):  # one slice; 2 heads per slice; 1 head per slice
        monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", chunk)
        v = val.clone().requires_grad_(True)
        out = clause_outputs_max(v, groups, None, None, and_product, None)
        results.append((out.detach(), *torch.autograd.grad((out * w).sum(), v)))
    for out, grad in results[1:]:
        assert torch.equal(out, results[0][0]) and torch.equal(grad, results[0][1])
