"""A small generated family graph whose target rules are known.

Base relations (all in facts): ``parent(X, Y)`` X is a parent of Y, ``brother(X, Y)`` X is a
brother of Y, ``sister(X, Y)`` X is a sister of Y. Targets (split over train/valid/test):
``grandparent(X, Y) :- parent(X, Z), parent(Z, Y)``, ``uncle(X, Y) :- brother(X, Z),
parent(Z, Y)``, ``aunt(X, Y) :- sister(X, Z), parent(Z, Y)``.
"""

from __future__ import annotations

import random
from pathlib import Path

import torch

from neurosym.tasks.kg import KnowledgeGraph

RELATIONS = ("parent", "brother", "sister", "grandparent", "uncle", "aunt")
TARGETS = ("grandparent", "uncle", "aunt")


def family_triples(families: int = 8, seed: int = 0) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    triples: list[tuple[str, str, str]] = []
    counter = iter(range(10**6))

    def person() -> tuple[str, bool]:
        return f"p{next(counter)}", rng.random() < 0.5

    def siblings(kids: list[tuple[str, bool]]) -> None:
        for a, male in kids:
            for b, _ in kids:
                if a != b:
                    triples.append((a, "brother" if male else "sister", b))

    for _ in range(families):
        elders = [person(), person()]
        children = [person() for _ in range(rng.randint(2, 3))]
        siblings(children)
        for e, _ in elders:
            triples += [(e, "parent", c) for c, _ in children]
        for c, _ in children:
            spouse = person()
            grandkids = [person() for _ in range(rng.randint(1, 3))]
            siblings(grandkids)
            for g, _ in grandkids:
                triples += [(c, "parent", g), (spouse[0], "parent", g)]
                triples += [(e, "grandparent", g) for e, _ in elders]
                for other, male in children:
                    if other != c:
                        triples.append((other, "uncle" if male else "aunt", g))
    return triples


def family_graph(families: int = 8, seed: int = 0) -> KnowledgeGraph:
    """Facts: every base triple; the target triples split 60/10/30 into train/valid/test."""
    triples = family_triples(families, seed)
    rng = random.Random(seed + 1)
    ents = sorted({x for h, _, t in triples for x in (h, t)}, key=lambda n: int(n[1:]))
    ent = {e: i for i, e in enumerate(ents)}
    rel = {r: i for i, r in enumerate(RELATIONS)}
    parts: dict[str, list[tuple[int, int, int]]] = {s: [] for s in
                                                    ("facts", "train", "valid", "test")}
    for h, r, t in triples:
        row = (ent[h], rel[r], ent[t])
        if r not in TARGETS:
            parts["facts"].append(row)
        else:
            x = rng.random()
            parts["train" if x < 0.6 else "valid" if x < 0.7 else "test"].append(row)
    splits = {s: torch.tensor(rows, dtype=torch.long).reshape(-1, 3) for s, rows in parts.items()}
    return KnowledgeGraph(tuple(ents), RELATIONS, splits, "<family>")


def write_folder(kg: KnowledgeGraph, folder: Path) -> Path:
    """The graph as a Neural LP style folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in kg.splits.items():
        lines = [f"{kg.entities[h]}\t{kg.relations[r]}\t{kg.entities[t]}"
                 for h, r, t in rows.tolist()]
        (folder / f"{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
