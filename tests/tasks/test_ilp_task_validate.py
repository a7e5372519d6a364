"""The one ILP validator (neurosym.tasks.ilp_validate): every front end gets every check."""

from __future__ import annotations

import pytest

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.ilp import make_task
from neurosym.lang.datalog import parse_program
from neurosym.logic import atom
from neurosym.tasks.ilp_task import parse_ilp_task
from neurosym.tasks.ilp_validate import DraftWorld, Locator, Position, TaskDraft, build_ilp_task
from neurosym.tasks.popper import read_popper

FACTS = [atom("edge", "a", "b"), atom("edge", "b", "c")]


def _draft(**changes) -> TaskDraft:
    world = DraftWorld("train", list(FACTS), [atom("p", "a")], [atom("p", "c")])
    fields = {"name": "t", "target": "p", "target_arity": 1, "templates": {}, "worlds": [world]}
    fields.update(changes)
    return TaskDraft(**fields)


def test_the_locator_places_the_error_and_words_the_fix():
    text = "line one\nrules here\n"
    where = Locator(positions={("rules", "p"): Position("x.task", text, 2, 7)},
                    fixes={"no_rules": "write  rules {pred}: ..."})
    with pytest.raises(TaskFileError) as info:
        build_ilp_task(_draft(), where)
    assert str(info.value) == (
        "x.task:2:7: no rule templates for p\n    rules here\n          ^\n"
        "  fix: write  rules p: ..."
    )
    with pytest.raises(NeurosymError) as info:  # no position: a plain error with the default fix
        build_ilp_task(_draft(), Locator())
    assert not isinstance(info.value, TaskFileError)
    fix = "add templates={'p': [(0, False), (1, True)]}"
    assert str(info.value) == f"no rule templates for p\n  fix: {fix}"


@pytest.mark.parametrize("kwargs,message", [
    ({"solution": parse_program("p(X) :- r(X), r(X).")}, "solution uses unknown predicate r"),
    ({"solution": parse_program("edge(X, Y) :- p(X), p(Y).")}, "not intensional"),
    ({"constants": ["a", "b", "c", "a"]}, "constant a is declared twice"),
    ({"constants": ["a", "b"]}, r"constant c in edge\(b, c\) is not in the declared constants"),
    ({"invented": {"edge": 2}, "extensional": {"edge": 2},
      "templates": {"p": [(0, True)], "edge": [(0, False)]}},
     "invented predicate edge/2 is also an extensional predicate"),
    ({"invented": {"q": 3}, "templates": {"p": [(0, True)], "q": [(0, False)]}},
     "intensional predicates have arity 0, 1 or 2"),
    ({"templates": {"p": []}}, "p needs one or two rule templates, got 0"),
    ({"steps": 0}, "steps must be at least 1"),
])
def test_make_task_gains_the_checks_of_the_other_front_ends(kwargs, message):
    with pytest.raises(NeurosymError, match=message):
        make_task(FACTS, [atom("p", "a")], **{"templates": {"p": [(0, False)]}, **kwargs})


def test_make_task_rejects_examples_that_are_not_ground():
    from neurosym.logic import Atom, Var

    with pytest.raises(NeurosymError, match="example p\\(X\\) is not ground"):
        make_task(FACTS, [atom("p", "a")], [Atom("p", (Var("X"),))], templates={"p": [(0, False)]})


def test_popper_rejects_background_facts_of_an_invented_predicate(tmp_path):
    (tmp_path / "bk.pl").write_text("edge(a, b).\naux(a).\n")
    (tmp_path / "exs.pl").write_text("pos(f(a)).\nneg(f(b)).\n")
    (tmp_path / "bias.pl").write_text("head_pred(f, 1).\nbody_pred(edge, 2).\n")
    read_popper(tmp_path)  # aux is not a body_pred: dropped with a note
    with pytest.raises(TaskFileError) as info:
        read_popper(tmp_path, invented={"aux": 1})
    assert "uses intensional predicate aux" in str(info.value) and info.value.line == 2
    assert info.value.path.endswith("bk.pl")


def test_the_three_front_ends_build_the_same_task(tmp_path):
    text = (
        "task same\ntarget f/1\nbackground { edge(a, b). edge(b, c). }\n"
        "positive { f(a). }\nnegative { f(c). }\nrules f: (1, no), (1, no)\n"
    )
    from_file = parse_ilp_task(text)
    (tmp_path / "bk.pl").write_text("edge(a, b).\nedge(b, c).\n")
    (tmp_path / "exs.pl").write_text("pos(f(a)).\nneg(f(c)).\n")
    (tmp_path / "bias.pl").write_text("head_pred(f, 1).\nbody_pred(edge, 2).\nmax_clauses(1).\n")
    from_popper = read_popper(tmp_path, name="same").task
    from_python = make_task(FACTS, [atom("f", "a")], [atom("f", "c")], name="same",
                            templates={"f": [(1, False), (1, False)]})
    for task in (from_popper, from_python):
        for field in ("name", "constants", "extensional", "target", "target_arity", "invented",
                      "templates", "steps", "train", "validation"):
            assert getattr(task, field) == getattr(from_file, field), field
