"""Filtered mean-tie ranks against a brute-force reference, on scores and end to end."""

from __future__ import annotations

import pytest
import torch

from neurosym.kg import ChainRuleLearner, KGConfig
from neurosym.kg.metrics import TIES, filtered_ranks, summarize

from .family import family_graph


def brute_force_rank(scores: list[float], answer: int, others: set[int],
                     ties: str = "mean") -> float:
    """Rank of ``answer`` among candidates (``others`` removed): with ties, the first, the
    mean or the last of the positions it could take."""
    mine = scores[answer]
    candidates = [e for e in range(len(scores)) if e == answer or e not in others]
    above = sum(1 for e in candidates if scores[e] > mine)
    tied = sum(1 for e in candidates if scores[e] == mine and e != answer)
    positions = range(above + 1, above + tied + 2)
    if ties == "optimistic":
        return positions[0]
    if ties == "pessimistic":
        return positions[-1]
    return sum(positions) / len(positions)


@pytest.mark.parametrize("ties", sorted(TIES))
def test_filtered_ranks_equal_brute_force_with_ties(ties: str) -> None:
    gen = torch.Generator().manual_seed(0)
    entities, relations = 9, 4
    scores = torch.randint(0, 3, (entities, 12), generator=gen).double()  # many ties
    queries = torch.stack([torch.randint(0, entities, (12,), generator=gen),
                           torch.randint(0, relations, (12,), generator=gen),
                           torch.randint(0, entities, (12,), generator=gen)], 1)
    extra = torch.stack([queries[:, 0], queries[:, 1],
                         torch.randint(0, entities, (12,), generator=gen)], 1)
    known = torch.cat([queries, extra, queries[:3]])  # duplicates and the answers themselves
    got = filtered_ranks(scores, queries, known, relations, ties)
    for b, (q, r, a) in enumerate(queries.tolist()):
        others = {t for h, rr, t in known.tolist() if (h, rr) == (q, r) and t != a}
        assert got[b].item() == brute_force_rank(scores[:, b].tolist(), a, others, ties)


def test_learner_metrics_equal_dense_brute_force() -> None:
    """``evaluate`` == dense chain products of the same attention + brute-force ranks."""
    kg = family_graph(families=3)
    learner = ChainRuleLearner(KGConfig(device="cpu", epochs=2, batch_size=16)).fit(kg)
    e, r2 = kg.num_entities, 2 * kg.num_relations
    adjacency = torch.zeros(r2 + 1, e, e, dtype=torch.double)
    for h, r, t in kg.with_inverses(["facts", "train"]).tolist():
        adjacency[r, h, t] = 1.0
    adjacency[r2] = torch.eye(e, dtype=torch.double)
    known = kg.with_inverses(["facts", "train", "valid", "test"]).tolist()
    ranks = []
    for q, r, a in kg.with_inverses("test").tolist():
        attention = learner.model.attention(r).detach().double()
        score = torch.zeros(e, dtype=torch.double)
        for rank in attention:
            row = torch.zeros(e, dtype=torch.double)
            row[q] = 1.0
            for step in rank:
                row = row @ torch.einsum("o,oht->ht", step, adjacency)
            score += row
        others = {t for h, rr, t in known if (h, rr) == (q, r) and t != a}
        # float32 in the learner: compare at its precision so ties match
        ranks.append(brute_force_rank(score.float().tolist(), a, others))
    want = summarize(torch.tensor(ranks))
    got = learner.evaluate("test")
    assert got["queries"] == want["queries"] == 2 * len(kg.splits["test"])
    for key in ("mrr", "hits@1", "hits@3", "hits@10"):
        assert abs(got[key] - want[key]) < 1e-6, key
