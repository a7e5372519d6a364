"""DifferentiableILP: the ∂ILP engine as a torch module (deduction, learning, neural predicates)."""

from __future__ import annotations

import random

import pytest
import torch

from neurosym.errors import NeurosymError
from neurosym.ilp.module import DifferentiableILP
from neurosym.lang.datalog import parse_program
from neurosym.logic import atom, least_model

DIGITS = [str(d) for d in range(6)]
FACTS = [atom("zero", "0")] + [atom("succ", str(i), str(i + 1)) for i in range(5)]
LT = "lt(X, Y) :- succ(X, Y). lt(X, Y) :- lt(X, Z), succ(Z, Y)."


def deduce(program: str, constants, extensional, facts, target, steps=6) -> DifferentiableILP:
    return DifferentiableILP.from_program(
        constants, extensional, parse_program(program), target, steps
    )


@pytest.mark.parametrize("seed", range(5))
def test_deduction_equals_exact_evaluator_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(6)]
    edges = [atom("edge", a, b) for a in nodes for b in nodes if rng.random() < 0.25]
    program = "path(X, Y) :- edge(X, Y). path(X, Y) :- edge(X, Z), path(Z, Y)."
    ilp = deduce(program, nodes, {"edge": 2}, edges, "path", steps=7)
    assert list(ilp.parameters()) == []  # nothing to learn in deduction mode
    values = ilp.relation(ilp(ilp.background([edges])))[0, 0]  # [N, N]
    exact = least_model(edges, parse_program(program)).tuples("path")
    expected = torch.tensor([[float((a, b) in exact) for b in nodes] for a in nodes])
    assert torch.equal(values, expected)
    as_double = ilp.relation(ilp(ilp.background([edges]).double()))[0, 0]  # dtype follows the input
    assert as_double.dtype == torch.float64 and torch.equal(as_double, expected.double())


def test_templates_learn_predecessor_and_program_reads_back() -> None:
    ilp = DifferentiableILP.from_templates(
        DIGITS,
        {"zero": 1, "succ": 2},
        {"pred": 2},
        {"pred": [(0, False)]},
        "pred",
        1,
        restarts=2,
        seed=0,
    )
    v0 = ilp.background([FACTS])
    y = torch.tensor([[float(int(a) == int(b) + 1) for b in DIGITS] for a in DIGITS])
    opt = torch.optim.Adam(ilp.parameters(), lr=0.1)
    for _ in range(60):
        v = ilp.relation(ilp(v0))[:, 0]
        loss = -(y * torch.log(v + 1e-7) + (1 - y) * torch.log(1 - v + 1e-7)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    program, confidence = ilp.program(0)
    assert str(program).strip() == "pred(X, Y) :- succ(Y, X)."
    assert 0.5 < confidence <= 1.0
    assert parse_program(str(program)) == program


def test_neural_predicate_values_and_gradient_reach_the_percepts() -> None:
    items = ["a", "b"]
    constants = DIGITS + items
    program = "first_lt(X, Y) :- digit(X, Z), lt(Z, Y). " + LT
    ilp = DifferentiableILP.from_program(
        constants, {"zero": 1, "succ": 2, "digit": 2}, parse_program(program), "first_lt", 7
    )
    logits = torch.zeros(1, 2, len(DIGITS), requires_grad=True)
    probs = torch.softmax(logits, dim=-1)
    v0 = ilp.with_percepts(ilp.background([FACTS]), "digit", items, DIGITS, probs)
    value = ilp.values(ilp(v0), [atom("first_lt", "a", "3")])  # [1, R, W]
    # crisp percepts give the exact answer; soft ones a value in between
    crisp = torch.zeros(1, 2, len(DIGITS))
    crisp[0, 0, 1] = 1.0  # a is perceived as 1
    v1 = ilp.with_percepts(ilp.background([FACTS]), "digit", items, DIGITS, crisp)
    assert float(ilp.values(ilp(v1), [atom("first_lt", "a", "3")])) == 1.0
    assert 0.0 < float(value.detach()) < 1.0
    value.sum().backward()
    assert logits.grad is not None and logits.grad[0, 0].abs().sum() > 0


def test_bad_inputs_get_clear_errors() -> None:
    ilp = deduce(LT, DIGITS + ["a"], {"zero": 1, "succ": 2, "digit": 2}, FACTS, "lt")
    v0 = ilp.background([FACTS])
    with pytest.raises(NeurosymError, match="expected"):
        ilp.with_percepts(v0, "digit", ["a"], DIGITS, torch.ones(1, 1, 3))
    with pytest.raises(NeurosymError, match="not a constant"):
        ilp.with_percepts(v0, "digit", ["zz"], DIGITS, torch.ones(1, 1, len(DIGITS)))
    with pytest.raises(NeurosymError, match="binary background predicate"):
        ilp.with_percepts(v0, "zero", ["a"], DIGITS, torch.ones(1, 1, len(DIGITS)))
    with pytest.raises(NeurosymError, match="at most two"):
        deduce(
            "p(X) :- q(X). p(X) :- r(X). p(X) :- s(X).", DIGITS, {"q": 1, "r": 1, "s": 1}, [], "p"
        )
    with pytest.raises(NeurosymError, match="one or two atoms"):
        deduce("p(X) :- q(X), q(X), q(X).", DIGITS, {"q": 1}, [], "p")
    with pytest.raises(NeurosymError, match="atoms"):
        ilp(torch.zeros(3, 1))
