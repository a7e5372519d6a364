"""Rules and a percept encoder learned together from labels on items (images) only.

A neural predicate ``digit(I, D)`` says that item ``I`` (an image) is perceived as concept ``D``
(a row of the encoder's concept table). An example over items, ``lt(i, j)``, is read through it:
``lt(i, j) :- digit(i, C), digit(j, D), lt(C, D)``, with value
``sum_cd P(digit(i, C)) P(digit(j, D)) lt(C, D)`` (:func:`perceived`): exact marginalisation over
the percepts, ``lt(C, D)`` the fuzzy valuation of the soft program that
:class:`~neurosym.ilp.module.DifferentiableILP` chains over the concepts. The loss on the examples
trains the encoder and the clause weights jointly; no concept label of an item is used.

:func:`fit_attempts` is the training loop of the MNIST hybrid benchmark
(:mod:`neurosym.bench.mnist_bench`) and of ``neurosym ilp learn`` on a task file with a
``percept`` line (:mod:`neurosym.ilp.neural_task`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from neurosym.concepts.percept import (
    PerceptEncoder,
    linear_permutation_search,
    permutation_search,
    permute_rows,
)
from neurosym.errors import NeurosymError
from neurosym.ilp.module import DifferentiableILP
from neurosym.logic.terms import Atom

LOG_EPS = 1e-7


@dataclass(frozen=True)
class HybridSettings:
    """How rules and an encoder train (``epochs``: 30 suit a thousand examples; the MNIST
    benchmark trains 10 epochs of 12,000 pairs): Adam at ``lr`` for the encoder and ``rule_lr``
    for the clause weights of ``restarts`` soft programs, both a tenth as large for the last
    ``decay_epochs``; ``balance`` weighs the negative entropy of each batch's mean percept (keeps
    every concept in use; no labels); after each epoch but the last and the decay's, ``split``
    gives each (nearly) unused concept half of the most used concept's items
    (:func:`split_merged`) and ``repair`` permutes concept rows where that lowers the training
    loss. Up to ``attempts`` independent runs (fresh encoder and rules); no further attempt starts
    once one explains ``good_enough`` of the training examples and, with ``every_concept``,
    perceives each of the ``C`` concepts in at least ``1 / (2 C)`` of the distinct training
    images, half an equal share (two classes merged into one concept leave another nearly unused:
    the chain laid out in pieces; MNIST's classes are within 15 % of equal shares). Kept: the
    attempt with the lowest training loss. Both tests read the training labels and images
    only."""

    epochs: int = 30
    batch: int = 32
    restarts: int = 4
    lr: float = 1e-3
    rule_lr: float = 0.5
    decay_epochs: int = 2
    balance: float = 3.0
    split: bool = True
    repair: bool = True
    attempts: int = 3
    good_enough: float = 0.97
    every_concept: bool = True


def perceived(relation: Tensor, *percepts: Tensor) -> Tensor:
    """``P(t(i, j)) = sum_cd percepts[0][b, c] * percepts[1][b, d] * relation[r, c, d]``.

    relation ``[R, C]`` (unary) or ``[R, C, C]`` (binary); one distribution ``[B, C]`` per
    argument -> ``[B, R]``.
    """
    if relation.dim() - 1 != len(percepts) or len(percepts) not in (1, 2):
        raise NeurosymError(
            f"a relation of shape {tuple(relation.shape)} takes {relation.dim() - 1} percept(s), "
            f"got {len(percepts)} (unary and binary targets only)"
        )
    if len(percepts) == 1:
        return torch.einsum("rc,bc->br", relation, percepts[0])
    return torch.einsum("rcd,bc,bd->br", relation, *percepts)


def cross_entropy(p: Tensor, y: Tensor) -> Tensor:
    """Binary cross-entropy of predictions ``p`` ``[B, R]`` against 0/1 labels ``y`` ``[B]``."""
    t = y.to(p.dtype).unsqueeze(1)
    return -(t * torch.log(p + LOG_EPS) + (1 - t) * torch.log(1 - p + LOG_EPS))


def log_percepts(encoder: PerceptEncoder, images: Tensor) -> Tensor:
    """``encoder(images)`` a thousand at a time: log-distributions over the concepts ``[N, C]``."""
    return torch.cat([encoder(images[i : i + 1000]) for i in range(0, len(images), 1000)])


def symbolic_accuracy(relation: Tensor, log_percepts_per_arg: Sequence[Tensor], y: Tensor) -> float:
    """Each item read as its argmax concept, then the crisp ``relation`` ``[C]`` or ``[C, C]``
    (> 0.5): the share of labels ``y`` ``[B]`` it gets right."""
    index = tuple(lp.argmax(1) for lp in log_percepts_per_arg)
    return float(((relation[index] > 0.5).long() == y).float().mean())


def batches(n: int, batch: int, rng: np.random.Generator) -> Iterator[Tensor]:
    order = rng.permutation(n)
    for i in range(0, n, batch):
        yield torch.from_numpy(order[i : i + batch])


@dataclass
class JointFit:
    """One joint run: the encoder, the soft program with its background ``v0`` ``[A, 1]``, the
    language positions of the encoder's concepts, the row permutations the repair applied, the
    restart with the lowest training loss, that loss (per example), its symbolic accuracy, the
    smallest share of the distinct training images perceived as one concept, times the number of
    concepts (1: every concept equally often; 0: a concept unused), and the concepts split by
    :func:`split_merged` (``(epoch, split, revived)``)."""

    encoder: PerceptEncoder
    ilp: DifferentiableILP
    v0: Tensor
    concepts: Tensor
    permutations: list[list[int]]
    restart: int = 0
    train_loss: float = float("inf")
    train_accuracy: float = 0.0
    least_used: float = 0.0
    splits: list[tuple[int, int, int]] = field(default_factory=list)

    def record(self) -> dict:
        """What a result file keeps of this attempt."""
        return {
            "train_loss": self.train_loss,
            "train_accuracy": self.train_accuracy,
            "least_used": self.least_used,
            "row_permutations": self.permutations,
            "splits": self.splits,
        }

    def relation(self) -> Tensor:
        """The target over the concepts, every restart: ``[R, C]`` or ``[R, C, C]``."""
        rel = self.ilp.relation(self.ilp(self.v0))[:, 0]
        for dim in range(1, rel.dim()):
            rel = rel.index_select(dim, self.concepts.to(rel.device))
        return rel

    def losses(self, percepts: Sequence[Tensor], y: Tensor) -> Tensor:
        """Training cross-entropy of each restart ``[R]``, summed over the examples, from each
        argument's log-percepts ``[B, C]``."""
        rel = self.relation()
        total = torch.zeros(rel.shape[0], device=rel.device)
        for i in range(0, len(y), 1000):
            p = perceived(rel, *(lp[i : i + 1000].exp() for lp in percepts))
            total += cross_entropy(p, y[i : i + 1000]).sum(0)
        return total


def fit_joint(
    make_ilp: Callable[[int], DifferentiableILP],
    make_encoder: Callable[[], PerceptEncoder],
    concepts: Sequence[str],
    background: Sequence[Atom],
    images: Tensor,
    items: Tensor,
    y: Tensor,
    cfg: HybridSettings,
    gen: torch.Generator,
) -> JointFit:
    """One attempt: a fresh encoder and soft program trained jointly.

    ``make_ilp(seed)``: the soft program over a language holding ``concepts``;
    ``images`` ``[N, ...]``; ``items`` int64 ``[E, k]``: the image of each argument of each
    example (``k`` = the target's arity); ``y`` int64 ``[E]``: 0/1 labels. ``gen`` seeds
    everything random (the encoder, the clause weights, the batch order).
    """
    dev = images.device
    torch.manual_seed(int(torch.randint(1 << 30, (1,), generator=gen)))
    encoder = make_encoder().to(dev)
    ilp = make_ilp(int(torch.randint(1 << 30, (1,), generator=gen))).to(dev)
    cols = [ilp.index.constant_id[c] for c in concepts]
    fit = JointFit(encoder, ilp, ilp.background([background]), torch.tensor(cols), [])
    args = [images[items[:, j].to(dev)] for j in range(items.shape[1])]
    y = y.to(dev)
    rng = np.random.default_rng(int(torch.randint(1 << 30, (1,), generator=gen)))
    pool = images[items.unique().to(dev)]  # every training image once
    for epoch in range(cfg.epochs):
        # a fresh optimizer each epoch: the repair below moves concept rows under Adam's state
        scale = 0.1 if epoch >= cfg.epochs - cfg.decay_epochs else 1.0
        opt = torch.optim.Adam(
            [
                {"params": encoder.parameters(), "lr": cfg.lr * scale},
                {"params": ilp.parameters(), "lr": cfg.rule_lr * scale},
            ]
        )
        for idx in batches(len(y), cfg.batch, rng):
            idx = idx.to(dev)
            percepts = [encoder.probabilities(a[idx]) for a in args]
            loss = cross_entropy(perceived(fit.relation(), *percepts), y[idx]).mean(0).sum()
            if cfg.balance:  # keep the batch's mean percept spread over the concepts
                mean = torch.cat(percepts).mean(0)
                loss = loss + cfg.balance * (mean * torch.log(mean + LOG_EPS)).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch < cfg.epochs - max(cfg.decay_epochs, 1):
            if cfg.split:
                fit.splits += [(epoch, *pair) for pair in split_merged(encoder, pool, gen)]
            if cfg.repair:
                fit.permutations.append(_repair_percepts(fit, args, y, epoch))
    with torch.no_grad():
        percepts = [log_percepts(encoder, a) for a in args]
        losses = fit.losses(percepts, y) / len(y)
        fit.restart = int(losses.argmin())
        fit.train_loss = float(losses[fit.restart])
        fit.train_accuracy = symbolic_accuracy(fit.relation()[fit.restart], percepts, y)
        counts = torch.bincount(log_percepts(encoder, pool).argmax(1), minlength=len(concepts))
        fit.least_used = float(counts.min() * len(concepts) / counts.sum())
    return fit


def fit_attempts(
    attempt: Callable[[torch.Generator], JointFit], seed: int, cfg: HybridSettings
) -> tuple[JointFit, list[JointFit]]:
    """Up to ``cfg.attempts`` runs of ``attempt`` (attempt ``k`` seeded from ``(seed, k)``),
    stopping at a good enough one (:class:`HybridSettings`); returns the one with the lowest
    training loss (labels only: a legitimate choice) and all of them."""
    attempts: list[JointFit] = []
    for k in range(cfg.attempts):
        state = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        at = attempt(torch.Generator().manual_seed(state))
        attempts.append(at)
        if at.train_accuracy >= cfg.good_enough and (not cfg.every_concept or at.least_used >= 0.5):
            break
    return min(attempts, key=lambda at: at.train_loss), attempts


@torch.no_grad()
def _repair_percepts(fit: JointFit, args: Sequence[Tensor], y: Tensor, seed: int) -> list[int]:
    """Permute the concept rows where that lowers the best restart's training loss: a hill-climb
    (:func:`~neurosym.concepts.percept.permutation_search`) from the identity or, when it has the
    lower loss, from the best permutation of a linear stand-in for the loss searched from many
    starts (:func:`~neurosym.concepts.percept.linear_permutation_search`); returns the
    permutation applied."""
    rel = fit.relation()
    percepts = [log_percepts(fit.encoder, a) for a in args]
    best = int(fit.losses(percepts, y).argmin())
    probs = [lp.exp() for lp in percepts]

    def loss(perm: Tensor) -> float:
        p = perceived(rel[best : best + 1], *(q[:, perm] for q in probs))
        return float(cross_entropy(p, y).mean())

    sign = (1 - 2 * y).to(probs[0].dtype)  # +1 for a negative example, -1 for a positive one
    if len(probs) == 1:
        evidence = torch.einsum("b,bc->c", sign, probs[0])
    else:
        evidence = torch.einsum("b,bc,bd->cd", sign, *probs)
    start = linear_permutation_search(evidence, rel[best], seed=seed)
    identity = torch.arange(rel.shape[1])
    perm = permutation_search(loss, len(identity), start=min(identity, start, key=loss))
    permute_rows(fit.encoder, perm)
    return perm.tolist()


@torch.no_grad()
def split_merged(
    encoder: PerceptEncoder, images: Tensor, gen: torch.Generator, share: float = 0.5
) -> list[tuple[int, int]]:
    """Revive concepts that (nearly) no image is perceived as, in the spirit of a k-means or VQ
    codebook reset: while some concept holds under ``share`` of an equal share of ``images``
    ``[N, ...]`` and the most used one ``1 + share`` to ``2 + share`` shares (two classes merged
    into one concept; more is a collapse of an untrained encoder, left to training), split the
    most used concept's images in two by 2-means on the encoder's normalised features and point
    the two rows at the halves' centres. No label is read. Returns the ``(split, revived)``
    concept pairs."""
    feats = F.normalize(
        torch.cat([encoder.features(images[i : i + 1000]) for i in range(0, len(images), 1000)]),
        dim=1,
    )
    rows = encoder.rows.weight
    owner = (feats @ F.normalize(rows, dim=1).t()).argmax(1)
    counts = torch.bincount(owner, minlength=rows.shape[0])
    even = len(images) / rows.shape[0]
    done: list[tuple[int, int]] = []
    for _ in range(rows.shape[0]):
        dead, crowded = int(counts.argmin()), int(counts.argmax())
        if counts[dead] >= share * even or not 1 + share <= counts[crowded] / even <= 2 + share:
            break  # no concept (nearly) unused, or no merge of about two: a collapse, not a merge
        mine = (owner == crowded).nonzero()[:, 0]
        halves, centres = two_means(feats[mine], gen)
        norm = rows[crowded].norm()
        rows[crowded], rows[dead] = centres[0] * norm, centres[1] * norm
        owner[mine[halves == 1]] = dead
        counts = torch.bincount(owner, minlength=rows.shape[0])
        done.append((crowded, dead))
    return done


def two_means(x: Tensor, gen: torch.Generator, rounds: int = 20) -> tuple[Tensor, Tensor]:
    """Spherical 2-means of unit rows ``x`` ``[N, D]``: each row's half (int64 ``[N]``, 0 or 1)
    and the halves' unit centres ``[2, D]``. Starts from a random row and the row least like it."""
    first = x[int(torch.randint(len(x), (1,), generator=gen))]
    centres = torch.stack([first, x[int((x @ first).argmin())]])
    for _ in range(rounds):
        halves = (x @ centres.t()).argmax(1)
        for h in (0, 1):
            if (halves == h).any():
                centres[h] = F.normalize(x[halves == h].sum(0), dim=0)
    return (x @ centres.t()).argmax(1), centres
