"""One ∂ILP training run's tensors and its optimizer step, batched over restarts.

:class:`Trainer` is what :meth:`RuleLearner.fit <neurosym.ilp.learner.RuleLearner.fit>`
drives; benchmarks time :meth:`Trainer.step` directly. Every intensional
predicate has one weight tensor ``[R, K1 * K2']`` (a row per restart); one step
chains all restarts and all training worlds at once and updates every weight
with one optimizer step. The loss is the sum over restarts of each restart's
mean cross-entropy, so (with elementwise optimizers) restarts never influence
each other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.ilp.clauses import ClauseSet, task_clause_sets
from neurosym.ilp.config import (
    AUTO,
    AUTO_RESTARTS,
    DTYPE_NAMES,
    INITS,
    LearnerConfig,
    auto_choices,
    parse_optimizers,
)
from neurosym.ilp.forward import CHECKPOINT_PAIRS, ForwardChainer
from neurosym.ilp.grounding import AtomIndex, index_elements, used_existentials
from neurosym.ilp.memory import MemoryEstimate, PredicateShape, check_fits, estimate
from neurosym.ilp.support import Support
from neurosym.logic.fuzzy import OperatorSet, get_preset
from neurosym.logic.terms import Atom
from neurosym.tasks.ilp_task import ILPTask

DTYPES = {name: getattr(torch, name) for name in DTYPE_NAMES}
SMALL_STEP = 1 << 23
"""Tensor elements per chaining step below which ``threads=None`` trains on one CPU thread."""
LOG_EPS = 1e-7
"""Added inside the logs of the cross-entropy (not a clamp: the gradient never vanishes)."""


def sparse_shapes(clause_sets: Mapping[str, Sequence[ClauseSet]], support: Support,
                  pair_kernel: bool = True) -> list[PredicateShape]:
    """:func:`predicate_shapes` of a sparse fit, counting what is evaluated: the classes of
    equivalent clauses (none for a constant template, whose outputs are fixed), clause pairs only
    when both templates are evaluated, and the padded rows per head atom as substitutions."""
    shapes = []
    for p, sets in clause_sets.items():
        found = [support.template(s) for s in sets]
        heads = support.index.count(p)
        groups = support.evaluated(p, sets)
        n = [0 if tc.constant is not None else tc.num_classes for tc, _ in found] + [0]
        k1, k2 = len(sets[0]), len(sets[1]) if len(sets) == 2 else 0
        body = sum(g.num_subs * len(g.clauses) for g in groups)
        shapes.append(
            PredicateShape(
                p, k1, k2, heads, body, max((g.num_subs for g in groups), default=0),
                checkpoint=k2 > 0 and (pair_kernel or n[0] * n[1] * heads >= CHECKPOINT_PAIRS),
                index=sum(g.atoms.shape[0] * g.atoms.shape[1] for g in groups),
                evaluated=(n[0], n[1]),
            )
        )
    return shapes


def predicate_shapes(clause_sets: Mapping[str, Sequence[ClauseSet]], index: AtomIndex,
                     pair_kernel: bool = True) -> list[PredicateShape]:
    """Sizes of every intensional predicate (for the memory estimate), computed without building
    tensors."""
    shapes = []
    for p, sets in clause_sets.items():
        subs = [index.num_constants ** len(used_existentials(c)) for s in sets for c in s.clauses]
        k1, k2, heads = len(sets[0]), len(sets[1]) if len(sets) == 2 else 0, index.count(p)
        shapes.append(
            PredicateShape(
                p,
                k1,
                k2,
                heads,
                sum(subs),
                max(subs),
                checkpoint=k2 > 0 and (pair_kernel or k1 * k2 * heads >= CHECKPOINT_PAIRS),
                index=sum(index_elements(s.clauses, index.num_constants) for s in sets),
            )
        )
    return shapes


def auto_restarts(work_per_restart: int, device_type: str = "cpu") -> int:
    """The largest of :func:`auto_choices` whose chaining step touches at most the device type's
    work limit (:data:`AUTO_RESTARTS`; at least the smallest): cheap tasks get more restarts, which
    is what turns a low per-restart success rate (fizz, buzz) into a likely success per run."""
    choices, work = AUTO_RESTARTS.get(device_type, AUTO_RESTARTS["cpu"])
    return max([r for r in choices if r * work_per_restart <= work], default=choices[0])


class RowOptimizer:
    """Adam, RMSProp or SGD chosen per restart (row ``r`` of every ``[R, P]`` weight tensor), each
    row with its own learning rate and step count, so rows can be re-initialised on their own.

    The updates are torch's: Adam with betas (0.9, 0.999), RMSProp with alpha 0.99 (no momentum,
    not centered), both eps 1e-8; ``rows[r] = (name, lr)``.
    """

    def __init__(self, params: Sequence[Tensor], rows: Sequence[tuple[str, float]]) -> None:
        self.params = list(params)
        R = self.params[0].shape[0]
        if len(rows) != R:
            raise NeurosymError(f"RowOptimizer: {len(rows)} row settings for {R} rows")
        like = self.params[0]

        def column(values: Sequence[float]) -> Tensor:
            return torch.tensor(values, dtype=like.dtype, device=like.device).view(R, 1)

        self.lr = column([lr for _, lr in rows])
        self.adam = column([name == "adam" for name, _ in rows]) > 0
        self.rmsprop = column([name == "rmsprop" for name, _ in rows]) > 0
        self.beta2 = torch.where(self.adam, column([0.999] * R), column([0.99] * R))
        self.t = torch.zeros(R, 1, dtype=like.dtype, device=like.device)
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        bc1 = 1 - 0.9**self.t  # [R, 1]
        bc2 = (1 - self.beta2**self.t).sqrt()
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if g is None:
                continue
            m.mul_(0.9).add_(g, alpha=0.1)
            v.mul_(self.beta2).addcmul_(g, g * (1 - self.beta2))
            adam = (m / bc1) / (v.sqrt() / bc2 + 1e-8)
            rms = g / (v.sqrt() + 1e-8)
            p.sub_(self.lr * torch.where(self.adam, adam, torch.where(self.rmsprop, rms, g)))

    @torch.no_grad()
    def reset_rows(self, rows: Tensor) -> None:
        """Forget the state of the restarts ``rows`` (bool ``[R]``): they start afresh."""
        self.t[rows] = 0
        for m, v in zip(self.m, self.v):
            m[rows] = 0
            v[rows] = 0


def make_optimizer(spec: str, params: list[Tensor], lr: float | None) -> RowOptimizer:
    """A :class:`RowOptimizer` for ``spec`` (see :func:`parse_optimizers`)."""
    entries = parse_optimizers(spec, lr)
    R = params[0].shape[0]
    return RowOptimizer(params, [entries[r % len(entries)] for r in range(R)])


def seeded_generator(entropy: Sequence[int]) -> torch.Generator:
    """A CPU generator seeded from ``entropy`` (e.g. ``(seed, restart, attempt)``) via numpy's
    SeedSequence."""
    return torch.Generator().manual_seed(
        int(np.random.SeedSequence(list(entropy)).generate_state(1)[0])
    )


def init_weights(
    init: str,
    scale: float,
    seed: int,
    restarts: int,
    sizes: Sequence[int],
    device: torch.device,
    dtype: torch.dtype,
    *,
    attempts: Sequence[int] | None = None,
    rows_only: Sequence[int] | None = None,
) -> list[Tensor]:
    """One ``[restarts, size]`` leaf tensor per predicate, drawn on the CPU (same values on every
    device).

    Restart ``r`` draws from its own generator, seeded from ``(seed, r)`` (``(seed, r, a)`` for its
    re-initialisation ``a >= 1``, ``attempts[r]``), so it starts (and, restarts being independent,
    trains, up to repairs, which are rationed per check) the same whatever the number of restarts.
    ``rows_only``: draw only these rows (``[len(rows_only), size]`` tensors, not leaves).
    """
    if init not in INITS:
        raise NeurosymError(f"unknown init {init!r}; valid choices: {', '.join(INITS)}")
    rows: list[list[Tensor]] = [[] for _ in sizes]
    for r in range(restarts) if rows_only is None else rows_only:
        a = attempts[r] if attempts is not None else 0
        entropy = [seed, r] if a == 0 else [seed, r, a]
        gen = seeded_generator(entropy)
        for i, n in enumerate(sizes):
            if init == "normal":
                rows[i].append(torch.randn(n, generator=gen, dtype=torch.float64) * scale)
            elif init == "uniform":
                rows[i].append(torch.rand(n, generator=gen, dtype=torch.float64) * scale)
            else:
                rows[i].append(torch.zeros(n, dtype=torch.float64))
    if rows_only is not None:
        return [torch.stack(r).to(device=device, dtype=dtype) for r in rows]
    return [torch.stack(r).to(device=device, dtype=dtype).requires_grad_(True) for r in rows]


@dataclass(frozen=True)
class FitLayout:
    """What a fit's size depends on, built without any tensor: the generated ``clause_sets``, the
    atom ``index``, every predicate's ``shapes``, the fuzzy ``operators``, the chaining steps
    ``steps_T``, the number of training ``worlds`` and the float ``dtype``."""

    clause_sets: dict[str, tuple[ClauseSet, ...]]
    index: AtomIndex
    shapes: list[PredicateShape]
    operators: OperatorSet
    steps_T: int
    worlds: int
    dtype: torch.dtype
    support: Support | None = None

    def estimate(self, restarts: int, training: bool = True) -> MemoryEstimate:
        """The memory estimate a fit with ``restarts`` restarts is checked against
        (``training=False``: a prediction, no autograd)."""
        fused_max = self.operators.existential.strip().lower() == "max"
        return estimate(
            self.shapes,
            atoms=self.index.size,
            worlds=self.worlds,
            restarts=restarts,
            steps=self.steps_T,
            dtype_bytes=torch.finfo(self.dtype).bits // 8,
            fused=fused_max,
            training=training,
        )


def fit_layout(config: LearnerConfig, task: ILPTask) -> FitLayout:
    """The :class:`FitLayout` of fitting ``task`` with ``config``; ``fit_layout(learner.config,
    task).estimate(R)`` is the estimate the learner checks before it allocates anything."""
    clause_sets = task_clause_sets(task, prune_renamings=config.prune_renamings)
    index = AtomIndex(task.constants, {**dict(task.extensional), **dict(task.intensional)})
    backgrounds = [w.background for w in task.train]
    steps = config.inference_steps or task.steps
    return chaining_layout(config, clause_sets, index, backgrounds, steps)


def chaining_layout(config: LearnerConfig, clause_sets: dict[str, tuple[ClauseSet, ...]],
                    index: AtomIndex, backgrounds: Sequence[Sequence[Atom]], steps: int
                    ) -> FitLayout:
    """The :class:`FitLayout` of chaining ``clause_sets`` ``steps`` times over the worlds
    ``backgrounds`` (a fit's training worlds, or the facts of a prediction); sparse grounding
    builds the :class:`Support` here, before any tensor."""
    operators = get_preset(config.preset)
    pair_kernel = operators.clause_combination.strip().lower() in ("max", "godel", "probsum")
    if config.grounding == "sparse" and operators.existential.strip().lower() == "max":
        support = Support(index, clause_sets, backgrounds, steps)
        shapes = sparse_shapes(clause_sets, support, pair_kernel)
        index = support.index
    else:
        support, shapes = None, predicate_shapes(clause_sets, index, pair_kernel)
    dtype = DTYPES[config.dtype]
    return FitLayout(
        clause_sets, index, shapes, operators, steps, len(backgrounds), dtype, support
    )


class Trainer:
    """Everything one fit needs on the device, built after the memory check (``config``: the
    learner's restarts, optimizer, preset, init, seed, dtype, ...)."""

    def __init__(self, config: LearnerConfig, task: ILPTask, device: torch.device,
                 like: Trainer | None = None) -> None:
        """``like``: a trainer of the same task, device and config but for its restarts, whose
        restart-independent parts (layout, chainer, initial valuation, examples) are reused
        (``restarts="auto"`` builds a small probe first)."""
        self.task = task
        self.device = device
        layout = like.layout if like is not None else fit_layout(config, task)
        self.layout = layout
        self.dtype, self.steps_T, self.clause_sets, self.index, self.shapes = (
            layout.dtype,
            layout.steps_T,
            layout.clause_sets,
            layout.index,
            layout.shapes,
        )
        self.extensional = dict(task.extensional)
        self.intensional = dict(task.intensional)
        if config.restarts == AUTO:  # as many as are cheap, and fewer if memory says so
            R = auto_restarts(self.work_per_restart, device.type)
            candidates = [r for r in auto_choices(device.type) if r <= R][::-1]
        else:
            candidates = [int(config.restarts)]
        for i, R in enumerate(candidates):
            self.estimate: MemoryEstimate = layout.estimate(R)
            try:
                check_fits(self.estimate, device, fraction=config.memory_fraction)
                break
            except ResourceLimitError:
                if i == len(candidates) - 1:
                    raise
        self.restarts = R

        if like is not None:
            self.chainer, self.v0 = like.chainer, like.v0
            self.example_atoms, self.example_worlds = like.example_atoms, like.example_worlds
            self.labels = like.labels
        else:
            self._build_chaining(layout, task, device)
        self.weights = init_weights(
            config.init,
            config.init_scale,
            config.seed,
            R,
            [s.pairs for s in self.shapes],
            device,
            self.dtype,
        )
        self.optimizer = make_optimizer(config.optimizer, self.weights, config.lr)
        self.init_settings = (config.init, config.init_scale, config.seed)
        self.gumbel_scale = float(config.gumbel_scale)
        self.attempts = [0] * R  # re-initialisations of each restart so far
        self.noise_generators = [self._noise_generator(r) for r in range(R)]

    def _build_chaining(self, layout: FitLayout, task: ILPTask, device: torch.device) -> None:
        """The chainer, the initial valuation ``v0 [A, W]`` and the examples as tensors."""
        # specialised to the training worlds: equivalent clauses are evaluated once (exact)
        self.chainer = ForwardChainer(
            self.index,
            self.clause_sets,
            layout.operators,
            device,
            specialise_to=[w.background for w in task.train],
            support=layout.support,
        )
        self.v0 = self.chainer.initial_valuation(
            [w.background for w in task.train], self.dtype
        )  # [A, W]
        atoms, worlds, labels = [], [], []
        for w_i, world in enumerate(task.train):
            for a, label in world.examples:
                atoms.append(self.index.position(a))
                worlds.append(w_i)
                labels.append(1.0 if label else 0.0)
        self.example_atoms = torch.tensor(atoms, dtype=torch.int64, device=device)
        self.example_worlds = torch.tensor(worlds, dtype=torch.int64, device=device)
        self.labels = torch.tensor(labels, dtype=self.dtype, device=device).unsqueeze(1)  # [E, 1]

    @property
    def work_per_restart(self) -> int:
        """Tensor elements one chaining step touches per restart (body substitutions and clause
        pairs)."""
        return sum((s.body + s.pairs) * s.heads for s in self.shapes) * len(self.task.train)

    @property
    def work_per_step(self) -> int:
        """Tensor elements one chaining step touches (all restarts)."""
        return self.work_per_restart * self.restarts

    def probabilities(self, gumbel_scale: float = 0.0) -> dict[str, Tensor]:
        """Softmax of each predicate's flattened pair weights: ``{pred: [R, K1, K2']}``; with
        ``gumbel_scale`` > 0, of the weights plus that much Gumbel(0, 1) noise (fresh each call)."""
        R = self.restarts
        noise = self._gumbel_noise() if gumbel_scale > 0 else None
        out = {}
        for i, (s, w) in enumerate(zip(self.shapes, self.weights)):
            if noise is not None:
                w = w + gumbel_scale * noise[i]
            out[s.pred] = torch.softmax(w, dim=-1).view(R, s.k1, max(s.k2, 1))
        return out

    def _gumbel_noise(self) -> list[Tensor]:
        """Gumbel(0, 1) noise like every weight tensor; row ``r`` from restart ``r``'s own generator
        (on the CPU, then copied to the device), so a restart's noise does not depend on the
        number of restarts."""
        sizes = [s.pairs for s in self.shapes]
        rows = [
            torch.empty(sum(sizes), dtype=torch.float64).exponential_(generator=g)
            for g in self.noise_generators
        ]
        noise = (
            torch.stack(rows).log_().neg_().to(device=self.device, dtype=self.dtype)
        )  # -log(Exp(1))
        return list(noise.split(sizes, dim=1))

    def _noise_generator(self, r: int) -> torch.Generator:
        entropy = [
            self.init_settings[2],
            r,
            self.attempts[r],
            1 << 20,
        ]  # seed, restart, attempt, "noise"
        return seeded_generator(entropy)

    def losses(self, noise: bool = True) -> Tensor:
        """Per-restart mean cross-entropy over every labelled example of every training world:
        ``[R]``
        (with the training noise of ``gumbel_scale`` unless ``noise`` is False)."""
        probs = self.probabilities(self.gumbel_scale if noise else 0.0)
        val = self.chainer.run(self.v0, probs, self.steps_T)  # [A, R, W]
        pred = val[self.example_atoms, :, self.example_worlds]  # [E, R]
        y = self.labels
        return -(y * torch.log(pred + LOG_EPS) + (1 - y) * torch.log(1 - pred + LOG_EPS)).mean(
            dim=0
        )

    @torch.no_grad()
    def clean_losses(self) -> Tensor:
        """:meth:`losses` of the weights themselves, without training noise, ``[R]`` (detached)."""
        return self.losses(noise=False)

    def step(self) -> Tensor:
        """One optimizer step for all restarts; returns the per-restart training losses (with the
        noise) before it ``[R]`` (detached)."""
        self.optimizer.zero_grad(set_to_none=True)
        losses = self.losses()
        losses.sum().backward()
        self.optimizer.step()
        return losses.detach()

    @torch.no_grad()
    def argmax_pairs(self) -> tuple[list[Tensor], list[Tensor]]:
        """Per predicate: the argmax flattened pair index ``[R]`` and its probability ``[R]`` (on
        the CPU)."""
        top_p, top_i = [], []
        for w in self.weights:
            p, i = torch.softmax(w, dim=-1).max(dim=-1)
            top_p.append(p.cpu())
            top_i.append(i.cpu())
        return top_i, top_p

    def choice(self, key: Sequence[int]) -> dict[str, tuple[int, int]]:
        """Flattened pair indices (one per predicate) -> ``{pred: (j, k)}``."""
        return {s.pred: divmod(int(k), max(s.k2, 1)) for s, k in zip(self.shapes, key)}

    @torch.no_grad()
    def reinitialise(self, rows: Sequence[int]) -> None:
        """Draw fresh weights for the restarts ``rows`` (their next attempt) and reset their
        optimizer state."""
        if not rows:
            return
        for r in rows:
            self.attempts[r] += 1
            self.noise_generators[r] = self._noise_generator(r)
        init, scale, seed = self.init_settings
        fresh = init_weights(
            init,
            scale,
            seed,
            self.restarts,
            [s.pairs for s in self.shapes],
            self.device,
            self.dtype,
            attempts=self.attempts,
            rows_only=list(rows),
        )
        index = torch.tensor(list(rows), dtype=torch.int64, device=self.device)
        for w, f in zip(self.weights, fresh):
            w.index_copy_(0, index, f)
        mask = torch.zeros(self.restarts, dtype=torch.bool, device=self.device)
        mask[index] = True
        self.optimizer.reset_rows(mask)

    def restart_weights(self, r: int) -> dict[str, Tensor]:
        return {s.pred: w[r].detach().cpu().clone() for s, w in zip(self.shapes, self.weights)}

    def key(self, choice: Mapping[str, tuple[int, int]]) -> tuple[int, ...]:
        """``{pred: (j, k)}`` -> flattened pair indices, one per predicate (inverse of
        :meth:`choice`)."""
        return tuple(
            choice[s.pred][0] * max(s.k2, 1) + (choice[s.pred][1] if s.k2 else 0)
            for s in self.shapes
        )

    @torch.no_grad()
    def raise_choice(self, r: int, key: Sequence[int], *, write: bool = False) -> dict[str, Tensor]:
        """Restart ``r``'s weights (on the CPU) with ``key`` made the argmax program: each chosen
        pair's weight is raised to the row's maximum plus ``log(pairs) + 10`` (softmax probability
        above 1 - 5e-5); the other weights are kept. ``write``: also put them into training (the
        restart trains on from there, with its optimizer state reset)."""
        out = self.restart_weights(r)
        for s, k in zip(self.shapes, key):
            out[s.pred][int(k)] = out[s.pred].max() + math.log(s.pairs) + 10.0
        if write:
            for s, w in zip(self.shapes, self.weights):
                w[r] = out[s.pred].to(device=w.device, dtype=w.dtype)
            mask = torch.zeros(self.restarts, dtype=torch.bool, device=self.device)
            mask[r] = True
            self.optimizer.reset_rows(mask)
        return out
