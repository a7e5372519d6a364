"""Knowledge-graph triple folders (the Neural LP layout) -> a :class:`KnowledgeGraph`.

A folder holds ``facts.txt`` (the background graph), ``train.txt`` (the queries to learn
from), ``valid.txt`` and ``test.txt``; each line is ``head<TAB>relation<TAB>tail``.
``entities.txt`` and ``relations.txt`` (one name a line) are read when present and fix the
order of the vocabularies. Every relation ``r`` gets an inverse ``inv_r`` (index ``r + R``),
so a query ``(?, r, t)`` is the query ``(t, inv_r, ?)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from neurosym.errors import SourceError

SPLITS = ("facts", "train", "valid", "test")
INVERSE_PREFIX = "inv_"
_DATALOG_NAME = re.compile(r"[a-z][A-Za-z0-9_]*\Z")


class KGFormatError(SourceError):
    """A triple file is malformed (wrong field count, unknown entity or relation)."""


@dataclass(frozen=True)
class KnowledgeGraph:
    """Entity and relation vocabularies and the four splits as index tensors.

    ``splits[name]`` is a ``LongTensor [n, 3]`` of ``(head, relation, tail)`` indices with
    relation in ``0..R-1`` (base relations only; inverses are implied).
    """

    entities: tuple[str, ...]
    relations: tuple[str, ...]
    splits: dict[str, torch.Tensor]
    path: str = "<memory>"

    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        """Base relations R (the model sees 2R: each with its inverse)."""
        return len(self.relations)

    def relation_name(self, index: int) -> str:
        """Name of relation ``index`` in ``0..2R-1`` (``inv_r`` for ``index >= R``)."""
        r = self.num_relations
        return self.relations[index] if index < r else INVERSE_PREFIX + self.relations[index - r]

    def with_inverses(self, split: str | list[str]) -> torch.Tensor:
        """``LongTensor [2n, 3]``: the triples of ``split`` (or several) and their inverses."""
        names = [split] if isinstance(split, str) else split
        t = torch.cat([self.splits[s] for s in names])
        inv = torch.stack([t[:, 2], t[:, 1] + self.num_relations, t[:, 0]], dim=1)
        return torch.cat([t, inv])

    def datalog_names(self) -> list[str]:
        """A Datalog predicate name per base relation (``Term3`` -> ``term3``), injective."""
        out: list[str] = []
        for rel in self.relations:
            name = rel if _DATALOG_NAME.match(rel) else re.sub(r"[^A-Za-z0-9_]", "_", rel)
            if not _DATALOG_NAME.match(name):
                name = name[:1].lower() + name[1:]
            if not _DATALOG_NAME.match(name):
                name = "r_" + name
            while name in out:
                name += "_"
            out.append(name)
        return out

    def summary(self) -> str:
        sizes = ", ".join(f"{s} {len(self.splits[s])}" for s in SPLITS)
        return (f"{self.path}: {self.num_entities} entities, {self.num_relations} relations "
                f"(+ inverses), {sizes}")


def _read_names(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_triples(path: Path) -> list[tuple[str, str, str, int]]:
    """``(head, relation, tail, line number)`` per non-blank line; fields split on tabs."""
    text = path.read_text(encoding="utf-8")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            raise KGFormatError(
                f"expected 3 tab-separated fields (head, relation, tail), found {len(fields)}",
                path=path, line=number, text=text,
                hint="write one triple a line as head<TAB>relation<TAB>tail")
        out.append((fields[0].strip(), fields[1].strip(), fields[2].strip(), number))
    return out


def _index(names: list[str] | None, seen: list[str]) -> dict[str, int]:
    return {n: i for i, n in enumerate(names if names is not None else dict.fromkeys(seen))}


def load_kg(folder: str | Path) -> KnowledgeGraph:
    """Read a Neural LP style folder. Raises :class:`KGFormatError` (file:line) on bad lines,
    on names missing from ``entities.txt``/``relations.txt``, and FileNotFoundError on a
    missing split."""
    folder = Path(folder)
    raw = {s: _read_triples(folder / f"{s}.txt") for s in SPLITS}
    all_triples = [t for s in SPLITS for t in raw[s]]
    ents = _index(_read_names(folder / "entities.txt"),
                  [n for h, _, t, _ in all_triples for n in (h, t)])
    rels = _index(_read_names(folder / "relations.txt"), [r for _, r, _, _ in all_triples])
    splits = {}
    for s in SPLITS:
        rows = []
        for h, r, t, number in raw[s]:
            for kind, name, table in (("entity", h, ents), ("relation", r, rels),
                                      ("entity", t, ents)):
                if name not in table:
                    listing = "entities.txt" if kind == "entity" else "relations.txt"
                    raise KGFormatError(
                        f"unknown {kind} {name!r} (not in {listing})",
                        path=folder / f"{s}.txt", line=number,
                        hint=f"add it to {folder / listing} or fix the spelling")
            if r.startswith(INVERSE_PREFIX):
                raise KGFormatError(
                    f"relation {r!r} starts with {INVERSE_PREFIX!r}, reserved for inverses",
                    path=folder / f"{s}.txt", line=number, hint="rename the relation")
            rows.append((ents[h], rels[r], ents[t]))
        splits[s] = torch.tensor(rows, dtype=torch.long).reshape(-1, 3)
    return KnowledgeGraph(tuple(ents), tuple(rels), splits, str(folder))
