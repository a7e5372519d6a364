"""Sparse grounding: only the atoms that can become true, only the substitutions facts support.

In fixed worlds (training), an intensional atom can become true within ``T`` forward-chaining
steps only if some generated clause derives it from body atoms that could be true one step
earlier, and an extensional atom only if it is a fact. :func:`build_support` computes these
*possible* atoms (the ``T``-step consequences of the program with every generated clause
switched on: a sound over-approximation of every soft valuation the chainer can reach, because
every fuzzy operator maps zeros to zero) and, for each clause, its *rows*: one per (world,
substitution) whose two body atoms are both possible, found by joining the two body relations
(never a ``|C| ** v`` grid). An impossible atom is 0 for every weight, so a clause's ``max`` over
substitutions ignores it exactly.

:class:`CompactIndex` numbers the possible atoms only (⊥ at 0, then the facts, then each
intensional predicate's possible atoms, contiguous); every other atom maps to ⊥. The valuation
is then ``[1 + facts + possible atoms, R, W]`` instead of ``[sum |C| ** arity, R, W]``.

Equivalent clauses (:mod:`neurosym.ilp.specialise`) are found from the rows: two clauses of a
template with the same set of (world, head, intensional body atoms) rows compute the same
function of the valuation under a ``max`` existential.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.grounding import BOTTOM, AtomIndex, ClauseGroup, used_existentials
from neurosym.ilp.specialise import TemplateClasses, classes_from_keys
from neurosym.logic.terms import Atom, Clause, Const

Relations = dict[str, np.ndarray]
"""``{pred: int64 [n, arity]}``: constant ids of one world's possible atoms of each predicate."""


def _columns(clause: Clause) -> tuple[int, list[tuple[str, tuple[int, ...]]]]:
    """``(variables, [(pred, columns)] * 2)``: head variables are columns ``0..arity-1``, the
    existential variables follow in order of first appearance."""
    cols = {v: i for i, v in enumerate(clause.head.args)}
    for e, var in enumerate(used_existentials(clause)):
        cols[var] = clause.head.arity + e
    return len(cols), [(b.pred, tuple(cols[t] for t in b.args)) for b in clause.body]


def _bind(tuples: np.ndarray, cols: Sequence[int]) -> tuple[list[int], np.ndarray]:
    """The variables of a body atom and their values in each of ``tuples`` (rows where a repeated
    variable would take two values dropped): ``(variables, int64 [m, len(variables)])``."""
    keep = np.ones(len(tuples), dtype=bool)
    first: dict[int, int] = {}
    for i, c in enumerate(cols):
        if c in first:
            keep &= tuples[:, first[c]] == tuples[:, i]
        else:
            first[c] = i
    return list(first), tuples[keep][:, list(first.values())]


def _code(values: np.ndarray, n: int) -> np.ndarray:
    """Row-wise mixed-radix code of constant ids ``[m, d]`` (first column most significant)."""
    code = np.zeros(len(values), dtype=np.int64)
    for j in range(values.shape[1]):
        code = code * n + values[:, j]
    return code


def join(clause: Clause, relations: Relations, n: int, ordered: bool = True) -> np.ndarray:
    """Every substitution of ``clause``'s variables whose two body atoms are in ``relations``:
    int64 ``[m, arity + u]`` (head variables first), sorted by (head atom, substitution) unless
    ``ordered`` is False."""
    width, body = _columns(clause)
    return _join(body, width, relations, n, ordered)


Body = list[tuple[str, tuple[int, ...]]]
"""A clause body as ``[(pred, variable columns)] * 2``."""


CHUNK_ROWS = 1 << 22
"""Joins are built in chunks of at most this many rows (where one row of the first relation
allows it), so collecting the heads of a large join never holds the whole join."""
MAX_ROWS = 1 << 26
"""A fit whose clauses have more supported substitutions than this in all is refused before they
are materialised (at that size a CPU step takes minutes; see :class:`Support`)."""


