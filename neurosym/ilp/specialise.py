"""Exact shrinking of the clause-pair computation for fixed training worlds.

During training the background facts never change, so many generated clauses
compute the same function of the valuation. For one rule template of one
predicate this module finds

* **constant templates**: a template whose bodies use extensional predicates
  only (``int = no``) has outputs that never change. They are computed once,
  ``[K, G, W]``; when they are crisp (0 or 1, true for every preset that is
  Boolean on {0, 1}), clauses with equal outputs form one class, and because
  every t-conorm has ``S(0, y) = y`` and ``S(1, y) = 1``, the weighted pair sum
  is linear in the other template's outputs:
  ``sum_jk p_jk S(x_j, y_k) = sum_j x_j p_j. + sum_k y_k sum_j (1 - x_j) p_jk``.
* **equivalent clauses** (``max`` existential only): a clause's output at head
  atom ``g`` of world ``w`` is the max, over the substitutions whose extensional
  body atoms are all true, of the t-norm of its intensional body atoms (an
  extensional atom that is true contributes ``T(a, 1) = a``). Two clauses with
  the same set of (world, head, sorted intensional body atoms) rows compute the
  same function of the valuation, so only one of them is evaluated. Clauses
  that can never fire (no such row) fall into one class.

The clause-pair weights are summed over each class (``P'[c1, c2] = sum p_jk``
over ``j`` in ``c1`` and ``k`` in ``c2``), which gives the same values and the
same gradients as the full computation (up to the subgradient chosen at ties
of ``max``). The weights, their argmax and the extracted programs are
untouched. See :class:`neurosym.ilp.forward.ForwardChainer` (``specialise_to``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from neurosym.ilp.grounding import ClauseIndex

KEY_ROWS = 1 << 20
""":func:`clause_keys` handles this many (substitution, clause, head atom) entries at a time: a
block of clauses, or a range of one clause's head atoms."""
KEY_MAX_ROWS = 1 << 24
"""A template whose clauses have more (substitution, head atom) rows each than this is not searched
for equivalent clauses (sorting them would cost more host time and memory than it saves)."""


@dataclass
class TemplateClasses:
    """Classes of equivalent clauses of one template.

    ``classes``: int64 ``[K]``, the class of each clause; ``representatives``: ``[C]``, one
    clause (position in the template) per class; ``constant``: the class outputs ``[C, G, W]``
    (0 or 1) for a constant template, else None (the representatives are evaluated).
    """

    classes: np.ndarray
    representatives: np.ndarray
    constant: Tensor | None = None

    @property
    def num_classes(self) -> int:
        return len(self.representatives)


def identity_classes(k: int) -> TemplateClasses:
    """Every clause its own class."""
    return TemplateClasses(np.arange(k, dtype=np.int64), np.arange(k, dtype=np.int64))


def classes_from_keys(keys: list[bytes]) -> TemplateClasses:
    """Clauses with equal keys share a class (classes numbered in order of first appearance)."""
    ids: dict[bytes, int] = {}
    classes = np.array([ids.setdefault(k, len(ids)) for k in keys], dtype=np.int64)
    reps = np.zeros(len(ids), dtype=np.int64)
    reps[classes[::-1]] = np.arange(len(keys) - 1, -1, -1)  # first clause of each class
    return TemplateClasses(classes, reps)


def clause_keys(
    ci: ClauseIndex, background: np.ndarray, num_fixed: int, *, counted: bool = False
) -> list[bytes]:
    """One key per clause of ``ci``: a 128-bit digest per world of its live (world, head, sorted
    intensional body atoms) rows.

    ``background``: the training valuation ``[A, W]`` (0/1); positions below ``num_fixed``
    are extensional (fixed), the others intensional. ``counted=False``: the set of rows, valid
    for a ``max`` existential (idempotent, repeated rows do not matter); ``counted=True``: the
    rows with their multiplicities, valid for any existential that ignores the order of its
    inputs and has 0 as identity (``probsum``): dead substitutions contribute 0.

    Each world's rows are hashed in (head, atoms) order, so a clause's key does not depend on how
    its rows were split. At most :data:`KEY_ROWS` (substitution, clause, head) entries are held at
    once: a block of clauses, or a range of one clause's head atoms (at least one head atom's ``S``
    entries). Equal keys mean equal row sets up to a blake2b collision.
    """
    A, W = background.shape
    fixed = background[:num_fixed] > 0.5  # [A_fixed, W]
    digests = [[hashlib.blake2b(digest_size=16) for _ in range(W)] for _ in range(ci.num_clauses)]
    for g in ci.groups:
        S, _, G = g.atoms.shape
        block = max(1, KEY_ROWS // (S * G))  # clauses at a time
        width = G if block > 1 else max(1, KEY_ROWS // S)  # head atoms at a time
        for k0 in range(0, len(g.clauses), block):
            first, second = g.first[k0 : k0 + block], g.second[k0 : k0 + block]
            K = len(first)
            for h0 in range(0, G, width):
                a, b = (
                    g.atoms[:, first, h0 : h0 + width],
                    g.atoms[:, second, h0 : h0 + width],
                )  # [S, K, Gc]
                ext_a, ext_b = a < num_fixed, b < num_fixed
                fact_a, fact_b = np.minimum(a, num_fixed - 1), np.minimum(b, num_fixed - 1)
                a, b = np.where(ext_a, -1, a), np.where(ext_b, -1, b)
                code = (np.minimum(a, b) + 1) * (A + 1) + np.maximum(a, b) + 1  # the sorted pair
                for w in range(W):
                    live = (~ext_a | fixed[fact_a, w]) & (~ext_b | fixed[fact_b, w])
                    s_i, k_i, g_i = np.nonzero(live)
                    rows = np.stack([k_i, g_i + h0, code[s_i, k_i, g_i]], axis=1)
                    rows = rows[np.lexsort(rows.T[::-1])]  # by clause, head, atoms
                    new = np.ones(len(rows), dtype=bool)
                    new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
                    starts = np.flatnonzero(new)
                    rows = rows[starts]
                    if counted:
                        rows = np.concatenate(
                            [rows, np.diff(np.append(starts, len(new)))[:, None]], axis=1
                        )
                    bounds = np.searchsorted(rows[:, 0], np.arange(K + 1))
                    for kk in range(K):
                        digests[int(g.clauses[k0 + kk])][w].update(
                            rows[bounds[kk] : bounds[kk + 1], 1:].tobytes()
                        )
    return [b"".join(d.digest() for d in per_world) for per_world in digests]


def constant_classes(outputs: Tensor) -> TemplateClasses | None:
    """Classes of a constant template from its outputs ``[K, G, W]``; None unless every value is 0
    or 1."""
    flat = outputs.reshape(outputs.shape[0], -1)
    if not bool(((flat == 0) | (flat == 1)).all()):
        return None
    keys = [row.tobytes() for row in flat.cpu().numpy().astype(np.uint8)]
    tc = classes_from_keys(keys)
    reps = torch.from_numpy(tc.representatives).to(outputs.device)
    tc.constant = outputs.index_select(0, reps).contiguous()  # [C, G, W]
    return tc
