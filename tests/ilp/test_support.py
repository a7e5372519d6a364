"""Sparse grounding (neurosym.ilp.support) against slow, obviously correct references.

* the join of two body relations equals a loop over every substitution;
* the possible atoms are the exact evaluator's least model of every generated clause (at the
  fixpoint), and at most what ``T`` steps reach;
* the sparse chainer's values and clause-pair weight gradients equal the dense chainer's on
  random problems and on bundled tasks (the atoms it drops are 0 in the dense valuation);
* with one-hot weights it computes the exact evaluator's T-step consequences.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
import torch
from test_forward_exact import chosen_clauses, random_problem

import neurosym.ilp.support as support_module
from neurosym.ilp.clauses import task_clause_sets
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.ilp.support import Support, _columns, _join_chunks, join, join_size
from neurosym.logic.evaluator import least_model
from neurosym.logic.terms import Atom, Const
from neurosym.tasks.ilp_task import load_ilp_task


def _relations(index, facts):
    rel = {p: [] for p in index.arities}
    for a in facts:
        rel[a.pred].append([index.constant_id[t.name] for t in a.args])
    return {
        p: np.array(v, dtype=np.int64).reshape(len(v), index.arities[p]) for p, v in rel.items()
    }


@pytest.mark.parametrize("seed", range(8))
def test_join_equals_a_loop_over_every_substitution(seed):
    rng = random.Random(seed)
    index, clause_sets, backgrounds, _ = random_problem(rng)
    relations = _relations(index, backgrounds[0])
    for p in clause_sets:  # random "possible" intensional atoms
        rows = [t for t in itertools.product(range(index.num_constants), repeat=index.arities[p])
                if rng.random() < 0.5]
        relations[p] = np.array(rows, dtype=np.int64).reshape(len(rows), index.arities[p])
    n = index.num_constants
    for sets in clause_sets.values():
        for clause in (c for s in sets for c in s.clauses):
            got = join(clause, relations, n)
            variables = list(dict.fromkeys(
                [*clause.head.args, *(t for b in clause.body for t in b.args)]
            ))
            expected = []
            for values in itertools.product(range(n), repeat=len(variables)):
                sub = dict(zip(variables, values))
                if all(
                    any((row == [sub[t] for t in b.args]).all() for row in relations[b.pred])
                    if b.arity else len(relations[b.pred]) > 0
                    for b in clause.body
                ):
                    expected.append(values)
            assert sorted(map(tuple, got.tolist())) == sorted(expected), clause
            width, body = _columns(clause)
            chunks = list(_join_chunks(body, width, relations, n, chunk=3))
            rows = np.concatenate(chunks) if chunks else np.zeros((0, width), dtype=np.int64)
            assert sorted(map(tuple, rows.tolist())) == sorted(expected), "in chunks"
            assert join_size(body, relations, n) == len(expected)
            heads = support_module._dense_heads(body, width, relations, n, clause.head.arity)
            if len(set(clause.head.args)) == clause.head.arity:
                codes = support_module._code(np.array(expected, dtype=np.int64).reshape(
                    len(expected), width)[:, :clause.head.arity], n)
                assert set(np.flatnonzero(heads).tolist()) == set(codes.tolist()), "dense"
            assert got.tolist() == sorted(got.tolist()), "rows sorted by (head, substitution)"


@pytest.mark.parametrize("dense_heads", [True, False], ids=["dense-heads", "joined-heads"])
@pytest.mark.parametrize("seed", range(8))
def test_possible_atoms_are_the_least_model_of_every_generated_clause(seed, dense_heads,
                                                                      monkeypatch):
    if not dense_heads:  # every head found by joining rows, as for a large set of constants
        monkeypatch.setattr(support_module, "DENSE_HEADS_ENTRIES", 0)
    index, clause_sets, backgrounds, _ = random_problem(random.Random(seed))
    clauses = [c for sets in clause_sets.values() for s in sets for c in s.clauses]
    support = Support(index, clause_sets, backgrounds, steps=100)
    for w, facts in enumerate(backgrounds):
        model = least_model(facts, clauses)
        for p in clause_sets:
            exact = set(model.tuples(p))
            found = {
                tuple(index.constants[i] for i in row) for row in support.relations[w][p].tolist()
            }
            assert found == exact, p


def _dense_values(val, support):
    """The sparse valuation ``[A', R, W]`` laid out on the dense index ``[A, R, W]``."""
    dense = val.new_zeros(support.dense.size, *val.shape[1:])
    return dense.index_copy(0, torch.from_numpy(support.index.kept), val)


def compare(index, clause_sets, backgrounds, steps, seed, preset="dilp"):
    dense = ForwardChainer(index, clause_sets, preset, specialise_to=backgrounds)
    support = Support(index, clause_sets, backgrounds, steps)
    sparse = ForwardChainer(
        support.index, clause_sets, preset, specialise_to=backgrounds, support=support
    )
    gen = torch.Generator().manual_seed(seed)
    R = 3
    weights = {
        p.pred: (2 * torch.randn(R, p.num_pairs, generator=gen, dtype=torch.float64))
        .requires_grad_()
        for p in dense.plans
    }
    probe = None
    results = []
    for chainer in (dense, sparse):
        probs = {
            p.pred: torch.softmax(weights[p.pred], -1).view(R, *p.pair_shape) for p in chainer.plans
        }
        v0 = chainer.initial_valuation(backgrounds, torch.float64)
        val = chainer.run(v0, probs, steps)
        if chainer is sparse:
            val = _dense_values(val, support)
        if probe is None:
            probe = torch.rand(val.shape, generator=torch.Generator().manual_seed(seed + 1),
                               dtype=val.dtype)
        grads = torch.autograd.grad((val * probe).sum(), list(weights.values()))
        results.append((val, grads))
    (v1, g1), (v2, g2) = results
    assert torch.allclose(v1, v2, atol=1e-10), f"values differ by {(v1 - v2).abs().max():.3g}"
    for a, b in zip(g1, g2):
        assert torch.allclose(a, b, atol=1e-9), f"gradients differ by {(a - b).abs().max():.3g}"
    return support, sparse


@pytest.mark.parametrize("seed", range(1, 13))
def test_sparse_chaining_equals_dense_on_random_problems(seed):
    index, clause_sets, backgrounds, _ = random_problem(random.Random(seed))
    compare(index, clause_sets, backgrounds, 4, seed)


@pytest.mark.parametrize(
    "name", ["even_odd", "uncle", "member", "connectedness", "less_than", "graph_colouring"]
)
def test_sparse_chaining_equals_dense_on_bundled_tasks(name):
    task = load_ilp_task(f"ilp/{name}")
    index = AtomIndex(task.constants, {**task.extensional, **task.intensional})
    backgrounds = [w.background for w in task.train]
    support, _ = compare(index, task_clause_sets(task), backgrounds, task.steps, 0)
    assert support.index.size < index.size  # it drops something
    for p in task.intensional:  # the compact index lists exactly the kept atoms, in order
        kept = [a for a in index.atoms(p) if support.index.position(a)]
        assert support.index.atoms(p) == kept
    if name in ("connectedness", "member", "less_than"):  # recursive bodies with a lone variable
        assert support.projections


@pytest.mark.parametrize("seed", range(12))
def test_one_hot_sparse_chaining_is_the_least_model(seed):
    index, clause_sets, backgrounds, choices = random_problem(random.Random(seed))
    steps = sum(index.count(p) for p in clause_sets) + 1  # enough to reach the fixpoint
    support = Support(index, clause_sets, backgrounds, steps)
    chainer = ForwardChainer(
        support.index, clause_sets, specialise_to=backgrounds, support=support
    )
    v0 = chainer.initial_valuation(backgrounds, torch.float64)
    val = _dense_values(chainer.run(v0, chainer.one_hot(choices, torch.float64), steps), support)
    for r, choice in enumerate(choices):
        program = chosen_clauses(clause_sets, choice)
        for w, facts in enumerate(backgrounds):
            model = least_model(facts, program)
            expected = torch.zeros(index.size, dtype=torch.float64)
            for pred in index.arities:
                for args in model.tuples(pred):
                    expected[index.position(Atom(pred, tuple(Const(c) for c in args)))] = 1.0
            assert torch.equal(val[:, r, w], expected), (seed, r, w)


@pytest.mark.parametrize("seed", range(4))
def test_probsum_pair_sum_is_the_explicit_sum_over_clause_pairs(seed):
    """With a probsum clause combination the weighted pair sum is computed as matrix products;
    it equals ``sum_jk p_jk S(x_j, y_k)`` over the explicit ``[K1, K2, G, R, W]`` pairs."""
    from neurosym.logic.fuzzy import get_preset

    gen = torch.Generator().manual_seed(seed)
    K1, K2, G, R, W = 3, 5, 7, 2, 2
    out = torch.rand(K1 + K2, G, R, W, generator=gen, dtype=torch.float64)
    probs = torch.softmax(torch.randn(R, K1 * K2, generator=gen, dtype=torch.float64), -1)
    probs = probs.view(R, K1, K2)
    index, clause_sets, _, _ = random_problem(random.Random(seed))
    chainer = ForwardChainer(index, clause_sets, "prod")
    combine = get_preset("prod").clause_combination_op
    pairs = combine(out[:K1].unsqueeze(1), out[K1:].unsqueeze(0))  # [K1, K2, G, R, W]
    explicit = torch.einsum("jkgrw,rjk->grw", pairs, probs)
    assert torch.allclose(chainer._weigh_pairs(out, probs, K1), explicit, atol=1e-12)


@pytest.mark.parametrize("crisp", [True, False])
def test_predict_with_sparse_grounding_equals_dense(crisp):
    """predict grounds the given facts sparsely; every target atom is still reported, and the
    values are the dense chainer's (a new family the program was not trained on)."""
    from neurosym.ilp import RuleLearner
    from neurosym.logic.terms import atom

    task = load_ilp_task("ilp/grandparent")
    learner = RuleLearner(restarts=4, steps=30, seed=0, device="cpu", dtype="float64")
    learner.fit(task)
    facts = [atom("father", "x", "y"), atom("mother", "y", "z"), atom("father", "z", "w")]
    facts = [a for a in facts if a.pred in learner.language_["extensional"]]
    sparse = learner.predict(facts, constants=["lone"], crisp=crisp)
    learner.config = learner.config.replace(grounding="dense")
    dense = learner.predict(facts, constants=["lone"], crisp=crisp)
    assert len(facts) == 3 and sparse.keys() == dense.keys() and len(dense) == 5**2
    assert max(dense.values()) > 0.5  # the program derives something here
    for a, v in dense.items():
        assert sparse[a] == pytest.approx(v, abs=1e-12), a
