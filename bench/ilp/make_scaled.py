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

# The intended programs, with (v, int) templates per intensional predicate: ``templates`` lists
# the target's first.
ANCESTOR = """
ancestor(X, Y) :- parent(X, Y), parent(X, Y).
ancestor(X, Y) :- ancestor(X, Z), ancestor(Z, Y).
"""
GRANDPARENT = "grandparent(X, Y) :- parent(X, Z), parent(Z, Y)."
UNCLE = """
uncle(X, Y) :- brother(X, Z), parent(Z, Y).
parent(X, Y) :- father(X, Y), father(X, Y).
parent(X, Y) :- mother(X, Y), mother(X, Y).
"""
REACH = """
reach(X, Y) :- edge(X, Y), edge(X, Y).
reach(X, Y) :- reach(X, Z), reach(Z, Y).
"""
LEADS_TO_RED = """
leads_to_red(X, Y) :- edge(X, Y), near_red(Y).
near_red(X) :- edge(X, Y), red(Y).
"""
LESS_THAN = """
lt(X, Y) :- succ(X, Y), succ(X, Y).
lt(X, Y) :- lt(X, Z), lt(Z, Y).
"""
EVEN = """
even(X) :- zero(X), zero(X).
even(X) :- even(Y), succ2(Y, X).
succ2(X, Y) :- succ(X, Z), succ(Z, Y).
"""
RECURSIVE = [(0, False), (1, True)]


@dataclass
class Spec:
    """One task before its labels are derived: ``templates`` maps each intensional predicate
    (the target first) to its ``(v, int)`` templates; ``about`` is the header's description."""

    name: str
    title: str
    about: str
    constants: list[str]
    background: list[Atom]
    target: str
    solution: str
    templates: dict[str, list[tuple[int, bool]]]


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


def family_specs(size: int, seed: int) -> list[Spec]:
    male, births = family(size, random.Random(f"{seed}:family:{size}"))
    people = list(male)
    parent = [atom("parent", p, c) for f, m, c in births for p in (f, m)]
    kids: dict[tuple[str, str], list[str]] = {}
    for f, m, c in births:
        kids.setdefault((f, m), []).append(c)
    brother = [
        atom("brother", a, b) for sibs in kids.values() for a in sibs for b in sibs
        if a != b and male[a]
    ]
    tree = (f"{size} people p00..p{size - 1:02d} in {len(kids)} couples, drawn by family(): "
            "couples first come, first served, 2-3 children each; a child marries someone from "
            "outside the tree (a new person) with probability 0.6.")
    father = [atom("father", f, c) for f, _, c in births]
    mother = [atom("mother", m, c) for _, m, c in births]
    return [
        Spec(f"ancestor_{size}", f"Ancestor, {size} people",
             f"{tree} Language: parent/2; ancestor(X, Y): X is a parent, grandparent, ... of Y "
             "(recursive, by doubling).", people, parent, "ancestor/2", ANCESTOR,
             {"ancestor": RECURSIVE}),
        Spec(f"grandparent_{size}", f"Grandparent, {size} people",
             f"{tree} Language: parent/2; grandparent(X, Y): X is a parent of a parent of Y.",
             people, parent, "grandparent/2", GRANDPARENT, {"grandparent": [(1, False)]}),
        Spec(f"uncle_{size}", f"Uncle, {size} people",
             f"{tree} Language: father/2, mother/2, brother/2; uncle(X, Y): X is a brother of a "
             "parent of Y (one invented predicate, parent).", people, father + mother + brother,
             "uncle/2", UNCLE, {"uncle": [(1, True)], "parent": [(0, False), (0, False)]}),
    ]


