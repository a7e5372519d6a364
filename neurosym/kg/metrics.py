"""Filtered link-prediction ranks with ties broken by the mean rank, and their summary.

For a query with answer ``a`` among scores ``s [E]``, every other known true answer of the
same query is removed (filtered setting); then ``rank = 1 + #{s > s_a} + #{s = s_a, not a} / 2``
-- the mean of the ranks ``a`` could take in any order of the tied entities (neither the
optimistic nor the pessimistic end). ``ties="optimistic"`` counts no tied entity (what the
Neural LP and DRUM evaluation code does: only strictly higher scores rank above the answer),
``"pessimistic"`` every one; they are offered to compare with such numbers, not as defaults.
"""

from __future__ import annotations

import torch

# Share of the other entities tied with the answer that rank above it.
TIES = {"optimistic": 0.0, "mean": 0.5, "pessimistic": 1.0}


def query_keys(queries: torch.Tensor, relations: int) -> torch.Tensor:
    """``[n]``: one integer per ``(entity, relation)`` query for ``queries [n, >=2]``."""
    return queries[:, 0] * relations + queries[:, 1]


def filtered_ranks(scores: torch.Tensor, queries: torch.Tensor, known: torch.Tensor,
                   relations: int, ties: str = "mean") -> torch.Tensor:
    """Filtered ranks ``[B]`` (float), ties broken as ``ties`` says (a key of :data:`TIES`).

    ``scores [E, B]`` for the queries ``[B, 3]`` of ``(entity, relation, answer)``; ``known
    [n, 3]`` every true triple in the same layout (the query's own answer may be among them).
    """
    batch_keys = query_keys(queries, relations)
    known = known.to(scores.device)
    hit = torch.isin(query_keys(known, relations), batch_keys)
    sel = known[hit]
    col = torch.arange(len(queries), device=scores.device)
    answer = scores[queries[:, 2], col]
    # [n_sel, B]: known triple i is another true answer of query b.
    same = query_keys(sel, relations)[:, None] == batch_keys[None, :]
    same &= sel[:, 2:3] != queries[None, :, 2]
    other = torch.zeros_like(scores, dtype=torch.bool)
    rows, cols = same.nonzero(as_tuple=True)
    other[sel[rows, 2], cols] = True
    greater = ((scores > answer) & ~other).sum(0)
    tied = ((scores == answer) & ~other).sum(0) - 1
    return 1.0 + greater.double() + tied.double() * TIES[ties]


def summarize(ranks: torch.Tensor) -> dict[str, float]:
    """MRR and Hits@1/3/10 of ``ranks [n]`` (a mean rank of 1.5 counts for Hits@3, not @1)."""
    ranks = ranks.double()
    out = {"mrr": float((1.0 / ranks).mean()) if len(ranks) else 0.0}
    for k in (1, 3, 10):
        out[f"hits@{k}"] = float((ranks <= k).double().mean()) if len(ranks) else 0.0
    out["queries"] = len(ranks)
    return out
