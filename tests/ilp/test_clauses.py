"""Clause generation from (v, int) templates, against clause sets counted by hand."""

from __future__ import annotations

import pytest

from neurosym.errors import TaskFileError
from neurosym.ilp.clauses import generate_clauses, task_clause_sets
from neurosym.lang.datalog import parse_clause
from neurosym.tasks.ilp_task import load_ilp_task, parse_ilp_task

ARITH = {"zero": 1, "succ": 2}


def texts(cs):
    return [str(c) for c in cs.clauses]


def test_predecessor_0_no_gives_15():
    """Head p(X,Y); atoms over {X,Y}: zero(X), zero(Y), succ(X,X), succ(X,Y), succ(Y,X), succ(Y,Y).
    6*7/2 = 21 unordered pairs (repetition allowed); unsafe: both atoms from {zero(X), succ(X,X)}
    (3 pairs) or both from {zero(Y), succ(Y,Y)} (3 pairs). 21 - 6 = 15."""
    cs = generate_clauses("predecessor", 2, 0, False, ARITH, {"predecessor": 2})
    assert len(cs) == 15
    assert "predecessor(X, Y) :- succ(Y, X), succ(Y, X)." in texts(cs)
    assert "predecessor(X, Y) :- zero(X), zero(X)." not in texts(cs)  # unsafe: Y missing


def test_even_0_no_gives_3():
    """Head even(X), v=0: zero(X), succ(X,X) -> pairs (z,z), (z,s), (s,s)."""
    cs = generate_clauses("even", 1, 0, False, ARITH, {"even": 1, "succ2": 2})
    assert texts(cs) == [
        "even(X) :- zero(X), zero(X).",
        "even(X) :- zero(X), succ(X, X).",
        "even(X) :- succ(X, X), succ(X, X).",
    ]


def test_even_1_yes_gives_38_and_why_a_public_port_gets_56():
    """Head even(X), v=1 (Y), int=1. Candidate atoms: zero(X), zero(Y), succ x 4, even(Y)
    (even(X) is the head: circular), succ2 x 4 -> 11 atoms, 6 extensional and 5 intensional.
    66 pairs; minus 21 all-extensional pairs (int=1 needs an intensional atom) = 45; minus the
    pairs without X that have an intensional atom: atoms without X are zero(Y), succ(Y,Y), even(Y),
    succ2(Y,Y) -> 10 pairs, 3 of them all-extensional -> 7. 45 - 7 = 38.

    The research note measured "even 3 + 56" in jeasinema/DILP_pytorch: that port does not require
    an intensional body atom when int=1 (int only *allows* them): 66 - 10 unsafe = 56. We follow the
    paper, where a template with int=1 generates only clauses with at least one intensional atom.
    """
    cs = generate_clauses("even", 1, 1, True, ARITH, {"even": 1, "succ2": 2})
    assert len(cs) == 38
    assert "even(X) :- even(Y), succ2(Y, X)." in texts(cs)
    assert all(any(b.pred in ("even", "succ2") for b in c.body) for c in cs.clauses)
    assert not any(b == c.head for c in cs.clauses for b in c.body)
    permissive = generate_clauses(
        "even", 1, 1, False, {**ARITH, "even": 1, "succ2": 2}, {"even": 1}
    )
    # the permissive count (extensional and intensional atoms freely, circular pruned) is the port's
    # 56
    assert len(permissive) == 56


def test_succ2_1_no_gives_39():
    """Head succ2(X,Y), v=1 (Z): 12 atoms (zero x 3, succ x 9). Pairs covering X and Y: those with
    succ(X,Y) or succ(Y,X) (78 - 55 = 23), plus one atom with X but not Y (zero(X), succ(X,X),
    succ(X,Z), succ(Z,X)) times one with Y but not X (4): 16. 23 + 16 = 39 (the port's count
    too)."""
    cs = generate_clauses("succ2", 2, 1, False, ARITH, {"even": 1, "succ2": 2})
    assert len(cs) == 39
    assert "succ2(X, Y) :- succ(X, Z), succ(Z, Y)." in texts(cs)


def test_connectedness_counts_8_and_58():
    """(0,no): edge atoms over {X,Y}: 4 -> 10 pairs - 2 unsafe = 8.
    (1,yes): edge x 9 and connected x 8 (connected(X,Y) is circular) over {X,Y,Z}. Pairs with an
    atom over {X,Y} (edge(X,Y), edge(Y,X), connected(Y,X)): 153 - 105 = 48, minus the 17 of them
    with only edges = 31; plus one X-not-Y atom (3 edge, 3 connected) times one Y-not-X atom
    (3 + 3) = 36, minus the 9 all-edge ones = 27. 31 + 27 = 58."""
    sets = task_clause_sets(load_ilp_task("ilp/connectedness"))
    assert [len(s) for s in sets["connected"]] == [8, 58]


