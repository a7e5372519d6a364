"""Meanings of named alternatives: output templates over the children's meanings.

``twice(x) = x x`` says: the meaning of ``twice`` is its first child's meaning,
twice. A template is a sequence of output tokens (upper-case or quoted),
children (by the positional name in the head) and ``reverse(x)`` (a child's
meaning read backwards). Children are named in the order they appear in the
alternative; ``walk = I_WALK`` has none; ``turn =`` means the empty sequence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from neurosym.lang.tree import ParseNode
from neurosym.tasks.cgrammar import InputGrammar
from neurosym.tasks.taskfile import MeaningSpec, TaskSpec

_BARE_TOKEN = re.compile(r"[A-Z][A-Za-z0-9_]*")

Op = tuple[str, object]  # ("token", str) | ("child", int) | ("reverse", int)


@dataclass(frozen=True)
class Template:
    """The meaning of one alternative. ``ops`` refer to children by index."""

    name: str
    params: tuple[str, ...]
    ops: tuple[Op, ...]

    def apply(self, children: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        """Meaning of the alternative given its children's meanings (tuples of output tokens)."""
        out: list[str] = []
        for kind, value in self.ops:
            if kind == "token":
                out.append(value)  # type: ignore[arg-type]
            elif kind == "child":
                out.extend(children[value])  # type: ignore[index]
            else:
                out.extend(reversed(children[value]))  # type: ignore[index]
        return tuple(out)

    @property
    def tokens(self) -> tuple[str, ...]:
        """Output tokens the template writes itself (not those of its children)."""
        return tuple(str(v) for k, v in self.ops if k == "token")

    def __str__(self) -> str:
        head = f"{self.name}({', '.join(self.params)})" if self.params else self.name
        body = " ".join(
            _token_text(str(v)) if k == "token"
            else self.params[v] if k == "child" else f"reverse({self.params[v]})"  # type: ignore[index]
            for k, v in self.ops
        )
        return f"{head} = {body}".rstrip()


def _token_text(token: str) -> str:
    """A token as the task file writes it: bare if upper-case-initial, else quoted."""
    return token if _BARE_TOKEN.fullmatch(token) else f'"{token}"'


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
            example = f"{name}({params}) = {params.replace(',', '')}" if alt.arity else f"{name} = {name.upper()}"
            raise spec.error(f"the alternative {name!r} has no meaning", alt.where,
                             f"add a line such as '{example}' to the meaning block "
                             f"(write '{name} =' for the empty sequence)")
    return {name: templates[name] for name in grammar.alternatives}


def _check_meaning(spec: TaskSpec, grammar: InputGrammar, m: MeaningSpec) -> Template:
    alt = grammar.alternatives.get(m.name)
    if alt is None:
        known = ", ".join(grammar.alternatives)
        raise spec.error(f"meaning for unknown alternative {m.name!r}", m.where,
                         f"name an alternative of the grammar ('-> {m.name}'), or remove this line; "
                         f"the alternatives are: {known}")
    if len(m.params) != alt.arity:
        kids = ", ".join(alt.children) if alt.children else "none"
        shown = f"{m.name}({', '.join(m.params)})" if m.params else m.name
        where = m.params_where[0] if m.params_where else m.where
        want = (f"{m.name}({', '.join('xyzuvw'[i] if i < 6 else f'c{i}' for i in range(alt.arity))})"
                if alt.arity else m.name)
        raise spec.error(
            f"{shown} names {len(m.params)} children but the alternative {m.name!r} has "
            f"{alt.arity} (children: {kids})", where,
            f"write the head as '{want}': one name per rule in the alternative, in order")
    index: dict[str, int] = {}
    for i, (p, w) in enumerate(zip(m.params, m.params_where)):
        if p in index:
            raise spec.error(f"the child name {p!r} is used twice in {m.name!r}", w,
                             "give each child its own name")
        index[p] = i
    ops: list[Op] = []
    for item in m.items:
        if item.kind == "token":
            if not item.value or any(c.isspace() for c in item.value):
                raise spec.error(f"the output token {item.value!r} must be one word", item.where,
                                 "write one token per quoted string, without spaces")
            ops.append(("token", item.value))
            continue
        if item.value not in index:
            have = ", ".join(m.params) if m.params else "no children"
            raise spec.error(
                f"the meaning of {m.name!r} refers to a child {item.value!r} that does not exist "
                f"({m.name!r} has {have})", item.where,
                "use one of the names in the head; output tokens start with an upper-case letter "
                "or are quoted (\"walk\")")
        ops.append(("child" if item.kind == "child" else "reverse", index[item.value]))
    return Template(m.name, m.params, tuple(ops))


def interpret(node: ParseNode, templates: dict[str, Template]) -> tuple[str, ...]:
    """The meaning of a parse tree: apply each alternative's template bottom-up."""
    template = templates[node.rule]
    return template.apply([interpret(c, templates) for c in node.children])
