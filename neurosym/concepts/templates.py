"""A learned program: one output template per concept, executed exactly on a parse tree.

The templates are :class:`neurosym.tasks.template.Template`, the type a task file's meaning
block produces, so a learned program compares with the task's meanings as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Item, ItemKind, Template, execute


@dataclass
class Program:
    """A template per concept; ``run(tree)`` is the exact meaning of a parse tree.

    ``confidence`` is the model's probability of each chosen template (empty when hand-written).
    """

    templates: dict[str, Template]
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
        """``{concept: "twice(x) = x x", ...}`` in the textual form of a task file's meaning
        block."""
        return {name: str(t) for name, t in self.templates.items()}

    def describe(self) -> str:
        """One template a line, with its confidence: ``twice(x) = x x    [p=1.000]``."""
        rules = self.rules()
        width = max((len(r) for r in rules.values()), default=0)
        lines = []
        for name, text in rules.items():
            p = self.confidence.get(name)
            lines.append(text if p is None else f"{text.ljust(width)}   [p={p:.3f}]")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "arities": {n: t.arity for n, t in self.templates.items()},
            "templates": {
                n: [[i.kind.value, i.value] for i in t.items] for n, t in self.templates.items()
            },
            "confidence": self.confidence,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Program:
        def item(kind: str, value: str | int) -> Item:
            k = ItemKind(kind)
            return Item(k, str(value) if k is ItemKind.TOKEN else int(value))

        templates = {
            n: Template(n, int(data["arities"][n]), tuple(item(k, v) for k, v in items))
            for n, items in data["templates"].items()
        }
        return cls(templates, {k: float(v) for k, v in data.get("confidence", {}).items()})
