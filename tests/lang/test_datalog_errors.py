"""Bad Datalog text raises DatalogSyntaxError with file, line, column and caret; never a lark
error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurosym.errors import DatalogSyntaxError, NeurosymError
from neurosym.lang.datalog import parse_atoms, parse_program


def test_missing_dot_points_at_line_and_column():
    with pytest.raises(DatalogSyntaxError) as info:
        parse_program("edge(a, b).\nedge(b, c)\npath(X) :- edge(X, Y).", path="g.dl")
    err = info.value
    assert (err.path, err.line) == ("g.dl", 3)
    assert "edge(X, Y)" in str(err) and "^" in str(err) and "fix:" in str(err)


def test_unsafe_rule_is_reported_at_its_line():
    with pytest.raises(DatalogSyntaxError, match="unsafe") as info:
        parse_program("ok(a).\np(X, Y) :- q(X).")
    assert info.value.line == 2


def test_rules_rejected_where_facts_expected():
    with pytest.raises(DatalogSyntaxError, match="ground fact"):
        parse_atoms("p(X) :- q(X).")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='pqXY(),.:- _a1%\n"', max_size=40))
def test_random_text_parses_or_raises_our_error(text):
    try:
        parse_program(text)
    except NeurosymError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200))
def test_truncated_programs_parse_or_raise_our_error(cut):
    text = "edge(a, b).\npath(X, Y) :- edge(X, Y).\npath(X, Y) :- edge(X, Z), path(Z, Y).\n"
    try:
        parse_program(text[:cut])
    except NeurosymError:
        pass
