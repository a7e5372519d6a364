"""The stages of a ∂ILP check, in one vocabulary.

At every check (:func:`~neurosym.ilp.budget.check_schedule`)
:meth:`RuleLearner.fit <neurosym.ilp.learner.RuleLearner.fit>` reads each restart's
*argmax program* off its weights (a *key*: one flattened clause-pair index per predicate), and
then:

1. **check** (:class:`ProgramCheck`): the program is scored by the exact evaluator on every
   training and validation world; it is *verified* when it contradicts at most ``allowed`` labels;
2. **repair** (:meth:`ProgramCheck.repair_settled`): a wrong program that is *settled* (the same at
   every check of the last ``check_every`` steps or more) is hill-climbed by one-clause swaps
   (:func:`neurosym.ilp.repair.repair`);
   a verified repair is written back into the restart's weights, and it trains on from there;
3. **track** (:class:`RestartTracker`): each restart's convergence, its current *attempt* (its
   initial draw or its latest redraw) and whether that attempt was verified, by gradient descent
   or first through a repair; a *stuck* restart (wrong, and its loss no longer falling) is redrawn.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from torch import Tensor

from neurosym.ilp.config import LearnerConfig
from neurosym.ilp.extract import Scores, extract_program, score_program
from neurosym.ilp.repair import Repair, repair
from neurosym.ilp.training import Trainer
from neurosym.logic.evaluator import FactStore
from neurosym.logic.terms import Program

Key = tuple[int, ...]
"""An argmax program: one flattened clause-pair index per predicate (:meth:`Trainer.choice`)."""

REPAIRS_PER_CHECK = 8
"""Settled wrong programs repaired per check at most (fewest contradicted labels first); the
others wait for a later check, so a check's cost stays bounded however many restarts there are."""


REPAIR_SECONDS = 20.0
"""Wall seconds the repairs of one check may take together; a repair cut short keeps the best
program it found. Small tasks never reach it (a repair takes milliseconds); on large ones
(thousands of constants, 0.1 s per exact evaluation) it keeps each check short."""


@dataclass
class Verdict:
    """A restart's program at a check: its ``key``, ``program`` and exact ``scores``, whether it
    is ``verified``, and whether it came from a repair of the argmax program (``from_repair``)."""

    key: Key
    program: Program
    scores: Scores
    verified: bool
    from_repair: bool = False


class ProgramCheck:
    """Exact checking and repair of argmax programs, memoised by key over a whole fit."""

    def __init__(self, trainer: Trainer, target: str, worlds: Sequence, allowed: int,
                 repair_rounds: int) -> None:
        self.trainer, self.target, self.worlds = trainer, target, list(worlds)
        self.allowed, self.repair_rounds = allowed, repair_rounds
        self.stores = [FactStore(w.background) for w in self.worlds]
        self.scored: dict[Key, tuple[Program, Scores]] = {}
        self.repairs: dict[Key, Repair] = {}

    def score(self, key: Key) -> tuple[Program, Scores]:
        """The program of ``key`` and its exact scores on every world."""
        if key not in self.scored:
            choice = self.trainer.choice(key)
            program = extract_program(self.trainer.clause_sets, choice, self.target)
            self.scored[key] = (program, score_program(program, self.worlds, self.stores))
        return self.scored[key]

    def repair_settled(self, keys: Iterable[Key]) -> None:
        """Repair the settled wrong programs ``keys`` not repaired yet, fewest contradicted labels
        first, at most :data:`REPAIRS_PER_CHECK` of them (none when ``repair_rounds`` is 0)."""
        if not self.repair_rounds:
            return
        def errors(k: Key) -> int:
            return self.score(k)[1].contradicted

        todo = sorted({k for k in keys if k not in self.repairs and errors(k) > self.allowed},
                      key=lambda k: (errors(k), k))
        stop_at = time.perf_counter() + REPAIR_SECONDS
        for key in todo[:REPAIRS_PER_CHECK]:
            if time.perf_counter() >= stop_at:
                break  # the others wait for a later check
            self.repairs[key] = repair(self.trainer.clause_sets, self.trainer.choice(key),
                                       self.target, self.worlds, allowed=self.allowed,
                                       rounds=self.repair_rounds, stores=self.stores,
                                       stop_at=stop_at)

    def verdict(self, key: Key, settled: bool) -> Verdict:
        """The program of ``key``, or of its repair when the program is settled and the repair
        contradicts fewer labels."""
        program, scores = self.score(key)
        fixed = self.repairs.get(key) if settled else None
        if fixed is not None and fixed.scores.contradicted < scores.contradicted:
            return Verdict(self.trainer.key(fixed.choice), fixed.program, fixed.scores,
                           fixed.scores.contradicted <= self.allowed, from_repair=True)
        return Verdict(key, program, scores, scores.contradicted <= self.allowed)


