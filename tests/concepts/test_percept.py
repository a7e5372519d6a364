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
    random_affine,
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


def test_digit_cnn_sizes_and_dropout() -> None:
    default = DigitCNN(12)
    assert sorted(default.state_dict()) == [  # checkpoints of the default network still load
        "convolutions.0.bias", "convolutions.0.weight", "convolutions.3.bias",
        "convolutions.3.weight", "head.0.bias", "head.0.weight", "head.2.bias", "head.2.weight"]
    wide = DigitCNN(12, channels=(16, 32), hidden=64, dropout=0.5)
    assert wide.convolutions[3].out_channels == 32 and wide.head[0].in_features == 32 * 16
    images = torch.rand(5, 1, 28, 28)
    wide.eval()  # dropout off: the same features twice
    assert wide(images).shape == (5, 12) and torch.equal(wide(images), wide(images))
    wide.train()
    torch.manual_seed(0)
    assert not torch.equal(wide(images), wide(images))
    for bad in ({"channels": (0, 16)}, {"hidden": -1}, {"dropout": 1.0}):
        with pytest.raises(NeurosymError, match="DigitCNN needs"):
            DigitCNN(12, **bad)


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


def _affine_reference(image: torch.Tensor, angle: float, zoom: float, tx: float,
                      ty: float) -> torch.Tensor:
    """One image [C, H, W] through the map, a pixel at a time: output pixel centre (x, y) in
    [-1, 1] coordinates reads the input, bilinearly, at R(angle) (x, y) / zoom + (tx, ty)."""
    import math

    _, h, w = image.shape
    out = torch.zeros_like(image)
    for i in range(h):
        for j in range(w):
            x, y = (2 * j + 1) / w - 1, (2 * i + 1) / h - 1
            sx = (math.cos(angle) * x - math.sin(angle) * y) / zoom + tx
            sy = (math.sin(angle) * x + math.cos(angle) * y) / zoom + ty
            px, py = ((sx + 1) * w - 1) / 2, ((sy + 1) * h - 1) / 2  # input pixel coordinates
            x0, y0 = math.floor(px), math.floor(py)
            for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                if 0 <= yy < h and 0 <= xx < w:
                    weight = (1 - abs(px - xx)) * (1 - abs(py - yy))
                    out[:, i, j] += weight * image[:, yy, xx]
    return out


def test_random_affine_matches_a_pixel_loop_and_stays_within_its_bounds() -> None:
    import math

    images = torch.rand(3, 2, 9, 11)
    out = random_affine(images, torch.Generator().manual_seed(0), degrees=10, scale=0.1, pixels=2)
    u = torch.rand(3, 4, generator=torch.Generator().manual_seed(0)) * 2 - 1  # the same draws
    for b in range(3):
        angle, zoom = float(u[b, 0]) * math.radians(10), 1 + float(u[b, 1]) * 0.1
        tx, ty = float(u[b, 2]) * 4 / 11, float(u[b, 3]) * 4 / 9
        assert torch.allclose(out[b], _affine_reference(images[b], angle, zoom, tx, ty),
                              atol=1e-5)
    same = random_affine(images, torch.Generator(), degrees=0, scale=0, pixels=0)
    assert torch.allclose(same, images, atol=1e-6)
