"""Parse trees -> index tensors, grouped by height, so a model processes a whole batch bottom-up.

All nodes of all trees in a batch get one global number: first every leaf
(height 0), then every node of height 1, and so on. A node's children always
have a smaller height, so a bottom-up pass over the levels finds each child's
value already computed. The only Python loop a model needs is over heights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from neurosym.concepts.table import ConceptTable
from neurosym.lang.tree import ParseNode


@dataclass(frozen=True)
class TreeLevel:
    """The nodes of one height.

    concept:  ``[n]`` concept id of each node.
    example:  ``[n]`` which tree (example) of the batch it belongs to.
    children: ``[n, max_arity]`` global node number of each child, ``-1`` where absent.
    start:    global number of this level's first node (its nodes are ``start .. start+n-1``).
    """

    concept: torch.Tensor
    example: torch.Tensor
    children: torch.Tensor
    start: int

    @property
    def size(self) -> int:
        return int(self.concept.shape[0])


@dataclass(frozen=True)
class TreeBatch:
    """A batch of parse trees as tensors: ``levels`` leaves first, ``roots`` ``[batch]`` global node
    numbers."""

    levels: tuple[TreeLevel, ...]
    roots: torch.Tensor
    num_nodes: int
    max_arity: int

    @property
    def batch_size(self) -> int:
        return int(self.roots.shape[0])

    def to(self, device: torch.device | str) -> TreeBatch:
        return TreeBatch(
            tuple(
                TreeLevel(
                    l.concept.to(device), l.example.to(device), l.children.to(device), l.start
                )
                for l in self.levels
            ),
            self.roots.to(device),
            self.num_nodes,
            self.max_arity,
        )


Level = list[tuple[int, int, list[tuple[int, int]]]]
"""One height's nodes as ``(concept id, example, [(height, position) of each child])``."""


def batch_trees(
    trees: Sequence[ParseNode], table: ConceptTable, device: torch.device | str | None = None
) -> TreeBatch:
    """Number the nodes of ``trees`` level by level and build the index tensors.

    >>> t = ConceptTable({"twice": 1, "walk": 0})
    >>> b = batch_trees([ParseNode("twice", (ParseNode("walk"),)), ParseNode("walk")], t)
    >>> [l.size for l in b.levels], b.roots.tolist()
    ([2, 1], [2, 1])
    """
    k = max(table.max_arity, 1)
    # (height, example, node) for every node, children before parents.
    per_level: list[Level] = []
    roots_local: list[tuple[int, int]] = []  # (height, position in level) of each root

    def visit(node: ParseNode, example: int) -> tuple[int, int]:
        table_arity = table.arity(node.rule)
        if len(node.children) != table_arity:
            table.check_tree(node)
        kids = [visit(child, example) for child in node.children]
        height = 1 + max((h for h, _ in kids), default=-1)
        while len(per_level) <= height:
            per_level.append([])
        per_level[height].append((table.index(node.rule), example, kids))
        return height, len(per_level[height]) - 1

    for e, tree in enumerate(trees):
        roots_local.append(visit(tree, e))

    return levels_to_batch(per_level, roots_local, k, device)


def levels_to_batch(
    per_level: Sequence[Level],
    roots_local: Sequence[tuple[int, int]],
    k: int,
    device: torch.device | str | None = None,
) -> TreeBatch:
    """Index tensors from nodes grouped by height; ``roots_local``: ``(height, position)`` of each
    root. The nodes may form a DAG (a child shared by several parents): only heights matter."""
    starts = [0]
    for level in per_level:
        starts.append(starts[-1] + len(level))
    levels = []
    for h, level in enumerate(per_level):
        concept = torch.tensor([c for c, _, _ in level], dtype=torch.long)
        example = torch.tensor([e for _, e, _ in level], dtype=torch.long)
        children = torch.full((len(level), k), -1, dtype=torch.long)
        for i, (_, _, kids) in enumerate(level):
            for j, (kh, kp) in enumerate(kids):
                children[i, j] = starts[kh] + kp
        levels.append(TreeLevel(concept, example, children, starts[h]))
    roots = torch.tensor([starts[h] + p for h, p in roots_local], dtype=torch.long)
    batch = TreeBatch(tuple(levels), roots, starts[-1], k)
    return batch.to(device) if device is not None else batch
