"""Terms, atoms, clauses and programs of function-free Datalog.

Variables start with an upper-case letter or ``_``; constants are lower-case
identifiers, integers, or quoted strings. ``str()`` prints Datalog that
``neurosym.lang.datalog`` parses back to an equal object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_PLAIN_CONSTANT = re.compile(r"(?:[a-z][A-Za-z0-9_]*|-?[0-9]+)\Z")
_VARIABLE = re.compile(r"[A-Z_][A-Za-z0-9_]*\Z")
_PREDICATE = re.compile(r"[^\s(),.:]+\Z")


@dataclass(frozen=True, order=True)
class Var:
    name: str

    def __post_init__(self) -> None:
        if not _VARIABLE.match(self.name):
            raise ValueError(
                f"variable names start with an upper-case letter or '_': {self.name!r}"
            )

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, order=True)
class Const:
    name: str

    def __str__(self) -> str:
        if _PLAIN_CONSTANT.match(self.name):
            return self.name
        escaped = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'


Term = Var | Const


@dataclass(frozen=True, order=True)
class Atom:
    """``pred(args...)``; arity 0 prints as ``pred``."""

    pred: str
    args: tuple[Term, ...] = ()

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def is_ground(self) -> bool:
        return all(isinstance(a, Const) for a in self.args)

    def variables(self) -> Iterator[Var]:
        return (a for a in self.args if isinstance(a, Var))

    def ground_tuple(self) -> tuple[str, ...]:
        """Constant names of a ground atom."""
        if not self.is_ground:
            raise ValueError(f"atom {self} is not ground")
        return tuple(a.name for a in self.args)  # type: ignore[union-attr]

    def __str__(self) -> str:
        if not self.args:
            return self.pred
        return f"{self.pred}({', '.join(str(a) for a in self.args)})"


def atom(pred: str, *args: str | int | Term) -> Atom:
    """Convenience constructor: ``atom("succ", 0, 1)``, ``atom("edge", "X", "b")``.

    Strings that look like variables (upper-case first letter) become ``Var``. ``pred`` is a
    name, not an atom's text: ``atom("succ(0, 1)")`` is an error (text is read by
    :func:`neurosym.lang.datalog.parse_atoms`).
    """
    if not isinstance(pred, str) or not _PREDICATE.match(pred):
        from neurosym.errors import NeurosymError

        raise NeurosymError(
            f"atom({pred!r}, ...): the predicate must be a name like succ or edge_2; pass the "
            "arguments separately, e.g. atom('succ', 0, 1), not atom('succ(0, 1)')"
        )
    terms: list[Term] = []
    for a in args:
        if isinstance(a, (Var, Const)):
            terms.append(a)
        elif isinstance(a, int):
            terms.append(Const(str(a)))
        elif _VARIABLE.match(a):
            terms.append(Var(a))
        else:
            terms.append(Const(a))
    return Atom(pred, tuple(terms))


@dataclass(frozen=True, order=True)
class Clause:
    """``head :- body_1, ..., body_n.`` (a fact when the body is empty)."""

    head: Atom
    body: tuple[Atom, ...] = ()

    def variables(self) -> list[Var]:
        """Variables in order of first appearance (head first)."""
        seen: dict[Var, None] = {}
        for a in (self.head, *self.body):
            for v in a.variables():
                seen.setdefault(v, None)
        return list(seen)

    @property
    def is_safe(self) -> bool:
        """Every head variable occurs in the body."""
        body_vars = {v for b in self.body for v in b.variables()}
        return all(v in body_vars for v in self.head.variables())

    def __str__(self) -> str:
        if not self.body:
            return f"{self.head}."
        return f"{self.head} :- {', '.join(str(b) for b in self.body)}."


@dataclass(frozen=True)
class Program:
    """An ordered collection of clauses. Equality is order-sensitive; use ``same_clauses``
    otherwise."""

    clauses: tuple[Clause, ...] = ()

    def __init__(self, clauses: Iterable[Clause] = ()) -> None:
        object.__setattr__(self, "clauses", tuple(clauses))

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses)

    def __len__(self) -> int:
        return len(self.clauses)

    def same_clauses(self, other: Program) -> bool:
        return set(self.clauses) == set(other.clauses)

    @property
    def head_predicates(self) -> set[str]:
        return {c.head.pred for c in self.clauses}

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self.clauses)
