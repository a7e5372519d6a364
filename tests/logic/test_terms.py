"""Printing Datalog and parsing it back gives an equal object."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from neurosym.lang.datalog import parse_clause, parse_program
from neurosym.logic import Atom, Clause, Const, Program, Var, atom

names = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)
variables = st.from_regex(r"[A-Z][A-Za-z0-9]{0,3}", fullmatch=True).map(Var)
constants = st.one_of(
    names.map(Const),
    st.integers(-50, 50).map(lambda i: Const(str(i))),
    st.text(alphabet="ab Q'-\\\"", min_size=0, max_size=5).map(Const),
)
atoms = st.builds(
    lambda p, args: Atom(p, tuple(args)),
    names,
    st.lists(st.one_of(variables, constants), max_size=3),
)


@st.composite
def clauses(draw):
    body = tuple(draw(st.lists(atoms, max_size=3)))
    body_vars = [v for b in body for v in b.variables()]
    head_args = draw(
        st.lists(
            st.one_of(constants, st.sampled_from(body_vars)) if body_vars else constants, max_size=3
        )
    )
    return Clause(Atom(draw(names), tuple(head_args)), body)


@settings(max_examples=200, deadline=None)
@given(st.lists(clauses(), max_size=5))
def test_print_parse_round_trip(cls):
    program = Program(cls)
    assert parse_program(str(program)) == program


def test_printing_examples():
    c = Clause(atom("path", "X", "Y"), (atom("edge", "X", "Z"), atom("path", "Z", "Y")))
    assert str(c) == "path(X, Y) :- edge(X, Z), path(Z, Y)."
    assert str(atom("rain")) == "rain"
    assert str(Const("Hello world")) == '"Hello world"'
    assert parse_clause(str(c)) == c


def test_atom_refuses_an_atoms_text_as_its_predicate():
    """``atom("p(a, b)")`` used to build a nullary atom named ``p(a, b)`` without a word."""
    import pytest

    from neurosym.errors import NeurosymError
    from neurosym.logic.terms import atom

    with pytest.raises(NeurosymError, match=r"atom\('succ', 0, 1\)"):
        atom("succ(0, 1)")
    with pytest.raises(NeurosymError, match="predicate must be a name"):
        atom("two words", "a")
    assert str(atom("succ", 0, 1)) == "succ(0, 1)"
