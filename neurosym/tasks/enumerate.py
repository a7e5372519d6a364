"""Enumerate the sentences of an input grammar with their trees and meanings.

Depth is the height of the parse tree (a word-only alternative has height 1;
pass-throughs add nothing). ``enumerate all`` lists every sentence of a finite
language; ``depth N`` every sentence up to height N; ``count K seed S`` draws K
distinct trees uniformly at random (seeded) among those up to the depth.
Order is deterministic: alternatives in file order, children in product order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from neurosym.lang.tree import ParseNode
from neurosym.tasks.cgrammar import InputGrammar
from neurosym.tasks.meaning import Template
from neurosym.tasks.taskfile import EnumerateSpec, TaskSpec

#: Refuse to list (or sample) more sentences than this (memory); sample with ``count`` instead.
MAX_SENTENCES = 2_000_000
#: Deepest parse tree an enumeration may ask for.
MAX_DEPTH = 64
#: Most words an enumerated sentence may have: a depth whose longest sentence is longer is
#: refused (a binary rule such as ``s: s "and" s`` doubles the length with each level, and
#: squares the number of sentences, too large to count at depth 64).
MAX_SENTENCE_WORDS = 1_000


@dataclass(frozen=True)
class Item:
    node: ParseNode
    words: tuple[str, ...]
    meaning: tuple[str, ...]


def max_height(grammar: InputGrammar) -> int:
    """Largest parse-tree height of a finite language."""

    @cache
    def height(rule: str) -> int:
        best = 0
        for alt in grammar.rules[rule]:
            below = max((height(c) for c in alt.children), default=0)
            best = max(best, below if alt.is_pass_through else below + 1)
        return best

    return height(grammar.start)


class Enumerator:
    """Counts, lists and samples the trees of ``grammar`` up to a height."""

    def __init__(self, grammar: InputGrammar, templates: dict[str, Template]) -> None:
        self.grammar = grammar
        self.templates = templates
        self._count: Callable[[str, int], int] = lru_cache(maxsize=None)(self._count_impl)
        self._items: Callable[[str, int], list[Item]] = lru_cache(maxsize=None)(self._items_impl)
        self._longest: Callable[[str, int], int] = lru_cache(maxsize=None)(self._longest_impl)

    # counting --------------------------------------------------------------------------
    def count(self, rule: str, height: int) -> int:
        return self._count(rule, height)

    def _alt_count(self, alt, height: int) -> int:
        if alt.is_pass_through:
            return self._count(alt.children[0], height)
        if height < 1:
            return 0
        n = 1
        for c in alt.children:
            n *= self._count(c, height - 1)
        return n

    def _count_impl(self, rule: str, height: int) -> int:
        return sum(self._alt_count(alt, height) for alt in self.grammar.rules[rule])

    def longest(self, rule: str, height: int) -> int:
        """Words in the longest sentence of ``rule`` up to ``height`` (-1: there is none)."""
        return self._longest(rule, height)

    def _longest_impl(self, rule: str, height: int) -> int:
        best = -1
        for alt in self.grammar.rules[rule]:
            if alt.is_pass_through:
                best = max(best, self._longest(alt.children[0], height))
                continue
            if height < 1:
                continue
            below = [self._longest(c, height - 1) for c in alt.children]
            if min(below, default=0) >= 0:
                best = max(best, len(alt.pattern) - len(below) + sum(below))
        return best

    # listing ----------------------------------------------------------------------------
    def items(self, rule: str, height: int) -> list[Item]:
        return self._items(rule, height)

    def _items_impl(self, rule: str, height: int) -> list[Item]:
        out: list[Item] = []
        for alt in self.grammar.rules[rule]:
            if alt.is_pass_through:
                out.extend(self._items(alt.children[0], height))
                continue
            if height < 1:
                continue
            template = self.templates[alt.name]
            parts = [self._items(c, height - 1) for c in alt.children]
            for combo in itertools.product(*parts):
                out.append(self._combine(alt, template, combo))
        return out

    @staticmethod
    def _combine(alt, template: Template, combo) -> Item:
        words: list[str] = []
        for kind, value in alt.pattern:
            if kind == "word":
                words.append(value)
            else:
                words.extend(combo[value].words)
        node = ParseNode(alt.name, tuple(c.node for c in combo))
        return Item(node, tuple(words), template.execute([c.meaning for c in combo]))

    # sampling ---------------------------------------------------------------------------
    def unrank(self, rule: str, height: int, index: int) -> Item:
        """The ``index``-th tree (in listing order) of ``rule`` up to ``height``."""
        for alt in self.grammar.rules[rule]:
            n = self._alt_count(alt, height)
            if index >= n:
                index -= n
                continue
            if alt.is_pass_through:
                return self.unrank(alt.children[0], height, index)
            combo = []
            sizes = [self._count(c, height - 1) for c in alt.children]
            digits = []
            for size in reversed(sizes):  # the last child varies fastest, as in itertools.product
                index, d = divmod(index, size)
                digits.append(d)
            digits.reverse()
            combo = [self.unrank(c, height - 1, d) for c, d in zip(alt.children, digits)]
            return self._combine(alt, self.templates[alt.name], combo)
        raise IndexError("tree index out of range")


def enumerate_items(
    spec: TaskSpec, grammar: InputGrammar, templates: dict[str, Template]
) -> list[Item]:
    """The data set the ``enumerate`` statement asks for; raise TaskFileError if it cannot be
    listed."""
    enum = spec.enumerate or EnumerateSpec()
    where = enum.where if spec.enumerate is not None else spec.grammar_where
    finite = grammar.is_finite
    if enum.depth is not None and not 1 <= enum.depth <= MAX_DEPTH:
        raise spec.error(
            f"'depth' must be between 1 and {MAX_DEPTH}",
            where,
            "use 'enumerate depth N' with a small N (each level multiplies the sentences)",
        )
    if enum.all and enum.count is not None:
        raise spec.error(
            "'enumerate all' cannot also take 'count'",
            where,
            "use 'enumerate all' or 'enumerate count K seed S [depth N]'",
        )
    if enum.depth is None:
        if not finite:
            loops = ", ".join(repr(r) for r in grammar.recursive_rules)
            raise spec.error(
                f"the language is infinite (rule {loops} can contain itself) and the enumeration "
                "has no depth bound",
                where,
                "add a bound: 'enumerate depth 6' (every sentence whose parse tree is at most 6 "
                "deep), optionally with 'count 1000 seed 0' to sample",
            )
        height = max_height(grammar)
    else:
        height = min(enum.depth, max_height(grammar)) if finite else enum.depth
    enumerator = Enumerator(grammar, templates)
    # before counting: a binary rule's count at depth 64 has about 2^63 digits
    _check_length(spec, enumerator, grammar.start, height, where)
    total = enumerator.count(grammar.start, height)
    if total == 0:
        raise spec.error(
            f"no sentence has a parse tree at most {height} deep", where, "raise the depth"
        )
    if enum.count is not None:
        if enum.count < 1:
            raise spec.error("'count' must be at least 1", where, "use 'count K' with K >= 1")
        if enum.count > MAX_SENTENCES:
            raise spec.error(
                f"'count {enum.count}' is more than {MAX_SENTENCES:,} sentences",
                where,
                f"lower the count to at most {MAX_SENTENCES:,}",
            )
        if enum.count > total:
            raise spec.error(
                f"'count {enum.count}' asks for more sentences than there are ({total} "
                f"up to depth {height})",
                where,
                f"lower the count to at most {total}",
            )
        rng = random.Random(enum.seed if enum.seed is not None else 0)
        chosen: set[int] = set()
        while len(chosen) < enum.count:
            chosen.add(rng.randrange(total))
        items = [enumerator.unrank(grammar.start, height, i) for i in sorted(chosen)]
    else:
        if total > MAX_SENTENCES:
            raise spec.error(
                f"the enumeration would list {_amount(total)} sentences (more than "
                f"{MAX_SENTENCES:,})",
                where,
                "lower the depth, or sample with 'count K seed S'",
            )
        items = enumerator.items(grammar.start, height)
    _check_unambiguous(spec, grammar, items, sampled=enum.count is not None)
    return items


def _check_length(spec: TaskSpec, enumerator: Enumerator, start: str, height: int,
                  where) -> None:
    """Refuse a depth whose sentences may exceed :data:`MAX_SENTENCE_WORDS` words."""
    longest = enumerator.longest(start, height)
    if longest <= MAX_SENTENCE_WORDS:
        return
    fits = max((d for d in range(1, height) if enumerator.longest(start, d) <= MAX_SENTENCE_WORDS),
               default=None)
    hint = f"lower the depth to at most {fits}" if fits else "shorten the grammar's sentences"
    raise spec.error(
        f"sentences up to depth {height} can have {_amount(longest)} words (the limit is "
        f"{MAX_SENTENCE_WORDS:,} words a sentence)",
        where,
        hint,
    )


def _amount(n: int) -> str:
    return f"{n:,}" if n < 10**12 else f"about 10^{len(str(n)) - 1}"


def _check_unambiguous(
    spec: TaskSpec, grammar: InputGrammar, items: list[Item], sampled: bool
) -> None:
    """Two trees with the same words mean the grammar is ambiguous (exact for the listed trees);
    a sample's sentences are each checked with the parser (:meth:`InputGrammar.ambiguous`)."""
    seen: dict[tuple[str, ...], ParseNode] = {}
    for item in items:
        other = seen.setdefault(item.words, item.node)
        if other is not item.node:
            _ambiguous(spec, grammar, item, f"two parse trees, {other} and {item.node}")
    for item in items if sampled else ():
        if grammar.ambiguous(item.words):
            _ambiguous(spec, grammar, item, "two parse trees")


def _ambiguous(spec: TaskSpec, grammar: InputGrammar, item: Item, trees: str) -> None:
    alt = grammar.alternatives[item.node.rule]
    raise spec.error(
        f"the grammar is ambiguous: {' '.join(item.words)!r} has {trees}",
        alt.where,
        "change the grammar so that every sentence has one parse, e.g. give the operators "
        "levels of precedence (one rule per level, as SCAN's command/phrase/verb)",
    )
