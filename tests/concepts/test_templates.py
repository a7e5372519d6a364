"""A learned Program: execution, rule text, JSON."""

import pytest

from neurosym.concepts.templates import Program
from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode as N
from neurosym.tasks.meaning import parse_template
from neurosym.tasks.template import execute

TEXTS = ["after(x, y) = y x", "twice(x) = x x", "back(x) = reverse(x)", "walk = W", "run = R",
         "turn ="]
PROGRAM = Program({t.name: t for t in map(parse_template, TEXTS)})


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


def test_describe_pads_the_confidences():
    program = Program(dict(PROGRAM.templates), {"after": 0.5, "turn": 1.0})
    lines = program.describe().splitlines()
    assert lines[0] == "after(x, y) = y x      [p=0.500]" and lines[1] == "twice(x) = x x"


def test_json_round_trip():
    data = PROGRAM.to_json()
    assert data["arities"]["after"] == 2 and data["templates"]["back"] == [["reverse", 0]]
    again = Program.from_json(data)
    assert again.templates == PROGRAM.templates and again.rules() == PROGRAM.rules()