def test_nullary_head_and_nullary_body():
    ext = {"q": 0, "r": 1}
    assert texts(generate_clauses("p", 0, 0, False, ext, {"p": 0})) == ["p :- q, q."]
    assert texts(generate_clauses("p", 0, 1, False, ext, {"p": 0})) == [
        "p :- q, q.",
        "p :- q, r(X).",
        "p :- r(X), r(X).",
    ]
    # recursion with a nullary head: p itself is circular, so only extensional + other intensional
    # atoms
    assert texts(generate_clauses("p", 0, 0, True, ext, {"p": 0, "s": 0})) == [
        "p :- q, s.",
        "p :- s, s.",
    ]


def test_renamings_are_kept_by_default_and_can_be_pruned():
    ext = {"e": 2}
    full = generate_clauses("p", 1, 2, False, ext, {"p": 1})
    pruned = generate_clauses("p", 1, 2, False, ext, {"p": 1}, prune_renamings=True)
    assert len(pruned) < len(full)
    assert "p(X) :- e(X, Y), e(X, Y)." in texts(full) and "p(X) :- e(X, Z), e(X, Z)." in texts(full)
    assert not (
        "p(X) :- e(X, Y), e(X, Y)." in texts(pruned)
        and "p(X) :- e(X, Z), e(X, Z)." in texts(pruned)
    )


def test_every_generated_clause_is_safe_distinct_and_parses_back():
    for name in ("predecessor", "even", "connectedness"):
        for sets in task_clause_sets(load_ilp_task(f"ilp/{name}")).values():
            for cs in sets:
                seen = set()
                for c in cs.clauses:
                    assert c.is_safe and len(c.body) == 2
                    key = (c.head, frozenset([c.body[0], c.body[1]]))
                    assert key not in seen  # no duplicate up to body order
                    seen.add(key)
                    assert parse_clause(str(c)) == c


def test_template_without_clauses_points_at_its_rules_line():
    text = """task t
constants a, b
extensional q/0
target p/1
background { q. }
positive { p(a). }
negative { p(b). }
rules p: (0, no)
"""
    with pytest.raises(TaskFileError) as info:
        task_clause_sets(parse_ilp_task(text, path="t.task"))
    err = info.value
    assert err.line == 8 and "generates no clause" in str(err) and "t.task:8" in str(err)
    assert "rules p: (0, no)" in str(err)


def test_types_keep_exactly_the_well_typed_clauses():
    """With argument types, the generated set is the untyped set filtered by a loop that gives
    each variable the type of its first typed position and checks every other one; undeclared
    (invented) predicates constrain nothing."""
    from neurosym.ilp.clauses import well_typed

    types = {"f": ("train",), "has_car": ("train", "car"), "long": ("car",)}
    ext = {"has_car": 2, "long": 1}
    intens = {"f": 1, "inv": 1}
    untyped = generate_clauses("f", 1, 1, True, ext, intens)
    typed = generate_clauses("f", 1, 1, True, ext, intens, types=types)

    def by_loop(clause):
        first = {}
        for a in (clause.head, *clause.body):
            for term, kind in zip(a.args, types.get(a.pred, (None,) * len(a.args))):
                if kind is not None and first.setdefault(term, kind) != kind:
                    return False
        return True

    assert typed.clauses == tuple(c for c in untyped.clauses if by_loop(c))
    assert 0 < len(typed) < len(untyped)
    extensional_only = generate_clauses("f", 1, 1, False, ext, intens, types=types)
    assert parse_clause("f(X) :- has_car(X, Y), long(Y).") in extensional_only.clauses
    assert parse_clause("f(X) :- has_car(X, Y), long(X).") not in extensional_only.clauses
    assert parse_clause("f(X) :- has_car(X, Y), inv(Y).") in typed.clauses
    assert parse_clause("f(X) :- long(X), inv(X).") not in typed.clauses  # X train and car
    assert not well_typed(parse_clause("f(X) :- has_car(Y, X), inv(X)."), types)


def test_without_singletons_every_variable_occurs_in_two_distinct_atoms():
    from neurosym.ilp.clauses import has_singleton

    assert has_singleton(parse_clause("f(X) :- edge(X, Y), edge(X, Y)."))  # a repeat counts once
    assert has_singleton(parse_clause("f(X) :- blue(X), red(Y)."))
    assert not has_singleton(parse_clause("f(X) :- edge(X, Y), red(Y)."))
    assert not has_singleton(parse_clause("f(X, Y) :- edge(X, Y), edge(X, Y)."))
    ext, intens = {"edge": 2, "red": 1}, {"f": 1}
    everything = generate_clauses("f", 1, 1, False, ext, intens)
    kept = generate_clauses("f", 1, 1, False, ext, intens, singletons=False)
    assert kept.clauses == tuple(c for c in everything.clauses if not has_singleton(c))
    assert 0 < len(kept) < len(everything)
