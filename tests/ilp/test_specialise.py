"""Specialised forward chaining (clause classes for fixed training worlds) = the full computation.

The chainer built with ``specialise_to`` evaluates one clause per class of equivalent clauses
and no clause of a constant (extensional-only) template; its valuations and the gradients of
the clause-pair weights must equal those of the plain chainer, for every preset, on random
problems and on bundled benchmark tasks.
"""

from __future__ import annotations

import random

import pytest
import torch
from test_forward_exact import random_problem

from neurosym.ilp.clauses import task_clause_sets
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.tasks.ilp_task import load_ilp_task

PRESETS = ["dilp", "mixed", "prod", "godel", "smooth"]


def compare(index, clause_sets, backgrounds, preset: str, steps: int, seed: int) -> ForwardChainer:
    """Values and weight gradients of the plain and the specialised chainer agree; returns the
    latter."""
    plain = ForwardChainer(index, clause_sets, preset)
    special = ForwardChainer(index, clause_sets, preset, specialise_to=backgrounds)
    gen = torch.Generator().manual_seed(seed)
    R = 3
    weights = {
        p.pred: (
            2 * torch.randn(R, p.num_pairs, generator=gen, dtype=torch.float64)
        ).requires_grad_()
        for p in plain.plans
    }
    v0 = plain.initial_valuation(backgrounds, torch.float64)
    results = []
    for chainer in (plain, special):
        probs = {
            p.pred: torch.softmax(weights[p.pred], -1).view(R, *p.pair_shape) for p in chainer.plans
        }
        val = chainer.run(v0, probs, steps)
        probe = torch.rand(
            val.shape, generator=torch.Generator().manual_seed(seed + 1), dtype=val.dtype
        )
        grads = torch.autograd.grad((val * probe).sum(), list(weights.values()))
        results.append((val, grads))
    (v1, g1), (v2, g2) = results
    assert torch.allclose(v1, v2, atol=1e-10), (
        f"{preset}: values differ by {(v1 - v2).abs().max():.3g}"
    )
    for a, b in zip(g1, g2):
        assert torch.allclose(a, b, atol=1e-9), (
            f"{preset}: gradients differ by {(a - b).abs().max():.3g}"
        )
    return special


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("seed", range(1, 7))
def test_specialised_chaining_equals_plain_on_random_problems(seed, preset):
    index, clause_sets, backgrounds, _ = random_problem(random.Random(seed))
    steps = sum(index.count(p) for p in clause_sets) + 1
    compare(index, clause_sets, backgrounds, preset, min(steps, 6), seed)


@pytest.mark.parametrize(
    "name", ["even", "cyclic", "graph_colouring", "adjacent_to_red", "connectedness"]
)
@pytest.mark.parametrize("preset", ["dilp", "prod"])
def test_specialised_chaining_equals_plain_on_bundled_tasks(name, preset):
    task = load_ilp_task(f"ilp/{name}")
    clause_sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    special = compare(index, clause_sets, [w.background for w in task.train], preset, task.steps, 0)
    # the reduction does something: fewer clause outputs than clauses
    assert sum(p.computed for p in special.plans) < sum(p.num_clauses for p in special.plans)


def test_constant_templates_are_not_evaluated_and_classes_merge_equal_clauses():
    task = load_ilp_task("ilp/even")  # even: (0, no) / (1, yes); succ2: (1, no)
    clause_sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    chainer = ForwardChainer(
        index, clause_sets, "dilp", specialise_to=[w.background for w in task.train]
    )
    even, succ2 = chainer.plans
    assert even.n1 == 0 and succ2.n1 == 0 and succ2.spec.first.constant is not None
    assert 0 < even.n2 < even.k2  # the recursive template: equivalent clauses merged, not constant
    # a run from a different number of worlds is refused
    with pytest.raises(Exception, match="specialised"):
        probs = {p.pred: torch.full((1, *p.pair_shape), 1.0 / p.num_pairs) for p in chainer.plans}
        chainer.run(torch.zeros(index.size, 2), probs, 1)


