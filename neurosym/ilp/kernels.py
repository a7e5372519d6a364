"""Two fused steps of ∂ILP forward chaining, each one autograd node with a lean backward.

**Clause outputs with ``max`` as the existential aggregator** (:func:`clause_outputs_max`):
only the winning substitution of each (clause, head atom, restart, world)
receives gradient. Plain autograd would keep the gathered ``[S, K, G, B]`` body
values and their conjunction for the backward pass and push gradient through
all ``S`` substitutions; this function keeps only the valuation positions of the
two winning body atoms ``[K, G, B]`` and, in the backward pass, evaluates the
t-norm's derivative at those positions only: ``S`` times less memory and
backward work, and one autograd node per predicate and step however many
clause groups it has. Values equal ``conj(a, b).amax(0)``; gradients equal
autograd's except at ties, where the whole gradient goes to the first tied
substitution (a valid subgradient) instead of being split evenly. The winner is
found without ``torch.max(dim=...)``/``argmax`` (tens of times slower than
``amax`` on the CPU): ``S - amax([x == max] * [S, S-1, ..., 1])`` is the first
position of the maximum.

**Clause pairs with ``max`` as the clause combination** (:func:`weighted_pair_max`):
``sum_jk p_jk max(x_j, y_k)`` without keeping the ``[K1, K2, G, B]`` pair tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor

BinaryOp = Callable[[Tensor, Tensor], Tensor]
TNormGrad = Callable[[Tensor, Tensor, Tensor], "tuple[Tensor, Tensor]"]


def _product_grad(a: Tensor, b: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
    return g * b, g * a


TNORM_GRADS: dict[str, TNormGrad] = {"product": _product_grad}
"""Closed-form ``(g * dT/da, g * dT/db)`` of t-norms by name; others use autograd in the
backward."""


CHUNK_ELEMENTS = 1 << 24
"""The fused kernel evaluates the ``[S, Kg, G, B]`` body tensor of a clause group in slices of
head atoms of at most this many values (one head atom per slice when one alone exceeds it), so
its transient memory does not grow with the number of head atoms; small groups are one slice."""


class ClauseGroupTensors(Protocol):
    """What the kernel reads of a clause group (see :class:`neurosym.ilp.forward.GroupTensors`)."""

    atoms: Tensor  # int64 [S, N, G]
    first: Tensor  # int64 [Kg]
    second: Tensor  # int64 [Kg]
    base_a: Tensor  # int64 [Kg, G, 1]: first[k] * G + g, the position of atoms[0, first[k], g]
    base_b: Tensor  # int64 [Kg, G, 1]: second[k] * G + g
    paired: bool  # first[k] == 2k and second[k] == 2k + 1 (each clause its own two atoms)


_REVERSED: dict[tuple, Tensor] = {}


def _reversed_range(S: int, dims: int, like: Tensor) -> Tensor:
    """``[S, S-1, ..., 1]`` shaped ``[S, 1, ..., 1]`` (``dims`` axes), cached per device and
    dtype."""
    key = (S, dims, like.dtype, like.device)
    if key not in _REVERSED:
        _REVERSED[key] = torch.arange(S, 0, -1, device=like.device, dtype=like.dtype).view(
            S, *([1] * (dims - 1))
        )
    return _REVERSED[key]


def first_argmax(x: Tensor, maximum: Tensor) -> Tensor:
    """Index of the first maximum of ``x`` along dim 0 (``maximum = x.amax(0)``), int64."""
    S = x.shape[0]
    rev = _reversed_range(S, x.dim(), x)
    # x - maximum is 0 at the maxima and negative elsewhere: sign + 1 is the 0/1 indicator
    # (float arithmetic only; boolean comparisons are several times slower on the CPU)
    hit = (x - maximum).sign_().add_(1.0).mul_(rev)
    return (S - hit.amax(0)).to(torch.int64)


def _group_forward(
    valuation: Tensor, g: ClauseGroupTensors, conj: BinaryOp, columns: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """One clause group: outputs ``[Kg, G, B]`` and flat valuation indices of the winning body
    atoms."""
    B = valuation.shape[1]
    S, N, G = g.atoms.shape
    K = g.first.numel()
    flat_atoms = g.atoms.view(-1)
    if S == 1:  # no existential variable: gather the body atoms directly
        pos_a, pos_b = flat_atoms.take(g.base_a), flat_atoms.take(g.base_b)  # [K, G, 1]
        a = valuation.index_select(0, pos_a.view(-1)).view(K, G, B)
        b = valuation.index_select(0, pos_b.view(-1)).view(K, G, B)
        return conj(a, b), pos_a * B + columns, pos_b * B + columns
    width = max(1, CHUNK_ELEMENTS // (S * K * B))  # head atoms per slice
    outs, flats_a, flats_b = [], [], []
    for lo in range(0, G, width):
        hi = min(G, lo + width)
        atoms = g.atoms if hi - lo == G else g.atoms[:, :, lo:hi]
        vals = valuation.index_select(0, atoms.reshape(-1)).view(S, N, (hi - lo) * B)
        if N == 2 * K and g.paired:  # clause k's atoms are 2k and 2k + 1: strided views
            a, b = vals[:, 0::2], vals[:, 1::2]
        else:
            a, b = vals.index_select(1, g.first), vals.index_select(1, g.second)
        body = conj(a, b).view(S, K, hi - lo, B)
        out = body.amax(0)  # [K, hi - lo, B]
        plane = first_argmax(body, out).mul_(
            N * G
        )  # winning substitution s -> offset s * N * G in atoms
        flats_a.append(flat_atoms.take(plane + g.base_a[:, lo:hi]).mul_(B).add_(columns))
        flats_b.append(flat_atoms.take(plane.add_(g.base_b[:, lo:hi])).mul_(B).add_(columns))
        outs.append(out)
        del vals, body  # before the next slice is gathered
    if len(outs) == 1:
        return outs[0], flats_a[0], flats_b[0]
    return torch.cat(outs, dim=1), torch.cat(flats_a, dim=1), torch.cat(flats_b, dim=1)


class _ClauseOutputsMax(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        valuation: Tensor,
        groups: Sequence[ClauseGroupTensors],
        order: Tensor | None,
        unorder: Tensor | None,
        conj: BinaryOp,
        conj_grad: TNormGrad | None,
    ) -> Tensor:  # type: ignore[override]
        columns = torch.arange(valuation.shape[1], device=valuation.device)
        parts = [_group_forward(valuation, g, conj, columns) for g in groups]
        if len(parts) == 1:
            out, flat_a, flat_b = parts[0]
        else:
            out, flat_a, flat_b = (torch.cat(x, dim=0) for x in zip(*parts))
        if order is not None:
            out = out.index_select(0, order)
        ctx.save_for_backward(valuation, flat_a, flat_b, unorder)
        ctx.conj, ctx.conj_grad = conj, conj_grad
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor):  # type: ignore[override]
        valuation, flat_a, flat_b, unorder = ctx.saved_tensors
        if unorder is not None:
            grad_out = grad_out.index_select(0, unorder)  # clause order -> concatenated-group order
        flat_val = valuation.view(-1)
        a, b = flat_val.take(flat_a), flat_val.take(flat_b)
        if ctx.conj_grad is not None:
            grad_a, grad_b = ctx.conj_grad(a, b, grad_out)
        else:
            with torch.enable_grad():
                a.requires_grad_(True)
                b.requires_grad_(True)
                grad_a, grad_b = torch.autograd.grad(ctx.conj(a, b), (a, b), grad_out)
        grad = torch.zeros_like(flat_val)
        grad.index_add_(0, flat_a.view(-1), grad_a.reshape(-1))
        grad.index_add_(0, flat_b.view(-1), grad_b.reshape(-1))
        return grad.view_as(valuation), None, None, None, None, None


def clause_outputs_max(
    valuation: Tensor,
    groups: Sequence[ClauseGroupTensors],
    order: Tensor | None,
    unorder: Tensor | None,
    conj: BinaryOp,
    conj_grad: TNormGrad | None = None,
) -> Tensor:
    """``max_s conj(v[atoms[s, first[k], g]], v[atoms[s, second[k], g]])`` for every clause of one
    predicate.

    valuation ``[A, B]``; groups: the predicate's clause groups; ``order`` (int64 ``[K]``)
    puts the concatenated group outputs in clause order and ``unorder`` is its inverse
    (both None when they already are) -> ``[K, G, B]``.
    """
    return _ClauseOutputsMax.apply(valuation.contiguous(), groups, order, unorder, conj, conj_grad)


class _WeightedPairMax(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, y: Tensor, p: Tensor) -> Tensor:  # type: ignore[override]
        pairs = torch.maximum(x.unsqueeze(1), y.unsqueeze(0))  # [K1, K2, G, R, W]
        out = (pairs * p).sum((0, 1))
        ctx.save_for_backward(x, y, p)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor):  # type: ignore[override]
        x, y, p = ctx.saved_tensors
        xs, ys = x.unsqueeze(1), y.unsqueeze(0)
        pairs = torch.maximum(xs, ys)
        # d max(x, y)/dx = (1 + sign(x - y)) / 2: 1/2 each at ties, as torch.maximum
        signed = (xs - ys).sign_().mul_(p)  # [K1, K2, G, R, W]
        half = 0.5 * grad
        grad_x = half * (p.sum(1) + signed.sum(1))
        grad_y = half * (p.sum(0) - signed.sum(0))
        grad_p = pairs.mul_(grad).sum((2, 4), keepdim=True)  # [K1, K2, 1, R, 1]
        return grad_x, grad_y, grad_p


def weighted_pair_max(x: Tensor, y: Tensor, p: Tensor) -> Tensor:
    """``sum_jk p[j, k] * max(x[j], y[k])`` without keeping the pair tensor for the backward pass.

    x ``[K1, G, R, W]`` and y ``[K2, G, R, W]`` (the clause outputs of the two templates),
    p ``[K1, K2, 1, R, 1]`` (clause-pair probabilities per restart) -> ``[G, R, W]``.
    The backward pass rebuilds the ``[K1, K2, G, R, W]`` pairs from ``x`` and ``y``
    and uses only arithmetic (``torch.maximum``'s own backward uses ``where`` on
    the full tensor, an order of magnitude slower on the CPU). Gradients equal
    torch.maximum's, ties included.
    """
    return _WeightedPairMax.apply(x, y, p)
