"""The ILP task-file language: parsing, generators, and every bad-input error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.logic import atom
from neurosym.tasks.ilp_task import RuleTemplate, load_ilp_task, parse_ilp_task

GOOD = """\
task even
constants 0..10
target even/1
invented succ2/2
background {
  zero(0).
  succ(X, X+1) for X in 0..9.
}
positive { even(X) for X in 0..10 if X % 2 == 0. }
negative { even(X) for X in 1..9 step 2 if X != 1 and X < 6. even(1). }
rules even: (0, no), (1, yes)
rules succ2: (1, no)
steps 6
validation small {
  background { zero(0). succ(0, 1). succ(1, 2). }
  positive { even(2). }
  negative closed_world
}
"""


def test_good_task_parses_with_generators():
    task = parse_ilp_task(GOOD, path="even.task")
    assert task.constants == tuple(str(i) for i in range(11))
    assert task.extensional == {"zero": 1, "succ": 2}
    assert (task.target, task.target_arity) == ("even", 1)
    assert task.invented == {"succ2": 2}
    assert task.templates["even"] == (RuleTemplate(0, False), RuleTemplate(1, True))
    assert task.steps == 6
    world = task.train[0]
    assert atom("succ", 9, 10) in world.background and len(world.background) == 11
    assert world.positives == tuple(atom("even", i) for i in range(0, 11, 2))
    assert world.negatives == (atom("even", 3), atom("even", 5), atom("even", 1))
    (val,) = task.validation
    assert val.positives == (atom("even", 2),)
    assert set(val.negatives) == {atom("even", i) for i in range(11) if i != 2}


def test_constants_inferred_when_not_declared():
    task = parse_ilp_task(
        "target p/1\nbackground { q(a). q(b). }\npositive { p(a). }\nnegative { p(c). }\n"
        "rules p: (0, no)\n"
    )
    assert set(task.constants) == {"a", "b", "c"}
    assert task.steps == 1


def test_bundled_tasks_load():
    task = load_ilp_task("ilp/even")
    assert task.solution is not None and len(task.solution) == 3


BAD = [
    ("syntax", "target even/1\nbackground { zero(0) }\n", 2, "syntax error"),
    (
        "unknown predicate",
        "extensional zero/1\ntarget p/1\nbackground { zero(0). suc(0, 1). }\n",
        3,
        "unknown predicate suc/2",
    ),
    (
        "arity mismatch",
        "target p/1\nbackground { q(a). q(a, b). }\npositive { p(a). }\n",
        2,
        "arity mismatch",
    ),
    (
        "example not target",
        "target p/1\nbackground { q(a). }\npositive { p(a).\n q(a). }\n",
        4,
        "not an atom of the target",
    ),
    (
        "example arity",
        "target p/1\nbackground { q(a). }\npositive { p(a, a). }\n",
        3,
        "arity mismatch",
    ),
    (
        "duplicate example",
        (
            "target p/1\nbackground { q(a). }\npositive { p(a). p(a). }\nnegative { p(b). }\n"
            "rules p: (0, no)\n"
        ),
        3,
        "duplicate positive",
    ),
    (
        "contradictory",
        (
            "target p/1\nbackground { q(a). }\npositive { p(a). }\nnegative { p(a). }\n"
            "rules p: (0, no)\n"
        ),
        4,
        "contradictory",
    ),
    (
        "no positives",
        "target p/1\nbackground { q(a). }\nnegative { p(a). }\nrules p: (0, no)\n",
        1,
        "no positive examples",
    ),
    (
        "no negatives",
        "target p/1\nbackground { q(a). }\npositive { p(a). }\nrules p: (0, no)\n",
        1,
        "no negative examples",
    ),
    ("no target", "background { q(a). }\n", 1, "no target"),
    (
        "rules for unknown",
        (
            "target p/1\nbackground { q(a). }\npositive { p(a). }\nnegative { p(b). }\n"
            "rules p: (0, no)\nrules z: (0, no)\n"
        ),
        6,
        "neither the target",
    ),
    (
        "missing rules",
        (
            "target p/1\ninvented i/1\nbackground { q(a). }\npositive { p(a). }\n"
            "negative { p(b). }\nrules p: (0, no)\nsteps 2\n"
        ),
        1,
        "no rule templates for i",
    ),
    (
        "missing steps",
        (
            "target p/1\nbackground { q(a). }\npositive { p(a). }\nnegative { p(b). }\n"
            "rules p: (0, no), (1, yes)\n"
        ),
        1,
        "steps",
    ),
    ("unbound variable", "target p/1\nbackground { q(X). }\n", 2, "not bound"),
    (
        "undeclared constant",
        "constants a\ntarget p/1\nbackground { q(a). }\npositive { p(zz). }\n",
        4,
        "not in the declared constants",
    ),
    (
        "arithmetic on names",
        "target p/1\nbackground { q(X+1) for X in {a, b}. }\n",
        2,
        "non-integer",
    ),
    ("intensional in background", "target p/1\nbackground { p(a). }\n", 2, "intensional"),
    ("arity > 2 intensional", "target p/3\n", 1, "arity 0, 1 or 2"),
]


@pytest.mark.parametrize("name,text,line,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_line_caret_and_fix(name, text, line, message):
    with pytest.raises(TaskFileError) as info:
        parse_ilp_task(text, path="bad.task")
    err = info.value
    assert message in str(err)
    assert err.path == "bad.task" and err.line == line
    assert "fix:" in str(err)
    assert str(err).startswith(f"bad.task:{line}")
    if err.column is not None:
        assert "^" in str(err)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(GOOD)))
def test_truncated_task_parses_or_raises_our_error(cut):
    try:
        parse_ilp_task(GOOD[:cut])
    except NeurosymError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="targetpbckround{}().,:;0123456789 XY+%=<\n#", max_size=60))
def test_random_text_parses_or_raises_our_error(text):
    try:
        parse_ilp_task(text)
    except NeurosymError:
        pass
