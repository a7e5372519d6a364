"""Write the scaled ∂ILP suite (issue #17): tasks/ilp/scaled/*.task, deterministic and seeded.

    /work/main/.venv/bin/python bench/ilp/make_scaled.py            # rewrites tasks/ilp/scaled
    /work/main/.venv/bin/python bench/ilp/make_scaled.py --out DIR --seed 0

Three domains at growing size: family trees of 20, 40 and 80 people (ancestor, grandparent,
uncle), random directed graphs of 20, 40 and 80 nodes (reachability, an edge into a node with a
red neighbour) and the numbers 0..N for N = 20 and 40 (less-than, even). For every task the
background facts are drawn with ``random.Random("<seed>:<domain>:<size>")`` (so the tasks of one
domain and size share one tree or graph); the positives are the target atoms of the least model
of the intended program (the ``solution`` block); every other target atom is a negative (closed
world); T is the fewest synchronous forward-chaining steps in which the intended program derives
every positive; the templates are the smallest that admit the intended program.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's neurosym, whichever one the venv installed

from neurosym.lang.datalog import parse_program
from neurosym.logic import Atom, atom, least_model
from neurosym.logic.evaluator import one_step

OUT = ROOT / "tasks" / "ilp" / "scaled"
FAMILY_SIZES = (20, 40, 80)
GRAPH_SIZES = (20, 40, 80)
NUMBER_SIZES = (20, 40)
WIDTH = 100  # column limit of the written files

RECURSIVE = [(0, False), (1, True)]


@dataclass(frozen=True)
class Target:
    """A target of a domain: its language (extensional predicates), meaning, the intended
    program and the ``(v, int)`` templates of each intensional predicate (the target's first)."""

    kind: str
    title: str
    language: tuple[str, ...]
    meaning: str
    solution: str
    templates: dict[str, list[tuple[int, bool]]]

    @property
    def target(self) -> str:
        head = parse_program(self.solution).clauses[0].head
        return f"{head.pred}/{len(head.args)}"


TARGETS = {
    "family": [
        Target("ancestor", "Ancestor", ("parent",),
               "ancestor(X, Y): X is a parent, grandparent, ... of Y (recursive, by doubling).", """
ancestor(X, Y) :- parent(X, Y), parent(X, Y).
ancestor(X, Y) :- ancestor(X, Z), ancestor(Z, Y).
""", {"ancestor": RECURSIVE}),
        Target("grandparent", "Grandparent", ("parent",),
               "grandparent(X, Y): X is a parent of a parent of Y.",
               "grandparent(X, Y) :- parent(X, Z), parent(Z, Y).", {"grandparent": [(1, False)]}),
        Target("uncle", "Uncle", ("father", "mother", "brother"),
               "uncle(X, Y): X is a brother of a parent of Y (one invented predicate, parent).", """
uncle(X, Y) :- brother(X, Z), parent(Z, Y).
parent(X, Y) :- father(X, Y), father(X, Y).
parent(X, Y) :- mother(X, Y), mother(X, Y).
""", {"uncle": [(1, True)], "parent": [(0, False), (0, False)]}),
    ],
    "graph": [
        Target("reach", "Reachability", ("edge",), "reach(X, Y): a path of one or more edges "
               "leads from X to Y (recursive, by doubling).", """
reach(X, Y) :- edge(X, Y), edge(X, Y).
reach(X, Y) :- reach(X, Z), reach(Z, Y).
""", {"reach": RECURSIVE}),
        Target("leads_to_red", "Leads to red", ("edge", "red"), "leads_to_red(X, Y): an edge "
               "X -> Y where Y has an edge to a red node (one invented predicate, near_red).", """
leads_to_red(X, Y) :- edge(X, Y), near_red(Y).
near_red(X) :- edge(X, Y), red(Y).
""", {"leads_to_red": [(0, True)], "near_red": [(1, False)]}),
    ],
    "numbers": [
        Target("less_than", "Less-than", ("zero", "succ"),
               "lt(X, Y): X < Y (recursive, by doubling).", """
lt(X, Y) :- succ(X, Y), succ(X, Y).
lt(X, Y) :- lt(X, Z), lt(Z, Y).
""", {"lt": RECURSIVE}),
        Target("even", "Even", ("zero", "succ"), "even(X): X is even (one invented predicate, "
               "succ2: the number after the next).", """
even(X) :- zero(X), zero(X).
even(X) :- even(Y), succ2(Y, X).
succ2(X, Y) :- succ(X, Z), succ(Z, Y).
""", {"even": RECURSIVE, "succ2": [(1, False)]}),
    ],
}


@dataclass(frozen=True)
class World:
    """A domain's data at one size: its constants, every fact, and the header's description."""

    constants: list[str]
    facts: list[Atom]
    about: str


# ----- domains ----------------------------------------------------------------------------------


def family(size: int, rng: random.Random) -> tuple[dict[str, bool], list[tuple[str, str, str]]]:
    """A family tree of ``size`` people ``p00, p01, ...``: (is male per person, births as
    (father, mother, child)). Couples are taken first come, first served; each has 2-3 children,
    and a child marries someone from outside the tree (a new person) with probability 0.6."""
    male: dict[str, bool] = {}

    def person(is_male: bool) -> str:
        name = f"p{len(male):02d}"
        male[name] = is_male
        return name

    couples: deque[tuple[str, str]] = deque()
    births = []
    while len(male) < size:
        if not couples:  # a new family of two founders
            couples.append((person(True), person(False)))
        father, mother = couples.popleft()
        for _ in range(rng.randint(2, 3)):
            if len(male) >= size:
                break
            child = person(rng.random() < 0.5)
            births.append((father, mother, child))
            if len(male) < size - 1 and rng.random() < 0.6:
                spouse = person(not male[child])
                couples.append((child, spouse) if male[child] else (spouse, child))
    return male, births


def family_world(size: int, rng: random.Random) -> World:
    """father/2, mother/2, parent/2 and brother/2 of a :func:`family` tree."""
    male, births = family(size, rng)
    kids: dict[tuple[str, str], list[str]] = {}
    for f, m, c in births:
        kids.setdefault((f, m), []).append(c)
    facts = [atom("parent", p, c) for f, m, c in births for p in (f, m)]
    facts += [atom("father", f, c) for f, _, c in births]
    facts += [atom("mother", m, c) for _, m, c in births]
    facts += [atom("brother", a, b) for sibs in kids.values() for a in sibs for b in sibs
              if a != b and male[a]]
    return World(list(male), facts, (
        f"{size} people p00..p{size - 1:02d} in {len(kids)} couples, drawn by family(): couples "
        "first come, first served, 2-3 children each; a child marries someone from outside the "
        "tree (a new person) with probability 0.6."))


def graph_world(size: int, rng: random.Random) -> World:
    """edge/2 of a random directed graph with 1.5 edges per node, and red/1 on a quarter of the
    nodes."""
    nodes = [f"n{i:02d}" for i in range(size)]
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    edges = sorted(rng.sample(pairs, 3 * size // 2))
    red = sorted(rng.sample(nodes, size // 4))
    facts = [atom("edge", a, b) for a, b in edges] + [atom("red", n) for n in red]
    return World(nodes, facts, (
        f"A random directed graph on {size} nodes n00..n{size - 1:02d}: {len(edges)} distinct "
        f"edges (no loops) drawn uniformly, and {len(red)} nodes drawn to be red."))


def numbers_world(size: int, rng: random.Random) -> World:
    """zero/1 and succ/2 on 0..size (``rng`` is not used)."""
    facts = [atom("zero", 0)] + [atom("succ", i, i + 1) for i in range(size)]
    return World([str(i) for i in range(size + 1)], facts,
                 f"The numbers 0..{size} with zero/1 and succ/2 (nothing random).")


DOMAINS = {  # domain: (how its world is drawn, sizes, its size in a title)
    "family": (family_world, FAMILY_SIZES, "{} people"),
    "graph": (graph_world, GRAPH_SIZES, "{} nodes"),
    "numbers": (numbers_world, NUMBER_SIZES, "0..{}"),
}


# ----- rendering --------------------------------------------------------------------------------


def chaining_steps(background: Iterable[Atom], program_text: str, goal: set[Atom]) -> int:
    """The fewest synchronous forward-chaining steps of the program that derive every atom of
    ``goal`` from ``background``."""
    program = parse_program(program_text)
    facts, steps = set(background), 0
    while not goal <= facts:
        grown = set(one_step(facts, program).atoms())
        if grown == facts:
            raise ValueError(f"the program never derives {sorted(map(str, goal - facts))[:3]}")
        facts, steps = grown, steps + 1
    return steps


def packed(items: Iterable[str], indent: str = "  ") -> list[str]:
    """``items`` joined by spaces into indented lines of at most WIDTH columns."""
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(indent) + len(line) + 1 + len(item) > WIDTH:
            lines.append(indent + line)
            line = ""
        line = f"{line} {item}" if line else item
    return lines + [indent + line] if line else lines


def render(target: Target, world: World, name: str, title: str, seed: int) -> str:
    """The task file of ``target`` in ``world``: header comment, language, one world, templates,
    T, solution."""
    program = parse_program(target.solution)
    pred, arity = next(iter(program)).head.pred, {a.pred: len(a.args) for a in world.facts}
    background = [a for a in world.facts if a.pred in target.language]
    positives = sorted(least_model(background, program).atoms(pred))
    if not positives:
        raise ValueError(f"{name}: the intended program derives no {pred} atom")
    steps = chaining_steps(background, target.solution, set(positives))
    clauses = [c.strip() for c in target.solution.strip().splitlines()]
    invented = {f"{c.head.pred}/{len(c.head.args)}": 0 for c in program if c.head.pred != pred}
    language = ", ".join(f"{p}/{arity[p]}" for p in target.language)
    about = [
        f"Source: generated by `python bench/ilp/make_scaled.py --seed {seed}` (do not edit; rerun "
        + f"the script). {world.about} Language: {language}; {target.meaning}",
        (
            f"{len(positives)} positives: the target atoms of the intended program's least model. "
            f"Negatives: every other {target.target} atom over the constants (closed world). T = "
            f"{steps}: the fewest synchronous steps in which the intended program derives every "
            "positive. Templates: the smallest admitting it."
        ),
    ]
    head = [f"{title} -- scaled ∂ILP suite (issue #17).", ""]
    head += [line for par in about for line in textwrap.wrap(par, WIDTH - 2)]
    head += ["", "Intended program:", *(f"  {c}" for c in clauses)]
    text = [("# " + line).rstrip() for line in head]
    text += [f"task {name}", "constants", *packed(", ".join(world.constants).split())]
    text += [f"target {target.target}"] + ([f"invented {', '.join(invented)}"] if invented else [])
    text += ["background {", *packed(f"{a}." for a in background), "}"]
    text += ["positive {", *packed(f"{a}." for a in positives), "}", "negative closed_world"]
    for p, templates in target.templates.items():
        shown = ", ".join(f"({v}, {'yes' if i else 'no'})" for v, i in templates)
        text.append(f"rules {p}: {shown}")
    text += [f"steps {steps}", "solution {", *(f"  {c}" for c in clauses), "}"]
    return "\n".join(text) + "\n"


def task_texts(seed: int = 0) -> dict[str, str]:
    """Every task of the suite: ``{file name: task file text}``. The targets of one domain and
    size share one world, drawn with ``random.Random("<seed>:<domain>:<size>")``."""
    out = {}
    for domain, (draw, sizes, unit) in DOMAINS.items():
        for size in sizes:
            world = draw(size, random.Random(f"{seed}:{domain}:{size}"))
            for t in TARGETS[domain]:
                title = f"{t.title}, {unit.format(size)}"
                out[f"{t.kind}_{size}.task"] = render(t, world, f"{t.kind}_{size}", title, seed)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help="folder written (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random trees and graphs")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in task_texts(args.seed).items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