def _join_chunks(
    body: Body, width: int, relations: Relations, n: int, chunk: int = CHUNK_ROWS
) -> Iterator[np.ndarray]:
    """The join of a body over ``width`` variable columns (int64 ``[m, width]``), in chunks of
    about ``chunk`` rows, in order of the first relation."""
    ((pa, ca), (pb, cb)) = body
    va, a = _bind(relations[pa], ca)
    vb, b = _bind(relations[pb], cb)
    extra = [v for v in vb if v not in va]
    if len(va + extra) != width:  # cannot happen for generated (safe) clauses
        raise NeurosymError(f"body {body}: a variable occurs in neither body atom")
    shared = [v for v in va if v in vb]
    if shared:
        ka = _code(a[:, [va.index(v) for v in shared]], n)
        kb = _code(b[:, [vb.index(v) for v in shared]], n)
        order = np.argsort(kb, kind="stable")
        kb = kb[order]
        lo = np.searchsorted(kb, ka, "left")
        counts = np.searchsorted(kb, ka, "right") - lo
    else:
        order, lo = np.arange(len(b)), np.zeros(len(a), dtype=np.int64)
        counts = np.full(len(a), len(b), dtype=np.int64)
    ends = np.cumsum(counts)
    start = 0
    while start < len(a):
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - counts[start] + chunk)))
        c = counts[start:stop]
        ia = np.repeat(np.arange(start, stop), c)
        within = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        ib = order[np.repeat(lo[start:stop], c) + within]
        out = np.empty((len(ia), width), dtype=np.int64)
        out[:, va + extra] = np.concatenate([a[ia], b[ib][:, [vb.index(v) for v in extra]]], 1)
        yield out
        start = stop


def join_size(body: Body, relations: Relations, n: int) -> int:
    """Rows of the join of ``body`` over ``relations``, counted without building it."""
    ((pa, ca), (pb, cb)) = body
    va, a = _bind(relations[pa], ca)
    vb, b = _bind(relations[pb], cb)
    shared = [v for v in va if v in vb]
    if not shared:
        return len(a) * len(b)
    ka = _code(a[:, [va.index(v) for v in shared]], n)
    kb = np.sort(_code(b[:, [vb.index(v) for v in shared]], n))
    return int((np.searchsorted(kb, ka, "right") - np.searchsorted(kb, ka, "left")).sum())


def _join(body: Body, width: int, relations: Relations, n: int, ordered: bool) -> np.ndarray:
    """:func:`join` of a body over ``width`` variable columns."""
    parts = list(_join_chunks(body, width, relations, n))
    out = np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.int64)
    return out[np.lexsort(out.T[::-1])] if ordered and len(out) > 1 else out


DENSE_HEADS_ENTRIES = 1 << 24
""":func:`_heads` multiplies dense 0/1 tensors when each body atom's tensor (``n ** variables``)
has at most this many entries (64 MiB in float32) ..."""
DENSE_HEADS_WORK = 1 << 31
"""... and the product's work (``n ** variables of the body``) is at most this: a few seconds of
one CPU thread, against minutes of joining rows on a dense relation (imdb3 of the Popper
examples)."""


def _dense_heads(body: Body, width: int, relations: Relations, n: int,
                 arity: int) -> np.ndarray | None:
    """The head atoms of ``body`` (head variables ``0..arity-1``, the rest summed out) as bool
    ``[n ** arity]`` by code, from a product of dense 0/1 tensors of the body relations
    (``np.einsum``; a chain is a matrix product); None when those tensors are too large."""
    spans = [len(set(cols)) for _, cols in body]
    if n ** max(spans) > DENSE_HEADS_ENTRIES or n ** width > DENSE_HEADS_WORK:
        return None
    letters, operands, inputs = "abcdefghijklmnop", [], []
    for pred, cols in body:
        variables, values = _bind(relations[pred], cols)
        dense = np.zeros((n,) * len(variables), dtype=np.float32)
        if variables:
            dense[tuple(values.T)] = 1.0
        else:  # a nullary atom: 1 when it holds
            dense[()] = float(len(values) > 0)
        operands.append(dense)
        inputs.append("".join(letters[v] for v in variables))
    product = np.einsum(",".join(inputs) + "->" + letters[:arity], *operands, optimize=True)
    return np.asarray(product).reshape(-1) > 0


def _lone(body: Body, arity: int, width: int) -> set[int]:
    """Existential variable columns that occur in one body atom only."""
    return {c for c in range(arity, width) if sum(c in cols for _, cols in body) == 1}


