"""The anchor: differentiable forward chaining with one-hot clause weights = the exact least model.

For random small languages (constants, extensional and intensional predicates of
arity 0-2, random rule templates), random background facts in several worlds and
random programs drawn from the generated clause sets (a different program per
restart, all restarts and worlds in one batch), T steps of fuzzy forward chaining
must give exactly the least Herbrand model computed by the semi-naive evaluator,
for every operator preset that is Boolean on {0, 1}.
"""

from __future__ import annotations

import random

import pytest
import torch

from neurosym.ilp.clauses import generate_clauses
from neurosym.ilp.extract import chosen_clauses
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.logic.evaluator import least_model
from neurosym.logic.terms import Atom, Const

CRISP_PRESETS = ["dilp", "mixed", "prod", "godel"]


def random_problem(rng: random.Random, worlds: int = 3, restarts: int = 4):
    """A random language, clause sets, backgrounds and one random program per restart."""
    while True:
        constants = [f"c{i}" for i in range(rng.randint(2, 4))]
        extensional = {f"e{i}": rng.choice([0, 1, 1, 2, 2]) for i in range(rng.randint(1, 3))}
        intensional = {"t": rng.choice([0, 1, 2, 2])}
        if rng.random() < 0.6:
            intensional["aux"] = rng.choice([1, 2])
        clause_sets = {}
        for pred, arity in intensional.items():
            sets = []
            for _ in range(rng.choice([1, 2])):
                v = rng.choice([0, 1, 1, 2]) if len(constants) <= 3 else rng.choice([0, 1])
                cs = generate_clauses(pred, arity, v, rng.random() < 0.6, extensional, intensional)
                if cs.clauses:
                    sets.append(cs)
            if not sets:
                break
            clause_sets[pred] = tuple(sets)
        else:
            break
    index = AtomIndex(constants, {**extensional, **intensional})
    backgrounds = []
    for _ in range(worlds):
        density = rng.uniform(0.2, 0.7)
        facts = [a for p in extensional for a in index.atoms(p) if rng.random() < density]
        backgrounds.append(facts)
    choices = []
    for _ in range(restarts):
        choices.append(
            {
                p: (rng.randrange(len(s[0])), rng.randrange(len(s[1])) if len(s) == 2 else 0)
                for p, s in clause_sets.items()
            }
        )
    return index, clause_sets, backgrounds, choices


def check_exact(seed: int, preset: str, device: str, dtype: torch.dtype, fused: bool = True) -> int:
    rng = random.Random(seed)
    index, clause_sets, backgrounds, choices = random_problem(rng)
    chainer = ForwardChainer(index, clause_sets, preset, device, fused=fused)
    intensional_atoms = sum(index.count(p) for p in clause_sets)
    steps = intensional_atoms + 1  # enough to reach the fixpoint
    val = chainer.run(
        chainer.initial_valuation(backgrounds, dtype), chainer.one_hot(choices, dtype), steps
    )
    val = val.cpu()
    checked = 0
    for r, choice in enumerate(choices):
        program = chosen_clauses(clause_sets, choice)
        for w, facts in enumerate(backgrounds):
            model = least_model(facts, program)
            expected = torch.zeros(index.size, dtype=torch.float64)
            for pred in list(index.arities):
                for args in model.tuples(pred):
                    expected[index.position(Atom(pred, tuple(Const(c) for c in args)))] = 1.0
            got = val[:, r, w].double()
            diff = (got - expected).abs()
            assert float(diff.max()) <= 1e-6, (
                f"seed {seed}, preset {preset}: restart {r} world {w} differs from the least model "
                "of\n"
                + "\n".join(map(str, program))
            )
            checked += 1
    return checked


@pytest.mark.parametrize("preset", CRISP_PRESETS)
@pytest.mark.parametrize("seed", range(12))
def test_one_hot_chaining_equals_least_model_cpu(seed, preset):
    assert check_exact(seed, preset, "cpu", torch.float64) == 12


@pytest.mark.parametrize("seed", range(6))
def test_float32_and_unfused_path_are_exact_too(seed):
    check_exact(100 + seed, "dilp", "cpu", torch.float32)
    check_exact(100 + seed, "dilp", "cpu", torch.float64, fused=False)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("preset", CRISP_PRESETS)
@pytest.mark.parametrize("seed", range(6))
def test_one_hot_chaining_equals_least_model_cuda(seed, preset):
    check_exact(seed, preset, "cuda", torch.float64)
    check_exact(seed, preset, "cuda", torch.float32)


def test_the_generator_covers_recursion_invention_and_all_arities():
    """The random problems above really exercise the interesting cases (guards against a vacuous
    test)."""
    arities, recursive, invented = set(), 0, 0
    for seed in range(12):
        index, clause_sets, _, choices = random_problem(random.Random(seed))
        arities |= set(index.arities.values())
        invented += "aux" in clause_sets
        for choice in choices:
            for c in chosen_clauses(clause_sets, choice):
                recursive += any(b.pred in clause_sets for b in c.body)
    assert arities == {0, 1, 2} and recursive > 5 and invented > 3
