"""Differentiable forward chaining (∂ILP's inference step), batched over restarts and worlds.

Layout: a valuation is ``[A, R, W]`` (ground atoms first, then restarts ``R``
and worlds ``W``), so gathering atoms copies contiguous rows of ``R * W``
values. One step, for every intensional predicate ``p`` with clause sets
``cl(τ1)`` (``K1`` clauses) and ``cl(τ2)`` (``K2`` clauses, possibly none),
``G`` ground head atoms and ``S`` substitutions of the existential variables:

1. for each group of clauses using the same number of existential variables
   (:class:`~neurosym.ilp.grounding.ClauseIndex`), gather the values of its
   ``N`` distinct body atoms, ``[S, N, G, R, W]``, then each clause's two body
   atoms from them: ``[S, Kg, G, R, W]`` twice;
2. conjunction (t-norm) of the two, then the existential aggregator over
   ``S``: clause outputs ``[K, G, R, W]`` (``K = K1 + K2``, groups concatenated
   and put back in clause order);
3. every clause pair ``(j, k)`` combined by a t-conorm: ``[K1, K2, G, R, W]``;
4. the pair outputs weighted by the softmax over the flattened ``K1 x K2``
   weight matrix (passed in as probabilities ``[R, K1, K2]``) and summed:
   ``[G, R, W]``. With no second template the pair is ``(j, ⊥)``; since
   ``S(a, 0) = a`` for every t-conorm, step 3 is skipped;
5. amalgamation with the previous values of ``p`` (t-conorm).

All predicates read the previous step's valuation; ⊥ and the extensional
atoms never change. Python loops run over steps, predicates and clause groups
(at most ``v + 1`` per predicate) only. With a ``max`` existential (the
``dilp`` preset) steps 1-2 run as one fused autograd node per predicate, and
with ``max`` clause combination steps 3-4 do too (:mod:`neurosym.ilp.kernels`);
other operators use plain autograd, recomputing large pair tensors in the
backward pass (``CHECKPOINT_PAIRS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from neurosym.errors import NeurosymError
from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.grounding import AtomIndex, ClauseGroup, clause_index
from neurosym.ilp.kernels import TNORM_GRADS, clause_outputs_max, weighted_pair_max
from neurosym.logic.fuzzy import OperatorSet, get_preset
from neurosym.logic.terms import Atom

MERGE_ELEMENTS = 1 << 16
"""With the fused max kernel, a predicate whose merged body tensor (substitutions x clauses x
head atoms x restarts x worlds) is at most this big is evaluated as one clause group."""

CHECKPOINT_PAIRS = 1 << 16
"""Clause-pair tensors with at least this many values per (restart, world) are recomputed in
the backward pass rather than kept for each of the T steps (memory O(1) instead of O(T) in T)."""


@dataclass
class GroupTensors:
    """Device copy of a :class:`~neurosym.ilp.grounding.ClauseGroup`.

    ``atoms``: int64 ``[S, N, G]``; ``first`` / ``second``: int64 ``[Kg]``;
    ``body_a`` / ``body_b``: int64 ``[S, Kg, G]`` (``atoms[:, first]``, ``atoms[:, second]``);
    ``flat_base``: int64 ``[Kg, G, 1]``, ``k * G + g`` (for the fused kernel).
    """

    num_clauses: int
    num_atoms: int
    num_subs: int
    atoms: Tensor
    first: Tensor
    second: Tensor
    body_a: Tensor
    body_b: Tensor
    flat_base: Tensor


@dataclass
class PredicatePlan:
    """Device tensors of one intensional predicate: its clause groups, and ``order``
    (int64 ``[K]``, or None when the groups are already in clause order) that puts the
    concatenated group outputs back in clause order (``unorder``: the inverse permutation).
    ``merged``: the groups as one (fused max kernel only), used for small batches where the
    number of operations, not their size, sets the time. ``checkpoint``: recompute the clause-pair
    tensor in the backward pass (set when ``K1 * K2 * G >= CHECKPOINT_PAIRS``)."""

    pred: str
    start: int
    stop: int
    k1: int
    k2: int
    num_heads: int
    groups: list[GroupTensors]
    order: Tensor | None
    unorder: Tensor | None
    checkpoint: bool = False
    merged: GroupTensors | None = None

    @property
    def num_clauses(self) -> int:
        return self.k1 + self.k2

    @property
    def pair_shape(self) -> tuple[int, int]:
        """Shape of the clause-pair weight matrix (``K2`` is 1 for a single template)."""
        return (self.k1, max(self.k2, 1))

    @property
    def num_pairs(self) -> int:
        return self.k1 * max(self.k2, 1)


class ForwardChainer:
    """Differentiable T-step forward chaining for one language and its clause sets.

    ``clause_sets`` maps each intensional predicate to its one or two
    :class:`ClauseSet` s (:func:`neurosym.ilp.clauses.task_clause_sets`).
    ``index`` must list the extensional predicates first, then the intensional
    ones in the order of ``clause_sets``. ``fused=False`` turns off the kernels
    of :mod:`neurosym.ilp.kernels` (plain autograd; for tests).
    """

    def __init__(
        self,
        index: AtomIndex,
        clause_sets: Mapping[str, Sequence[ClauseSet]],
        operators: OperatorSet | str = "dilp",
        device: torch.device | str = "cpu",
        *,
        fused: bool = True,
    ) -> None:
        self.index = index
        self.device = torch.device(device)
        self.operators = get_preset(operators)
        self._conj = self.operators.conjunction_op
        self._exists = self.operators.existential_op
        self._combine = self.operators.clause_combination_op
        self._amalgamate = self.operators.amalgamation_op
        # max existential: fused gather/t-norm/max with a backward through the winners only
        self._fused_max = fused and self.operators.existential.strip().lower() == "max"
        self._conj_grad = TNORM_GRADS.get(self.operators.conjunction.strip().lower())
        # max clause combination: weighted pair sum with an arithmetic backward, nothing kept
        self._pair_max = fused and self.operators.clause_combination.strip().lower() in ("max", "godel")
        self.clause_sets = {p: tuple(s) for p, s in clause_sets.items()}
        preds = list(self.clause_sets)
        offsets = [index.offsets[p] for p in preds]
        if offsets != sorted(offsets) or (preds and index.slice(preds[-1]).stop != index.size):
            raise NeurosymError("AtomIndex must put the intensional predicates last, in clause_sets order")
        self.num_fixed = index.offsets[preds[0]] if preds else index.size
        self.plans = [self._plan(pred, sets) for pred, sets in self.clause_sets.items()]

    def _tensor(self, array: np.ndarray) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def _group_tensors(self, atoms: np.ndarray, first: np.ndarray, second: np.ndarray) -> GroupTensors:
        S, N, G = atoms.shape
        K = len(first)
        return GroupTensors(
            num_clauses=K, num_atoms=N, num_subs=S,
            atoms=self._tensor(atoms), first=self._tensor(first), second=self._tensor(second),
            body_a=self._tensor(atoms[:, first]), body_b=self._tensor(atoms[:, second]),
            flat_base=self._tensor(np.arange(K * G).reshape(K, G, 1)),
        )

    def _merged(self, groups: Sequence[ClauseGroup]) -> GroupTensors:
        """All groups as one, each repeated over the substitutions of the existential variables it
        does not use (exact for ``max``, which ignores repeated values)."""
        S = max(g.num_subs for g in groups)
        atoms, first, second, offset = [], [], [], 0
        for g in groups:
            atoms.append(np.repeat(g.atoms, S // g.num_subs, axis=0))
            first.append(g.first + offset)
            second.append(g.second + offset)
            offset += g.atoms.shape[1]
        return self._group_tensors(np.concatenate(atoms, axis=1), np.concatenate(first), np.concatenate(second))

    def _plan(self, pred: str, sets: Sequence[ClauseSet]) -> PredicatePlan:
        if not 1 <= len(sets) <= 2:
            raise NeurosymError(f"{pred}: ∂ILP defines a predicate by one or two rule templates")
        ci = clause_index([c for s in sets for c in s.clauses], self.index)
        groups = [self._group_tensors(g.atoms, g.first, g.second) for g in ci.groups]
        merged = self._merged(ci.groups) if self._fused_max and len(groups) > 1 else None
        concatenated = np.concatenate([g.clauses for g in ci.groups])
        order = unorder = None
        if not np.array_equal(concatenated, np.arange(ci.num_clauses)):
            order, unorder = self._tensor(np.argsort(concatenated)), self._tensor(concatenated)
        sl = self.index.slice(pred)
        return PredicatePlan(
            pred=pred, start=sl.start, stop=sl.stop, k1=len(sets[0]), k2=len(sets[1]) if len(sets) == 2 else 0,
            num_heads=ci.num_heads, groups=groups, order=order, unorder=unorder, merged=merged,
            checkpoint=(len(sets) == 2 and not self._pair_max
                        and len(sets[0]) * len(sets[1]) * ci.num_heads >= CHECKPOINT_PAIRS),
        )

    # ------------------------------------------------------------------ valuations
    def initial_valuation(self, backgrounds: Sequence[Sequence[Atom]], dtype: torch.dtype = torch.float32) -> Tensor:
        """``[A, W]``: 1 at the background facts of each world, 0 elsewhere (⊥ included)."""
        val = torch.zeros(self.index.size, len(backgrounds), dtype=dtype)
        for w, facts in enumerate(backgrounds):
            pos = torch.from_numpy(self.index.positions(facts))
            if len(pos) and int(pos.max()) >= self.num_fixed:
                raise NeurosymError("background facts must use extensional predicates only")
            val[pos, w] = 1.0
        return val.to(self.device)

    # ------------------------------------------------------------------ inference
    def clause_outputs(self, valuation: Tensor, plan: PredicatePlan) -> Tensor:
        """Outputs of every clause of one predicate: valuation ``[A, R, W]`` -> ``[K, G, R, W]``."""
        A, R, W = valuation.shape
        if self._fused_max:
            groups = plan.groups
            if plan.merged is not None and plan.merged.atoms.numel() // plan.merged.num_atoms \
                    * plan.num_clauses * R * W <= MERGE_ELEMENTS:
                groups = [plan.merged]  # same values and gradients, fewer operations
            out = clause_outputs_max(valuation.reshape(A, R * W), groups, plan.order, plan.unorder,
                                     self._conj, self._conj_grad)
            return out.view(plan.num_clauses, plan.num_heads, R, W)
        outs = [self.clause_values(valuation, g) for g in plan.groups]
        clause_out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=0)
        if plan.order is not None:
            clause_out = clause_out.index_select(0, plan.order)  # [K, G, R, W] in clause order
        return clause_out

    def clause_values(self, valuation: Tensor, group: GroupTensors) -> Tensor:
        """Clause outputs of one clause group by plain autograd: valuation ``[A, R, W]`` -> ``[Kg, G, R, W]``."""
        _, R, W = valuation.shape
        S, N, G = group.atoms.shape
        body_atoms = valuation.index_select(0, group.atoms.reshape(-1)).view(S, N, G * R * W)
        shape = (S, group.num_clauses, G, R, W)
        a = body_atoms.index_select(1, group.first).view(shape)
        b = body_atoms.index_select(1, group.second).view(shape)
        return self._exists(self._conj(a, b), 0)  # [S, Kg, G, R, W] -> [Kg, G, R, W]

    def deduce(self, valuation: Tensor, plan: PredicatePlan, probs: Tensor) -> Tensor:
        """Soft conclusions of one predicate in one step.

        valuation ``[A, R, W]``; probs ``[R, K1, K2']`` (clause-pair weights after the
        softmax, ``K2' = max(K2, 1)``) -> ``[G, R, W]``.
        """
        R = valuation.shape[1]
        clause_out = self.clause_outputs(valuation, plan)  # [K, G, R, W]
        if plan.k2 and self._pair_max:
            p = probs.permute(1, 2, 0).reshape(plan.k1, plan.k2, 1, R, 1)
            return weighted_pair_max(clause_out[: plan.k1], clause_out[plan.k1 :], p)
        if plan.checkpoint and torch.is_grad_enabled():
            # recompute the [K1 * K2, G, R, W] pair tensor in the backward pass instead of keeping it
            return checkpoint(self._weigh_pairs, clause_out, probs, plan.k1, use_reentrant=False)
        return self._weigh_pairs(clause_out, probs, plan.k1)

    def _weigh_pairs(self, clause_out: Tensor, probs: Tensor, k1: int) -> Tensor:
        """clause outputs ``[K, G, R, W]``, probs ``[R, K1, K2']`` -> ``sum_jk p_jk S(c_j, c_k)``: ``[G, R, W]``."""
        K, G, R, W = clause_out.shape
        if K == k1:
            pairs = clause_out  # single template: the pair (j, ⊥) is clause j
        else:
            first = clause_out[:k1].unsqueeze(1)  # [K1, 1, G, R, W]
            second = clause_out[k1:].unsqueeze(0)  # [1, K2, G, R, W]
            pairs = self._combine(first, second).reshape(-1, G, R, W)
        P = pairs.shape[0]
        weights = probs.reshape(R, P).t().reshape(P, 1, R, 1)
        return (pairs * weights).sum(0)  # [G, R, W]

    def step(self, valuation: Tensor, probs: Mapping[str, Tensor]) -> Tensor:
        """One forward-chaining step: ``[A, R, W] -> [A, R, W]``."""
        parts = [valuation[: self.num_fixed]]
        for plan in self.plans:
            new = self.deduce(valuation, plan, probs[plan.pred])
            parts.append(self._amalgamate(valuation[plan.start : plan.stop], new))
        return torch.cat(parts, dim=0)

    def run(self, valuation: Tensor, probs: Mapping[str, Tensor], steps: int) -> Tensor:
        """``steps`` forward-chaining steps.

        valuation ``[A, W]`` (shared by all restarts) or ``[A, R, W]``; probs
        ``{pred: [R, K1, K2']}`` -> ``[A, R, W]``.
        """
        R = next(iter(probs.values())).shape[0] if probs else 1
        if valuation.dim() == 2:
            valuation = valuation.unsqueeze(1).expand(-1, R, -1)
        for plan in self.plans:
            p = probs[plan.pred]
            if tuple(p.shape) != (R, *plan.pair_shape):
                raise NeurosymError(
                    f"clause-pair weights of {plan.pred} have shape {tuple(p.shape)}, expected {(R, *plan.pair_shape)}"
                )
        for _ in range(steps):
            valuation = self.step(valuation, probs)
        return valuation

    def one_hot(self, choices: Sequence[Mapping[str, tuple[int, int]]], dtype: torch.dtype = torch.float32) -> dict[str, Tensor]:
        """Crisp clause-pair weights ``{pred: [R, K1, K2']}``: restart ``r`` selects pair
        ``choices[r][pred] = (j, k)`` (``k`` is ignored for a predicate with one template)."""
        out = {}
        for plan in self.plans:
            w = torch.zeros(len(choices), *plan.pair_shape, dtype=dtype, device=self.device)
            for r, choice in enumerate(choices):
                j, k = choice[plan.pred]
                w[r, j, k if plan.k2 else 0] = 1.0
            out[plan.pred] = w
        return out
