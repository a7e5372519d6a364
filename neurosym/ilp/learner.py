"""``RuleLearner``: learn a Datalog program from an ILP task by gradient descent (∂ILP).

Many random restarts are trained at once: every intensional predicate has one
weight tensor ``[R, K1 * K2]`` (a row per restart), one forward pass chains all
restarts and worlds together, and one optimizer step updates all of them. The
loss is the sum over restarts of each restart's mean cross-entropy, so restarts
never influence each other (every optimizer here is elementwise).

Every ``check_every`` steps the argmax program of each restart is extracted and
verified exactly on every training and validation world; training stops early
as soon as one restart's program contradicts no label (at most
``max_contradicted`` labels, for noisy data), or when every restart has stopped
improving. A restart whose argmax program is wrong and unchanged since the
previous check is *repaired* when a few one-clause swaps, scored by the exact
evaluator, make it verified (:mod:`neurosym.ilp.polish`); the repaired program
is written back into its weights and it trains on from there.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from neurosym.errors import NeurosymError
from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.extract import Scores, extract_program, score_program
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.ilp.polish import Polished, polish
from neurosym.ilp.training import (
    DTYPES,
    INITS,
    OPTIMIZERS,
    SMALL_STEP,
    Trainer,
    allowed_errors,
    parse_optimizers,
)
from neurosym.logic.fuzzy import get_preset
from neurosym.logic.terms import Atom, Program
from neurosym.tasks.ilp_task import ILPTask
from neurosym.versions import resolve_device

__all__ = ["INITS", "OPTIMIZERS", "LearnResult", "Progress", "RuleLearner"]

POLISH_PER_CHECK = 8
"""Settled wrong programs repaired per check at most (fewest contradicted labels first); the
others wait for a later check, so a check's cost stays bounded however many restarts there are."""


@dataclass
class Progress:
    """Passed to ``fit``'s callback at every check."""

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


