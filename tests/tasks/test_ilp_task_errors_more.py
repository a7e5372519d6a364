"""More bad-input cases of the ILP task-file language (complements test_ilp_task_parser.py).

Each error must name the file, the line (and column where there is one), show a caret and a fix.
"""

from __future__ import annotations

import pytest

from neurosym.errors import SourceError, TaskFileError
from neurosym.tasks.ilp_task import parse_ilp_task

OK_TAIL = "background { q(a). }\npositive { p(a). }\nnegative { p(b). }\nrules p: (0, no)\n"

BAD = [
    ("constant twice", "constants a, b, a\ntarget p/1\n" + OK_TAIL, None, "declared twice"),
    ("target twice", "target p/1\ntarget q/1\n" + OK_TAIL, 2, "given twice"),
    ("steps twice", "target p/1\nsteps 1\nsteps 2\n" + OK_TAIL, 3, "given twice"),
    (
        "rules twice",
        "target p/1\n" + OK_TAIL + "rules p: (1, no)\n",
        6,
        "rules for p are given twice",
    ),
    ("invented twice", "target p/1\ninvented i/1, i/1\n" + OK_TAIL, 2, "declared twice"),
    (
        "target is invented",
        "target p/1\ninvented p/1\n" + OK_TAIL,
        None,
        "both the target and an invented",
    ),
    ("steps zero", "target p/1\nsteps 0\n" + OK_TAIL, 2, "at least 1"),
    ("empty range", "constants 5..1\ntarget p/1\n" + OK_TAIL, 1, "empty range"),
    (
        "in constants too early",
        "target p/1\nbackground { q(X) for X in constants. }\n",
        2,
        "before any constants",
    ),
    (
        "compare names with <",
        "target p/1\nbackground { q(X) for X in {a, b}, Y in {a} if X < Y. }\n",
        2,
        "non-integers",
    ),
    (
        "variable bound twice",
        "target p/1\nbackground { q(X) for X in 0..1, X in 0..2. }\n",
        2,
        "bound twice",
    ),
    (
        "division by zero",
        "target p/1\nbackground { q(X // 0) for X in 0..1. }\n",
        2,
        "division by zero",
    ),
    (
        "negative block and closed world",
        (
            "target p/1\nworld w {\n background { q(a). }\n positive { p(a). }\n"
            " negative { p(b). }\n"
            " negative closed_world\n}\nrules p: (0, no)\n"
        ),
        2,
        "both a negative block and 'negative closed_world'",
    ),
    (
        "validation without positives",
        "target p/1\n"
        + OK_TAIL
        + "validation v {\n background { q(a). }\n negative { p(a). }\n}\n",
        6,
        "world v has no positive examples",
    ),
    (
        "solution unknown predicate",
        "target p/1\n" + OK_TAIL + "solution {\n p(X) :- r(X), r(X).\n}\n",
        7,
        "unknown predicate r",
    ),
    (
        "solution arity",
        "target p/1\n" + OK_TAIL + "solution {\n p(X) :- q(X, X), q(X, X).\n}\n",
        7,
        "arity mismatch in solution",
    ),
    (
        "solution defines extensional",
        "target p/1\n" + OK_TAIL + "solution {\n q(X) :- p(X), p(X).\n}\n",
        7,
        "not intensional",
    ),
]


@pytest.mark.parametrize("name,text,line,message", BAD, ids=[b[0] for b in BAD])
def test_more_bad_input(name, text, line, message):
    with pytest.raises(TaskFileError) as info:
        parse_ilp_task(text, path="bad.task")
    err = info.value
    assert message in str(err), str(err)
    assert err.path == "bad.task" and "fix:" in str(err)
    if line is not None:
        assert err.line == line and str(err).startswith(f"bad.task:{line}")
    if err.column is not None:
        assert "^" in str(err)


def test_arithmetic_in_a_solution_rule_points_at_it():
    text = "target p/1\n" + OK_TAIL + "solution {\n p(X) :- q(X - 1), q(X).\n}\n"
    with pytest.raises(SourceError) as info:
        parse_ilp_task(text, path="bad.task")
    err = info.value
    assert "arithmetic in a rule" in str(err) and "fix:" in str(err)
    assert (err.path, err.line, err.column) == ("bad.task", 7, 12)


def test_unsafe_solution_clause_points_at_it():
    text = (
        "target p/2\n"
        + OK_TAIL.replace("p(a)", "p(a, a)")
        .replace("p(b)", "p(b, b)")
        .replace("rules p: (0, no)", "rules p: (1, no)")
        + "solution {\n p(X, Y) :- q(X), q(X).\n}\n"
    )
    with pytest.raises(SourceError) as info:
        parse_ilp_task(text, path="bad.task")
    assert "unsafe clause" in str(info.value) and info.value.line == 7 and "fix:" in str(info.value)
