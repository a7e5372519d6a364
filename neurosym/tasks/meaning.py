"""The meaning block of a task file, checked against the grammar: one :class:`Template` per
named alternative (see :mod:`neurosym.tasks.template`), and the meaning of a parse tree.

``twice(x) = x x`` names the alternative's children in its head, in the order they appear in
the alternative; the checks here resolve those names to child indices.
"""

from __future__ import annotations

from neurosym.errors import TaskFileError
from neurosym.lang.grammar import load_parser, parse_with
from neurosym.lang.tree import ParseNode
from neurosym.tasks.cgrammar import InputGrammar
from neurosym.tasks.taskfile import MeaningSpec, TaskSpec, read_meaning
from neurosym.tasks.template import Item, ItemKind, Template, execute


def build_templates(spec: TaskSpec, grammar: InputGrammar) -> dict[str, Template]:
    """Check the meaning block against the grammar; one :class:`Template` per named alternative."""
    if spec.meaning_where is None:
        raise spec.error("no 'meaning { ... }' block", spec.grammar_where,
                         "after the grammar block add 'meaning {', one line per named alternative "
                         "such as 'twice(x) = x x' or 'walk = I_WALK', then '}'")
    templates: dict[str, Template] = {}
    first_line: dict[str, int | None] = {}
    for m in spec.meanings:
        if m.name in templates:
            raise spec.error(f"{m.name!r} has two meanings (first on line {first_line[m.name]})",
                             m.where, "keep one meaning per alternative")
        templates[m.name] = _check_meaning(spec, grammar, m)
        first_line[m.name] = m.where.line
    for name, alt in grammar.alternatives.items():
        if name not in templates:
            params = ", ".join("xyzuvw"[i] if i < 6 else f"c{i}" for i in range(alt.arity))
            example = (
                f"{name}({params}) = {params.replace(',', '')}"
                if alt.arity
                else f"{name} = {name.upper()}"
            )
            raise spec.error(
                f"the alternative {name!r} has no meaning",
                alt.where,
                f"add a line such as '{example}' to the meaning block "
                f"(write '{name} =' for the empty sequence)",
            )
    return {name: templates[name] for name in grammar.alternatives}


def _check_meaning(spec: TaskSpec, grammar: InputGrammar, m: MeaningSpec) -> Template:
    alt = grammar.alternatives.get(m.name)
    if alt is None:
        known = ", ".join(grammar.alternatives)
        raise spec.error(
            f"meaning for unknown alternative {m.name!r}",
            m.where,
            f"name an alternative of the grammar ('-> {m.name}'), or remove this line; "
            f"the alternatives are: {known}",
        )
    if len(m.params) != alt.arity:
        kids = ", ".join(alt.children) if alt.children else "none"
        shown = f"{m.name}({', '.join(m.params)})" if m.params else m.name
        where = m.params_where[0] if m.params_where else m.where
        want = (
            f"{m.name}({', '.join('xyzuvw'[i] if i < 6 else f'c{i}' for i in range(alt.arity))})"
            if alt.arity
            else m.name
        )
        raise spec.error(
            f"{shown} names {len(m.params)} children but the alternative {m.name!r} has "
            f"{alt.arity} (children: {kids})",
            where,
            f"write the head as '{want}': one name per rule in the alternative, in order",
        )
    return _resolve(spec, m)


def _resolve(spec: TaskSpec, m: MeaningSpec) -> Template:
    """The template of one meaning line: its child names resolved to indices."""
    index: dict[str, int] = {}
    for i, (p, w) in enumerate(zip(m.params, m.params_where)):
        if p in index:
            raise spec.error(
                f"the child name {p!r} is used twice in {m.name!r}",
                w,
                "give each child its own name",
            )
        index[p] = i
    items: list[Item] = []
    for item, where in zip(m.items, m.items_where):
        value = str(item.value)
        if item.kind is ItemKind.TOKEN:
            if not value or any(c.isspace() for c in value):
                raise spec.error(
                    f"the output token {value!r} must be one word",
                    where,
                    "write one token per quoted string, without spaces",
                )
            items.append(item)
        elif value in index:
            items.append(Item(item.kind, index[value]))
        else:
            have = ", ".join(m.params) if m.params else "no children"
            raise spec.error(
                f"the meaning of {m.name!r} refers to a child {value!r} that does not exist "
                f"({m.name!r} has {have})",
                where,
                "use one of the names in the head; output tokens start with an upper-case letter "
                'or are quoted ("walk")',
            )
    return Template(m.name, len(m.params), tuple(items), m.params)


def parse_template(text: str) -> Template:
    """A template from its text, one meaning line: ``parse_template(str(t)) == t``.

    >>> str(parse_template("around(u, d) = d u d u"))
    'around(u, d) = d u d u'
    """
    spec = TaskSpec(path="<template>", text=text)
    parser = load_parser("compositional", start="meaning")
    tree = parse_with(
        parser,
        text.strip() + "\n",
        path=spec.path,
        error=TaskFileError,
        what="template",
        hint="write one meaning line, e.g. 'after(x, y) = y x'",
    )
    return _resolve(spec, read_meaning(tree))


def interpret(node: ParseNode, templates: dict[str, Template]) -> tuple[str, ...]:
    """The meaning of a parse tree (see :func:`~neurosym.tasks.template.execute`); KeyError if
    one of its alternatives has no template."""
    out = execute(templates, node)
    if out is None:
        raise KeyError(node.rule)
    return out
