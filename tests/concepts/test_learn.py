"""TemplateLearner on tiny hand-made grammars: learns rules, grows the space only when needed."""

import itertools

import pytest

from neurosym.concepts.learn import LearnConfig, TemplateLearner, select_subset
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.lang.tree import ParseNode as N
from neurosym.tasks import default_scan_data_dir
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


@pytest.mark.skipif(default_scan_data_dir() is None, reason="official SCAN files not found "
                    "(../shared/scan next to the repository, or $NEUROSYM_SCAN_DATA)")
def test_subset_does_not_depend_on_the_string_hash_seed():
    """Set iteration order follows PYTHONHASHSEED; the subset (and so a whole fit) must not.
    On these SCAN lines features that tie on rarity once came in hash order (the subsets of
    hash seeds 0 and 1 differed)."""
    import os
    import subprocess
    import sys

    script = (
        "import random; from neurosym.concepts.learn import select_subset; "
        "from neurosym.tasks.compositional import load_compositional_task; "
        "task = load_compositional_task('scan/scan'); "
        "lines = task.split('simple').train[:1500]; "
        "trees = [task.parse(ex.input) for ex in lines]; "
        "print(select_subset(trees, [tuple(ex.output) for ex in lines], [1.0] * len(trees), "
        "size=40, coverage=3, rng=random.Random(0)))"
    )
    seen = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": h}).stdout
            for h in ("0", "1", "2")}
    assert len(seen) == 1, seen