def _heads(clause: Clause, relations: Relations, n: int, derived: np.ndarray) -> None:
    """Mark in ``derived`` (bool ``[n ** arity]``, by head code) the head atoms ``clause``
    derives from ``relations`` (lone existential variables projected out first; then a dense
    product where it is small (:func:`_dense_heads`), else the join taken in chunks, stopping
    once every atom is marked)."""
    width, body = _columns(clause)
    arity = clause.head.arity
    lone = _lone(body, arity, width)
    projected, reduced = {}, []  # projected rows may repeat: dense tensors do not mind
    for i, (pred, cols) in enumerate(body):
        variables, values = _bind(relations[pred], cols)
        keep = [j for j, v in enumerate(variables) if v not in lone]
        projected[f"#{i}"] = values[:, keep]
        reduced.append((f"#{i}", tuple(variables[j] for j in keep)))
    width, reduced = _renumbered(reduced, lone, width)
    dense = (_dense_heads(reduced, width, projected, n, arity)
             if len(set(clause.head.args)) == arity else None)
    if dense is not None:
        derived |= dense
        return
    local = {name: _distinct(rows, n) for name, rows in projected.items()}
    for rows in _join_chunks(reduced, width, local, n):
        derived[_code(rows[:, :arity], n)] = True
        if derived.all():
            return


def _distinct(values: np.ndarray, n: int) -> np.ndarray:
    """The distinct rows of constant ids ``[m, d]``, sorted."""
    return _decode(np.unique(_code(values, n)), values.shape[1], n)


def _renumbered(body: Body, gone: set[int], width: int) -> tuple[int, Body]:
    """``body`` over the variable columns that are not ``gone``, numbered ``0..width'-1`` in
    order: ``(width', body')``."""
    remap = {c: i for i, c in enumerate(c for c in range(width) if c not in gone)}
    return len(remap), [(p, tuple(remap[c] for c in cols)) for p, cols in body]


def _decode(codes: np.ndarray, arity: int, n: int) -> np.ndarray:
    """Inverse of :func:`_code`: ``[m]`` -> int64 ``[m, arity]``."""
    out = np.empty((len(codes), arity), dtype=np.int64)
    for j in range(arity - 1, -1, -1):
        codes, out[:, j] = np.divmod(codes, n)
    return out


def _world_relations(index: AtomIndex, facts: Sequence[Atom]) -> Relations:
    rel: dict[str, list[tuple[int, ...]]] = {p: [] for p in index.arities}
    for a in facts:
        index.position(a)  # validates predicate, arity and constants
        rel[a.pred].append(tuple(index.constant_id[t.name] for t in a.args))  # type: ignore[union-attr]
    n = index.num_constants
    return {
        p: _distinct(np.array(v, dtype=np.int64).reshape(len(v), index.arities[p]), n)
        for p, v in rel.items()
    }


def possible_atoms(
    index: AtomIndex,
    clause_sets: Mapping[str, Sequence[ClauseSet]],
    backgrounds: Sequence[Sequence[Atom]],
    steps: int,
) -> list[Relations]:
    """Per world, the facts and every intensional atom derivable in ``steps`` steps with every
    generated clause switched on (stops early at the fixpoint)."""
    n, worlds = index.num_constants, []
    for facts in backgrounds:
        rel = _world_relations(index, facts)
        for p in clause_sets:
            rel[p] = np.zeros((0, index.arities[p]), dtype=np.int64)
        for _ in range(steps):
            grown = False
            new = {}
            for p, sets in clause_sets.items():
                arity = index.arities[p]
                derived = np.zeros(n**arity, dtype=bool)
                derived[_code(rel[p], n)] = True
                for c in (c for s in sets for c in s.clauses):
                    if derived.all():  # every atom of p is possible already
                        break
                    _heads(c, rel, n, derived)
                new[p] = _decode(np.flatnonzero(derived), arity, n)
                grown |= len(new[p]) > len(rel[p])
            rel.update(new)
            if not grown:
                break
        worlds.append(rel)
    return worlds