@dataclass
class LearnResult:
    """What :meth:`RuleLearner.fit` found (``to_json()`` gives a JSON-ready dict).

    ``program`` is the best program seen at any check: fewest contradicted labels over
    every training and validation world, then highest confidence, then fewest clauses.
    ``verified``: it contradicts at most ``max_contradicted`` labels (0 by default).
    ``restarts_succeeded``: restarts whose argmax program was verified at the last check
    (with early stopping, when training stopped); ``restarts_repaired`` of them were verified
    through a repair (``polish_rounds``). ``attempts_verified``: attempts verified by gradient
    descent alone; ``attempts_repaired``: attempts verified first by a repair. ``confidence``: the smallest, over
    predicates, softmax probability of the chosen clause pair (``confidence_per_predicate``).
    ``tp``/``fn``/``tn``/``fp`` count the program's exact least model against the labels.
    ``peak_memory_bytes``: CUDA peak allocated bytes, or on the CPU the process's peak
    resident set size; ``estimated_memory_bytes``: the estimate checked before training.
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

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["program"] = self.program_text
        return out

    def summary(self) -> str:
        status = "verified" if self.verified else f"NOT verified ({self.labels_contradicted} labels contradicted)"
        return (
            f"{status}; TP {self.tp} FN {self.fn} TN {self.tn} FP {self.fp}, precision {self.precision:.3f}, "
            f"recall {self.recall:.3f}; {self.size} clauses, confidence {self.confidence:.3f}; "
            f"{self.restarts_succeeded}/{self.restarts} restarts succeeded; {self.steps_run} steps in "
            f"{self.seconds:.2f} s on {self.device}"
        )


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes, Linux KiB


class RuleLearner:
    """Differentiable ILP learner (Evans & Grefenstette 2018), batched over restarts and worlds.

    Defaults (a portfolio: even restarts Adam at lr 0.1, odd restarts RMSProp at lr 0.5; 16 to
    64 restarts; normal init; stuck restarts re-initialised; settled wrong programs repaired)
    were chosen by measurement. On the
    CPU with 16 restarts and 300 steps (seed 0), Adam verified 10/16 restarts of even and
    RMSProp 1/16, while RMSProp verified 12/16 of even_odd, 16/16 of two_children and
    graph_colouring against Adam's 3, 14 and 14 (bench/ilp/RESULTS.md); a portfolio takes
    the better of the two on every task. ``optimizer="rmsprop", lr=0.5`` is the paper's setting.

    Args:
        restarts: independent random initialisations trained together; ``"auto"`` (the default):
            on the CPU 64, 32 or 16, on a GPU 512 down to 32: the most whose chaining step stays
            under a work limit per device type (:func:`neurosym.ilp.training.auto_restarts`;
            fewer if the memory estimate says so).
        steps: maximum number of optimizer steps.
        lr: learning rate.
        optimizer: ``adam``, ``rmsprop`` (the paper's, with lr 0.5), ``sgd``, or a portfolio
            over restarts ``"adam:0.1,rmsprop:0.5"`` (the default): restart ``r`` uses entry
            ``r % len``; an entry without ``:LR`` uses ``lr``.
        preset: fuzzy operator preset name (:data:`neurosym.logic.fuzzy.PRESETS`) or an ``OperatorSet``.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        seed: seed of the weight initialisation (drawn on the CPU, so the same on every device).
        init: ``normal`` (N(0, init_scale²)), ``uniform`` (U(0, init_scale)) or ``zeros``.
        check_every: steps between extraction + exact verification of every restart's program.
        stop_early: stop when a restart's program is verified (or every restart has stopped improving).
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
        polish_rounds: repair of settled wrong programs (:func:`neurosym.ilp.polish.polish`): up
            to this many one-clause swaps, each the best of all single swaps scored exactly on
            every training and validation world. 0: off (plain ∂ILP).
        gumbel_scale: training noise: each step's forward pass uses the softmax of the weights
            plus this much Gumbel(0, 1) noise, drawn afresh (seeded from ``seed``), so every step
            tries a slightly different soft program; checks and extraction use the weights
            themselves. 0: off (plain ∂ILP).
    """

    def __init__(
        self,
        restarts: int | str = "auto",
        steps: int = 2000,
        lr: float = 0.1,
        optimizer: str = "adam:0.1,rmsprop:0.5",
        preset: Any = "dilp",
        device: str = "auto",
        seed: int = 0,
        *,
        init: str = "normal",
        init_scale: float = 1.0,
        check_every: int = 25,
        stop_early: bool = True,
        patience: int = 300,
        tolerance: float = 1e-4,
        max_contradicted: float = 0,
        reinit_patience: int = 100,
        reinit_tolerance: float = 1e-2,
        inference_steps: int | None = None,
        dtype: str = "float32",
        prune_renamings: bool = False,
        memory_fraction: float = 0.9,
        threads: int | None = None,
        polish_rounds: int = 3,
        gumbel_scale: float = 0.0,
    ) -> None:
        if restarts != "auto" and not (isinstance(restarts, int) and restarts >= 1):
            raise NeurosymError(f"restarts must be 'auto' or a positive whole number, got {restarts!r}")
        if steps < 1 or check_every < 1:
            raise NeurosymError("steps and check_every must be at least 1")
        parse_optimizers(optimizer, lr)  # fail early on a bad name or learning rate
        if init not in INITS:
            raise NeurosymError(f"unknown init {init!r}; valid choices: {', '.join(INITS)}")
        if dtype not in DTYPES:
            raise NeurosymError(f"unknown dtype {dtype!r}; valid choices: {', '.join(DTYPES)}")
        if not (lr > 0 and math.isfinite(lr)):
            raise NeurosymError(f"the learning rate must be a positive number, got {lr!r}")
        get_preset(preset)  # fail early on a bad name
        self.restarts, self.steps, self.lr, self.optimizer = restarts, steps, lr, optimizer
        self.preset, self.device_name, self.seed = preset, device, seed
        self.init, self.init_scale, self.check_every = init, init_scale, check_every
        self.stop_early, self.patience, self.tolerance = stop_early, patience, tolerance
        self.max_contradicted, self.inference_steps = max_contradicted, inference_steps
        if reinit_patience < 0:
            raise NeurosymError("reinit_patience must be 0 (never re-initialise) or a number of steps")
        self.reinit_patience, self.reinit_tolerance = reinit_patience, reinit_tolerance
        self.dtype, self.prune_renamings, self.memory_fraction = dtype, prune_renamings, memory_fraction
        self.threads = threads
        if polish_rounds < 0:
            raise NeurosymError("polish_rounds must be 0 (no repair) or a number of one-clause swaps")
        self.polish_rounds = polish_rounds
        if not (gumbel_scale >= 0 and math.isfinite(gumbel_scale)):
            raise NeurosymError(f"gumbel_scale must be 0 (no noise) or a positive number, got {gumbel_scale!r}")
        self.gumbel_scale = gumbel_scale
        # Set by fit / load:
        self.program_: Program | None = None
        self.result_: LearnResult | None = None
        self.clause_sets_: dict[str, tuple[ClauseSet, ...]] | None = None
        self.weights_: dict[str, Tensor] | None = None  # best restart, [K1 * K2'] each (CPU)
        self.language_: dict[str, Any] | None = None

    # ------------------------------------------------------------------ settings
    def settings(self) -> dict[str, Any]:
        preset = self.preset if isinstance(self.preset, str) else asdict(get_preset(self.preset))
        return {
            "restarts": self.restarts, "steps": self.steps, "lr": self.lr, "optimizer": self.optimizer,
            "preset": preset, "device": self.device_name, "seed": self.seed, "init": self.init,
            "init_scale": self.init_scale, "check_every": self.check_every, "stop_early": self.stop_early,
            "patience": self.patience, "tolerance": self.tolerance, "max_contradicted": self.max_contradicted,
            "reinit_patience": self.reinit_patience, "reinit_tolerance": self.reinit_tolerance,
            "inference_steps": self.inference_steps, "dtype": self.dtype, "prune_renamings": self.prune_renamings,
            "threads": self.threads, "polish_rounds": self.polish_rounds, "gumbel_scale": self.gumbel_scale,
        }

    # ------------------------------------------------------------------ fit
    def prepare(self, task: ILPTask) -> Trainer:
        """Build the training tensors for ``task`` after checking the memory estimate (used by
        :meth:`fit`; benchmarks time :meth:`Trainer.step <neurosym.ilp.training.Trainer.step>`)."""
        device = resolve_device(self.device_name)
        trainer = Trainer(self, task, device)
        if device.type == "cpu":
            threads = self.threads if self.threads is not None else (1 if trainer.work_per_step < SMALL_STEP else None)
            if threads:
                torch.set_num_threads(threads)
        return trainer

    def fit(self, task: ILPTask, callback: Callable[[Progress], Any] | None = None) -> LearnResult:
        """Learn a program for ``task``; returns (and stores as ``result_``) a :class:`LearnResult`.

        ``callback(progress)`` is called at every check; returning True stops training.
        """
        previous_threads = torch.get_num_threads()
        try:
            return self._fit(task, callback)
        finally:
            if torch.get_num_threads() != previous_threads:
                torch.set_num_threads(previous_threads)

    def _fit(self, task: ILPTask, callback: Callable[[Progress], Any] | None) -> LearnResult:
        started = time.perf_counter()
        device = resolve_device(self.device_name)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        tr = self.prepare(task)
        R = tr.restarts
        all_worlds = list(task.train) + list(task.validation)
        allowed = allowed_errors(self.max_contradicted, sum(len(w.positives) + len(w.negatives) for w in all_worlds))

        cache: dict[tuple, tuple[Program, Scores]] = {}  # verified programs, by argmax pair indices
        best: dict[str, Any] | None = None
        best_loss = torch.full((R,), math.inf, dtype=torch.float64)
        last_improved = torch.zeros(R, dtype=torch.int64)
        # attempts: every restart's initial weights, plus each re-initialisation of a stuck restart
        anchor_loss = [math.inf] * R  # loss at anchor_step, for the re-initialisation window
        anchor_step = [0] * R
        attempt_verified = [False] * R  # the current attempt of restart r has been verified ...
        attempt_repaired = [False] * R  # ... and first by a repair (polish) of its argmax program
        last_key: list[tuple | None] = [None] * R  # argmax program at the previous check
        polished: dict[tuple, Polished] = {}
        attempts, attempts_verified, attempts_repaired, attempts_abandoned = R, 0, 0, 0
        succeeded = repaired = step = 0
        for step in range(1, self.steps + 1):
            losses = tr.step()
            if step % self.check_every and step != self.steps:
                continue
            # ---- check: extract every restart's program, verify it exactly, track convergence
            # on the weights' own loss (the training loss carries the Gumbel noise)
            losses = (tr.clean_losses() if tr.gumbel_scale > 0 else losses).cpu().double()
            improved = losses < best_loss - self.tolerance
            best_loss = torch.where(improved, losses, best_loss)
            last_improved[improved] = step
            top_i, top_p = tr.argmax_pairs()
            succeeded = repaired = 0
            stuck = []
            keys = [tuple(int(t[r]) for t in top_i) for r in range(R)]
            for key in keys:
                if key not in cache:
                    program = extract_program(tr.clause_sets, tr.choice(key), task.target)
                    cache[key] = (program, score_program(program, all_worlds))
            # settled: a restart's argmax program unchanged since the previous check (or the last step)
            settled = [key == last_key[r] or step == self.steps for r, key in enumerate(keys)]
            last_key = list(keys)
            if self.polish_rounds:
                # repair settled wrong programs by one-clause swaps, those closest to verified first
                todo = sorted({k for k, ok in zip(keys, settled) if ok and k not in polished
                               and cache[k][1].contradicted > allowed}, key=lambda k: (cache[k][1].contradicted, k))
                for key in todo[:POLISH_PER_CHECK]:
                    polished[key] = polish(tr.clause_sets, tr.choice(key), task.target, all_worlds,
                                           allowed=allowed, rounds=self.polish_rounds)
            for r, key in enumerate(keys):
                program, scores = cache[key]
                raised = None  # a better repaired program, not (yet) in the restart's weights
                fixed = polished.get(key) if settled[r] else None
                from_repair = fixed is not None and fixed.scores.contradicted < scores.contradicted
                if from_repair:
                    key, program, scores = tr.key(fixed.choice), fixed.program, fixed.scores
                    if scores.contradicted <= allowed:
                        # a verified repair becomes the restart's program: it trains on from there
                        tr.raise_choice(r, key, write=True)
                        last_key[r] = key
                        if not attempt_verified[r]:
                            attempt_repaired[r] = True
                    else:
                        raised = key
                ok = scores.contradicted <= allowed
                succeeded += ok
                repaired += ok and attempt_repaired[r]
                if ok and not attempt_verified[r]:
                    attempt_verified[r] = True
                    if attempt_repaired[r]:
                        attempts_repaired += 1
                    else:
                        attempts_verified += 1
                if self.reinit_patience and step - anchor_step[r] >= self.reinit_patience:
                    if not ok and not attempt_verified[r] and anchor_loss[r] - float(losses[r]) < self.reinit_tolerance:
                        stuck.append(r)
                    anchor_loss[r], anchor_step[r] = float(losses[r]), step
                # ranked by gradient descent's own confidence (a repaired program's raised weights
                # would win every tie), reported with the confidence of the weights kept
                conf = {s.pred: float(t[r]) for s, t in zip(tr.shapes, top_p)}
                rank = (scores.contradicted, -min(conf.values()), len(program))
                if best is None or rank < best["rank"]:
                    weights = tr.restart_weights(r) if raised is None else tr.raise_choice(r, raised)
                    if from_repair:
                        conf = {p: float(torch.softmax(w.double(), dim=-1).max()) for p, w in weights.items()}
                    best = {"rank": rank, "program": program, "scores": scores, "confidence": conf,
                            "loss": float(losses[r]), "weights": weights}
            converged = bool(((step - last_improved) >= self.patience).all())
            stop = self.stop_early and (succeeded > 0 or converged)
            if callback is not None:
                info = Progress(step, self.steps, losses.tolist(), best["scores"].contradicted if best else None,
                                succeeded, attempts, attempts_verified, attempts_abandoned, repaired, attempts_repaired)
                stop = bool(callback(info)) or stop
            if stuck and not stop and step < self.steps:
                # stuck: not verified and the loss fell by less than reinit_tolerance in reinit_patience
                # steps -- draw the restart afresh (a new attempt from the same step budget)
                tr.reinitialise(stuck)
                for r in stuck:
                    anchor_loss[r], anchor_step[r], last_key[r] = math.inf, step, None
                    best_loss[r], last_improved[r] = math.inf, step
                attempts += len(stuck)
                attempts_abandoned += len(stuck)
            if stop:
                break

        assert best is not None
        scores: Scores = best["scores"]
        program: Program = best["program"]
        if device.type == "cuda":
            peak = int(torch.cuda.max_memory_allocated(device))
        else:
            peak = _peak_rss()
        self.program_ = program
        self.clause_sets_ = tr.clause_sets
        self.weights_ = best["weights"]
        self.language_ = {
            "constants": list(task.constants), "extensional": tr.extensional, "intensional": tr.intensional,
            "target": task.target, "steps": tr.steps_T,
        }
        self.result_ = LearnResult(
            task=task.name, program=program, program_text=str(program),
            verified=scores.contradicted <= allowed, restarts=R, restarts_succeeded=succeeded, steps_run=step,
            seconds=time.perf_counter() - started,
            clauses_generated=sum(len(s) for sets in tr.clause_sets.values() for s in sets),
            peak_memory_bytes=peak, tp=scores.tp, fn=scores.fn, tn=scores.tn, fp=scores.fp,
            precision=scores.precision, recall=scores.recall, confidence=min(best["confidence"].values()),
            labels_contradicted=scores.contradicted, device=str(device), seed=self.seed, size=len(program),
            loss=best["loss"], confidence_per_predicate=best["confidence"],
            clauses_per_template={p: [len(s) for s in sets] for p, sets in tr.clause_sets.items()},
            estimated_memory_bytes=tr.estimate.total, settings=self.settings(),
            attempts=attempts, attempts_verified=attempts_verified, attempts_abandoned=attempts_abandoned,
            restarts_repaired=repaired, attempts_repaired=attempts_repaired,
        )
        return self.result_

    # ------------------------------------------------------------------ predict
    def _require_fit(self) -> None:
        if self.weights_ is None or self.clause_sets_ is None or self.language_ is None:
            raise NeurosymError("this RuleLearner has not been fitted: call fit(task) or RuleLearner.load(path) first")

    def predict(self, facts: Sequence[Atom], *, constants: Sequence[str] = (), crisp: bool = True) -> dict[Atom, float]:
        """Truth values of every target atom after T forward-chaining steps from ``facts``.

        ``crisp=True`` (default): the learned program itself (the argmax clause pairs), so
        values are 0 or 1: the least model of ``program_`` cut off after T steps.
        ``crisp=False``: the soft program (the best restart's softmax clause-pair weights),
        as in training. The constants are those of ``facts`` plus ``constants``, so the
        learned program applies to new objects.
        """
        self._require_fit()
        assert self.weights_ is not None and self.clause_sets_ is not None and self.language_ is not None
        lang = self.language_
        names: dict[str, None] = {}
        for a in facts:
            if a.pred not in lang["extensional"]:
                raise NeurosymError(
                    f"fact {a}: {a.pred} is not an extensional predicate of the learned program "
                    f"(extensional: {', '.join(f'{p}/{n}' for p, n in lang['extensional'].items())})"
                )
            for c in a.ground_tuple():
                names.setdefault(c, None)
        for c in constants:
            names.setdefault(str(c), None)
        device = resolve_device(self.device_name)
        dtype = DTYPES[self.dtype]
        index = AtomIndex(list(names), {**lang["extensional"], **lang["intensional"]})
        chainer = ForwardChainer(index, self.clause_sets_, self.preset, device)
        probs = {}
        for plan in chainer.plans:
            w = self.weights_[plan.pred].to(device=device, dtype=dtype)
            p = torch.softmax(w, dim=-1)
            if crisp:
                p = torch.nn.functional.one_hot(p.argmax(), p.numel()).to(dtype)
            probs[plan.pred] = p.view(1, *plan.pair_shape)
        with torch.no_grad():
            val = chainer.run(chainer.initial_valuation([list(facts)], dtype), probs, lang["steps"])[:, 0, 0]
        target = lang["target"]
        sl = index.slice(target)
        values = val[sl].cpu().tolist()
        return dict(zip(index.atoms(target), values))

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> None:
        """Write the best restart's weights and everything needed to predict (safetensors, atomic)."""
        from neurosym.ilp.persist import save_learner

        self._require_fit()
        save_learner(self, path)

    @classmethod
    def load(cls, path: str | Path) -> RuleLearner:
        """Read a learner written by :meth:`save` (no pickle: safetensors + JSON header)."""
        from neurosym.ilp.persist import load_learner

        return load_learner(cls, path)