@dataclass
class Restart:
    """One restart's state across checks; ``verified``/``repaired`` are its current attempt's."""

    best_loss: float = math.inf  # for convergence: the best loss, and the step it was reached
    last_improved: int = 0
    anchor_loss: float = math.inf  # for redrawing: the loss at the start of the current window
    anchor_step: int = 0
    verified: bool = False  # the current attempt has been verified ...
    repaired: bool = False  # ... and first through a repair
    last_key: Key | None = None  # the argmax program at the previous check ...
    key_since: int = 0  # ... and the step of the first check that found it


@dataclass
class Attempts:
    """Attempts made (every restart's initial draw, plus each redraw), and how they ended."""

    made: int
    verified: int = 0  # verified by gradient descent alone
    repaired: int = 0  # verified first through a repair
    abandoned: int = 0  # redrawn as stuck


@dataclass
class RestartTracker:
    """The :class:`Restart` state of every restart of a fit, and its :class:`Attempts`."""

    config: LearnerConfig
    restarts: list[Restart]
    attempts: Attempts = field(init=False)

    def __post_init__(self) -> None:
        self.attempts = Attempts(len(self.restarts))

    @classmethod
    def start(cls, count: int, config: LearnerConfig) -> RestartTracker:
        return cls(config, [Restart() for _ in range(count)])

    def observe_losses(self, step: int, losses: Tensor) -> None:
        """Convergence: a restart improved when its loss ``[R]`` fell by more than ``tolerance``."""
        for state, loss in zip(self.restarts, losses.tolist()):
            if loss < state.best_loss - self.config.tolerance:
                state.best_loss, state.last_improved = loss, step

    def converged(self, step: int) -> bool:
        """Every restart's loss has not improved for ``patience`` steps."""
        return all(step - s.last_improved >= self.config.patience for s in self.restarts)

    def settle(self, keys: Sequence[Key], step: int, final: bool) -> list[bool]:
        """Whether each restart's program is settled at the check of ``step``: ``final``, or found
        by every check of at least the last ``check_every`` steps (on checks ``check_every``
        apart: unchanged since the previous check, whatever early checks came before);
        remembers ``keys`` for the next check."""
        settled = []
        for s, key in zip(self.restarts, keys):
            if key != s.last_key:
                s.last_key, s.key_since = key, step
            settled.append(final or (s.key_since > 0
                                     and step - s.key_since >= self.config.check_every))
        return settled

    def adopt_repair(self, r: int, key: Key, step: int) -> None:
        """Restart ``r``'s weights hold the verified repair ``key`` since the check of ``step``."""
        state = self.restarts[r]
        state.last_key, state.key_since = key, step
        state.repaired = state.repaired or not state.verified

    def record(self, r: int, verified: bool) -> None:
        """Count restart ``r``'s current attempt the first time it is verified."""
        state = self.restarts[r]
        if verified and not state.verified:
            state.verified = True
            if state.repaired:
                self.attempts.repaired += 1
            else:
                self.attempts.verified += 1

    def stuck(self, r: int, step: int, loss: float, verified: bool) -> bool:
        """At the end of each ``reinit_patience`` window: restart ``r``'s attempt is unverified and
        its loss fell by less than ``reinit_tolerance`` over the window (a new window starts)."""
        state, patience = self.restarts[r], self.config.reinit_patience
        if not patience or step - state.anchor_step < patience:
            return False
        flat = state.anchor_loss - loss < self.config.reinit_tolerance
        stuck = not verified and not state.verified and flat
        state.anchor_loss, state.anchor_step = loss, step
        return stuck

    def redraw(self, rows: Sequence[int], step: int) -> None:
        """The restarts ``rows`` were drawn afresh at ``step``: each starts a new attempt."""
        for r in rows:
            self.restarts[r] = Restart(last_improved=step, anchor_step=step)
        self.attempts.made += len(rows)
        self.attempts.abandoned += len(rows)
