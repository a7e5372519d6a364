"""The exact evaluator against hand-computed least models and a naive reference."""

from __future__ import annotations

import itertools
import random

import pytest

from neurosym.errors import NeurosymError
from neurosym.lang.datalog import parse_atoms, parse_program
from neurosym.logic import Atom, Clause, Const, Program, Var, atom, least_model


def tuples(model, pred):
    return sorted(model.tuples(pred))


def test_non_recursive_join():
    facts = parse_atoms("parent(ann, bob). parent(bob, cid). parent(bob, dee). parent(eve, fay).")
    prog = parse_program("grandparent(X, Y) :- parent(X, Z), parent(Z, Y).")
    assert tuples(least_model(facts, prog), "grandparent") == [("ann", "cid"), ("ann", "dee")]


def test_transitive_closure_of_a_cycle():
    facts = parse_atoms("edge(a, b). edge(b, c). edge(c, a). edge(d, a).")
    prog = parse_program("path(X, Y) :- edge(X, Y). path(X, Y) :- edge(X, Z), path(Z, Y).")
    expected = sorted([(x, y) for x in "abc" for y in "abc"] + [("d", y) for y in "abc"])
    assert tuples(least_model(facts, prog), "path") == expected


def test_mutual_recursion_even_odd():
    facts = [atom("zero", 0)] + [atom("succ", i, i + 1) for i in range(10)]
    prog = parse_program(
        "even(X) :- zero(X). even(X) :- odd(Y), succ(Y, X). odd(X) :- even(Y), succ(Y, X)."
    )
    model = least_model(facts, prog)
    assert tuples(model, "even") == sorted((str(i),) for i in range(0, 11, 2))
    assert tuples(model, "odd") == sorted((str(i),) for i in range(1, 11, 2))


def test_repeated_variables_constants_and_facts_in_program():
    facts = parse_atoms("e(a, a). e(a, b). e(b, b). e(c, d).")
    prog = parse_program(
        "loop(X) :- e(X, X). from_a(Y) :- e(a, Y). special(z). both(X) :- loop(X), from_a(X)."
    )
    model = least_model(facts, prog)
    assert tuples(model, "loop") == [("a",), ("b",)]
    assert tuples(model, "from_a") == [("a",), ("b",)]
    assert tuples(model, "special") == [("z",)]
    assert tuples(model, "both") == [("a",), ("b",)]


def test_zero_arity_predicates():
    model = least_model(
        parse_atoms("rain. p(a)."), parse_program("wet :- rain. q(X) :- p(X), wet.")
    )
    assert ("wet", ()) in model and tuples(model, "q") == [("a",)]


def test_unsafe_clause_rejected():
    with pytest.raises(NeurosymError, match="unsafe"):
        least_model([], Program([Clause(Atom("p", (Var("X"),)), (Atom("q", (Const("a"),)),))]))


def test_thousands_of_facts_fast():
    import time

    facts = [atom("edge", i, i + 1) for i in range(200)]
    prog = parse_program("path(X, Y) :- edge(X, Y). path(X, Y) :- edge(X, Z), path(Z, Y).")
    start = time.perf_counter()
    model = least_model(facts, prog)
    assert len(model.tuples("path")) == 200 * 201 // 2
    assert time.perf_counter() - start < 10


def naive_least_model(facts, program, constants):
    """Obviously-correct reference: apply every ground instance of every rule until nothing
    changes."""
    known = {(a.pred, a.ground_tuple()) for a in facts}
    changed = True
    while changed:
        changed = False
        for clause in program:
            variables = clause.variables()
            for values in itertools.product(constants, repeat=len(variables)):
                sub = dict(zip(variables, values))

                def ground(a, sub=sub):
                    return (a.pred, tuple(sub[t] if isinstance(t, Var) else t.name for t in a.args))

                if (
                    all(ground(b) in known for b in clause.body)
                    and ground(clause.head) not in known
                ):
                    known.add(ground(clause.head))
                    changed = True
    return known


@pytest.mark.parametrize("seed", range(25))
def test_matches_naive_reference_on_random_programs(seed):
    rng = random.Random(seed)
    constants = ["a", "b", "c", "d"][: rng.randint(2, 4)]
    ext = {"e": 2, "u": 1}
    intens = {"p": 2, "q": 1, "r": 2}
    preds = {**ext, **intens}
    facts = [
        Atom("e", (Const(x), Const(y))) for x in constants for y in constants if rng.random() < 0.35
    ]
    facts += [Atom("u", (Const(x),)) for x in constants if rng.random() < 0.5]
    vars_ = [Var("X"), Var("Y"), Var("Z")]
    clauses = []
    while len(clauses) < 5:
        head_pred = rng.choice(list(intens))
        head = Atom(head_pred, tuple(rng.sample(vars_[:2], preds[head_pred])))
        body = tuple(
            Atom(p, tuple(rng.choice(vars_) for _ in range(preds[p])))
            for p in (rng.choice(list(preds)) for _ in range(rng.randint(1, 2)))
        )
        clause = Clause(head, body)
        if clause.is_safe:
            clauses.append(clause)
    program = Program(clauses)
    model = least_model(facts, program)
    got = {(p, t) for p in preds for t in model.tuples(p)}
    assert got == naive_least_model(facts, program, constants)


@pytest.mark.parametrize("seed", range(10))
def test_model_over_a_store_is_a_layer_that_leaves_the_store_unchanged(seed):
    """least_model over a FactStore grows a layer on it: the same model as from the atoms
    (also when the program derives more facts of a predicate the store already has), every
    lookup of the layer equals a flat store's, and the store itself is not changed."""
    from neurosym.logic.evaluator import FactStore

    rng = random.Random(seed)
    constants = ["a", "b", "c", "d"]
    facts = [atom("e", x, y) for x in constants for y in constants if rng.random() < 0.4]
    facts += [atom("p", x, y) for x in constants for y in constants if rng.random() < 0.15]
    program = parse_program("p(X, Y) :- e(X, Y). p(X, Y) :- e(X, Z), p(Z, Y). q(X) :- p(X, X).")
    store = FactStore(facts)
    before = {p: set(store.tuples(p)) for p in store.predicates()}
    layered = least_model(store, program)
    flat = FactStore(least_model(facts, program).atoms())
    assert {p: set(store.tuples(p)) for p in store.predicates()} == before
    assert layered.predicates() == flat.predicates() and len(layered) == len(flat)
    assert list(layered.atoms()) == list(flat.atoms())
    for pred, arity in (("e", 2), ("p", 2), ("q", 1)):
        for pattern in itertools.product([None, *constants], repeat=arity):
            assert sorted(layered.match(pred, pattern)) == sorted(flat.match(pred, pattern))
    copied = layered.copy()
    copied.add("q", ("zz",))
    assert ("q", ("zz",)) not in layered and ("q", ("zz",)) in copied
