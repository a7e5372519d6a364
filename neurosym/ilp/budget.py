"""Time in a fit: when to check, when time is up, and how many restarts the time allows.

:meth:`RuleLearner.fit <neurosym.ilp.learner.RuleLearner.fit>` checks its restarts' programs
early and then on a growing schedule (:func:`check_schedule`), so an easy task stops after a
few steps; it stops training at ``time_limit`` (:class:`Deadline`); and ``restarts="auto"``
trains the most restarts whose planned steps fit that limit, judged by timing a few steps of a
small probe (:func:`size_restarts`). Only :meth:`Trainer.step` is timed, so a cheaper engine
gets more restarts without any change here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neurosym.errors import ResourceLimitError

if TYPE_CHECKING:
    from neurosym.ilp.training import Trainer

Clock = Callable[[], float]
"""Seconds since an arbitrary origin (``time.perf_counter``; tests pass a fake one)."""

PROBE_STEPS = 3
"""Steps the probe of ``restarts="auto"`` takes: a warm-up step, then the timed ones."""


def check_schedule(first: int, every: int, steps: int) -> list[int]:
    """The steps at which a fit checks: ``first``, twice that, four times ... while below
    ``every``, then every multiple of ``every``, and the last step ``steps``."""
    early = []
    step = first
    while step < every:
        early.append(step)
        step *= 2
    return sorted({*(s for s in early if s <= steps), *range(every, steps + 1, every), steps})


@dataclass
class Deadline:
    """The time limit of a fit: ``limit`` seconds (None: no limit) from ``started`` on ``clock``."""

    limit: float | None
    clock: Clock
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def left(self) -> float:
        return math.inf if self.limit is None else self.limit - self.elapsed()

    def passed(self) -> bool:
        return self.left() <= 0


def planned_restarts(choices: Sequence[int], probe: int, step_seconds: float, steps: int,
                     seconds: float) -> int:
    """The most of ``choices`` (ascending) whose ``steps`` steps fit in ``seconds``, a step of
    ``R`` restarts taking ``step_seconds * R / probe`` (the probe's measured time per restart,
    fixed costs included, so the plan errs on the short side); at least the smallest."""
    per_restart = step_seconds / probe
    return max((r for r in choices if steps * per_restart * r <= seconds), default=choices[0])


@dataclass
class Sized:
    """The trainer a fit goes on with and the ``steps_done`` it has already taken (the probe's,
    when the probe is kept). ``grow``, when set, builds the larger batch that the time allows
    (None when memory allows none): the fit first checks the probe, whose restarts are the first
    of the larger batch, and grows only when none of them is verified."""

    trainer: Trainer
    steps_done: int = 0
    grow: Callable[[], Sized | None] | None = None


def size_restarts(build: Callable[[int], Trainer], choices: Sequence[int], steps: int,
                  deadline: Deadline, *, check_first: bool = False) -> Sized:
    """``restarts="auto"``: a probe of the fewest ``choices`` restarts (``build(R)``) takes
    :data:`PROBE_STEPS` steps (fewer when ``steps`` is smaller); the fastest after the first gives
    the step time, and the most restarts whose ``steps`` steps fit the time left
    (:func:`planned_restarts`) are built afresh, stepping down while ``build`` says they do not
    fit in memory (:class:`ResourceLimitError`). The probe itself, with its steps, is kept when
    no more restarts fit. ``check_first``: the larger batch is not built yet but left to
    ``Sized.grow`` (planned from the time left when it is called)."""
    probe = build(choices[0])
    times = []
    for _ in range(min(PROBE_STEPS, steps - 1)):
        start = deadline.clock()
        probe.step()
        times.append(deadline.clock() - start)
    if not times:
        return Sized(probe)
    step_seconds = min(times[1:] or times)

    def grow() -> Sized | None:
        want = planned_restarts(choices, choices[0], step_seconds, steps, deadline.left())
        for count in sorted((r for r in choices if choices[0] < r <= want), reverse=True):
            try:
                return Sized(build(count))
            except ResourceLimitError:
                continue
        return None

    if planned_restarts(choices, choices[0], step_seconds, steps, deadline.left()) == choices[0]:
        return Sized(probe, len(times))
    if check_first:
        return Sized(probe, len(times), grow)
    return grow() or Sized(probe, len(times))
