"""The output template: the meaning of one grammar alternative over its children's meanings.

``twice(x) = x x`` says: the meaning of ``twice`` is its first child's meaning, twice. A
:class:`Template` is a sequence of :class:`Item` s: output tokens, children (by index) and
``reverse(x)`` (a child's meaning read backwards); ``walk = I_WALK`` has no children, ``turn =``
means the empty sequence. A task file's meaning block and the concept learner both produce
templates, so learned meanings and the task's meanings compare as objects. ``str(template)`` is
the task file's text; :func:`neurosym.tasks.meaning.parse_template` reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from neurosym.lang.tree import ParseNode

_BARE_TOKEN = re.compile(r"[A-Z][A-Za-z0-9_]*")


class ItemKind(Enum):
    """What a template item writes: a token, a child's meaning, or a child's meaning reversed."""

    TOKEN = "token"
    CHILD = "child"
    REVERSE = "reverse"


@dataclass(frozen=True)
class Item:
    """One item: ``Item(ItemKind.TOKEN, "I_JUMP")``, ``Item(ItemKind.CHILD, 0)``, ...

    ``value`` is the token, or the child's index (its name as written, in a task file's
    :class:`~neurosym.tasks.taskfile.MeaningSpec` before it is checked).
    """

    kind: ItemKind
    value: str | int

    def text(self, params: Sequence[str]) -> str:
        """The item as a task file writes it, children named by ``params``."""
        if self.kind is ItemKind.TOKEN:
            token = str(self.value)
            return token if _BARE_TOKEN.fullmatch(token) else f'"{token}"'
        name = params[int(self.value)]
        return name if self.kind is ItemKind.CHILD else f"reverse({name})"


def param_names(arity: int) -> tuple[str, ...]:
    """Default names of an alternative's children: x, y, z, then x4, x5, ..."""
    return ("x", "y", "z")[:arity] + tuple(f"x{i + 1}" for i in range(3, arity))


@dataclass(frozen=True)
class Template:
    """The meaning of the alternative ``name`` with ``arity`` children: ``items``, in order.

    ``params`` name the children in the text form (default :func:`param_names`); they are
    not part of the value, so ``around(u, d) = d u`` equals ``around(x, y) = y x``.
    """

    name: str
    arity: int
    items: tuple[Item, ...] = ()
    params: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.params:
            object.__setattr__(self, "params", param_names(self.arity))
        if len(self.params) != self.arity:
            raise ValueError(f"{self.name}: {len(self.params)} child names for arity {self.arity}")

    def execute(self, children: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        """The output tokens, given each child's output tokens (``arity`` tuples)."""
        out: list[str] = []
        for item in self.items:
            if item.kind is ItemKind.TOKEN:
                out.append(item.value)  # type: ignore[arg-type]
            elif item.kind is ItemKind.CHILD:
                out.extend(children[item.value])  # type: ignore[index]
            else:
                out.extend(reversed(children[item.value]))  # type: ignore[index]
        return tuple(out)

    @property
    def tokens(self) -> tuple[str, ...]:
        """Output tokens the template writes itself (not those of its children)."""
        return tuple(str(it.value) for it in self.items if it.kind is ItemKind.TOKEN)

    def __str__(self) -> str:
        """The task file's text, e.g. ``after(x, y) = y x``, ``walk = I_WALK`` or ``turn =``."""
        head = f"{self.name}({', '.join(self.params)})" if self.arity else self.name
        return " ".join([head, "=", *(item.text(self.params) for item in self.items)])


def execute(templates: Mapping[str, Template], tree: ParseNode) -> tuple[str, ...] | None:
    """The meaning of ``tree``, each node's template applied bottom-up; None if a node's
    alternative has no template in ``templates``."""
    template = templates.get(tree.rule)
    if template is None:
        return None
    kids = []
    for child in tree.children:
        meaning = execute(templates, child)
        if meaning is None:
            return None
        kids.append(meaning)
    return template.execute(kids)
