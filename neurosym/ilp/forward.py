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
backward pass (``CHECKPOINT_PAIRS``); with a ``probsum`` clause combination steps 3-4 are
matrix products (the weighted pair sum is bilinear).

With sparse grounding (``support``, :mod:`neurosym.ilp.support`) the valuation holds only the
atoms that can become true, each clause group is the padded rows of the substitutions whose body
atoms can both be true, and every step first appends the projections (the max of an atom over
the variables no other body atom uses) to the valuation the clauses read.
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
from neurosym.ilp.grounding import AtomIndex, ClauseGroup, clause_index, used_existentials
from neurosym.ilp.kernels import TNORM_GRADS, clause_outputs_max, weighted_pair_max
from neurosym.ilp.specialise import (
    KEY_MAX_ROWS,
    TemplateClasses,
    classes_from_keys,
    clause_keys,
    constant_classes,
    identity_classes,
)
from neurosym.ilp.support import Support
from neurosym.logic.fuzzy import OperatorSet, get_preset
from neurosym.logic.terms import Atom

MERGE_ELEMENTS = 1 << 16
"""With the fused max kernel, a predicate whose merged body tensor (substitutions x clauses x
head atoms x restarts x worlds) is at most this big is evaluated as one clause group."""

CHECKPOINT_PAIRS = 1 << 16
"""Clause-pair tensors with at least this many values per (restart, world) are recomputed in
the backward pass rather than kept for each of the T steps (memory O(1) instead of O(T) in T)."""


def _left(a: Tensor, b: Tensor) -> Tensor:
    """``a``: with it :func:`clause_outputs_max` takes the max of single atoms (projections)."""
    return a


