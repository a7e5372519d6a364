"""Label-free repairs of a joint fit: rows permuted by a many-start search, merged split."""

from __future__ import annotations

import torch
from torch import nn

from neurosym.concepts.percept import PerceptEncoder, linear_permutation_search, permutation_search
from neurosym.concepts.table import ConceptTable
from neurosym.ilp.neural import split_merged, two_means


def test_linear_search_escapes_where_the_hill_climb_needs_two_moves() -> None:
    """Predecessor seed 0's failure: row ``c`` holds digit ``pieces[c]``, the chain in misplaced
    pieces; the held-out links and one held-out negative leave one contradicted junction, which
    no single move removes."""
    pieces = torch.tensor([4, 3, 2, 1, 0, 5, 9, 8, 7, 6])
    held = {(2, 3), (4, 5), (5, 6), (5, 0), (0, 5)}
    evidence = torch.zeros(10, 10)  # + per negative pair on (c, d), - per positive pair
    for c in range(10):
        for d in range(10):
            a, b = int(pieces[c]), int(pieces[d])
            if (a, b) not in held:
                evidence[c, d] = -10.0 if b == a + 1 else 1.0
    rel = torch.zeros(10, 10)
    rel[torch.arange(1, 10), torch.arange(9)] = 1.0  # t(c, d) iff c = d + 1

    def score(perm: torch.Tensor) -> float:
        return float((evidence[perm][:, perm] * rel).sum())

    stuck = permutation_search(score, 10)
    assert score(stuck) == score(torch.arange(10)) == -59.0
    found = linear_permutation_search(evidence, rel)
    assert score(found) == -60.0 and pieces[found].tolist() == list(range(9, -1, -1))
    unary = linear_permutation_search(torch.tensor([3.0, -1.0, 2.0]), torch.tensor([1.0, 0, 0]))
    assert int(unary[0]) == 1  # the row the relation holds on gets the most positive evidence


def _encoder(rows: torch.Tensor) -> PerceptEncoder:
    """Inputs are their own features ``[B, D]``; the concept rows are ``rows`` ``[C, D]``."""
    enc = PerceptEncoder(nn.Identity(), ConceptTable({str(c): 0 for c in range(len(rows))}),
                         rows.shape[1])
    with torch.no_grad():
        enc.rows.weight.copy_(rows)
    return enc


def _clusters(centres: torch.Tensor, each: int, gen: torch.Generator) -> torch.Tensor:
    noise = 0.05 * torch.randn(len(centres) * each, centres.shape[1], generator=gen)
    return centres.repeat_interleave(each, 0) + noise


def test_a_concept_holding_two_classes_is_split_onto_the_unused_row() -> None:
    gen = torch.Generator().manual_seed(0)
    eye = torch.eye(4)
    rows = torch.stack([eye[0], eye[1], eye[2], -(eye[0] + eye[1] + eye[2])])  # row 3 unused
    centres = torch.stack([eye[0], eye[1], eye[2] + 0.6 * eye[3], eye[2] - 0.6 * eye[3]])
    x = _clusters(centres, 10, gen)
    enc = _encoder(rows)
    assert torch.bincount(enc(x).argmax(1), minlength=4).tolist() == [10, 10, 20, 0]
    assert split_merged(enc, x, gen) == [(2, 3)]
    owner = enc(x).argmax(1)
    assert owner[:20].tolist() == [0] * 10 + [1] * 10
    assert {tuple(owner[20:30].unique().tolist()), tuple(owner[30:].unique().tolist())} == {
        (2,), (3,)
    }


def test_a_collapsed_encoder_is_left_to_training() -> None:
    """Everything on one concept is an untrained encoder, not two merged classes: no split."""
    gen = torch.Generator().manual_seed(0)
    rows = torch.eye(4)
    x = _clusters(torch.stack([torch.eye(4)[0] + 0.1 * torch.eye(4)[k] for k in range(4)]), 5, gen)
    enc = _encoder(rows)
    before = enc.rows.weight.clone()
    assert split_merged(enc, x, gen) == [] and torch.equal(enc.rows.weight, before)


def test_two_means_separates_two_directions() -> None:
    gen = torch.Generator().manual_seed(1)
    x = nn.functional.normalize(_clusters(torch.eye(3)[:2], 6, gen), dim=1)
    halves, centres = two_means(x, gen)
    assert halves[:6].unique().numel() == 1 and halves[6:].unique().numel() == 1
    assert halves[0] != halves[6] and torch.allclose(centres.norm(dim=1), torch.ones(2))