class CompactIndex(AtomIndex):
    """An :class:`AtomIndex` over the possible atoms only (``kept``: their sorted dense
    positions, ⊥ first); :meth:`position` of any other atom is ⊥ (0)."""

    def __init__(self, dense: AtomIndex, kept: np.ndarray) -> None:
        self.constants, self.constant_id = dense.constants, dense.constant_id
        self.arities = dense.arities
        self.dense = dense
        self.kept = kept  # int64 [A'], sorted, kept[0] == 0
        self.offsets = {
            p: int(np.searchsorted(kept, dense.offsets[p])) for p in dense.arities
        }
        self._counts = {
            p: int(np.searchsorted(kept, dense.slice(p).stop)) - self.offsets[p]
            for p in dense.arities
        }
        self.size = len(kept)

    def count(self, pred: str) -> int:
        return self._counts[pred]

    def compact(self, dense_positions: np.ndarray) -> np.ndarray:
        """Compact positions of dense positions (⊥ for atoms that are not kept)."""
        i = np.searchsorted(self.kept, dense_positions).clip(max=len(self.kept) - 1)
        return np.where(self.kept[i] == dense_positions, i, 0)

    def position(self, a: Atom) -> int:
        return int(self.compact(np.array([self.dense.position(a)]))[0])

    def positions(self, atoms: Sequence[Atom]) -> np.ndarray:  # type: ignore[override]
        return self.compact(self.dense.positions(atoms))

    def atoms(self, pred: str) -> list[Atom]:
        codes = self.kept[self.slice(pred)] - self.dense.offsets[pred]
        ids = _decode(codes, self.arities[pred], self.num_constants)
        return [Atom(pred, tuple(Const(self.constants[i]) for i in row)) for row in ids.tolist()]


@dataclass
class Projection:
    """``max`` of an atom over existential variables that occur in no other atom of
    a clause body (``q(Y, Z)`` with ``Z`` alone gives ``max_z q(Y, z)``): computed once per step,
    at valuation positions ``offset .. offset + size`` after the atoms (``size``: ``|C|`` or 1),
    from ``grid`` ``[L, 2, size]`` (its source atoms, twice). A clause then needs ``|C|`` times
    fewer rows, with the same values: ``max_z T(a, b_z) = T(a, max_z b_z)`` for a t-norm."""

    name: str
    offset: int
    size: int
    grid: np.ndarray = field(default_factory=lambda: np.zeros((1, 2, 0), dtype=np.int64))


@dataclass(frozen=True)
class ClauseRows:
    """The rows of one clause, sorted by (head atom, world, substitution): ``world``, ``head``
    (the head atom's position in its predicate's compact slice), ``first`` / ``second`` (compact
    valuation positions of the two body atoms), all int64 ``[E]``."""

    world: np.ndarray
    head: np.ndarray
    first: np.ndarray
    second: np.ndarray

    def __len__(self) -> int:
        return len(self.head)