def training_setup(name: str):
    """A bundled task's clause sets, atom index, training backgrounds, initial valuation ``[A, W]``
    (numpy) and number of extensional positions."""
    task = load_ilp_task(f"ilp/{name}")
    clause_sets = task_clause_sets(task)
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    backgrounds = [w.background for w in task.train]
    plain = ForwardChainer(index, clause_sets, "dilp")
    return (
        task,
        clause_sets,
        index,
        backgrounds,
        plain.initial_valuation(backgrounds).numpy(),
        plain.num_fixed,
    )


@pytest.mark.parametrize("name", ["fizz", "connectedness"])
def test_clause_keys_in_blocks_and_the_size_limit(name, monkeypatch):
    """Keys found a few clauses at a time equal keys found all at once; past KEY_MAX_ROWS a
    template is not searched (every clause its own class), and chaining stays exact either way."""
    from neurosym.ilp import forward, specialise
    from neurosym.ilp.grounding import clause_index

    task, clause_sets, index, backgrounds, v0, num_fixed = training_setup(name)
    for sets in clause_sets.values():
        ci = clause_index(list(sets[-1].clauses), index)
        whole = specialise.clause_keys(ci, v0, num_fixed)
        monkeypatch.setattr(specialise, "KEY_ROWS", 1)  # one clause at a time
        assert specialise.clause_keys(ci, v0, num_fixed) == whole
        monkeypatch.undo()
    monkeypatch.setattr(forward, "KEY_MAX_ROWS", 0)
    special = compare(index, clause_sets, backgrounds, "dilp", task.steps, 0)
    assert all(
        p.spec is None or p.spec.first.constant is not None or p.spec.first.num_classes == p.k1
        for p in special.plans
    )


def reference_rows(clause, index, backgrounds, num_fixed, counted):
    """The clause's live (world, head, sorted intensional body atoms) rows, by a plain loop."""
    from collections import Counter
    from itertools import product

    from neurosym.ilp.grounding import used_existentials
    from neurosym.logic.terms import Atom, Const

    head_vars, ex_vars = list(clause.head.args), used_existentials(clause)
    rows = Counter()
    for w, facts in enumerate(backgrounds):
        true = set(index.positions(facts).tolist())
        for h, head_consts in enumerate(product(index.constants, repeat=len(head_vars))):
            for ex_consts in product(index.constants, repeat=len(ex_vars)):
                sub = dict(zip(head_vars + ex_vars, head_consts + ex_consts))
                pos = [
                    index.position(Atom(b.pred, tuple(Const(sub[t]) for t in b.args)))
                    for b in clause.body
                ]
                if all(p in true for p in pos if p < num_fixed):
                    rows[(w, h, tuple(sorted(p if p >= num_fixed else -1 for p in pos)))] += 1
    return frozenset(rows.items()) if counted else frozenset(rows)


@pytest.mark.parametrize(
    "name, key_rows",
    [
        ("fizz", 1),
        ("fizz", 7),
        ("fizz", 1 << 20),
        ("cyclic", 1),
        ("cyclic", 1 << 20),
        ("son", 7),
        ("length", 7),
    ],
)
@pytest.mark.parametrize("counted", [False, True])
def test_clause_keys_match_row_sets_built_by_a_loop(name, counted, key_rows, monkeypatch):
    """Two clauses get the same key exactly when their row sets (or multisets) are equal,
    whatever the block size (one clause, a few head atoms, or whole templates at a time)."""
    from neurosym.ilp import specialise
    from neurosym.ilp.grounding import clause_index

    _, clause_sets, index, backgrounds, v0, num_fixed = training_setup(name)
    monkeypatch.setattr(specialise, "KEY_ROWS", key_rows)
    equal = different = 0
    for sets in clause_sets.values():
        clauses = list(sets[-1].clauses)[:60]
        keys = specialise.clause_keys(clause_index(clauses, index), v0, num_fixed, counted=counted)
        ref = [reference_rows(c, index, backgrounds, num_fixed, counted) for c in clauses]
        for i in range(len(clauses)):
            for j in range(i):
                assert (keys[i] == keys[j]) == (ref[i] == ref[j]), (clauses[i], clauses[j])
                equal, different = equal + (ref[i] == ref[j]), different + (ref[i] != ref[j])
    assert equal and different  # both outcomes were checked
