"""Clause generation from ∂ILP rule templates (Evans & Grefenstette 2018, §4.3).

A rule template ``(v, int)`` for an intensional predicate ``p/n`` stands for the
set ``cl(τ)`` of every clause that

* has head ``p(X1..Xn)`` (distinct variables, no constants) and **exactly two**
  body atoms, whose arguments are drawn from the ``n`` head variables and
  ``v`` existential variables (a clause may leave some existential variables
  unused; a one-atom body is written with the atom repeated, ``p(X) :- q(X), q(X)``);
* uses only extensional predicates in its body when ``int`` is false, and at
  least one intensional predicate (the target or an invented one, recursion
  included) when ``int`` is true;
* is **safe** (every head variable occurs in the body);
* is **not circular** (the head atom itself is not a body atom);
* is **not a duplicate** of another clause that differs only by the order of
  its two body atoms (bodies are kept as ``a_i, a_j`` with ``i <= j`` in the
  enumeration order of candidate atoms);
* is **well typed** when the task declares argument types (``ILPTask.types``, e.g. read
  from a Popper ``bias.pl``): every variable takes one type over all its typed positions
  (predicates without declared types, such as invented ones, constrain nothing);
* has **no singleton variable** when the task asks for it (``ILPTask.singletons`` False, as
  Popper's bias does by default): every variable occurs in at least two of the clause's distinct
  atoms (head included).

Clauses that differ only by a renaming of the existential variables (possible
for ``v >= 2``) are kept, as in the paper; ``prune_renamings=True`` drops them.

Variables are named in order ``X, Y, Z, W, V, U, ...``: the head takes the
first ``n``, the existentials the next ``v``. So ``even(X) :- even(Y), succ2(Y, X)``
and ``succ2(X, Y) :- succ(X, Z), succ(Z, Y)`` read as in the paper.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from neurosym.logic.terms import Atom, Clause, Var

_NAMES = ("X", "Y", "Z", "W", "V", "U")


def variable_names(count: int) -> list[Var]:
    """``X, Y, Z, W, V, U, V6, V7, ...`` (the first ``count``)."""
    return [Var(_NAMES[i] if i < len(_NAMES) else f"V{i}") for i in range(count)]


@dataclass(frozen=True)
class ClauseSet:
    """The generated clauses of one rule template of one predicate."""

    pred: str
    arity: int
    existentials: int
    intensional: bool
    clauses: tuple[Clause, ...]

    def __len__(self) -> int:
        return len(self.clauses)


def _candidate_atoms(
    variables: Sequence[Var], predicates: Mapping[str, int], head: Atom
) -> list[Atom]:
    """Every atom of ``predicates`` over ``variables`` except the head itself (circularity)."""
    out = []
    for pred, arity in predicates.items():
        for args in itertools.product(variables, repeat=arity):
            a = Atom(pred, tuple(args))
            if a != head:
                out.append(a)
    return out


def _rename_key(clause: Clause, n_head: int) -> tuple:
    """A key equal for clauses that differ only by renaming existential variables or body order."""
    head_vars = clause.head.args[:n_head]
    keys = []
    for body in (clause.body, clause.body[::-1]):
        mapping: dict[Var, str] = {v: f"h{i}" for i, v in enumerate(head_vars)}  # type: ignore[misc]
        for a in body:
            for t in a.args:
                if t not in mapping:
                    mapping[t] = f"e{len(mapping)}"  # type: ignore[index]
        canon = tuple((a.pred, tuple(mapping[t] for t in a.args)) for a in body)  # type: ignore[index]
        keys.append(tuple(sorted(canon)))
    return min(keys)


def well_typed(clause: Clause, types: Mapping[str, Sequence[str]]) -> bool:
    """True when every variable of ``clause`` has one type over the positions ``types``
    (``{pred: (type of argument 1, ...)}``) declares; undeclared predicates are untyped."""
    seen: dict[object, str] = {}
    for a in (clause.head, *clause.body):
        declared = types.get(a.pred)
        if declared is None:
            continue
        for term, kind in zip(a.args, declared):
            if seen.setdefault(term, kind) != kind:
                return False
    return True


def has_singleton(clause: Clause) -> bool:
    """True when some variable occurs in only one of the clause's distinct atoms (head included;
    a repeated body atom counts once)."""
    seen: dict[object, int] = {}
    for a in {clause.head, *clause.body}:
        for term in set(a.args):
            seen[term] = seen.get(term, 0) + 1
    return any(count < 2 for term, count in seen.items() if isinstance(term, Var))


def generate_clauses(
    pred: str,
    arity: int,
    existentials: int,
    intensional: bool,
    extensional: Mapping[str, int],
    intensional_predicates: Mapping[str, int],
    *,
    prune_renamings: bool = False,
    types: Mapping[str, Sequence[str]] | None = None,
    singletons: bool = True,
) -> ClauseSet:
    """``cl(τ)`` for template ``τ = (existentials, intensional)`` of ``pred/arity``.

    ``extensional`` and ``intensional_predicates`` map predicate names to arities
    (0, 1 or 2); ``intensional_predicates`` includes ``pred`` itself (recursion).
    The order of the result is deterministic (predicate order of the mappings,
    then argument tuples in lexicographic order of the variable list). ``types``: argument
    types; only well-typed clauses are kept (:func:`well_typed`). ``singletons`` False: clauses
    with a singleton variable are dropped (:func:`has_singleton`).
    """
    if existentials < 0:
        raise ValueError(f"a rule template needs v >= 0 existential variables, got {existentials}")
    variables = variable_names(arity + existentials)
    head = Atom(pred, tuple(variables[:arity]))
    head_vars = set(head.args)
    allowed = dict(extensional)
    if intensional:
        allowed.update(intensional_predicates)
    candidates = _candidate_atoms(variables, allowed, head)
    is_int = [a.pred in intensional_predicates for a in candidates]
    var_sets = [set(a.args) for a in candidates]

    clauses: list[Clause] = []
    seen: set[tuple] = set()
    for i, j in itertools.combinations_with_replacement(range(len(candidates)), 2):
        if intensional and not (is_int[i] or is_int[j]):
            continue
        if not head_vars <= (var_sets[i] | var_sets[j]):
            continue  # unsafe
        clause = Clause(head, (candidates[i], candidates[j]))
        if types and not well_typed(clause, types):
            continue
        if not singletons and has_singleton(clause):
            continue
        if prune_renamings and existentials >= 2:
            key = _rename_key(clause, arity)
            if key in seen:
                continue
            seen.add(key)
        clauses.append(clause)
    return ClauseSet(pred, arity, existentials, intensional, tuple(clauses))


def task_clause_sets(task, *, prune_renamings: bool = False) -> dict[str, tuple[ClauseSet, ...]]:
    """Clause sets of every intensional predicate of an :class:`~neurosym.tasks.ilp_task.ILPTask`.

    Returns ``{pred: (cl(τ1),)}`` or ``{pred: (cl(τ1), cl(τ2))}`` in the task's
    order of intensional predicates (target first). A template that yields no
    clause raises the task's :class:`~neurosym.errors.TaskFileError`, pointing
    at its ``rules`` line.
    """
    intensional = task.intensional
    out: dict[str, tuple[ClauseSet, ...]] = {}
    for pred, arity in intensional.items():
        sets = []
        templates = task.templates[pred]
        if not 1 <= len(templates) <= 2:
            raise task.error(
                f"{pred} has {len(templates)} rule templates; ∂ILP defines a predicate by one or "
                "two",
                pred,
                "give one or two templates, e.g.  rules p: (0, no), (1, yes)",
            )
        for tpl in templates:
            cs = generate_clauses(
                pred,
                arity,
                tpl.existentials,
                tpl.intensional,
                task.extensional,
                intensional,
                prune_renamings=prune_renamings,
                types=task.types,
                singletons=task.singletons,
            )
            if not cs.clauses:
                raise task.error(
                    f"rule template {tpl} for {pred}/{arity} generates no clause: no two-atom body "
                    f"over {', '.join(map(str, variable_names(arity + tpl.existentials)))} can "
                    f"contain every head variable"
                    + (" and an intensional predicate" if tpl.intensional else ""),
                    pred,
                    "allow more existential variables, allow intensional predicates (yes), or give "
                    "the task extensional predicates of higher arity",
                )
            sets.append(cs)
        out[pred] = tuple(sets)
    return out
