"""The two other bundled compositional tasks: bells (toy) and colours (few-shot)."""

from __future__ import annotations

import pytest

from neurosym.lang.tree import ParseNode
from neurosym.tasks import load_compositional_task
from neurosym.tasks.splits import contains

# The study and query instructions with their outputs, as listed in public re-implementations of
# Lake, Linzen & Baroni 2019 (see the header of tasks/fewshot/colours.task).
STUDY = {
    "dax": "RED",
    "lug": "BLUE",
    "wif": "GREEN",
    "zup": "YELLOW",
    "dax fep": "RED RED RED",
    "lug fep": "BLUE BLUE BLUE",
    "wif blicket dax": "GREEN RED GREEN",
    "lug blicket wif": "BLUE GREEN BLUE",
    "dax kiki lug": "BLUE RED",
    "lug kiki wif": "GREEN BLUE",
    "lug fep kiki wif": "GREEN BLUE BLUE BLUE",
    "lug kiki wif fep": "GREEN GREEN GREEN BLUE",
    "wif kiki dax blicket lug": "RED BLUE RED GREEN",
    "wif blicket dax kiki lug": "BLUE GREEN RED GREEN",
}
QUERIES = {
    "zup fep": "YELLOW YELLOW YELLOW",
    "zup blicket lug": "YELLOW BLUE YELLOW",
    "dax blicket zup": "RED YELLOW RED",
    "zup kiki dax": "RED YELLOW",
    "wif kiki zup": "YELLOW GREEN",
    "zup fep kiki lug": "BLUE YELLOW YELLOW YELLOW",
    "wif kiki zup fep": "YELLOW YELLOW YELLOW GREEN",
    "lug kiki wif blicket zup": "GREEN YELLOW GREEN BLUE",
    "zup blicket wif kiki dax fep": "RED RED RED YELLOW GREEN YELLOW",
    "zup blicket zup kiki zup fep": "YELLOW YELLOW YELLOW YELLOW YELLOW YELLOW",
}


@pytest.fixture(scope="module")
def colours():
    return load_compositional_task("fewshot/colours")


@pytest.fixture(scope="module")
def bells():
    return load_compositional_task("toy/bells")


def _pairs(examples):
    return {" ".join(e.input): " ".join(e.output) for e in examples}


def test_colours_fewshot_split_matches_the_experiment(colours):
    split = colours.split("fewshot")
    assert _pairs(split.train) == STUDY and len(split.train) == 14
    assert _pairs(split.test) == QUERIES and len(split.test) == 10
    assert colours.meaning_rules()["blicket"] == "blicket(u, v) = u v u"
    assert colours.meaning_rules()["kiki"] == "kiki(x, y) = y x"


def test_colours_language(colours):
    examples = colours.generate()
    assert len(examples) == 600
    assert all(colours.interpret(colours.parse(e.input)) == e.output for e in examples)
    zup = colours.split("zup")
    assert [e.input for e in zup.train].count(("zup",)) == 1
    assert all("zup" in e.input for e in zup.test)
    assert len(zup.train) + len(zup.test) == 600


def test_bells_operations(bells):
    assert bells.alternatives["between"] == 3
    assert bells.interpret(bells.parse("ding between dong and ting backwards")) == (
        "TING",
        "DING",
        "DONG",
    )
    assert bells.interpret(bells.parse("ding with dong mirrored then bong")) == (
        "DING",
        "DONG",
        "DONG",
        "DING",
        "BONG",
    )
    assert bells.parse("ding then dong then ting") == ParseNode(
        "then", (ParseNode("ding"), ParseNode("then", (ParseNode("dong"), ParseNode("ting"))))
    )
    assert bells.meaning_rules()["mirrored"] == "mirrored(x) = x reverse(x)"


def test_bells_generation_is_seeded_and_bounded(bells):
    examples = bells.generate()
    assert len(examples) == 5000 == len({e.input for e in examples})
    assert load_compositional_task("toy/bells").generate() == examples
    for example, tree in zip(examples, bells.trees):
        assert bells.parse(example.input) == tree
        assert bells.interpret(tree) == example.output


def test_bells_splits(bells):
    for name in bells.split_names:
        split = bells.split(name)
        assert split.train and split.test
    length = bells.split("length")
    assert max(len(e.output) for e in length.train) <= 8 < min(len(e.output) for e in length.test)
    bong = bells.split("add_bong")
    lone = [e for e in bong.train if e.input == ("bong",)]
    assert len(lone) == round((len(bong.train) - len(lone)) / 9)
    held = bells.split("with_backwards")
    pattern = [
        (a, "with", b, "backwards")
        for a in ("ding", "dong", "ting", "bong")
        for b in ("ding", "dong", "ting", "bong")
    ]
    assert all(any(contains(e.input, p) for p in pattern) for e in held.test)
    assert not any(any(contains(e.input, p) for p in pattern) for e in held.train)
    assert any("backwards" in e.input for e in held.train)
