"""``RuleLearner``: learn a Datalog program from an ILP task by gradient descent (∂ILP).

Many random restarts are trained at once: every intensional predicate has one
weight tensor ``[R, K1 * K2]`` (a row per restart), one forward pass chains all
restarts and worlds together, and one optimizer step updates all of them. The
loss is the sum over restarts of each restart's mean cross-entropy, so restarts
never influence each other (every optimizer here is elementwise).

At every check (after ``first_check`` steps, then twice as many, ... up to
``check_every``, then every ``check_every`` steps:
:func:`~neurosym.ilp.budget.check_schedule`) the argmax program of each restart is
extracted and verified exactly on every training and validation world; training
stops early as soon as one restart's program contradicts no label (at most
``max_contradicted`` labels, for noisy data), when every restart has stopped
improving, or at ``time_limit``; the time to the first verified program is
recorded (``ttv_seconds``). A restart whose argmax program is wrong and has not
changed for ``check_every`` steps is *repaired* when a few one-clause swaps, scored by the exact
evaluator, make it verified (:mod:`neurosym.ilp.repair`); the repaired program
is written back into its weights and it trains on from there.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from neurosym.errors import NeurosymError
from neurosym.ilp.budget import Clock, Deadline, Sized, check_schedule, size_restarts
from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.config import AUTO, INITS, OPTIMIZERS, LearnerConfig, auto_choices
from neurosym.ilp.extract import Scores, drop_unfired
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.ilp.memory import REPORTED_ATOM_BYTES, MemoryEstimate, check_fits
from neurosym.ilp.restarts import Attempts, ProgramCheck, RestartTracker
from neurosym.ilp.training import DTYPES, SMALL_STEP, Trainer, chaining_layout
from neurosym.logic.terms import Atom, Program
from neurosym.tasks.ilp_task import ILPTask
from neurosym.tasks.ilp_validate import as_atoms
from neurosym.versions import resolve_device

__all__ = ["INITS", "OPTIMIZERS", "LearnResult", "LearnerConfig", "Progress", "RuleLearner"]

FALLBACK_SHARE = 1 / 3
"""The share of the time left that a task with a ``fallback`` (a larger hypothesis space, such
as the Popper reader's one long clause) may take before ``fit`` goes on to the fallback."""


@dataclass
class Progress:
    """Passed to ``fit``'s callback at every check. ``planned``: the steps the fit expects to
    run, ``steps`` or fewer when ``time_limit`` comes first at the step time so far; ``seconds``
    since fit began."""

    step: int
    steps: int
    losses: list[float]
    best_contradicted: int | None
    restarts_succeeded: int
    attempts: int = 0
    attempts_verified: int = 0
    attempts_abandoned: int = 0
    restarts_repaired: int = 0
    attempts_repaired: int = 0
    planned: int = 0
    seconds: float = 0.0


@dataclass
class LearnResult:
    """What :meth:`RuleLearner.fit` found (``to_json()`` gives a JSON-ready dict).

    ``program`` is the best program seen at any check: fewest contradicted labels over
    every training and validation world, then highest confidence, then fewest clauses.
    ``verified``: it contradicts at most ``max_contradicted`` labels (0 by default).
    ``restarts_succeeded``: restarts whose argmax program was verified at the last check
    (with early stopping, when training stopped); ``restarts_repaired`` of them were verified
    through a repair (``repair_rounds``). ``attempts_verified``: attempts verified by gradient
    descent alone; ``attempts_repaired``: attempts verified first by a repair. ``confidence``: the
    smallest, over
    predicates, softmax probability of the chosen clause pair (``confidence_per_predicate``).
    ``clauses_dropped``: clauses of the chosen pairs left out of ``program`` because they never
    fire in any world (:func:`~neurosym.ilp.extract.drop_unfired`; ``predict`` still runs them).
    ``tp``/``fn``/``tn``/``fp`` count the program's exact least model against the labels.
    ``peak_memory_bytes``: CUDA peak allocated bytes, or on the CPU the process's peak
    resident set size; ``estimated_memory_bytes``: the estimate checked before training.
    ``ttv_seconds``: time to a verified program, from the start of ``fit`` to the first check
    that found a restart's program verified (repairs included), and ``ttv_step``, the step of that
    check (both None when none was); ``stopped_on_time``: training stopped at ``time_limit``;
    ``fallbacks_tried``: the task's fallbacks fitted after its own templates ended unverified.
    """

    task: str
    program: Program
    program_text: str
    verified: bool
    restarts: int
    restarts_succeeded: int
    steps_run: int
    seconds: float
    clauses_generated: int
    peak_memory_bytes: int
    tp: int
    fn: int
    tn: int
    fp: int
    precision: float
    recall: float
    confidence: float
    labels_contradicted: int
    device: str
    seed: int
    size: int = 0
    loss: float = math.nan
    confidence_per_predicate: dict[str, float] = field(default_factory=dict)
    clauses_per_template: dict[str, list[int]] = field(default_factory=dict)
    estimated_memory_bytes: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    attempts_verified: int = 0
    attempts_abandoned: int = 0
    restarts_repaired: int = 0
    attempts_repaired: int = 0
    clauses_dropped: int = 0
    ttv_seconds: float | None = None
    ttv_step: int | None = None
    stopped_on_time: bool = False
    fallbacks_tried: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnResult:
        """The result :meth:`to_json` wrote (also by an earlier version: fields it did not have
        take their defaults; keys this version does not know are ignored)."""
        from neurosym.lang.datalog import parse_program

        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["program"] = parse_program(data.get("program_text", data["program"]))
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["program"] = self.program_text
        return out

    def summary(self) -> str:
        status = (
            "verified"
            if self.verified
            else f"NOT verified ({self.labels_contradicted} labels contradicted)"
        )
        return (
            f"{status}; TP {self.tp} FN {self.fn} TN {self.tn} FP {self.fp}, precision "
            f"{self.precision:.3f}, recall {self.recall:.3f}; {self.size} "
            f"clauses{self._dropped()}, confidence {self.confidence:.3f}; "
            f"{self.restarts_succeeded}/{self.restarts} restarts succeeded; {self.steps_run} steps "
            f"in {self.seconds:.2f} s on {self.device}{self._ttv()}"
        )

    def _ttv(self) -> str:
        first = (
            "; no verified program"
            if self.ttv_seconds is None
            else f"; first verified program after {self.ttv_seconds:.2f} s (step {self.ttv_step})"
        )
        fell_back = (f"; fallback templates fitted: {self.fallbacks_tried}"
                     if self.fallbacks_tried else "")
        return first + ("; stopped at the time limit" if self.stopped_on_time else "") + fell_back

    def _dropped(self) -> str:
        n = self.clauses_dropped
        return f" ({n} that never fire dropped)" if n else ""


@dataclass
class Best:
    """The best program seen so far (see :class:`LearnResult`): its ``rank`` (contradicted labels,
    minus confidence, clauses), ``program``, ``scores``, per-predicate ``confidence``, restart
    ``loss`` and ``weights`` (``{pred: [K1 * K2']}`` on the CPU)."""

    rank: tuple[int, float, int]
    program: Program
    scores: Scores
    confidence: dict[str, float]
    loss: float
    weights: dict[str, Tensor]


@dataclass
class Check:
    """What one check found: restarts verified (``succeeded``; ``repaired`` of them through a
    repair), the ``stuck`` restarts to redraw, and the ``best`` program so far."""

    best: Best | None
    succeeded: int = 0
    repaired: int = 0
    stuck: list[int] = field(default_factory=list)


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes, Linux KiB


@dataclass
class _Run:
    """Where :meth:`RuleLearner._train` left a trainer: the last step, the last check and the
    best program so far, the first verification ``(seconds, step)``, and whether training
    ``stopped`` (verified, converged, out of time, the last step, or the callback said so)."""

    trainer: Trainer
    tracker: RestartTracker
    allowed: int
    step: int = 0
    best: Best | None = None
    check: Check | None = None
    ttv: tuple[float, int] | None = None
    out_of_time: bool = False
    stopped: bool = False


class RuleLearner:
    """Differentiable ILP learner (Evans & Grefenstette 2018), batched over restarts and worlds.

    ``RuleLearner(config, **overrides)``: every setting is a field of :class:`LearnerConfig`
    (``config``, default ``LearnerConfig()``), overridden by name, e.g. ``RuleLearner(seed=0,
    restarts=16)``; the result is ``self.config``.

    Defaults (a portfolio: even restarts Adam at lr 0.1, odd restarts RMSProp at lr 0.5; 16 to
    64 restarts on the CPU; normal init; stuck restarts redrawn; settled wrong programs repaired)
    were chosen by measurement (bench/ilp/RESULTS.md: neither optimizer alone is best on every
    task; the portfolio takes the better of the two). ``optimizer="rmsprop", lr=0.5`` is the
    paper's setting.

    Settings (:class:`LearnerConfig` has each one's help and valid values):
        restarts: independent random initialisations trained together; ``"auto"`` (the default):
            on the CPU 64, 32 or 16, on a GPU 512 down to 32: a probe of the fewest takes a few
            steps, and the most whose ``steps`` steps fit ``time_limit`` at the measured step time
            (counted per restart) are trained, fewer if the memory estimate says so
            (:func:`neurosym.ilp.budget.size_restarts`); with ``stop_early`` the probe trains
            to its first check before they are built, and an easy task stops there. The count
            depends on the machine's speed: pass a number to repeat a run exactly.
        steps: maximum number of optimizer steps.
        time_limit: seconds a fit may take (None: no limit); training stops at the first step
            past it (``LearnResult.stopped_on_time``).
        lr: learning rate of the optimizer entries without their own ``:LR`` (unset: 0.1); an
            error when every entry has its own (it would be ignored).
        optimizer: ``adam``, ``rmsprop`` (the paper's, with lr 0.5), ``sgd``, or a portfolio
            over restarts ``"adam:0.1,rmsprop:0.5"`` (the default): restart ``r`` uses entry
            ``r % len``.
        preset: fuzzy operator preset name (:data:`neurosym.logic.fuzzy.PRESETS`) or an
        ``OperatorSet``.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        seed: seed of the weight initialisation (drawn on the CPU, so the same on every device).
        init: ``normal`` (N(0, init_scale²)), ``uniform`` (U(0, init_scale)) or ``zeros``.
        check_every: steps between extraction + exact verification of every restart's program.
        first_check: the first check comes after this many steps, the next ones after twice as
            many, four times, ... while below ``check_every`` (an easy task stops in seconds).
        stop_early: stop when a restart's program is verified (or every restart has stopped
        improving).
        patience: a restart has converged when its loss has not improved by ``tolerance``
            for this many steps.
        reinit_patience: a restart whose program is not verified and whose loss fell by less than
            ``reinit_tolerance`` over the last ``reinit_patience`` steps is stuck: it is drawn
            afresh (a new *attempt*, seeded from ``(seed, restart, attempt)``) and trains on
            from the same step budget. 0: never.
        max_contradicted: a program is *verified* when it contradicts at most this many labels
            (an int), or at most this fraction of the labels (a float below 1). 0: every label.
        inference_steps: forward-chaining steps T (default: the task's ``steps``).
        dtype: ``float32`` or ``float64``.
        prune_renamings: drop clauses equal up to renaming existential variables (v >= 2).
        memory_fraction: refuse fits whose estimate exceeds this fraction of the free device memory.
        threads: CPU threads torch may use during ``fit`` (restored afterwards). None: 1 thread
            when a training step is small (under ``SMALL_STEP`` tensor elements), where
            intra-op parallelism only adds synchronisation (on a busy 2-core machine a
            small task ran 6x slower with 2 threads than with 1); torch's setting otherwise.
        repair_rounds (formerly ``polish_rounds``, still accepted): repair of settled wrong
            programs (:func:`neurosym.ilp.repair.repair`): up to this many one-clause swaps, each
            the best of all single swaps scored exactly on every training and validation world.
            0: off (plain ∂ILP).
        gumbel_scale: training noise: each step's forward pass uses the softmax of the weights
            plus this much Gumbel(0, 1) noise, drawn afresh (seeded from ``seed``), so every step
            tries a slightly different soft program; checks and extraction use the weights
            themselves. 0: off (plain ∂ILP).
    """

    def __init__(self, config: LearnerConfig | None = None, **overrides: Any) -> None:
        if config is not None and not isinstance(config, LearnerConfig):
            raise NeurosymError(
                f"RuleLearner(config, **settings): config must be a LearnerConfig, "
                f"got {config!r}; pass settings by name, e.g. "
                "RuleLearner(restarts=16)"
            )
        self.config: LearnerConfig = (config or LearnerConfig()).replace(**overrides)
        # Set by fit / load:
        self.program_: Program | None = None
        self.result_: LearnResult | None = None
        self.clause_sets_: dict[str, tuple[ClauseSet, ...]] | None = None
        self.weights_: dict[str, Tensor] | None = None  # best restart, [K1 * K2'] each (CPU)
        self.language_: dict[str, Any] | None = None

    # ------------------------------------------------------------------ fit
    clock: Clock = staticmethod(time.perf_counter)
    """The clock of ``fit`` (its time limit, TTV and seconds); tests set a fake one."""

    def prepare(self, task: ILPTask) -> Trainer:
        """Build the training tensors for ``task`` after checking the memory estimate (used by
        :meth:`fit`; benchmarks time :meth:`Trainer.step <neurosym.ilp.training.Trainer.step>`).
        With ``restarts="auto"`` the trainer may have taken the steps of the probe that timed it
        (:func:`~neurosym.ilp.budget.size_restarts`)."""
        sized = self._size(task, Deadline(self.config.time_limit, self.clock))
        grown = sized.grow() if sized.grow is not None else None
        return (grown or sized).trainer

    def _size(self, task: ILPTask, deadline: Deadline) -> Sized:
        """The trainer of ``task``: ``restarts`` of them, or for ``"auto"`` the most of
        :func:`~neurosym.ilp.config.auto_choices` whose steps fit the time left and the memory."""
        cfg, device = self.config, resolve_device(self.config.device)

        built: list[Trainer] = []  # the probe's restart-independent parts are reused

        def build(restarts: int) -> Trainer:
            trainer = Trainer(cfg.replace(restarts=restarts), task, device,
                              like=built[0] if built else None)
            built.append(trainer)
            if device.type == "cpu":
                threads = cfg.threads
                if threads is None and trainer.work_per_step < SMALL_STEP:
                    threads = 1
                if threads:
                    torch.set_num_threads(threads)
            return trainer

        if cfg.restarts != AUTO:
            return Sized(build(int(cfg.restarts)))
        return size_restarts(build, auto_choices(device.type), cfg.steps, deadline,
                             check_first=cfg.stop_early)

    def fit(self, task: ILPTask, callback: Callable[[Progress], Any] | None = None) -> LearnResult:
        """Learn a program for ``task``; returns (and stores as ``result_``) a :class:`LearnResult`.

        ``callback(progress)`` is called at every check; returning True stops training.
        """
        if not isinstance(task, ILPTask):
            raise NeurosymError(
                f"fit takes an ILPTask, got {type(task).__name__}; load one with "
                "load_ilp_task('ilp/even') or build one with make_task(...)"
            )
        if task.neural is not None:
            raise NeurosymError(
                f"task {task.name} has a neural predicate ({task.neural.pred} from "
                f"{task.neural.dataset}): RuleLearner learns symbolic tasks only; learn it with "
                "neurosym.ilp.neural_task.learn_neural_task(task) or 'neurosym ilp learn TASKFILE'"
            )
        previous_threads = torch.get_num_threads()
        try:
            return self._fit_with_fallbacks(task, callback)
        finally:
            if torch.get_num_threads() != previous_threads:
                torch.set_num_threads(previous_threads)

    def _fit_with_fallbacks(self, task: ILPTask,
                            callback: Callable[[Progress], Any] | None) -> LearnResult:
        """Fit ``task``; while the result is unverified and the task has a ``fallback`` (a larger
        hypothesis space), fit that, unless the callback asked to stop. Each task but the last gets
        :data:`FALLBACK_SHARE` of the time left; the result's seconds and TTV count from the
        start."""
        limit, started = self.config.time_limit, self.clock()
        tried, asked_to_stop, phase_began = 0, False, 0.0

        def relay(progress: Progress) -> bool:  # seconds since fit began; remembers a stop
            nonlocal asked_to_stop
            progress.seconds += phase_began
            asked_to_stop = callback is not None and bool(callback(progress))
            return asked_to_stop

        while True:
            phase_began = self.clock() - started
            left = None if limit is None else limit - phase_began
            last = task.fallback is None or asked_to_stop
            share = left if left is None or last else left * FALLBACK_SHARE
            result = self._fit(task, relay, Deadline(share, self.clock))
            result.seconds = self.clock() - started
            if result.ttv_seconds is not None:
                result.ttv_seconds += phase_began
            result.fallbacks_tried = tried
            out_of_time = limit is not None and result.seconds >= limit
            if result.verified or task.fallback is None or asked_to_stop or out_of_time:
                return result
            task, tried = task.fallback, tried + 1

    def _fit(self, task: ILPTask, callback: Callable[[Progress], Any] | None,
             deadline: Deadline) -> LearnResult:
        """Train until ``deadline`` (:meth:`_train`). With ``restarts="auto"`` and early stopping,
        the probe trains on to its first check before the larger batch the time allows is built:
        its restarts are the larger batch's first ones, so an easy task stops at the probe's
        cost."""
        cfg = self.config
        device = resolve_device(cfg.device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        sized = self._size(task, deadline)
        checks = set(check_schedule(cfg.first_check, cfg.check_every, cfg.steps))
        if sized.grow is None:
            run = self._train(task, sized, checks, callback, deadline)
        else:
            first = min((c for c in checks if c > sized.steps_done), default=cfg.steps)
            run = self._train(task, sized, checks, callback, deadline, until=first)
            if not run.stopped:
                grown = sized.grow() or Sized(run.trainer, run.step)
                run = self._train(task, grown, checks, callback, deadline)
        assert run.best is not None and run.check is not None
        result = self._finish(task, run.trainer, device, run.best, run.check,
                              run.tracker.attempts, run.step, run.allowed, deadline)
        if run.ttv is not None:
            result.ttv_seconds, result.ttv_step = run.ttv
        result.stopped_on_time = run.out_of_time
        return result

    def _train(self, task: ILPTask, sized: Sized, checks: set[int],
               callback: Callable[[Progress], Any] | None, deadline: Deadline,
               until: int | None = None) -> _Run:
        """Train ``sized.trainer`` until ``deadline``, the last step, a stop, or step ``until``;
        at every step of ``checks`` (and at the time limit): check, repair, track, redraw the
        stuck restarts."""
        cfg = self.config
        tr, trained_from, training_began = sized.trainer, sized.steps_done, deadline.elapsed()
        # verified on the stated examples (assumed closed-world negatives only train)
        worlds = [w.stated() for w in (*task.train, *task.validation)]
        allowed = cfg.allowed(sum(len(w.positives) + len(w.negatives) for w in worlds))
        checker = ProgramCheck(tr, task.target, worlds, allowed, cfg.repair_rounds)
        run = _Run(tr, RestartTracker.start(tr.restarts, cfg), allowed, step=trained_from)
        for step in range(trained_from + 1, (until or cfg.steps) + 1):
            run.step = step
            losses = tr.step()
            run.out_of_time = deadline.passed()
            if step not in checks and not run.out_of_time:
                continue
            # convergence is judged on the weights' own loss (the training loss carries the noise)
            losses = (tr.clean_losses() if tr.gumbel_scale > 0 else losses).cpu().double()
            final = run.out_of_time or step == cfg.steps
            check = self._check(tr, checker, run.tracker, step, losses, run.best, final)
            run.best, run.check = check.best, check
            if check.succeeded and run.ttv is None:
                run.ttv = (deadline.elapsed(), step)
            run.stopped = final or (
                cfg.stop_early and (check.succeeded > 0 or run.tracker.converged(step))
            )
            if callback is not None:
                a = run.tracker.attempts
                per_step = (deadline.elapsed() - training_began) / (step - trained_from)
                info = Progress(
                    step,
                    cfg.steps,
                    losses.tolist(),
                    check.best.scores.contradicted,
                    check.succeeded,
                    a.made,
                    a.verified,
                    a.abandoned,
                    check.repaired,
                    a.repaired,
                    planned=int(min(cfg.steps, step + deadline.left() / max(per_step, 1e-9))),
                    seconds=deadline.elapsed(),
                )
                run.stopped = bool(callback(info)) or run.stopped
            if check.stuck and not run.stopped and step < cfg.steps:
                tr.reinitialise(check.stuck)
                run.tracker.redraw(check.stuck, step)
            if run.stopped:
                break
        return run

    def _check(
        self,
        tr: Trainer,
        checker: ProgramCheck,
        tracker: RestartTracker,
        step: int,
        losses: Tensor,
        best: Best | None,
        final: bool,
    ) -> Check:
        """One check of every restart: its argmax program checked exactly (settled wrong programs
        repaired, verified repairs written back), counted, tested for being stuck, and ranked;
        ``final``: the last check (every wrong program counts as settled)."""
        tracker.observe_losses(step, losses)
        top_i, top_p = tr.argmax_pairs()
        keys = [tuple(int(t[r]) for t in top_i) for r in range(tr.restarts)]
        settled = tracker.settle(keys, step, final)
        checker.repair_settled(k for k, s in zip(keys, settled) if s)
        out = Check(best)
        for r, key in enumerate(keys):
            found = checker.verdict(key, settled[r])
            if found.from_repair and found.verified:  # the restart trains on from its repair
                tr.raise_choice(r, found.key, write=True)
                tracker.adopt_repair(r, found.key, step)
            tracker.record(r, found.verified)
            out.succeeded += found.verified
            out.repaired += found.verified and tracker.restarts[r].repaired
            if tracker.stuck(r, step, float(losses[r]), found.verified):
                out.stuck.append(r)
            # ranked by gradient descent's own confidence (a repaired program's raised weights
            # would win every tie), reported with the confidence of the weights kept
            conf = {s.pred: float(t[r]) for s, t in zip(tr.shapes, top_p)}
            rank = (found.scores.contradicted, -min(conf.values()), len(found.program))
            if out.best is None or rank < out.best.rank:
                unwritten = found.from_repair and not found.verified
                weights = tr.raise_choice(r, found.key) if unwritten else tr.restart_weights(r)
                if found.from_repair:
                    conf = {
                        p: float(torch.softmax(w.double(), dim=-1).max())
                        for p, w in weights.items()
                    }
                out.best = Best(rank, found.program, found.scores, conf, float(losses[r]), weights)
        return out

    def _finish(
        self,
        task: ILPTask,
        tr: Trainer,
        device: torch.device,
        best: Best,
        check: Check,
        attempts: Attempts,
        steps_run: int,
        allowed: int,
        deadline: Deadline,
    ) -> LearnResult:
        """Keep the best program and its weights; build the :class:`LearnResult`."""
        scores = best.scores
        program, dropped = drop_unfired(best.program, task.worlds, task.target)
        cuda = device.type == "cuda"
        peak = int(torch.cuda.max_memory_allocated(device)) if cuda else _peak_rss()
        self.program_ = program
        self.clause_sets_ = tr.clause_sets
        self.weights_ = best.weights
        self.language_ = {
            "constants": list(task.constants),
            "extensional": tr.extensional,
            "intensional": tr.intensional,
            "target": task.target,
            "steps": tr.steps_T,
        }
        self.result_ = LearnResult(
            task=task.name,
            program=program,
            program_text=str(program),
            verified=scores.contradicted <= allowed,
            restarts=tr.restarts,
            restarts_succeeded=check.succeeded,
            steps_run=steps_run,
            seconds=deadline.elapsed(),
            clauses_generated=sum(len(s) for sets in tr.clause_sets.values() for s in sets),
            peak_memory_bytes=peak,
            tp=scores.tp,
            fn=scores.fn,
            tn=scores.tn,
            fp=scores.fp,
            precision=scores.precision,
            recall=scores.recall,
            confidence=min(best.confidence.values()),
            labels_contradicted=scores.contradicted,
            device=str(device),
            seed=self.config.seed,
            size=len(program),
            loss=best.loss,
            confidence_per_predicate=best.confidence,
            clauses_per_template={p: [len(s) for s in sets] for p, sets in tr.clause_sets.items()},
            estimated_memory_bytes=tr.estimate.total,
            settings=self.config.to_json(),
            attempts=attempts.made,
            attempts_verified=attempts.verified,
            attempts_abandoned=attempts.abandoned,
            restarts_repaired=check.repaired,
            attempts_repaired=attempts.repaired,
            clauses_dropped=dropped,
        )
        return self.result_

    # ------------------------------------------------------------------ predict
    def _require_fit(self) -> None:
        if self.weights_ is None or self.clause_sets_ is None or self.language_ is None:
            raise NeurosymError(
                "this RuleLearner has not been fitted: call fit(task) or RuleLearner.load(path) "
                "first"
            )

    def predict(
        self, facts: Sequence[Atom], *, constants: Sequence[str] = (), crisp: bool = True
    ) -> dict[Atom, float]:
        """Truth values of every target atom after T forward-chaining steps from ``facts``.

        ``crisp=True`` (default): the learned program itself (the argmax clause pairs), so
        values are 0 or 1: the least model of ``program_`` cut off after T steps.
        ``crisp=False``: the soft program (the best restart's softmax clause-pair weights),
        as in training. The constants are those of ``facts`` plus ``constants``, so the
        learned program applies to new objects. The chaining and the result (one entry per target
        atom) are estimated first: over ``memory_fraction`` of the free memory, a
        :class:`~neurosym.errors.ResourceLimitError` names the number of constants to lower.
        """
        self._require_fit()
        assert (
            self.weights_ is not None
            and self.clause_sets_ is not None
            and self.language_ is not None
        )
        lang = self.language_
        names: dict[str, None] = {}
        facts = as_atoms(facts, "predict's facts")
        for a in facts:
            if a.pred not in lang["extensional"]:
                raise NeurosymError(
                    f"fact {a}: {a.pred} is not an extensional predicate of the learned program "
                    "(extensional: "
                    f"{', '.join(f'{p}/{n}' for p, n in lang['extensional'].items())})"
                )
            for c in a.ground_tuple():
                names.setdefault(c, None)
        for c in constants:
            names.setdefault(str(c), None)
        if not names:
            raise NeurosymError("predict needs at least one constant: give facts or constants=")
        cfg, target = self.config, lang["target"]
        device, dtype = resolve_device(cfg.device), DTYPES[cfg.dtype]
        index = AtomIndex(list(names), {**lang["extensional"], **lang["intensional"]})
        lower = f"the number of constants given to predict ({len(names):,} now)"
        reported = index.count(target) * REPORTED_ATOM_BYTES
        check_fits(MemoryEstimate(reported, 0, 1, None), torch.device("cpu"),
                   fraction=cfg.memory_fraction, what="the result of predict", lower=lower)
        clause_sets, probs = self._predicted_program(crisp, dtype)
        layout = chaining_layout(cfg, clause_sets, index, [list(facts)], lang["steps"])
        check_fits(layout.estimate(1, training=False), device, fraction=cfg.memory_fraction,
                   what="this prediction", lower=lower)
        support = layout.support  # sparse grounding: only the atoms the facts can make true
        chainer = ForwardChainer(
            layout.index,
            clause_sets,
            cfg.preset,
            device,
            specialise_to=None if support is None else [list(facts)],
            support=support,
        )
        probs = {pred: p.to(device=device, dtype=dtype) for pred, p in probs.items()}
        with torch.no_grad():
            val = chainer.run(
                chainer.initial_valuation([list(facts)], dtype), probs, lang["steps"]
            )[:, 0, 0]
        values = val[chainer.index.slice(target)].cpu().double().numpy()
        if support is not None:  # every other target atom is 0
            dense = np.zeros(index.count(target))
            dense[support.index.kept[chainer.index.slice(target)] - index.offsets[target]] = values
            values = dense
        return dict(zip(index.atoms(target), values.tolist()))

    def _predicted_program(
        self, crisp: bool, dtype: torch.dtype
    ) -> tuple[dict[str, tuple[ClauseSet, ...]], dict[str, Tensor]]:
        """The clause sets ``predict`` chains and their pair weights ``{pred: [1, K1, K2']}``:
        every generated clause with the softmax weights, or (``crisp``) only the argmax pair's
        clauses with weight 1 -- the same values, grounded for those clauses alone."""
        assert self.weights_ is not None and self.clause_sets_ is not None
        sets, probs = {}, {}
        for pred, group in self.clause_sets_.items():
            k2 = len(group[1]) if len(group) == 2 else 1
            p = torch.softmax(self.weights_[pred].to(dtype), dim=-1)
            if crisp:
                j, k = divmod(int(p.argmax()), k2)
                group = tuple(replace(s, clauses=(s.clauses[i],)) for s, i in zip(group, (j, k)))
                p, k2 = p.new_ones(1), 1
            sets[pred], probs[pred] = group, p.view(1, -1, k2)
        return sets, probs

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> None:
        """Write the best restart's weights and everything needed to predict (safetensors,
        atomic)."""
        from neurosym.ilp.persist import save_learner

        self._require_fit()
        save_learner(self, path)

    @classmethod
    def load(cls, path: str | Path) -> RuleLearner:
        """Read a learner written by :meth:`save` (no pickle: safetensors + JSON header)."""
        from neurosym.ilp.persist import load_learner

        return load_learner(cls, path)