class Support:
    """The possible atoms of fixed worlds and the rows of every clause (see the module doc)."""

    def __init__(
        self,
        index: AtomIndex,
        clause_sets: Mapping[str, Sequence[ClauseSet]],
        backgrounds: Sequence[Sequence[Atom]],
        steps: int,
    ) -> None:
        self.dense, self.worlds = index, len(backgrounds)
        self.relations = possible_atoms(index, clause_sets, backgrounds, steps)
        n = index.num_constants
        kept = [np.zeros(1, dtype=np.int64)]
        for p in index.arities:
            codes = [_code(rel[p], n) for rel in self.relations]
            kept.append(index.offsets[p] + np.unique(np.concatenate(codes)))
        self.index = CompactIndex(index, np.unique(np.concatenate(kept)))
        self.num_fixed = min(
            (self.index.offsets[p] for p in clause_sets), default=self.index.size
        )
        """Compact positions below this are extensional (fixed)."""
        self.projections: dict[tuple, Projection] = {}
        self._templates: dict[int, tuple[TemplateClasses, list[ClauseRows]]] = {}
        self._groups: dict[str, list[ClauseGroup]] = {}
        self._bodies: dict[Clause, tuple[int, Body, list[int]]] = {}
        sizes = {
            c: sum(join_size(self._pushed_down(c)[1], rel, n) for rel in self.relations)
            for sets in clause_sets.values()
            for s in sets
            for c in s.clauses
        }
        self.total_rows = sum(sizes.values())
        """Supported substitutions of every generated clause (in every world)."""
        if self.total_rows > MAX_ROWS:
            widest = max(sizes, key=sizes.__getitem__)
            raise ResourceLimitError(
                f"sparse grounding: the generated clauses have {self.total_rows:,} substitutions "
                f"that the facts and the possible atoms support, over the limit of {MAX_ROWS:,} "
                f"(neurosym.ilp.support.MAX_ROWS: a CPU step would take minutes); the largest is "
                f"{widest} with {sizes[widest]:,}: lower the existential variables v of its "
                "template, allow no intensional predicate in its body, lower the forward-chaining "
                "steps T, or use fewer constants"
            )

    @property
    def extended_size(self) -> int:
        """Valuation positions including the projections (which follow the atoms)."""
        return self.index.size + sum(p.size for p in self.projections.values())

    def _pushed_down(self, clause: Clause) -> tuple[int, Body, list[int]]:
        """``clause``'s body with each atom whose existential variables occur in it alone
        replaced by its projection (``max`` over them), the remaining variables renumbered:
        ``(width, body, ext offsets)``, offset -1 for an atom kept as it is."""
        if clause in self._bodies:
            return self._bodies[clause]
        width, body = _columns(clause)
        alone = _lone(body, clause.head.arity, width)
        new_body, offsets = [], []
        for pred, cols in body:
            if not any(c in alone for c in cols):
                new_body.append((pred, cols))
                offsets.append(-1)
                continue
            labels: dict[int, tuple[str, int]] = {}
            for c in cols:
                kind = "d" if c in alone else "k"
                labels.setdefault(c, (kind, sum(k == kind for k, _ in labels.values())))
            key = (pred, tuple(labels[c] for c in cols))
            proj = self.projections.get(key) or self._project(key)
            new_body.append((proj.name, tuple(dict.fromkeys(c for c in cols if c not in alone))))
            offsets.append(proj.offset)
        width, new_body = _renumbered(new_body, alone, width)
        self._bodies[clause] = (width, new_body, offsets)
        return self._bodies[clause]

    def _project(self, key: tuple) -> Projection:
        """Register the projection ``key`` = (pred, argument labels): its relation in every world
        and the grid of source atoms for its ``max``."""
        pred, labels = key
        n = self.dense.num_constants
        kept = sum(kind == "k" for kind, _ in set(labels))
        proj = Projection(f"π{len(self.projections)}", self.extended_size, n**kept)
        sources = []
        for rel in self.relations:
            variables, values = _bind(rel[pred], labels)  # labels in order of first appearance
            keep = [j for j, (kind, _) in enumerate(variables) if kind == "k"]
            tuples = values[:, [variables.index(lab) for lab in labels]]  # the source atoms
            rel[proj.name] = _distinct(values[:, keep], n)
            sources.append((_code(values[:, keep], n), _code(tuples, n)))
        target, source = (np.concatenate(x) for x in zip(*sources))
        source, first = np.unique(source, return_index=True)  # each source atom once
        target = target[first]
        order = np.lexsort((source, target))
        source = self.index.compact(self.dense.offsets[pred] + source[order])
        rows = ClauseRows(np.zeros(len(order), dtype=np.int64), target[order], source, source)
        proj.grid = padded(rows, proj.size)
        self.projections[key] = proj
        return proj

    def evaluated(self, pred: str, sets: Sequence[ClauseSet]) -> list[ClauseGroup]:
        """The clause groups of ``pred``'s evaluated clauses: the representatives of every
        template that is not constant, in template order (cached)."""
        if pred not in self._groups:
            found = [self.template(s) for s in sets]
            reps = [r for tc, rs in found if tc.constant is None for r in rs]
            self._groups[pred] = clause_groups(reps, self.index.count(pred)) if reps else []
        return self._groups[pred]

    def projection_groups(self) -> list[ClauseGroup]:
        """One clause group per projection (its source atom twice), ``atoms`` ``[L, 2, size]``."""
        one = np.zeros(1, dtype=np.int64)
        return [ClauseGroup(one, p.grid, one, one + 1) for p in self.projections.values()]

    def rows(self, clause: Clause) -> ClauseRows:
        """The rows of ``clause`` in every world."""
        n, ix = self.dense.num_constants, self.index
        head_pred, arity = clause.head.pred, clause.head.arity
        width, body, offsets = self._pushed_down(clause)
        parts = []
        for w, rel in enumerate(self.relations):
            sub = _join(body, width, rel, n, ordered=True)
            pos = [
                ix.compact(self.dense.offsets[p] + _code(sub[:, list(cols)], n))
                if offset < 0
                else offset + _code(sub[:, list(cols)], n)
                for (p, cols), offset in zip(body, offsets)
            ]
            head = ix.compact(self.dense.offsets[head_pred] + _code(sub[:, :arity], n))
            live = head > 0  # heads outside the possible atoms cannot be true within T steps
            parts.append((
                np.full(int(live.sum()), w, dtype=np.int64),
                head[live] - ix.offsets[head_pred],
                *(p[live] for p in pos),
            ))
        world, head, first, second = (np.concatenate(x) for x in zip(*parts))
        order = np.argsort(head, kind="stable")  # worlds were concatenated in order
        return ClauseRows(world[order], head[order], first[order], second[order])

    def template(self, clause_set: ClauseSet) -> tuple[TemplateClasses, list[ClauseRows]]:
        """Classes of equivalent clauses of one template (``max`` existential) and the rows of
        each class's representative; a template without intensional bodies is constant: its
        class outputs ``[C, G, W]`` are 1 where a row exists."""
        num_fixed = self.num_fixed
        if id(clause_set) in self._templates:
            return self._templates[id(clause_set)]
        keys, kept = [], {}
        for clause in clause_set.clauses:
            r = self.rows(clause)
            a = np.where(r.first < num_fixed, -1, r.first)
            b = np.where(r.second < num_fixed, -1, r.second)
            rows = np.stack([r.world, r.head, np.minimum(a, b), np.maximum(a, b)], axis=1)
            if not clause_set.intensional:  # crisp outputs: 1 exactly where a row exists
                rows = rows[:, :2]
            if len(rows) > 1:  # the set of rows: sorted, repeats dropped
                rows = rows[np.lexsort(rows.T[::-1])]
                rows = rows[np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)]]
            key = hashlib.blake2b(rows.tobytes(), digest_size=16).digest()
            keys.append(key)
            kept.setdefault(key, r)
        tc = classes_from_keys(keys)
        reps = [kept[k] for k in dict.fromkeys(keys)]
        if not clause_set.intensional:
            G = self.index.count(clause_set.pred)
            const = torch.zeros(len(reps), G, self.worlds, dtype=torch.float64)
            for c, r in enumerate(reps):
                const[c, torch.from_numpy(r.head), torch.from_numpy(r.world)] = 1.0
            tc.constant = const
        self._templates[id(clause_set)] = (tc, reps)
        return tc, reps


