"""Symbol tables <-> embeddings: every named grammar alternative is a *concept*.

A grammar-defined task names each alternative (``phrase "twice" -> twice``); the
parse of a sentence is a tree of those names (:class:`neurosym.lang.tree.ParseNode`).
A :class:`ConceptTable` gives each name a fixed integer id and records its arity
(number of nonterminal children), so any model can look up one embedding row per
concept. It is plain data: it serialises to JSON and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode


@dataclass(frozen=True)
class Concept:
    """One grammar alternative: its name and how many nonterminal children it takes."""

    name: str
    arity: int

    @property
    def lexical(self) -> bool:
        """A lexical concept (``walk``, ``left``, ``turn``) has no children."""
        return self.arity == 0


class ConceptTable:
    """Name <-> id <-> arity for the alternatives of one grammar.

    >>> table = ConceptTable({"twice": 1, "and": 2, "walk": 0})
    >>> table.index("and"), table.arity("twice"), table.max_arity, len(table)
    (1, 1, 2, 3)
    """

    def __init__(self, arities: Mapping[str, int]) -> None:
        if not arities:
            raise NeurosymError("a concept table needs at least one grammar alternative")
        self.concepts: tuple[Concept, ...] = tuple(
            Concept(str(n), int(a)) for n, a in arities.items()
        )
        self._index = {c.name: i for i, c in enumerate(self.concepts)}
        for c in self.concepts:
            if c.arity < 0:
                raise NeurosymError(f"concept {c.name!r} has negative arity {c.arity}")

    # ---- lookup -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self):
        return iter(self.concepts)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.concepts]

    @property
    def max_arity(self) -> int:
        return max(c.arity for c in self.concepts)

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise NeurosymError(
                f"unknown concept {name!r}: the grammar's alternatives are {', '.join(self.names)}"
            ) from None

    def arity(self, name: str) -> int:
        return self.concepts[self.index(name)].arity

    def arity_tensor(self, device: torch.device | str | None = None) -> torch.Tensor:
        """``[concepts]`` long tensor of arities."""
        return torch.tensor([c.arity for c in self.concepts], dtype=torch.long, device=device)

    def check_tree(self, tree: ParseNode) -> None:
        """Raise if a node names an unknown concept or has the wrong number of children."""
        for node in tree.walk():
            if node.rule not in self._index:
                self.index(node.rule)
            expected = self.concepts[self._index[node.rule]].arity
            if len(node.children) != expected:
                raise NeurosymError(
                    f"parse node {node.rule!r} has {len(node.children)} children but the grammar "
                    f"alternative takes {expected}"
                )

    def concepts_in(self, trees: Iterable[ParseNode]) -> set[str]:
        """Names of the concepts used anywhere in ``trees``."""
        return {node.rule for tree in trees for node in tree.walk()}

    # ---- neural side --------------------------------------------------------
    def embedding(
        self,
        dim: int,
        *,
        copies: int = 1,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> nn.Embedding:
        """An ``nn.Embedding`` with one row per concept (``copies`` blocks of rows for batched
        restarts).

        Row ``copy * len(table) + index(name)`` is concept ``name`` in copy ``copy``.
        """
        return nn.Embedding(copies * len(self), dim, device=device, dtype=dtype)

    # ---- serialisation ------------------------------------------------------
    def to_json(self) -> dict[str, int]:
        return {c.name: c.arity for c in self.concepts}

    @classmethod
    def from_json(cls, data: Mapping[str, int]) -> ConceptTable:
        return cls(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConceptTable) and self.concepts == other.concepts

    def __repr__(self) -> str:
        return f"ConceptTable({self.to_json()!r})"
