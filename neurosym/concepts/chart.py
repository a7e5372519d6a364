"""Exact, differentiable P(output | parse tree) under soft templates, by dynamic programming over
spans.

For every node ``n`` of a batch of trees and every span ``[i, j)`` of its example's
output, ``chart[n, i, j]`` is the probability that the node's meaning is exactly
``output[i:j]``. For a node whose template of length ``m`` has items ``s_1 .. s_m``,

    chart[n] = sum_m P(m) * E_1 @ E_2 @ ... @ E_m

where ``E_q[i, j]`` is the probability that item ``q`` yields ``output[i:j]``: a token
choice yields one matching token (``j = i + 1``), a child choice yields whatever span
that child's chart gives. The product of ``[L+1, L+1]`` matrices sums over every way
to cut the span into consecutive pieces, so the result is the exact marginal over all
templates and all alignments. Children sit on lower levels of the
:class:`~neurosym.concepts.batching.TreeBatch`, so one pass over heights (leaves
first) fills every chart; within a level, all nodes, examples and restarts are one
batched matrix product. Leaves (lexical concepts, tokens only) have a closed form.

With reversed children allowed, each node also keeps ``rchart[n, i, j]`` = P(its
meaning is ``reverse(output[i:j])``), filled by the same chain run backwards.
"""

from __future__ import annotations

import torch

from neurosym.concepts.batching import TreeBatch
from neurosym.concepts.composition import TemplateSpace


def root_probabilities(
    log_len: torch.Tensor,
    log_choice: torch.Tensor,
    space: TemplateSpace,
    batch: TreeBatch,
    outputs: torch.Tensor,
    lengths: torch.Tensor,
    *,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``[R, B]``: P(output_b | tree_b) for every restart and example.

    log_len    ``[R, C, M+1]`` log P(template length) per concept.
    log_choice ``[R, C, T, S]`` log P(choice) per concept and template slot.
    outputs    ``[B, L]`` token ids (``0..V-1``), padded with ``V``.
    lengths    ``[B]`` output lengths.
    """
    r = log_len.shape[0]
    k, t = space.max_arity, space.num_slots
    big_l = outputs.shape[1]
    size = big_l + 1
    device = log_len.device
    p_len = log_len.to(dtype).exp()
    p_choice = log_choice.to(dtype).exp()
    # Token probabilities with a zero column for the padding id: [R, C, T, V+1].
    p_token = torch.cat(
        [p_choice[..., space.token_offset :], p_choice.new_zeros(*p_choice.shape[:-1], 1)], dim=-1
    )
    p_child = p_choice[..., :k]
    p_rev = p_choice[..., k : 2 * k] if space.reverse else None
    eye = torch.eye(size, dtype=dtype, device=device)

    charts: list[torch.Tensor] = []  # per level: [R, n, size, size]
    rcharts: list[torch.Tensor] = []
    for level in batch.levels:
        n = level.size
        c = level.concept
        out = outputs[level.example]  # [n, L]
        emit = torch.gather(
            p_token[:, c], 3, out[None, :, None, :].expand(r, n, t, big_l)
        )  # [R, n, T, L]
        pl = p_len[:, c]  # [R, n, M+1]
        if level.start == 0:  # leaves: lexical concepts, tokens only
            charts.append(_leaf_chart(pl, emit, space, backwards=False))
            if space.reverse:
                rcharts.append(_leaf_chart(pl, emit, space, backwards=True))
            continue
        kids = level.children.clamp(min=0)
        present = (level.children >= 0).to(dtype)[None, :, :, None, None]  # [1, n, K, 1, 1]
        child = torch.cat(charts, dim=1)[:, kids] * present  # [R, n, K, size, size]
        e_fwd = torch.einsum("rnqk,rnkij->rnqij", p_child[:, c], child)  # [R, n, T, size, size]
        if space.reverse:
            rchild = torch.cat(rcharts, dim=1)[:, kids] * present
            e_rev = torch.einsum("rnqk,rnkij->rnqij", p_child[:, c], rchild)
            e_fwd = e_fwd + torch.einsum("rnqk,rnkij->rnqij", p_rev[:, c], rchild)
            e_rev = e_rev + torch.einsum("rnqk,rnkij->rnqij", p_rev[:, c], child)
            e_rev.diagonal(1, -2, -1).add_(emit)
            rcharts.append(_chain(pl, e_rev, eye, space, backwards=True))
        e_fwd.diagonal(1, -2, -1).add_(emit)  # token choices: one matching token, span [i, i+1)
        charts.append(_chain(pl, e_fwd, eye, space, backwards=False))

    root = torch.cat(charts, dim=1)[:, batch.roots]  # [R, B, size, size]
    index = lengths.to(device)[None, :, None].expand(r, -1, 1)
    return torch.gather(root[:, :, 0, :], 2, index).squeeze(2)


def _chain(
    p_len: torch.Tensor,
    items: torch.Tensor,
    eye: torch.Tensor,
    space: TemplateSpace,
    *,
    backwards: bool,
) -> torch.Tensor:
    """``sum_m P(m) E_1 ... E_m`` (or ``E_m ... E_1``), ``[R, n, size, size]``.

    p_len ``[R, n, M+1]``; items ``[R, n, T, size, size]`` (one matrix per template slot).
    """
    r, n = items.shape[0], items.shape[1]
    mats = items.unbind(
        2
    )  # one backward op for all slots (indexing each slot separately costs M full-size zero fills)
    lengths = p_len.unbind(-1)
    total = lengths[0][..., None, None] * eye.expand(r, n, -1, -1)
    prod = eye.expand(r, n, -1, -1)
    for m in range(1, space.max_length + 1):
        if space.per_length:  # a fresh product over this length's own slots
            slots = space.slots(m)
            prod = mats[slots[0]]
            for q in slots[1:]:
                prod = prod @ mats[q] if not backwards else mats[q] @ prod
        else:  # extend the shared prefix by one position
            prod = prod @ mats[m - 1] if not backwards else mats[m - 1] @ prod
        total = total + lengths[m][..., None, None] * prod
    return total


def _leaf_chart(
    p_len: torch.Tensor, emit: torch.Tensor, space: TemplateSpace, *, backwards: bool
) -> torch.Tensor:
    """Chart of token-only templates without matrix products, ``[R, n, L+1, L+1]``.

    ``chart[i, i+m] = P(m) * prod_{q<m} emit[slot(m, q), i+q]`` (forward), or with the
    output read backwards, ``emit[slot(m, q), i+m-1-q]``. p_len ``[R, n, M+1]``; emit ``[R, n, T,
    L]``.
    """
    r, n, _, big_l = emit.shape
    mm = space.max_length
    padded = torch.cat(
        [emit, emit.new_zeros(r, n, emit.shape[2], mm + 1)], dim=-1
    )  # [R, n, T, L+M+1]
    rows = padded.unbind(2)
    lengths = p_len.unbind(-1)
    chart = torch.diag_embed(lengths[0][..., None].expand(r, n, big_l + 1))
    for m in range(1, min(mm, big_l) + 1):
        spans = big_l + 1 - m  # spans of length m start at 0 .. L-m
        prods = None
        for q, slot in enumerate(space.slots(m)):
            at = q if not backwards else m - 1 - q  # which token of the span this slot emits
            piece = rows[slot][..., at : at + spans]
            prods = piece if prods is None else prods * piece
        chart = chart + torch.diag_embed(lengths[m][..., None] * prods, offset=m)
    return chart
