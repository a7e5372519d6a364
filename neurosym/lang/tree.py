"""Program structure of a sentence: a tree of named grammar alternatives.

A compositional task's grammar names every alternative (``v "twice" -> twice``).
Parsing a sentence gives a :class:`ParseNode` whose ``rule`` is that name and whose
``children`` are the nonterminal sub-trees in order (keywords such as "twice" are
part of the alternative, not children). A lexical item like ``walk`` is an
alternative with no children. Every ``rule`` is a *concept* (see neurosym.concepts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ParseNode:
    rule: str
    children: tuple[ParseNode, ...] = ()

    def __str__(self) -> str:
        if not self.children:
            return self.rule
        return f"{self.rule}({', '.join(str(c) for c in self.children)})"

    def walk(self) -> Iterator[ParseNode]:
        """Pre-order traversal."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def size(self) -> int:
        return sum(1 for _ in self.walk())
