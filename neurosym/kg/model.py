"""Soft chain rules (Neural LP / DRUM): per target relation, ``ranks`` chains of ``L`` steps.

Step ``l`` of rank ``k`` for target ``r`` is a softmax over ``2R + 1`` operators: the ``2R``
relation adjacency matrices (inverses included) and the identity ("stop here", so shorter
chains are expressible). The score of ``(h, r, ?)`` over all entities is

    score = sum_k  prod_l ( sum_j a[r, k, l, j] A_j + a[r, k, l, id] I )  e_h

evaluated right to left as sparse matrix-vector products on a batch of one-hot columns.
"""

from __future__ import annotations

import torch
from torch import nn

from neurosym.kg.graph import SparseGraph, propagate


class ChainRuleModel(nn.Module):
    """Attention logits ``[2R targets, ranks, L, 2R + 1 operators]`` (the last is identity)."""

    def __init__(self, relations: int, ranks: int, max_length: int, init_std: float = 1.0
                 ) -> None:
        """Logits drawn from ``N(0, init_std^2)`` (torch's global generator): equal logits
        would give every rank the same gradient, and the ranks would never differ."""
        super().__init__()
        self.relations = relations
        shape = (relations, ranks, max_length, relations + 1)
        self.logits = nn.Parameter(init_std * torch.randn(shape))

    def attention(self, target: int) -> torch.Tensor:
        """``[ranks, L, 2R + 1]``: the softmax attention of ``target``'s chains."""
        return torch.softmax(self.logits[target], dim=-1)

    def forward(self, graph: SparseGraph, target: int, heads: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """``[E, B]`` nonnegative scores of every entity as the tail of ``(heads[b], target, ?)``
        for ``heads LongTensor [B]``; edges weighted by ``mask [edges]`` (held-out edges 0)."""
        start = torch.zeros(graph.num_entities, len(heads), device=heads.device)
        start[heads, torch.arange(len(heads), device=heads.device)] = 1.0
        attn = self.attention(target)
        total = torch.zeros_like(start)
        for rank in attn:
            v = start
            # Rules read body atoms left to right from X: apply step 0 first.
            for step in rank:
                v = propagate(graph, step[:-1], v, mask) + step[-1] * v
            total = total + v
        return total