def graph_specs(size: int, seed: int) -> list[Spec]:
    rng = random.Random(f"{seed}:graph:{size}")
    nodes = [f"n{i:02d}" for i in range(size)]
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    edges = sorted(rng.sample(pairs, 3 * size // 2))
    red = sorted(rng.sample(nodes, size // 4))
    graph = (f"A random directed graph on {size} nodes n00..n{size - 1:02d}: {len(edges)} "
             f"distinct edges (no loops) drawn uniformly, and {len(red)} nodes drawn to be red.")
    edge = [atom("edge", a, b) for a, b in edges]
    return [
        Spec(f"reach_{size}", f"Reachability, {size} nodes",
             f"{graph} Language: edge/2; reach(X, Y): a path of one or more edges leads from X "
             "to Y (recursive, by doubling).", nodes, edge, "reach/2", REACH,
             {"reach": RECURSIVE}),
        Spec(f"leads_to_red_{size}", f"Leads to red, {size} nodes",
             f"{graph} Language: edge/2, red/1; leads_to_red(X, Y): an edge X -> Y where Y has "
             "an edge to a red node (one invented predicate, near_red).", nodes,
             edge + [atom("red", n) for n in red], "leads_to_red/2", LEADS_TO_RED,
             {"leads_to_red": [(0, True)], "near_red": [(1, False)]}),
    ]


def number_specs(size: int) -> list[Spec]:
    numbers = [str(i) for i in range(size + 1)]
    facts = [atom("zero", 0)] + [atom("succ", i, i + 1) for i in range(size)]
    line = f"The numbers 0..{size} with zero/1 and succ/2 (nothing random)."
    return [
        Spec(f"less_than_{size}", f"Less-than, 0..{size}",
             f"{line} lt(X, Y): X < Y (recursive, by doubling).", numbers, facts, "lt/2",
             LESS_THAN, {"lt": RECURSIVE}),
        Spec(f"even_{size}", f"Even, 0..{size}",
             f"{line} even(X): X is even (one invented predicate, succ2: the number after the "
             "next).", numbers, facts, "even/1", EVEN, {"even": RECURSIVE, "succ2": [(1, False)]}),
    ]


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


def render(spec: Spec, seed: int) -> str:
    """The task file text of ``spec``: header comment, language, one world, templates, T,
    solution."""
    pred = spec.target.split("/")[0]
    program = parse_program(spec.solution)
    positives = sorted(least_model(spec.background, program).atoms(pred))
    if not positives:
        raise ValueError(f"{spec.name}: the intended program derives no {spec.target} atom")
    steps = chaining_steps(spec.background, spec.solution, set(positives))
    clauses = [c.strip() for c in spec.solution.strip().splitlines()]
    invented = {f"{c.head.pred}/{len(c.head.args)}": 0 for c in program if c.head.pred != pred}
    about = [
        f"Source: generated by `python bench/ilp/make_scaled.py --seed {seed}` (do not edit; rerun "
        + f"the script). {spec.about}",
        (
            f"{len(positives)} positives: the target atoms of the intended program's least model. "
            f"Negatives: every other {spec.target} atom over the constants (closed world). T = "
            f"{steps}: the fewest synchronous steps in which the intended program derives every "
            "positive. Templates: the smallest admitting it."
        ),
    ]
    head = [f"{spec.title} -- scaled ∂ILP suite (issue #17).", ""]
    head += [line for par in about for line in textwrap.wrap(par, WIDTH - 2)]
    head += ["", "Intended program:", *(f"  {c}" for c in clauses)]
    text = [("# " + line).rstrip() for line in head]
    text += [f"task {spec.name}", "constants", *packed(", ".join(spec.constants).split())]
    text += [f"target {spec.target}"] + ([f"invented {', '.join(invented)}"] if invented else [])
    text += ["background {", *packed(f"{a}." for a in spec.background), "}"]
    text += ["positive {", *packed(f"{a}." for a in positives), "}", "negative closed_world"]
    for p, templates in spec.templates.items():
        shown = ", ".join(f"({v}, {'yes' if i else 'no'})" for v, i in templates)
        text.append(f"rules {p}: {shown}")
    text += [f"steps {steps}", "solution {", *(f"  {c}" for c in clauses), "}"]
    return "\n".join(text) + "\n"


def task_texts(seed: int = 0) -> dict[str, str]:
    """Every task of the suite: ``{file name: task file text}``."""
    specs = [s for n in FAMILY_SIZES for s in family_specs(n, seed)]
    specs += [s for n in GRAPH_SIZES for s in graph_specs(n, seed)]
    specs += [s for n in NUMBER_SIZES for s in number_specs(n)]
    return {f"{s.name}.task": render(s, seed) for s in specs}


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
