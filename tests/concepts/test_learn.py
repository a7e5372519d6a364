"""TemplateLearner on tiny hand-made grammars: learns rules, grows the space only when needed."""

import itertools

import pytest

from neurosym.concepts.learn import LearnConfig, TemplateLearner, select_subset
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.lang.tree import ParseNode as N
from neurosym.tasks.meaning import parse_template

TABLE = ConceptTable({"pair": 2, "back": 1, "a": 0, "b": 0, "c": 0})
TRUTH = Program({t.name: t for t in map(parse_template, [
    "pair(x, y) = x y", "back(x) = reverse(x)", "a = A", "b = B", "c = C"])})


def _data(with_back: bool):
    leaves = [N("a"), N("b"), N("c")]
    pairs = [N("pair", (x, y)) for x, y in itertools.product(leaves, leaves)]
    trees = leaves + pairs + [N("pair", (p, x)) for p in pairs[:4] for x in leaves]
    if with_back:
        trees += [N("back", (p,)) for p in pairs] + [
            N("pair", (N("back", (p,)), x)) for p in pairs[:5] for x in leaves
        ]
    return trees, [TRUTH.run(t) for t in trees]


@pytest.mark.parametrize("with_back", [False, True])
def test_learns_the_rules_and_uses_reverse_only_when_needed(with_back):
    trees, outputs = _data(with_back)
    learner = TemplateLearner(TABLE, ["A", "B", "C"], LearnConfig(restarts=4, subset=60), seed=0)
    result = learner.fit(trees, outputs, [1.0] * len(trees))
    assert result.explained_weight == 1.0 and result.unexplained == []
    expected = {k: v for k, v in TRUTH.templates.items() if with_back or k != "back"}
    assert result.program.templates == expected
    assert learner.space.reverse == with_back  # "auto": the smaller space first
    assert all(0.0 < p <= 1.0 for p in result.program.confidence.values())


def test_subset_covers_every_parent_child_combination_with_short_pairs():
    import random

    trees, outputs = _data(True)
    chosen = select_subset(
        trees, outputs, [1.0] * len(trees), size=10, coverage=1, rng=random.Random(0)
    )
    combos = {
        (n.rule, j, ch.rule)
        for b in chosen
        for n in trees[b].walk()
        for j, ch in enumerate(n.children)
    }
    everything = {
        (n.rule, j, ch.rule) for t in trees for n in t.walk() for j, ch in enumerate(n.children)
    }
    assert combos == everything
