"""From clause-pair weights to a Datalog program, and its exact verification.

Extraction takes the argmax clause pair of each predicate's softmax. The
program is printed readably: a body with a repeated atom (``p :- q, q``, the
paper's encoding of a one-atom body) becomes ``p :- q``, a pair of identical
clauses is written once, and clauses of invented predicates that the target
never reaches are dropped (they cannot change a target atom).
:func:`neurosym.lang.datalog.parse_program` reads the result back.
:func:`drop_unfired` then removes the clauses that derive nothing in any world (the learner
calls it on its final program).

Verification runs the *exact* evaluator (:func:`neurosym.logic.evaluator.least_model`)
on every world and compares the target atoms with every label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from neurosym.ilp.clauses import ClauseSet
from neurosym.logic.evaluator import FactStore, least_model
from neurosym.logic.terms import Atom, Clause, Program


def simplify_clause(clause: Clause) -> Clause:
    """``p :- q, q`` -> ``p :- q``; other clauses unchanged."""
    if len(clause.body) == 2 and clause.body[0] == clause.body[1]:
        return Clause(clause.head, clause.body[:1])
    return clause


def reachable_predicates(clauses: Iterable[Clause], target: str) -> set[str]:
    """Predicates whose definitions the target depends on (the target included)."""
    by_head: dict[str, list[Clause]] = {}
    for c in clauses:
        by_head.setdefault(c.head.pred, []).append(c)
    seen, todo = {target}, [target]
    while todo:
        for c in by_head.get(todo.pop(), []):
            for b in c.body:
                if b.pred not in seen:
                    seen.add(b.pred)
                    todo.append(b.pred)
    return seen


def chosen_clauses(
    clause_sets: Mapping[str, Sequence[ClauseSet]], choice: Mapping[str, tuple[int, int]]
) -> list[Clause]:
    """The raw clauses (two body atoms each) picked by ``choice[pred] = (j, k)``."""
    out = []
    for pred, sets in clause_sets.items():
        j, k = choice[pred]
        out.append(sets[0].clauses[j])
        if len(sets) == 2:
            out.append(sets[1].clauses[k])
    return out


def extract_program(
    clause_sets: Mapping[str, Sequence[ClauseSet]],
    choice: Mapping[str, tuple[int, int]],
    target: str,
) -> Program:
    """The readable program of a clause-pair choice (see the module docstring)."""
    raw = chosen_clauses(clause_sets, choice)
    keep = reachable_predicates(raw, target)
    clauses: dict[Clause, None] = {}
    for c in raw:
        if c.head.pred in keep:
            clauses.setdefault(simplify_clause(c), None)
    return Program(clauses)


_PROBE = "__fires__"  # a head predicate no task uses


def fires(clause: Clause, model: FactStore) -> bool:
    """Whether ``clause``'s body holds for some binding of its variables in ``model``."""
    probe = Clause(Atom(_PROBE, clause.head.args), clause.body)
    return bool(least_model(model.atoms(), [probe]).tuples(_PROBE))


def drop_unfired(program: Program, worlds: Iterable, target: str) -> tuple[Program, int]:
    """``program`` without the clauses that never fire in the least model of any world (objects
    with ``background``), nor those the target then no longer reaches; and how many were dropped.

    A clause whose body never holds derives nothing, so the least model of every world is the
    same without it (``grandmother(X, Y) :- male(X), grandmother(Y, Y)`` where no one is their
    own grandmother); the target's atoms are unchanged by the unreachable ones too.
    """
    models = [least_model(w.background, program) for w in worlds]
    fired = [c for c in program if any(fires(c, m) for m in models)]
    keep = reachable_predicates(fired, target)
    kept = Program(c for c in fired if c.head.pred in keep)
    return kept, len(program) - len(kept)


@dataclass(frozen=True)
class Scores:
    """Confusion counts of a program against labelled target atoms."""

    tp: int
    fn: int
    tn: int
    fp: int

    @property
    def contradicted(self) -> int:
        """Labels the program gets wrong (``fn + fp``)."""
        return self.fn + self.fp

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.tp + other.tp, self.fn + other.fn, self.tn + other.tn, self.fp + other.fp
        )


def score_program(
    program: Program, worlds: Iterable, stores: Sequence[FactStore] | None = None
) -> Scores:
    """Exact confusion counts of ``program`` over the labelled examples of ``worlds``
    (objects with ``background``, ``positives``, ``negatives``); ``stores``: the worlds'
    backgrounds as :class:`FactStore` s, built once by a caller that scores many programs."""
    total = Scores(0, 0, 0, 0)
    worlds = list(worlds)
    for i, w in enumerate(worlds):
        model = least_model(w.background if stores is None else stores[i], program)
        tp = sum((a.pred, a.ground_tuple()) in model for a in w.positives)
        fp = sum((a.pred, a.ground_tuple()) in model for a in w.negatives)
        total = total + Scores(tp, len(w.positives) - tp, len(w.negatives) - fp, fp)
    return total
