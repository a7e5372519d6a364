"""Ground atoms as positions in a valuation vector, and clauses as index tensors.

The valuation is a vector over every ground atom of every predicate of the
language, with position 0 reserved for ⊥ (always false). Predicates take
contiguous slices, extensional predicates first, then the intensional ones in
the order given; inside a slice an atom ``p(c1, c2)`` sits at
``offset[p] + id(c1) * |C| + id(c2)``. Positions are therefore computed by
arithmetic (a perfect hash), never by searching a list.

A clause ``h(X..) :- b1, b2`` of a predicate with ``G = |C|**arity`` ground head
atoms is, for head atom ``g`` and substitution ``s`` of the existential
variables, a pair of valuation positions. The clauses of one predicate share
few distinct body atoms (a clause set of ``K`` clauses is built from about
``sqrt(2K)`` candidate atoms), so :class:`ClauseIndex` stores the positions of
each distinct body atom ``[S, N, G]`` once, plus which two atoms each clause
uses: forward chaining gathers ``S * N * G`` values from the valuation and then
whole blocks per clause, instead of ``2 * S * K * G`` single values. Clauses
are grouped by how many existential variables they actually use, so a clause
that uses none is evaluated once per head atom, not ``|C| ** v`` times.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from neurosym.errors import NeurosymError
from neurosym.logic.terms import Atom, Clause, Const, Var

BOTTOM = 0
"""Valuation position of ⊥ (value fixed at 0)."""


class AtomIndex:
    """The ground atoms of a language (constants + predicates with arities <= 2)."""

    def __init__(self, constants: Sequence[str], predicates: Mapping[str, int]) -> None:
        self.constants = tuple(constants)
        self.constant_id = {c: i for i, c in enumerate(self.constants)}
        if len(self.constant_id) != len(self.constants):
            raise NeurosymError("constants must be distinct")
        self.arities = dict(predicates)
        self.offsets: dict[str, int] = {}
        n = 1  # position 0 is ⊥
        for pred, arity in self.arities.items():
            if not 0 <= arity <= 2:
                raise NeurosymError(f"predicate {pred}/{arity}: ∂ILP supports arities 0, 1 and 2")
            self.offsets[pred] = n
            n += self.count(pred)
        self.size = n

    @property
    def num_constants(self) -> int:
        return len(self.constants)

    def count(self, pred: str) -> int:
        """Number of ground atoms of ``pred`` (``|C| ** arity``)."""
        return self.num_constants ** self.arities[pred]

    def slice(self, pred: str) -> slice:
        start = self.offsets[pred]
        return slice(start, start + self.count(pred))

    def position(self, a: Atom) -> int:
        """Valuation position of ground atom ``a``."""
        arity = self.arities.get(a.pred)
        if arity is None:
            raise NeurosymError(f"unknown predicate {a.pred} (known: {', '.join(self.arities)})")
        if a.arity != arity:
            raise NeurosymError(f"{a} has {a.arity} argument(s); {a.pred} has arity {arity}")
        pos = 0
        for t in a.args:
            if not isinstance(t, Const) or t.name not in self.constant_id:
                raise NeurosymError(
                    f"{a}: argument {t} is not one of the constants {', '.join(self.constants)}"
                )
            pos = pos * self.num_constants + self.constant_id[t.name]
        return self.offsets[a.pred] + pos

    def positions(self, atoms: Iterable[Atom]) -> np.ndarray:
        return np.fromiter((self.position(a) for a in atoms), dtype=np.int64)

    def atoms(self, pred: str) -> list[Atom]:
        """Ground atoms of ``pred`` in valuation order."""
        constants = [Const(c) for c in self.constants]  # shared by the atoms (frozen)
        arity = self.arities[pred]
        return [Atom(pred, args) for args in itertools.product(constants, repeat=arity)]


def used_existentials(clause: Clause) -> list[Var]:
    """The existential variables (body variables not in the head) of ``clause``, in order of first
    appearance."""
    head = set(clause.head.args)
    seen: dict[Var, None] = {}
    for b in clause.body:
        for t in b.args:
            if not isinstance(t, Var):
                raise NeurosymError(f"clause {clause}: generated clauses contain no constants")
            if t not in head:
                seen.setdefault(t, None)
    return list(seen)


@dataclass(frozen=True)
class ClauseGroup:
    """The clauses of one predicate that use the same number ``u`` of existential variables.

    * ``clauses``: int64 ``[Kg]``, positions of these clauses in the predicate's clause list;
    * ``atoms``: int64 ``[S, N, G]``, valuation position of each of the group's ``N``
      distinct body atoms under substitution ``s`` (``S = |C| ** u``) and head atom ``g``;
    * ``first`` / ``second``: int64 ``[Kg]``, which of the ``N`` atoms is each clause's
      first / second body atom.

    Existential variables are renamed in order of first appearance, so every
    substitution of a group is a distinct substitution of each of its clauses.
    """

    clauses: np.ndarray
    atoms: np.ndarray
    first: np.ndarray
    second: np.ndarray

    @property
    def num_subs(self) -> int:
        return self.atoms.shape[0]


@dataclass(frozen=True)
class ClauseIndex:
    """Index arrays of the ``K`` clauses of one predicate with ``G`` ground head atoms, grouped
    by the number of existential variables they use (at most ``v + 1`` groups)."""

    num_clauses: int
    num_heads: int
    groups: tuple[ClauseGroup, ...]

    @property
    def body_elements(self) -> int:
        """``sum_k S_k``: substitutions over all clauses (per head atom)."""
        return sum(len(g.clauses) * g.num_subs for g in self.groups)


def _canonical_bodies(clauses: Sequence[Clause]) -> dict[int, list[tuple[int, tuple, tuple]]]:
    """``{u: [(k, a, b), ...]}``: clause ``k``'s two body atoms as ``(pred, argument columns)``
    (head variables first, existentials renamed by first appearance), by existential count ``u``."""
    by_group: dict[int, list[tuple[int, tuple, tuple]]] = {}
    for k, c in enumerate(clauses):
        cols = {v: i for i, v in enumerate(c.head.args)}
        for e, var in enumerate(used_existentials(c)):
            cols[var] = c.head.arity + e
        a, b = ((x.pred, tuple(cols[t] for t in x.args)) for x in c.body)
        by_group.setdefault(len(cols) - c.head.arity, []).append((k, a, b))
    return by_group


def _distinct_atoms(members: Sequence[tuple[int, tuple, tuple]]) -> dict[tuple, int]:
    """The distinct canonical body atoms of one group, numbered in order of first use."""
    distinct: dict[tuple, int] = {}
    for _, a, b in members:
        distinct.setdefault(a, len(distinct))
        distinct.setdefault(b, len(distinct))
    return distinct


def index_elements(clauses: Sequence[Clause], num_constants: int) -> int:
    """Entries per head atom of the ``atoms`` arrays :func:`clause_index` builds for ``clauses``
    (``sum_g S_g N_g``), computed without building them."""
    return sum(
        num_constants**u * len(_distinct_atoms(members))
        for u, members in _canonical_bodies(clauses).items()
    )


def clause_index(clauses: Sequence[Clause], index: AtomIndex) -> ClauseIndex:
    """Index arrays of ``clauses`` (all with the same head atom, two body atoms each)."""
    if not clauses:
        raise NeurosymError("clause_index needs at least one clause")
    head = clauses[0].head
    if any(c.head != head for c in clauses):
        raise NeurosymError("clause_index: all clauses must share one head atom")
    if any(len(c.body) != 2 for c in clauses):
        raise NeurosymError(
            "∂ILP clauses have exactly two body atoms (repeat an atom for a one-atom body)"
        )
    n = index.num_constants
    arity = head.arity
    G = n**arity
    groups = []
    for u, members in sorted(_canonical_bodies(clauses).items()):
        S = n**u
        # grid[i]: [S, G] constant id of variable column i (head columns first) for every (s, g)
        grid = (
            np.indices((n,) * (arity + u), dtype=np.int64)
            .reshape(arity + u, G, S)
            .transpose(0, 2, 1)
        )
        distinct = _distinct_atoms(members)
        atoms = np.empty((S, len(distinct), G), dtype=np.int64)
        for (pred, cols), i in distinct.items():
            pos = np.zeros((S, G), dtype=np.int64)
            for col in cols:
                pos = pos * n + grid[col]
            atoms[:, i] = index.offsets[pred] + pos
        groups.append(
            ClauseGroup(
                clauses=np.array([k for k, _, _ in members], dtype=np.int64),
                atoms=atoms,
                first=np.array([distinct[a] for _, a, _ in members], dtype=np.int64),
                second=np.array([distinct[b] for _, _, b in members], dtype=np.int64),
            )
        )
    return ClauseIndex(len(clauses), G, tuple(groups))