PADDING = 2.0
"""Clauses are grouped (sorted by their rows per head atom ``L``) while the group's largest ``L``
is at most this many times its smallest, so padding to the group's ``L`` stays bounded."""


def padded(rows: ClauseRows, heads: int) -> np.ndarray:
    """One clause's rows as a dense grid int64 ``[L, 2, G]``: the ``L`` rows of each head atom
    (in substitution order, rows of every world merged, repeats dropped), padded with ⊥ (0 in
    every valuation, so it never changes a ``max`` that is positive)."""
    pairs = np.stack([rows.head, rows.first, rows.second], axis=1)
    if rows.world.size and rows.world.max() > 0:  # merge worlds: first occurrence of each row
        by_row = np.lexsort(pairs.T[::-1])
        ordered = pairs[by_row]
        repeat = np.r_[False, (ordered[1:] == ordered[:-1]).all(axis=1)]
        pairs = pairs[np.sort(by_row[~repeat])]
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    counts = np.bincount(pairs[:, 0], minlength=heads)
    L = max(1, int(counts.max(initial=0)))
    rank = np.arange(len(pairs)) - np.repeat(np.cumsum(counts) - counts, counts)
    grid = np.full((L, 2, heads), BOTTOM, dtype=np.int64)
    grid[rank, 0, pairs[:, 0]] = pairs[:, 1]
    grid[rank, 1, pairs[:, 0]] = pairs[:, 2]
    return grid


def clause_groups(reps: Sequence[ClauseRows], heads: int) -> list[ClauseGroup]:
    """The evaluated clauses ``reps`` as :class:`~neurosym.ilp.grounding.ClauseGroup` s for the
    dense kernels: clauses with a similar number of rows per head atom share a group, each clause
    with its own two body atoms (``atoms`` ``[L, 2 Kg, G]``)."""
    grids = [padded(r, heads) for r in reps]
    order = sorted(range(len(grids)), key=lambda k: grids[k].shape[0])
    groups, start = [], 0
    while start < len(order):
        stop = start + 1
        smallest = grids[order[start]].shape[0]
        while stop < len(order) and grids[order[stop]].shape[0] <= PADDING * smallest:
            stop += 1
        members = order[start:stop]
        L = grids[members[-1]].shape[0]
        atoms = np.full((L, 2 * len(members), heads), BOTTOM, dtype=np.int64)
        for i, k in enumerate(members):
            atoms[: grids[k].shape[0], 2 * i : 2 * i + 2] = grids[k]
        groups.append(
            ClauseGroup(
                clauses=np.array(members, dtype=np.int64),
                atoms=atoms,
                first=np.arange(0, 2 * len(members), 2, dtype=np.int64),
                second=np.arange(1, 2 * len(members), 2, dtype=np.int64),
            )
        )
        start = stop
    return groups
