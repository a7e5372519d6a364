"""Percept encoders over concept-table rows, and the search over concept-row permutations."""

from __future__ import annotations

import pytest
import torch

from neurosym.concepts.percept import (
    DigitCNN,
    PerceptEncoder,
    images_to_tensor,
    neighbours,
    permutation_search,
    permute_rows,
    random_shift,
)
from neurosym.concepts.table import ConceptTable
from neurosym.errors import NeurosymError

TABLE = ConceptTable({str(d): 0 for d in range(10)})


def test_encoder_gives_distributions_over_the_table_rows_and_names() -> None:
    torch.manual_seed(0)
    enc = PerceptEncoder(DigitCNN(16), TABLE, 16)
    images = images_to_tensor(torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8))
    probs = enc.probabilities(images)
    assert probs.shape == (4, 10) and torch.allclose(probs.sum(1), torch.ones(4))
    assert enc.concepts(images) == [TABLE.names[i] for i in probs.argmax(1).tolist()]
    before = probs.detach()
    perm = torch.tensor([3, 1, 2, 0, 4, 5, 6, 7, 8, 9])
    permute_rows(enc, perm)
    assert torch.allclose(enc.probabilities(images), before[:, perm], atol=1e-6)


def test_wrong_shapes_are_reported() -> None:
    enc = PerceptEncoder(torch.nn.Flatten(), TABLE, 16)
    with pytest.raises(NeurosymError, match="expected \\[batch, 16\\]"):
        enc(torch.zeros(2, 28, 28))
    with pytest.raises(NeurosymError, match="images"):
        DigitCNN()(torch.zeros(2, 3, 28, 28))
    with pytest.raises(NeurosymError, match="uint8"):
        images_to_tensor(torch.zeros(2, 28, 28))


def test_neighbours_are_permutations_and_search_repairs_a_chain_laid_out_in_pieces() -> None:
    for p in neighbours(torch.arange(6)):
        assert sorted(p.tolist()) == list(range(6))
    # a chain 0 -> 1 -> ... -> 9 whose rows sit in shifted pieces; the loss counts broken links
    pieces = torch.tensor([4, 5, 6, 0, 1, 2, 3, 7, 8, 9])

    def broken_links(perm: torch.Tensor) -> float:
        order = pieces[perm]
        return float(sum(int(order[i + 1] != order[i] + 1) for i in range(9)))

    found = permutation_search(broken_links, 10)
    assert broken_links(found) == 0.0
    assert pieces[found].tolist() == list(range(10))


def test_random_shift_moves_each_image_by_its_own_offset_within_the_bound() -> None:
    images = torch.rand(64, 2, 9, 11)
    shifted = random_shift(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    padded = torch.nn.functional.pad(images, (2, 2, 2, 2))
    offsets = set()
    for i in range(len(images)):  # the reference: every window of the padded image, a loop
        found = [(dy, dx) for dy in range(5) for dx in range(5)
                 if torch.equal(shifted[i], padded[i, :, dy:dy + 9, dx:dx + 11])]
        assert found, f"image {i} is not a shift of at most 2 pixels"
        offsets.update(found)
    assert len(offsets) > 10  # offsets differ between images
    assert random_shift(images, 0, torch.Generator()) is images
