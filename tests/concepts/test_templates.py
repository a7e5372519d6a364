"""Symbolic templates: execution, rule text, JSON, normalising parameter names."""

import pytest

from neurosym.concepts.templates import (
    CHILD,
    REVERSE,
    TOKEN,
    Item,
    Program,
    Template,
    execute,
    normalise_rule,
)
from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode as N

PROGRAM = Program(
    {
        "after": Template((Item(CHILD, 1), Item(CHILD, 0))),
        "twice": Template((Item(CHILD, 0), Item(CHILD, 0))),
        "back": Template((Item(REVERSE, 0),)),
        "walk": Template((Item(TOKEN, "W"),)),
        "run": Template((Item(TOKEN, "R"),)),
        "turn": Template(()),
    },
    {"after": 2, "twice": 1, "back": 1, "walk": 0, "run": 0, "turn": 0},
)


def test_execute_composes_bottom_up():
    tree = N("after", (N("twice", (N("walk"),)), N("back", (N("after", (N("walk"), N("run"))),))))
    assert PROGRAM.run(tree) == ("W", "R", "W", "W")  # back(after(walk, run)) = reverse(R W)


def test_missing_concept():
    assert execute(PROGRAM.templates, N("jump")) is None
    with pytest.raises(NeurosymError, match="jump"):
        PROGRAM.run(N("twice", (N("jump"),)))


def test_rule_text():
    rules = PROGRAM.rules()
    assert rules["after"] == "after(x, y) = y x"
    assert rules["back"] == "back(x) = reverse(x)"
    assert rules["walk"] == "walk = W"
    assert rules["turn"] == "turn ="


def test_json_round_trip():
    again = Program.from_json(PROGRAM.to_json())
    assert again.templates == PROGRAM.templates and again.arities == PROGRAM.arities


@pytest.mark.parametrize("text,expected", [
    ("turned(u, d) = d u", "turned(x, y) = y x"),
    ("around(u, d) = d u d u", "around(x, y) = y x y x"),
    ("mirrored(m) = m reverse( m )", "mirrored(x) = x reverse(x)"),
    ("jump = I_JUMP", "jump = I_JUMP"),
    ("turn =", "turn ="),
])
def test_normalise_rule(text, expected):
    assert normalise_rule(text) == expected


def test_normalise_rejects_garbage():
    with pytest.raises(NeurosymError):
        normalise_rule("no equals sign here")
