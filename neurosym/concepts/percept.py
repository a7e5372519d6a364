"""Percepts: a network maps a raw input (an image) to a distribution over concept-table rows.

A concept is a row of one learned table (:class:`~neurosym.concepts.table.ConceptTable`
gives each name its row); a :class:`PerceptEncoder` embeds an input with any
feature network and scores it against every row by scaled cosine similarity, so
the same rows are what symbols index and what percepts are matched to. The rule
learner (neural predicates) and the compositional model read these distributions;
gradient from their losses trains the feature network and the rows together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neurosym.concepts.table import ConceptTable
from neurosym.errors import NeurosymError


class DigitCNN(nn.Module):
    """The small MNIST network of the DeepProbLog / Scallop benchmarks (LeNet-5 layout):
    two 5x5 convolutions (``channels``: 6, 16) with max-pooling, then
    ``16 * channels[1]`` -> ``hidden`` (120) -> ``out``, with dropout ``dropout`` (0) before the
    last layer. The perceived words of the compositional model use a wider one with dropout
    (:func:`~neurosym.seq2seq.perceived_model.percept_network`).

    images ``[B, 28, 28]`` or ``[B, 1, 28, 28]`` (float in [0, 1]) -> features ``[B, out]``.
    """

    def __init__(self, out: int = 84, channels: tuple[int, int] = (6, 16), hidden: int = 120,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if min(out, hidden, *channels) <= 0 or not 0 <= dropout < 1:
            raise NeurosymError(f"DigitCNN needs sizes > 0 and 0 <= dropout < 1, got out={out}, "
                                f"channels={channels}, hidden={hidden}, dropout={dropout}")
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, channels[0], 5),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Conv2d(channels[0], channels[1], 5),
            nn.MaxPool2d(2),
            nn.ReLU(),
        )
        drop = [nn.Dropout(dropout)] if dropout else []  # the default's parameter names unchanged
        self.head = nn.Sequential(nn.Linear(channels[1] * 4 * 4, hidden), nn.ReLU(), *drop,
                                  nn.Linear(hidden, out))
        self.out_features = out

    def forward(self, images: Tensor) -> Tensor:
        if images.dim() == 3:
            images = images.unsqueeze(1)
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
            raise NeurosymError(
                f"DigitCNN takes images [B, 28, 28] or [B, 1, 28, 28], got {tuple(images.shape)}"
            )
        return self.head(self.convolutions(images).flatten(1))


class PerceptEncoder(nn.Module):
    """Raw inputs -> log-distribution over the concept rows of ``table``.

    ``features``: any module mapping a batch of inputs to ``[B, D]``; ``dim`` = ``D``.
    The rows are ``table.embedding(dim)``; the score of row ``c`` is
    ``scale * cos(features(x), row_c)`` and :meth:`forward` returns its log-softmax,
    ``[B, len(table)]``. :meth:`probabilities` is its exponential.
    """

    def __init__(
        self, features: nn.Module, table: ConceptTable, dim: int, scale: float = 10.0
    ) -> None:
        super().__init__()
        if dim <= 0 or scale <= 0:
            raise NeurosymError(f"PerceptEncoder needs dim > 0 and scale > 0, got {dim}, {scale}")
        self.features = features
        self.table = table
        self.rows = table.embedding(dim)
        self.scale = scale

    @property
    def num_concepts(self) -> int:
        return len(self.table)

    def forward(self, inputs: Tensor) -> Tensor:
        feats = self.features(inputs)
        if feats.dim() != 2 or feats.shape[1] != self.rows.embedding_dim:
            raise NeurosymError(
                f"the percept network returned shape {tuple(feats.shape)}; "
                f"expected [batch, {self.rows.embedding_dim}] (the encoder's dim)"
            )
        scores = F.normalize(feats, dim=1) @ F.normalize(self.rows.weight, dim=1).t()
        return torch.log_softmax(self.scale * scores, dim=1)

    def probabilities(self, inputs: Tensor) -> Tensor:
        """``[B, len(table)]`` distribution over the concept rows."""
        return self.forward(inputs).exp()

    def concepts(self, inputs: Tensor) -> list[str]:
        """The argmax concept name of each input."""
        return [self.table.names[i] for i in self.forward(inputs).argmax(1).tolist()]


def cnn_encoder(concepts: Sequence[str], dim: int = 84) -> PerceptEncoder:
    """The CNN of DeepProbLog's MNIST benchmark (:class:`DigitCNN`) matched against one learned
    row per concept name (28x28 images -> ``[B, len(concepts)]``)."""
    return PerceptEncoder(DigitCNN(dim), ConceptTable({c: 0 for c in concepts}), dim)


def images_to_tensor(images, device: torch.device | str = "cpu") -> Tensor:
    """uint8 ``[N, 28, 28]`` (numpy or torch) -> float32 ``[N, 1, 28, 28]`` in [0, 1]."""
    t = torch.tensor(images) if not isinstance(images, Tensor) else images
    if t.dtype != torch.uint8:
        raise NeurosymError(f"images must be uint8 [N, 28, 28], got dtype {t.dtype}")
    return (t.to(device=device, dtype=torch.float32) / 255.0).unsqueeze(1)


def random_affine(images: Tensor, generator: torch.Generator, degrees: float = 10.0,
                  scale: float = 0.1, pixels: float = 2.0) -> Tensor:
    """``images [B, C, H, W]``, each distorted by its own random affine map: a rotation of at
    most ``degrees``, a zoom by a factor within ``1 +- scale`` and a shift of at most ``pixels``
    along each axis (bilinear, the uncovered border 0). The augmentation that lets a small
    network trained on a few thousand digits generalise to unseen ones."""
    b, _, h, w = images.shape
    u = torch.rand(b, 4, generator=generator).to(images) * 2 - 1  # [B, 4] in [-1, 1]
    angle, zoom = u[:, 0] * math.radians(degrees), 1 + u[:, 1] * scale
    theta = torch.zeros(b, 2, 3, dtype=images.dtype, device=images.device)
    theta[:, 0, 0] = theta[:, 1, 1] = torch.cos(angle) / zoom
    theta[:, 0, 1] = -torch.sin(angle) / zoom
    theta[:, 1, 0] = torch.sin(angle) / zoom
    theta[:, 0, 2] = u[:, 2] * 2 * pixels / w  # grid coordinates run over [-1, 1]
    theta[:, 1, 2] = u[:, 3] * 2 * pixels / h
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)


def neighbours(perm: Tensor) -> list[Tensor]:
    """Permutations one move from ``perm``: swap two rows, reverse a block of consecutive rows, or
    move such a block elsewhere (the moves that repair a chain of concepts laid out in pieces)."""
    n, out = len(perm), []
    for i in range(n):
        for j in range(i + 1, n):
            swapped = perm.clone()
            swapped[[i, j]] = swapped[[j, i]]
            out.append(swapped)
            if j - i >= 2:
                out.append(torch.cat([perm[:i], perm[i : j + 1].flip(0), perm[j + 1 :]]))
            block, rest = perm[i : j + 1], torch.cat([perm[:i], perm[j + 1 :]])
            for k in range(len(rest) + 1):
                if k != i:
                    out.append(torch.cat([rest[:k], block, rest[k:]]))
    return out


def position_moves(size: int) -> Tensor:
    """Every move of :func:`neighbours` as a permutation of positions, int64 ``[K, size]``: the
    neighbours of ``perm`` are the rows of ``perm[moves]``."""
    return torch.stack(neighbours(torch.arange(size)))


def permutation_search(
    loss: Callable[[Tensor], float], size: int, rounds: int = 50, start: Tensor | None = None
) -> Tensor:
    """Hill-climb over permutations of ``size`` concept rows (:func:`neighbours`).

    ``loss(perm)`` scores a permutation (int64 ``[size]``; new row ``c`` = old row ``perm[c]``,
    so percept probabilities become ``p[:, perm]``). From ``start`` (default: the identity), each
    round takes the move that lowers the loss most; stops when none does (or after ``rounds``).
    Returns the best permutation found. Gradient descent cannot move a percept from one concept
    row to another far away when the rules tie the rows together (a chain ``succ``); such a move
    can, as clause swaps repair a settled program.
    """
    perm = torch.arange(size) if start is None else start
    moves = position_moves(size)
    best = loss(perm)
    for _ in range(rounds):
        found = None
        for trial in perm[moves]:
            value = loss(trial)
            if value < best - 1e-9:
                best, found = value, trial
        if found is None:
            break
        perm = found
    return perm


def linear_permutation_search(
    evidence: Tensor, relation: Tensor, starts: int = 32, seed: int = 0, rounds: int = 50
) -> Tensor:
    """The permutation ``perm`` ``[C]`` found to minimise ``sum_cd evidence[perm[c], perm[d]] *
    relation[c, d]`` (``relation`` ``[C, C]``, ``evidence`` ``[C, C]``; unary: both ``[C]``).

    ``evidence[c, d]``: how much the items perceived as ``(c, d)`` count against the relation
    holding there (+ per negative, - per positive example), so the sum is a linear stand-in for
    the training loss, cheap enough to hill-climb (:func:`neighbours`) from the identity and
    ``starts - 1`` random permutations at once: it escapes the local minima of
    :func:`permutation_search` where two moves are needed (a chain in three misplaced pieces).
    """
    size = relation.shape[0]
    gen = torch.Generator().manual_seed(seed)
    moves = position_moves(size)
    evidence, relation = evidence.cpu(), relation.cpu()

    def score(perms: Tensor) -> Tensor:  # [..., C] -> [...]
        if relation.dim() == 1:
            return (evidence[perms] * relation).sum(-1)
        return (evidence[perms.unsqueeze(-1), perms.unsqueeze(-2)] * relation).sum((-2, -1))

    perms = torch.stack(
        [torch.arange(size)] + [torch.randperm(size, generator=gen) for _ in range(starts - 1)]
    )
    best = score(perms)
    for _ in range(rounds):
        trials = perms[:, moves]  # [S, K, C]
        value, k = score(trials).min(1)
        better = value < best - 1e-6
        if not better.any():
            break
        perms = torch.where(better[:, None], trials[torch.arange(len(perms)), k], perms)
        best = torch.where(better, value, best)
    return perms[int(best.argmin())]


@torch.no_grad()
def permute_rows(encoder: PerceptEncoder, perm: Tensor) -> None:
    """Reorder the encoder's concept rows: afterwards row ``c`` holds what row ``perm[c]`` held."""
    encoder.rows.weight.copy_(encoder.rows.weight[perm.to(encoder.rows.weight.device)])
