"""Read a compositional task file (grammars/compositional.lark) into plain declarations.

This module only turns text into :class:`TaskSpec` (with source positions for
error messages); checking that the declarations make sense is done by
:mod:`neurosym.tasks.cgrammar`, :mod:`neurosym.tasks.meaning`,
:mod:`neurosym.tasks.enumerate` and :mod:`neurosym.tasks.splits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lark import Token, Tree

from neurosym.errors import TaskFileError
from neurosym.lang.grammar import load_parser, parse_with, position
from neurosym.tasks.template import Item, ItemKind

_GRAMMAR_BLOCK = re.compile(r"^[\t ]*grammar[\t ]*\{", re.MULTILINE)


def is_compositional_task_text(text: str) -> bool:
    """True if ``text`` is a compositional task file: it has a top-level ``grammar {`` block.

    ILP task files never contain one, so ``neurosym task check FILE`` dispatches on this.
    """
    return _GRAMMAR_BLOCK.search(text) is not None


@dataclass(frozen=True)
class Where:
    """A place in the task file (1-based line and column)."""

    line: int | None
    column: int | None


@dataclass(frozen=True)
class Symbol:
    """One symbol of an alternative: a quoted word (``literal``) or a nonterminal reference."""

    kind: str  # "literal" | "ref"
    value: str
    where: Where


@dataclass(frozen=True)
class AlternativeSpec:
    rule: str
    symbols: tuple[Symbol, ...]
    name: str | None  # None: an unnamed pass-through alternative (exactly one nonterminal)
    where: Where
    name_where: Where


@dataclass(frozen=True)
class RuleSpec:
    name: str
    alternatives: tuple[AlternativeSpec, ...]
    where: Where


@dataclass(frozen=True)
class MeaningSpec:
    """One line of the meaning block as written: children are named (``Item(CHILD, "x")``)."""

    name: str
    params: tuple[str, ...]
    items: tuple[Item, ...]
    where: Where
    params_where: tuple[Where, ...]
    items_where: tuple[Where, ...]


Value = str | float | int | list


@dataclass(frozen=True)
class Argument:
    keyword: str | None
    value: Value
    where: Where
    text: str  # the literal as written (numbers keep their decimal text)


@dataclass(frozen=True)
class SplitKindSpec:
    kind: str
    arguments: tuple[Argument, ...]
    where: Where


@dataclass(frozen=True)
class SplitSpec:
    name: str
    kind: SplitKindSpec
    fallback: SplitKindSpec | None
    folder: str | None
    where: Where


@dataclass(frozen=True)
class EnumerateSpec:
    all: bool = False
    depth: int | None = None
    count: int | None = None
    seed: int | None = None
    where: Where = Where(None, None)


@dataclass(frozen=True)
class PerceptSpec:
    """``percept RULE from DATASET {word: class, ...}``: the words of ``rule`` may arrive as items
    of
    the data set, each occurrence a fresh item of the word's class."""

    rule: str
    dataset: str
    words: tuple[tuple[str, int, Where], ...]  # (word, class, where)
    where: Where
    dataset_where: Where


@dataclass
class TaskSpec:
    """Everything a compositional task file declares, unchecked."""

    path: str
    text: str
    name: str | None = None
    data_dir: str | None = None
    data_where: Where = Where(None, None)
    rules: list[RuleSpec] = field(default_factory=list)
    grammar_where: Where | None = None
    meanings: list[MeaningSpec] = field(default_factory=list)
    meaning_where: Where | None = None
    enumerate: EnumerateSpec | None = None
    splits: list[SplitSpec] = field(default_factory=list)
    percepts: list[PerceptSpec] = field(default_factory=list)

    def error(self, message: str, where: Where | None, hint: str) -> TaskFileError:
        where = where or Where(None, None)
        return TaskFileError(
            message, path=self.path, line=where.line, column=where.column, text=self.text, hint=hint
        )


def _where(node: object) -> Where:
    line, column = position(node)
    return Where(line, column)


def _unquote(token: Token) -> str:
    return str(token)[1:-1]


def _duplicate(spec: TaskSpec, what: str, where: Where) -> TaskFileError:
    return spec.error(
        f"a second {what} block", where, f"a task file has one {what} block; merge the two"
    )


def read_task_spec(text: str, path: str | Path = "<string>") -> TaskSpec:
    """Parse the text of a compositional task file into a :class:`TaskSpec` (syntax only)."""
    path = str(path)
    parser = load_parser("compositional")
    tree = parse_with(
        parser,
        text if text.endswith("\n") else text + "\n",
        path=path,
        error=TaskFileError,
        what="compositional task file",
        hint="see README, 'Compositional task files': one statement per line; grammar alternatives "
        "are quoted words and rule names with '-> name'; meanings are 'name(x, y) = x y TOKEN'",
    )
    spec = TaskSpec(path=path, text=text)
    for node in tree.children:
        kind = node.data
        if kind == "task_name":
            spec.name = str(node.children[0])
        elif kind == "data_dir":
            spec.data_dir = _unquote(node.children[0])
            spec.data_where = _where(node)
        elif kind == "grammar_block":
            if spec.grammar_where is not None:
                raise _duplicate(spec, "grammar", _where(node))
            spec.grammar_where = _where(node)
            spec.rules = [_read_rule(r) for r in node.children]
        elif kind == "meaning_block":
            if spec.meaning_where is not None:
                raise _duplicate(spec, "meaning", _where(node))
            spec.meaning_where = _where(node)
            spec.meanings = [read_meaning(m) for m in node.children]
        elif kind == "enumerate":
            if spec.enumerate is not None:
                raise spec.error(
                    "a second 'enumerate' statement", _where(node), "keep one 'enumerate' line"
                )
            spec.enumerate = _read_enumerate(spec, node)
        elif kind == "split":
            spec.splits.append(_read_split(node))
        elif kind == "percept":
            spec.percepts.append(_read_percept(node))
    return spec


def _read_rule(node: Tree) -> RuleSpec:
    name_token = node.children[0]
    rule_name = str(name_token)
    alternatives = []
    for alt in node.children[1:]:
        symbols: list[Symbol] = []
        name: str | None = None
        name_where = _where(alt)
        for child in alt.children:
            if isinstance(child, Token):  # the '-> name'
                name, name_where = str(child), _where(child)
                continue
            symbols.append(_read_symbol(child))
        alternatives.append(
            AlternativeSpec(rule_name, tuple(symbols), name, _where(alt), name_where)
        )
    return RuleSpec(rule_name, tuple(alternatives), _where(name_token))


def _read_symbol(node: Tree) -> Symbol:
    if node.data == "operator":
        _inner, op = node.children
        return Symbol("operator", str(op), _where(op))
    token = node.children[0]
    if node.data == "literal":
        return Symbol("literal", _unquote(token), _where(token))
    return Symbol("ref", str(token), _where(token))


_ITEM_KINDS = {"child": ItemKind.CHILD, "reversed_child": ItemKind.REVERSE, "token": ItemKind.TOKEN}


def read_meaning(node: Tree) -> MeaningSpec:
    """One parsed ``meaning`` line (``twice(x) = x x``), its children still named, not indexed."""
    name_token = node.children[0]
    params: tuple[str, ...] = ()
    params_where: tuple[Where, ...] = ()
    items: list[Item] = []
    items_where: list[Where] = []
    for child in node.children[1:]:
        if child.data == "params":
            params = tuple(str(t) for t in child.children)
            params_where = tuple(_where(t) for t in child.children)
            continue
        token = child.children[0]
        value = _unquote(token) if token.type == "STRING" else str(token)
        items.append(Item(_ITEM_KINDS[child.data], value))
        items_where.append(_where(token))
    return MeaningSpec(
        str(name_token), params, tuple(items), _where(name_token), params_where, tuple(items_where)
    )


def _read_enumerate(spec: TaskSpec, node: Tree) -> EnumerateSpec:
    values: dict[str, object] = {}
    for option in node.children:
        key = option.data.removeprefix("enum_")
        if key in values:
            raise spec.error(
                f"'{key}' given twice in 'enumerate'", _where(option), f"give '{key}' once"
            )
        values[key] = True if key == "all" else int(option.children[0])
    return EnumerateSpec(
        all=bool(values.get("all", False)),
        depth=values.get("depth"),  # type: ignore[arg-type]
        count=values.get("count"),
        seed=values.get("seed"),  # type: ignore[arg-type]
        where=_where(node),
    )


def _read_value(node: Tree) -> Value:
    if node.data == "string":
        return _unquote(node.children[0])
    if node.data == "number":
        text = str(node.children[0])
        return float(text) if "." in text else int(text)
    return [_read_value(v) for v in node.children]


def _value_text(node: Tree) -> str:
    if node.data == "list":
        return "[" + ", ".join(_value_text(v) for v in node.children) + "]"
    return str(node.children[0])


def _read_split_kind(node: Tree) -> SplitKindSpec:
    kind_token = node.children[0]
    arguments = []
    for arg in node.children[1:]:
        if arg.data == "keyword":
            key, value = arg.children
            arguments.append(
                Argument(str(key), _read_value(value), _where(key), _value_text(value))
            )
        else:
            (value,) = arg.children
            arguments.append(Argument(None, _read_value(value), _where(value), _value_text(value)))
    return SplitKindSpec(str(kind_token), tuple(arguments), _where(kind_token))


def _read_percept(node: Tree) -> PerceptSpec:
    rule, dataset, *words = node.children
    pairs = tuple(
        (str(w.children[0]), int(w.children[1]), _where(w.children[0]))
        for w in words
        if w is not None
    )
    return PerceptSpec(str(rule), str(dataset), pairs, _where(rule), _where(dataset))


def _read_split(node: Tree) -> SplitSpec:
    name_token = node.children[0]
    kinds = [c for c in node.children[1:] if isinstance(c, Tree)]
    folders = [c for c in node.children[1:] if isinstance(c, Token)]
    return SplitSpec(
        name=str(name_token),
        kind=_read_split_kind(kinds[0]),
        fallback=_read_split_kind(kinds[1]) if len(kinds) > 1 else None,
        folder=_unquote(folders[0]) if folders else None,
        where=_where(name_token),
    )
