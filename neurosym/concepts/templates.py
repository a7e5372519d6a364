"""Symbolic meanings: an output template per concept, and exact execution on a parse tree.

A template is a sequence of items; each item is an output token, a child's
meaning, or a child's meaning reversed. ``twice(x) = x x`` is
``Template((child 0, child 0))``; ``jump = I_JUMP`` is ``Template((token I_JUMP,))``;
``turn =`` is the empty template. A :class:`Program` maps every concept to one
template and computes the meaning of a whole tree bottom-up, exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode

TOKEN, CHILD, REVERSE = "token", "child", "reverse"


def param_names(arity: int) -> list[str]:
    """The names rules use for a concept's children: x, y, z, then x4, x5, ..."""
    base = ["x", "y", "z"]
    return base[:arity] + [f"x{i + 1}" for i in range(3, arity)]


@dataclass(frozen=True)
class Item:
    """One template item: ``Item(TOKEN, "I_JUMP")``, ``Item(CHILD, 0)`` or ``Item(REVERSE, 1)``."""

    kind: str
    value: str | int

    def text(self, params: list[str]) -> str:
        if self.kind == TOKEN:
            return str(self.value)
        name = params[int(self.value)]
        return name if self.kind == CHILD else f"reverse({name})"


@dataclass(frozen=True)
class Template:
    items: tuple[Item, ...] = ()

    def rule(self, name: str, arity: int) -> str:
        """Readable rule text, e.g. ``after(x, y) = y x`` or ``turn =``."""
        params = param_names(arity)
        head = f"{name}({', '.join(params)})" if arity else name
        return " ".join([head, "=", *(item.text(params) for item in self.items)])

    def apply(self, children: list[tuple[str, ...]]) -> tuple[str, ...]:
        out: list[str] = []
        for item in self.items:
            if item.kind == TOKEN:
                out.append(str(item.value))
            elif item.kind == CHILD:
                out.extend(children[int(item.value)])
            else:
                out.extend(reversed(children[int(item.value)]))
        return tuple(out)


def execute(templates: Mapping[str, Template], tree: ParseNode) -> tuple[str, ...] | None:
    """Meaning of ``tree`` under ``templates``, bottom-up; None if a concept has no template."""
    template = templates.get(tree.rule)
    if template is None:
        return None
    kids = []
    for child in tree.children:
        meaning = execute(templates, child)
        if meaning is None:
            return None
        kids.append(meaning)
    return template.apply(kids)


@dataclass
class Program:
    """A template per concept; ``run(tree)`` is the exact meaning of a parse tree.

    ``arities`` gives each concept's number of children; ``confidence`` the
    model's probability of each chosen template (1.0 for hand-written programs).
    """

    templates: dict[str, Template]
    arities: dict[str, int]
    confidence: dict[str, float] = field(default_factory=dict)

    def run(self, tree: ParseNode) -> tuple[str, ...]:
        """Meaning of ``tree``; raises NeurosymError if it uses a concept without a template."""
        out = execute(self.templates, tree)
        if out is None:
            missing = sorted({n.rule for n in tree.walk()} - set(self.templates))
            raise NeurosymError(f"no meaning learned for concept(s) {', '.join(missing)}")
        return out

    def knows(self, tree: ParseNode) -> bool:
        return all(node.rule in self.templates for node in tree.walk())

    def rules(self) -> dict[str, str]:
        """``{concept: "twice(x) = x x", ...}`` in the textual form of a task file's meaning block."""
        return {name: t.rule(name, self.arities[name]) for name, t in self.templates.items()}

    def describe(self) -> str:
        """One rule a line, with its confidence: ``twice(x) = x x    [p=1.000]``."""
        rules = self.rules()
        width = max((len(r) for r in rules.values()), default=0)
        lines = []
        for name, text in rules.items():
            p = self.confidence.get(name)
            lines.append(text if p is None else f"{text.ljust(width)}   [p={p:.3f}]")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "arities": self.arities,
            "templates": {n: [[i.kind, i.value] for i in t.items] for n, t in self.templates.items()},
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Program:
        templates = {
            n: Template(tuple(Item(k, int(v) if k != TOKEN else str(v)) for k, v in items))
            for n, items in data["templates"].items()
        }
        return cls(templates, {k: int(v) for k, v in data["arities"].items()},
                   {k: float(v) for k, v in data.get("confidence", {}).items()})


_RULE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:\(([^)]*)\))?\s*=(.*)$")


def normalise_rule(text: str) -> str:
    """Rename a rule's parameters by position so rules from different sources compare equal.

    >>> normalise_rule("turned(u, d) = d u")
    'turned(x, y) = y x'
    >>> normalise_rule("turn =")
    'turn ='
    """
    match = _RULE.match(text)
    if not match:
        raise NeurosymError(f"not a rule of the form 'name(x, y) = items': {text!r}")
    name, params_text, body = match.groups()
    params = [p.strip() for p in params_text.split(",")] if params_text and params_text.strip() else []
    rename = dict(zip(params, param_names(len(params))))

    def item(word: str) -> str:
        rev = re.fullmatch(r"reverse\(\s*([a-z_][a-z0-9_]*)\s*\)", word)
        if rev:
            return f"reverse({rename.get(rev.group(1), rev.group(1))})"
        return rename.get(word, word)

    words = re.findall(r"reverse\(\s*[a-z_][a-z0-9_]*\s*\)|\S+", body)
    head = f"{name}({', '.join(param_names(len(params)))})" if params else name
    return " ".join([head, "=", *(item(w) for w in words)])
