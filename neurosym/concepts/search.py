"""Symbolic steps around the gradient learner: repair, blame, and generalising constants.

The soft model's likelihood lets every *use* of a concept draw its own template
(the price of an exact dynamic program), so gradient descent sometimes stalls in
a mixture: ``left`` half ``I_TURN_LEFT`` and half ``I_TURN_LEFT I_TURN_LEFT``,
serving two composites that each got one thing wrong. Three cheap symbolic steps
turn the restarts' proposals into one program:

- :func:`repair` -- coordinate ascent over concepts: swap in any template some
  restart proposed whenever it makes more training pairs come out *exactly* right
  (scored by executing the program, so it is robust to corrupted pairs: they are
  never right, whatever the program);
- :func:`blame` -- which concepts the still-failing pairs point at (those get a
  fresh random start in the next gradient round, the others keep their meaning);
- :func:`generalize_constants` -- Occam's tie-break where the data cannot decide:
  a constant that always equals what a child means (``around(x, y)`` seen only with
  ``y = left``) is written as that child, so the rule transfers to new children.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from neurosym.concepts.templates import Program
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Item, ItemKind, Template, execute


@dataclass(frozen=True)
class Scored:
    """A program with the total weight of the pairs it reproduces exactly."""

    templates: dict[str, Template]
    explained: float


def explained_mask(templates: Mapping[str, Template], trees: Sequence[ParseNode],
                   outputs: Sequence[tuple[str, ...]]) -> list[bool]:
    """For each pair: does the program reproduce the output exactly?"""
    return [execute(templates, t) == o for t, o in zip(trees, outputs)]


def repair(
    candidates: Mapping[str, Sequence[Template]],
    starts: Sequence[Mapping[str, Template]],
    trees: Sequence[ParseNode],
    outputs: Sequence[tuple[str, ...]],
    weights: Sequence[float],
    *,
    sweeps: int = 4,
) -> Scored:
    """Best program reachable from any start by single-concept swaps among ``candidates``.

    A swap is taken only if it strictly increases the explained weight; candidates are
    tried in the order given (most probable first), so ties keep the current template.
    """
    uses: dict[str, list[int]] = {name: [] for name in candidates}
    for b, tree in enumerate(trees):
        for name in {node.rule for node in tree.walk()}:
            uses.setdefault(name, []).append(b)
    best: Scored | None = None
    seen_starts: set[tuple] = set()
    for start in starts:
        key = tuple(sorted((n, t.items) for n, t in start.items()))
        if key in seen_starts:
            continue
        seen_starts.add(key)
        program = dict(start)
        ok = explained_mask(program, trees, outputs)
        for _ in range(sweeps):
            changed = False
            for name, options in candidates.items():
                idx = uses.get(name, [])
                if not idx:
                    continue
                current = sum(weights[b] for b in idx if ok[b])
                for option in options:
                    if option == program.get(name):
                        continue
                    trial = {**program, name: option}
                    trial_ok = [execute(trial, trees[b]) == outputs[b] for b in idx]
                    gain = sum(weights[b] for b, good in zip(idx, trial_ok) if good)
                    if gain > current + 1e-12:
                        program, current, changed = trial, gain, True
                        for b, good in zip(idx, trial_ok):
                            ok[b] = good
            if not changed:
                break
        scored = Scored(program, sum(w for w, good in zip(weights, ok) if good))
        if best is None or scored.explained > best.explained + 1e-12:
            best = scored
    assert best is not None, "repair needs at least one start"
    return best


def blame(
    trees: Sequence[ParseNode], ok: Sequence[bool], weights: Sequence[float]
) -> dict[str, float]:
    """Per concept: the weight fraction of the pairs using it that the program gets wrong."""
    total: dict[str, float] = {}
    wrong: dict[str, float] = {}
    for tree, good, w in zip(trees, ok, weights):
        for name in {node.rule for node in tree.walk()}:
            total[name] = total.get(name, 0.0) + w
            if not good:
                wrong[name] = wrong.get(name, 0.0) + w
    return {name: wrong.get(name, 0.0) / t for name, t in total.items() if t > 0}


def generalize_constants(program: Program, trees: Sequence[ParseNode]) -> Program:
    """Occam's tie-breaks where the given (explained) trees cannot tell two templates apart.

    For every concept with children and every child position ``j``:

    - if child ``j`` means the same non-empty sequence ``s`` at every node of the concept,
      each run of tokens equal to ``s`` in the template becomes child ``j``;
    - if every meaning child ``j`` takes reads the same backwards, ``reverse(j)`` becomes ``j``.

    On these trees the program's outputs are unchanged; on new children the rule follows
    the child, which is the more general reading.
    """
    seen: dict[tuple[str, int], set[tuple[str, ...]]] = {}
    for tree in trees:
        for node in tree.walk():
            if not node.children or node.rule not in program.templates:
                continue
            for j, child in enumerate(node.children):
                meaning = execute(program.templates, child)
                if meaning is not None:
                    seen.setdefault((node.rule, j), set()).add(meaning)
    templates = dict(program.templates)
    for (name, j), meanings in seen.items():
        template = templates[name]
        if all(m == tuple(reversed(m)) for m in meanings):
            child, reversed_child = Item(ItemKind.CHILD, j), Item(ItemKind.REVERSE, j)
            template = replace(
                template,
                items=tuple(child if it == reversed_child else it for it in template.items),
            )
        if len(meanings) == 1:
            (constant,) = meanings
            if constant:
                template = _substitute(template, constant, j)
        templates[name] = template
    return Program(templates, dict(program.confidence))


def _substitute(template: Template, constant: tuple[str, ...], child: int) -> Template:
    """Every run of tokens spelling ``constant`` becomes ``Item(ItemKind.CHILD, child)``."""
    items = list(template.items)
    out: list[Item] = []
    spelled = [Item(ItemKind.TOKEN, tok) for tok in constant]
    i, n = 0, len(constant)
    while i < len(items):
        if items[i : i + n] == spelled:
            out.append(Item(ItemKind.CHILD, child))
            i += n
        else:
            out.append(items[i])
            i += 1
    return replace(template, items=tuple(out))


def root_proposals(
    trees: Sequence[ParseNode],
    outputs: Sequence[tuple[str, ...]],
    candidates: Mapping[str, Sequence[Template]],
    program: Mapping[str, Template],
    *,
    max_items: int,
    per_pair: int = 64,
) -> dict[str, list[Template]]:
    """Templates that make each pair's *root* come out exactly, read off its output.

    A child that is a leaf may mean what any of its candidate templates says; any other child
    means what ``program`` makes of it. For each such choice of child meanings the output is cut
    into child meanings and tokens in every way with at most one item more than the fewest
    (``turn around right`` -> ``y x y x y x y x`` once ``right`` may mean ``I_TURN_RIGHT``).
    """
    found: dict[str, list[Template]] = {}
    for tree, out in zip(trees, outputs):
        if not tree.children:
            continue
        options: list[set[tuple[str, ...]]] = []
        for child in tree.children:
            if child.children:
                meaning = execute(program, child)
                options.append({meaning} if meaning is not None else set())
            else:
                options.append(
                    {
                        m
                        for t in candidates.get(child.rule, ())
                        if (m := execute({child.rule: t}, child)) is not None
                    }
                )
        for meanings in itertools.product(*(sorted(o) for o in options)):
            for template in _segmentations(tree.rule, tuple(out), meanings, max_items)[:per_pair]:
                bucket = found.setdefault(tree.rule, [])
                if template not in bucket:
                    bucket.append(template)
    return found


def _segmentations(
    name: str, out: tuple[str, ...], meanings: Sequence[tuple[str, ...]], max_items: int
) -> list[Template]:
    """Templates of ``name`` over children with these ``meanings`` that produce ``out``: the
    fewest items, and one more."""

    @functools.cache
    def rest(i: int) -> tuple[tuple[Item, ...], ...]:
        if i == len(out):
            return ((),)
        ways: list[tuple[Item, ...]] = []
        for j, m in enumerate(meanings):
            if m and out[i : i + len(m)] == m:
                ways += [(Item(ItemKind.CHILD, j),) + tail for tail in rest(i + len(m))]
        ways += [(Item(ItemKind.TOKEN, out[i]),) + tail for tail in rest(i + 1)]
        ways = [w for w in ways if len(w) <= max_items]
        if not ways:
            return ()
        fewest = min(len(w) for w in ways)
        return tuple(sorted((w for w in ways if len(w) <= fewest + 1), key=_occam_key))

    return [Template(name, len(meanings), items) for items in rest(0)]


def _occam_key(items: Sequence[Item]) -> tuple[int, int]:
    """Fewer output tokens written into the template first, then fewer items."""
    return sum(it.kind is ItemKind.TOKEN for it in items), len(items)


def joint_search(
    candidates: Mapping[str, Sequence[Template]],
    trees: Sequence[ParseNode],
    outputs: Sequence[tuple[str, ...]],
    *,
    max_nodes: int = 50_000,
) -> dict[str, Template] | None:
    """One candidate per concept such that *every* pair comes out exactly, or None.

    Backtracking over the concepts, in the order the pairs with fewest concepts introduce them;
    a pair is checked as soon as its last concept is assigned. Composite concepts try the
    candidates with fewest tokens first (Occam). Gives up after ``max_nodes`` assignments.
    This is the move repair's single swaps cannot make: several concepts changing together.
    """
    concepts = [{node.rule for node in tree.walk()} for tree in trees]
    order: list[str] = []
    for names in sorted(concepts, key=len):
        order += sorted(n for n in names if n not in order)
    if any(not candidates.get(n) for n in order):
        return None
    position = {n: i for i, n in enumerate(order)}
    checks: dict[int, list[int]] = {}
    for b, names in enumerate(concepts):
        checks.setdefault(max(position[n] for n in names), []).append(b)
    leaves = {node.rule for tree in trees for node in tree.walk() if not node.children}
    pools = {
        n: list(candidates[n])
        if n in leaves
        else sorted(candidates[n], key=lambda t: _occam_key(t.items))
        for n in order
    }
    program: dict[str, Template] = {}
    nodes = 0

    def assign(i: int) -> bool:
        nonlocal nodes
        if i == len(order):
            return True
        name = order[i]
        for template in pools[name]:
            nodes += 1
            if nodes > max_nodes:
                return False
            program[name] = template
            if all(execute(program, trees[b]) == outputs[b] for b in checks.get(i, ())) and assign(
                i + 1
            ):
                return True
        program.pop(name, None)
        return False

    return dict(program) if assign(0) else None