def _left_grad(a: Tensor, b: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
    return g, torch.zeros_like(g)


@dataclass
class GroupTensors:
    """Device copy of a :class:`~neurosym.ilp.grounding.ClauseGroup`.

    ``atoms``: int64 ``[S, N, G]``; ``first`` / ``second``: int64 ``[Kg]``;
    ``base_a`` / ``base_b``: int64 ``[Kg, G, 1]``, ``first[k] * G + g`` and ``second[k] * G + g``,
    where the fused kernel finds each clause's body atoms in ``atoms[s]`` (no ``[S, Kg, G]``
    index tensors are kept).
    """

    num_clauses: int
    num_atoms: int
    num_subs: int
    atoms: Tensor
    first: Tensor
    second: Tensor
    base_a: Tensor
    base_b: Tensor
    paired: bool = False


@dataclass
class Specialisation:
    """A predicate's clause classes for fixed training worlds (:mod:`neurosym.ilp.specialise`):
    ``first`` / ``second`` per template, with ``classes1`` int64 ``[K1]`` / ``classes2`` ``[K2]``
    on the device. A template with ``constant`` outputs is not evaluated (``n = 0``)."""

    first: TemplateClasses
    second: TemplateClasses | None
    classes1: Tensor
    classes2: Tensor | None


@dataclass
class Prepared:
    """Per-run tensors of a specialised predicate (fixed for the T steps of one run):
    ``pairs``: class-pair weights ``[R, C1, C2']``; with one constant template, the pair sum is
    ``bias + sum_k out_k * coef_k`` (``bias`` ``[G, R, W]``, ``coef`` ``[n, G, R, W]``); with no
    template evaluated, the conclusions are ``fixed`` ``[G, R, W]``."""

    pairs: Tensor
    bias: Tensor | None = None
    coef: Tensor | None = None
    fixed: Tensor | None = None


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
    n1: int = -1
    n2: int = -1
    spec: Specialisation | None = None

    @property
    def num_clauses(self) -> int:
        return self.k1 + self.k2

    @property
    def computed(self) -> int:
        """Clause outputs evaluated per step: ``n1`` of the first template, then ``n2`` of the
        second (all ``K1 + K2`` clauses unless specialised)."""
        return self.n1 + self.n2

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
    ``specialise_to``: the background facts of the worlds that every :meth:`run`
    will start from (training); clauses equivalent in those worlds are then
    evaluated once and constant templates not at all (:mod:`neurosym.ilp.specialise`;
    same values and gradients). Runs from other facts need an unspecialised chainer.
    """

    def __init__(
        self,
        index: AtomIndex,
        clause_sets: Mapping[str, Sequence[ClauseSet]],
        operators: OperatorSet | str = "dilp",
        device: torch.device | str = "cpu",
        *,
        fused: bool = True,
        specialise_to: Sequence[Sequence[Atom]] | None = None,
        support: Support | None = None,
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
        # probsum clause combination: the weighted pair sum is bilinear (matrix products)
        self._pair_probsum = self.operators.clause_combination.strip().lower() == "probsum"
        # max clause combination: weighted pair sum with an arithmetic backward, nothing kept
        self._pair_max = fused and self.operators.clause_combination.strip().lower() in (
            "max",
            "godel",
        )
        self.clause_sets = {p: tuple(s) for p, s in clause_sets.items()}
        preds = list(self.clause_sets)
        offsets = [index.offsets[p] for p in preds]
        if offsets != sorted(offsets) or (preds and index.slice(preds[-1]).stop != index.size):
            raise NeurosymError(
                "AtomIndex must put the intensional predicates last, in clause_sets order"
            )
        self.num_fixed = index.offsets[preds[0]] if preds else index.size
        # specialise_to: the background facts of the worlds every run will use (see
        # neurosym.ilp.specialise)
        self.specialised_worlds = None if specialise_to is None else len(specialise_to)
        self.support = support
        if support is not None and (
            index is not support.index
            or not self._fused_max
            or self.specialised_worlds != support.worlds
        ):
            raise NeurosymError(
                "sparse grounding needs the support's own index, its worlds as specialise_to and "
                "a max existential (fused kernels)"
            )
        self._training = (
            None
            if specialise_to is None or support is not None
            else self.initial_valuation(specialise_to, torch.float64)
        )
        self.plans = [self._plan(pred, sets) for pred, sets in self.clause_sets.items()]
        self._training = None
        self.projections = (
            [self._group_tensors(g.atoms, g.first, g.second) for g in support.projection_groups()]
            if support is not None
            else []
        )

    def _tensor(self, array: np.ndarray) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def _group_tensors(
        self, atoms: np.ndarray, first: np.ndarray, second: np.ndarray
    ) -> GroupTensors:
        S, N, G = atoms.shape
        K = len(first)
        return GroupTensors(
            num_clauses=K,
            num_atoms=N,
            num_subs=S,
            atoms=self._tensor(atoms),
            first=self._tensor(first),
            second=self._tensor(second),
            base_a=self._tensor((first[:, None] * G + np.arange(G)).reshape(K, G, 1)),
            base_b=self._tensor((second[:, None] * G + np.arange(G)).reshape(K, G, 1)),
            paired=N == 2 * K
            and np.array_equal(first, 2 * np.arange(K))
            and np.array_equal(second, first + 1),
        )

    def _merged(self, groups: Sequence[ClauseGroup]) -> GroupTensors:
        """All groups as one, each repeated over the substitutions of the existential variables it
        does not use (exact for ``max``, which ignores repeated values) or, when the counts do not
        divide, padded with ⊥."""
        S = max(g.num_subs for g in groups)
        atoms, first, second, offset = [], [], [], 0
        for g in groups:
            if S % g.num_subs:  # sparse grounding's padded groups: pad with ⊥ (0 everywhere)
                pad = np.zeros((S - g.num_subs, *g.atoms.shape[1:]), dtype=np.int64)
                atoms.append(np.concatenate([g.atoms, pad]))
            else:
                atoms.append(np.repeat(g.atoms, S // g.num_subs, axis=0))
            first.append(g.first + offset)
            second.append(g.second + offset)
            offset += g.atoms.shape[1]
        return self._group_tensors(
            np.concatenate(atoms, axis=1), np.concatenate(first), np.concatenate(second)
        )

    def _compile(
        self, clauses: Sequence, pred: str, sets: Sequence[ClauseSet]
    ) -> tuple[list[GroupTensors], GroupTensors | None, Tensor | None, Tensor | None]:
        """Device tensors of ``clauses`` (of ``pred``, from ``sets``; with sparse grounding the
        support's evaluated representatives): (groups, merged, order, unorder)."""
        if not clauses:
            return [], None, None, None
        heads = self.index.count(pred)
        found = (
            self.support.evaluated(pred, sets)
            if self.support is not None
            else clause_index(list(clauses), self.index).groups
        )
        groups = [self._group_tensors(g.atoms, g.first, g.second) for g in found]
        widest = max(g.num_subs for g in groups) * len(clauses) * heads
        merged = (
            self._merged(found)
            if self._fused_max and len(groups) > 1 and widest <= MERGE_ELEMENTS
            else None
        )
        concatenated = np.concatenate([g.clauses for g in found])
        order = unorder = None
        if not np.array_equal(concatenated, np.arange(len(clauses))):
            order, unorder = self._tensor(np.argsort(concatenated)), self._tensor(concatenated)
        return groups, merged, order, unorder

    def _plan(self, pred: str, sets: Sequence[ClauseSet]) -> PredicatePlan:
        if not 1 <= len(sets) <= 2:
            raise NeurosymError(f"{pred}: ∂ILP defines a predicate by one or two rule templates")
        k1, k2 = len(sets[0]), len(sets[1]) if len(sets) == 2 else 0
        spec = None
        if self.support is not None:  # sparse: classes and representatives' rows from the support
            found = [self.support.template(s) for s in sets]
            tcs = [tc for tc, _ in found]
            for tc in tcs:
                if tc.constant is not None:
                    tc.constant = tc.constant.to(self.device)
            reps = [[] if tc.constant is not None else r for tc, r in found]
            computed: list[list] = reps
        elif self._training is None:
            computed = [list(s.clauses) for s in sets]
        else:
            tcs = [self._template_classes(s) for s in sets]
            computed = [
                [] if tc.constant is not None else [s.clauses[i] for i in tc.representatives]
                for s, tc in zip(sets, tcs)
            ]
        if self._training is not None or self.support is not None:
            spec = Specialisation(
                tcs[0],
                tcs[1] if len(sets) == 2 else None,
                self._tensor(tcs[0].classes),
                self._tensor(tcs[1].classes) if len(sets) == 2 else None,
            )
        n1, n2 = len(computed[0]), len(computed[1]) if len(sets) == 2 else 0
        groups, merged, order, unorder = self._compile(
            [c for cs in computed for c in cs], pred, sets
        )
        sl = self.index.slice(pred)
        return PredicatePlan(
            pred=pred,
            start=sl.start,
            stop=sl.stop,
            k1=k1,
            k2=k2,
            num_heads=self.index.count(pred),
            groups=groups,
            order=order,
            unorder=unorder,
            merged=merged,
            checkpoint=(
                len(sets) == 2
                and not (self._pair_max or self._pair_probsum)
                and n1 * n2 * self.index.count(pred) >= CHECKPOINT_PAIRS
            ),
            n1=n1,
            n2=n2,
            spec=spec,
        )

    def _template_classes(self, clause_set: ClauseSet) -> TemplateClasses:
        """Classes of equivalent clauses of one template in the training worlds."""
        assert self._training is not None
        clauses = list(clause_set.clauses)
        n, heads = self.index.num_constants, self.index.count(clauses[0].head.pred)
        widest = max(n ** len(used_existentials(c)) for c in clauses) * heads  # rows per clause
        existential = self.operators.existential.strip().lower()
        searched = existential in ("max", "probsum") and widest <= KEY_MAX_ROWS
        if clause_set.intensional and not searched:
            return identity_classes(len(clause_set))  # without grounding the template twice
        ci = clause_index(clauses, self.index)
        if not clause_set.intensional:  # extensional bodies: outputs fixed for the whole fit
            val = self._training.unsqueeze(1)  # [A, 1, W]
            outs = [
                self.clause_values(val, self._group_tensors(g.atoms, g.first, g.second))
                for g in ci.groups
            ]
            order = self._tensor(np.argsort(np.concatenate([g.clauses for g in ci.groups])))
            tc = constant_classes(
                torch.cat(outs, dim=0).index_select(0, order)[:, :, 0]
            )  # [K, G, W]
            if tc is not None:
                return tc
        if searched:
            return classes_from_keys(
                clause_keys(
                    ci, self._training.cpu().numpy(), self.num_fixed, counted=existential != "max"
                )
            )
        return identity_classes(len(clause_set))

    # ------------------------------------------------------------------ valuations
    def initial_valuation(
        self, backgrounds: Sequence[Sequence[Atom]], dtype: torch.dtype = torch.float32
    ) -> Tensor:
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
            if (
                plan.merged is not None
                and plan.merged.atoms.numel() // plan.merged.num_atoms * plan.computed * R * W
                <= MERGE_ELEMENTS
            ):
                groups = [plan.merged]  # same values and gradients, fewer operations
            out = clause_outputs_max(
                valuation.reshape(A, R * W),
                groups,
                plan.order,
                plan.unorder,
                self._conj,
                self._conj_grad,
            )
            return out.view(plan.computed, plan.num_heads, R, W)
        outs = [self.clause_values(valuation, g) for g in plan.groups]
        clause_out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=0)
        if plan.order is not None:
            clause_out = clause_out.index_select(0, plan.order)  # [K, G, R, W] in clause order
        return clause_out

    def clause_values(self, valuation: Tensor, group: GroupTensors) -> Tensor:
        """Clause outputs of one clause group by plain autograd: valuation ``[A, R, W]`` -> ``[Kg,
        G, R, W]``."""
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
            # recompute the [K1 * K2, G, R, W] pair tensor in the backward pass instead of keeping
            # it
            return checkpoint(self._weigh_pairs, clause_out, probs, plan.k1, use_reentrant=False)
        return self._weigh_pairs(clause_out, probs, plan.k1)

    def _weigh_pairs(self, clause_out: Tensor, probs: Tensor, k1: int) -> Tensor:
        """clause outputs ``[K, G, R, W]``, probs ``[R, K1, K2']`` -> ``sum_jk p_jk S(c_j, c_k)``:
        ``[G, R, W]``."""
        K, G, R, W = clause_out.shape
        if K == k1:
            pairs = clause_out  # single template: the pair (j, ⊥) is clause j
        elif self._pair_probsum:  # bilinear: sum_jk p_jk (x_j + y_k - x_j y_k), no pair tensor
            p = probs.to(clause_out.dtype)  # [R, K1, K2]
            x, y = clause_out[:k1], clause_out[k1:]
            py = torch.einsum("rjk,kgrw->jgrw", p, y)  # [K1, G, R, W]
            return (
                torch.einsum("jgrw,rj->grw", x, p.sum(2))
                + torch.einsum("kgrw,rk->grw", y, p.sum(1))
                - (x * py).sum(0)
            )
        else:
            first = clause_out[:k1].unsqueeze(1)  # [K1, 1, G, R, W]
            second = clause_out[k1:].unsqueeze(0)  # [1, K2, G, R, W]
            pairs = self._combine(first, second).reshape(-1, G, R, W)
        P = pairs.shape[0]
        weights = probs.reshape(R, P).t().reshape(P, 1, R, 1)
        return (pairs * weights).sum(0)  # [G, R, W]

    def prepare(self, plan: PredicatePlan, probs: Tensor) -> Prepared:
        """The per-run tensors of a specialised predicate from its pair weights ``[R, K1, K2']``."""
        sp = plan.spec
        assert sp is not None
        R = probs.shape[0]
        pairs = probs.new_zeros(R, sp.first.num_classes, probs.shape[2]).index_add(
            1, sp.classes1, probs
        )
        if sp.second is not None and sp.classes2 is not None:
            pairs = pairs.new_zeros(R, sp.first.num_classes, sp.second.num_classes).index_add(
                2, sp.classes2, pairs
            )
        x = None if sp.first.constant is None else sp.first.constant.to(probs.dtype)  # [C1, G, W]
        y = (
            None
            if sp.second is None or sp.second.constant is None
            else sp.second.constant.to(probs.dtype)
        )
        if sp.second is None:
            if x is None:
                return Prepared(pairs)
            return Prepared(pairs, fixed=torch.einsum("jgw,rj->grw", x, pairs[:, :, 0]))
        # S(x, y) = x + (1 - x) * y for crisp x and every t-conorm S
        if x is not None:
            bias = torch.einsum("jgw,rj->grw", x, pairs.sum(2))
            coef = torch.einsum("jgw,rjk->kgrw", 1 - x, pairs)  # [C2, G, R, W]
            if y is not None:
                return Prepared(pairs, fixed=bias + (y.unsqueeze(2) * coef).sum(0))
            return Prepared(pairs, bias=bias, coef=coef)
        if y is not None:
            bias = torch.einsum("kgw,rk->grw", y, pairs.sum(1))
            coef = torch.einsum("kgw,rjk->jgrw", 1 - y, pairs)  # [C1, G, R, W]
            return Prepared(pairs, bias=bias, coef=coef)
        return Prepared(pairs)

    def deduce_prepared(self, valuation: Tensor, plan: PredicatePlan, prep: Prepared) -> Tensor:
        """:meth:`deduce` for a specialised predicate: valuation ``[A, R, W]`` -> ``[G, R, W]``."""
        if prep.fixed is not None:
            return prep.fixed
        R = valuation.shape[1]
        out = self.clause_outputs(valuation, plan)  # [n1 + n2, G, R, W]
        if prep.coef is not None:
            assert prep.bias is not None
            return prep.bias + (out * prep.coef).sum(0)
        pairs, n1 = prep.pairs, plan.n1
        if plan.k2 and self._pair_max:
            p = pairs.permute(1, 2, 0).reshape(n1, plan.n2, 1, R, 1)
            return weighted_pair_max(out[:n1], out[n1:], p)
        if plan.checkpoint and torch.is_grad_enabled():
            return checkpoint(self._weigh_pairs, out, pairs, n1, use_reentrant=False)
        return self._weigh_pairs(out, pairs, n1)

    def step(
        self,
        valuation: Tensor,
        probs: Mapping[str, Tensor],
        prepared: Mapping[str, Prepared] | None = None,
    ) -> Tensor:
        """One forward-chaining step: ``[A, R, W] -> [A, R, W]`` (``prepared``: from
        :meth:`prepare`,
        computed here when None)."""
        parts = [valuation[: self.num_fixed]]
        reads = self._with_projections(valuation)
        for plan in self.plans:
            if plan.spec is None:
                new = self.deduce(reads, plan, probs[plan.pred])
            else:
                prep = (
                    prepared[plan.pred]
                    if prepared is not None
                    else self.prepare(plan, probs[plan.pred])
                )
                new = self.deduce_prepared(reads, plan, prep)
            parts.append(self._amalgamate(valuation[plan.start : plan.stop], new))
        return torch.cat(parts, dim=0)

    def _with_projections(self, valuation: Tensor) -> Tensor:
        """``[A, R, W]`` -> ``[A + P, R, W]``: the valuation followed by the sparse grounding's
        projections (:class:`~neurosym.ilp.support.Projection`), or the valuation itself."""
        if not self.projections:
            return valuation
        A, R, W = valuation.shape
        flat = valuation.reshape(A, R * W)
        maxima = [
            clause_outputs_max(flat, [g], None, None, _left, _left_grad).view(-1, R, W)
            for g in self.projections
        ]
        return torch.cat([valuation, *maxima])

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
                    f"clause-pair weights of {plan.pred} have shape {tuple(p.shape)}, expected "
                    f"{(R, *plan.pair_shape)}"
                )
        if self.specialised_worlds is not None and valuation.shape[2] != self.specialised_worlds:
            raise NeurosymError(
                f"this chainer is specialised to {self.specialised_worlds} world(s); "
                f"the valuation has {valuation.shape[2]}"
            )
        prepared = {
            plan.pred: self.prepare(plan, probs[plan.pred])
            for plan in self.plans
            if plan.spec is not None
        }
        for _ in range(steps):
            valuation = self.step(valuation, probs, prepared)
        return valuation

    def one_hot(
        self, choices: Sequence[Mapping[str, tuple[int, int]]], dtype: torch.dtype = torch.float32
    ) -> dict[str, Tensor]:
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
