"""Symbolic repair of a learned program: hill climbing over one-clause swaps, scored exactly.

∂ILP reads its program off the soft weights by taking each predicate's argmax
clause pair. A restart whose weights have settled on a program that is one
wrong clause away from a correct one (``fizz(X) :- zero(Y), succ3(Y, X)`` where
``fizz(Y)`` was needed, or a body atom with its variables swapped) stays wrong
for as long as the gradient holds it there. :func:`repair` tries every single
clause replacement -- in every template slot of every predicate, every clause
of that slot's generated clause set -- scores each candidate program with the
exact evaluator, moves to the best one when it contradicts fewer labels, and
repeats. A program is a choice ``{pred: (j, k)}`` as in
:func:`neurosym.ilp.extract.extract_program`, so the result is always a
program of the template's hypothesis space.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.extract import Scores, extract_program, score_program
from neurosym.logic.evaluator import FactStore
from neurosym.logic.terms import Program

Choice = dict[str, tuple[int, int]]


@dataclass
class Repair:
    """What :func:`repair` found: the final ``choice``, its ``program`` and ``scores``;
    ``swaps``: clauses replaced on the way; ``evaluated``: candidate programs scored."""

    choice: Choice
    program: Program
    scores: Scores
    swaps: int
    evaluated: int


def neighbours(clause_sets: Mapping[str, Sequence[ClauseSet]],
               choice: Mapping[str, tuple[int, int]]) -> Iterator[Choice]:
    """Every choice that differs from ``choice`` in exactly one template slot (yields
    ``Choice``)."""
    for pred, sets in clause_sets.items():
        j, k = choice[pred]
        for slot, clause_set in enumerate(sets):
            current = j if slot == 0 else k
            for i in range(len(clause_set)):
                if i != current:
                    yield {**choice, pred: (i, k) if slot == 0 else (j, i)}


def repair(
    clause_sets: Mapping[str, Sequence[ClauseSet]],
    choice: Mapping[str, tuple[int, int]],
    target: str,
    worlds: Sequence,
    *,
    allowed: int = 0,
    rounds: int = 3,
    budget: int = 5_000,
    stores: Sequence[FactStore] | None = None,
    stop_at: float | None = None,
) -> Repair:
    """Hill-climb from ``choice`` by one-clause swaps until it contradicts at most ``allowed``
    labels.

    Each round scores the whole one-swap neighbourhood (stopping early at a program within
    ``allowed``) and moves to its best member if that contradicts strictly fewer labels than the
    current program; ties keep the current program. At most ``rounds`` moves and ``budget``
    candidate programs, and none after ``time.perf_counter()`` passes ``stop_at``. ``worlds``:
    objects with ``background``, ``positives``, ``negatives`` (training and validation worlds,
    as for verification); ``stores``: their backgrounds as fact stores, when the caller has them.
    """
    current: Choice = dict(choice)
    if stores is None:
        stores = [FactStore(w.background) for w in worlds]
    program = extract_program(clause_sets, current, target)
    scores = score_program(program, worlds, stores)
    seen: dict[Program, Scores] = {program: scores}

    def spent() -> bool:  # the candidate budget or the time is used up
        return len(seen) >= budget or (stop_at is not None and time.perf_counter() > stop_at)

    swaps = 0
    for _ in range(rounds):
        if scores.contradicted <= allowed or spent():
            break
        best: tuple[Choice, Program, Scores] | None = None
        for candidate in neighbours(clause_sets, current):
            cand_program = extract_program(clause_sets, candidate, target)
            cand_scores = seen.get(cand_program)
            if cand_scores is None:
                if spent():
                    break
                cand_scores = seen[cand_program] = score_program(cand_program, worlds, stores)
            if best is None or cand_scores.contradicted < best[2].contradicted:
                best = (candidate, cand_program, cand_scores)
                if cand_scores.contradicted <= allowed:
                    break
        if best is None or best[2].contradicted >= scores.contradicted:
            break
        current, program, scores = best
        swaps += 1
    return Repair(current, program, scores, swaps, len(seen) - 1)
