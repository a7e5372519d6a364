"""The ∂ILP task objects: :class:`ILPTask` with its :class:`World` s and :class:`RuleTemplate` s.

Front ends (task file, Python, Popper folder) build them through neurosym.tasks.ilp_validate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.logic.terms import Atom, Program


@dataclass(frozen=True)
class RuleTemplate:
    """∂ILP rule template (v, int): v existential variables; int: may the body use intensional
    predicates."""

    existentials: int
    intensional: bool

    def __str__(self) -> str:
        return f"({self.existentials}, {'yes' if self.intensional else 'no'})"


def item_name(dataset: str, index: int) -> str:
    """The constant that names image ``index`` of a percept data set: ``mnist[12]``."""
    return f"{dataset}[{index}]"


@dataclass(frozen=True)
class NeuralPredicate:
    """A neural predicate ``pred(Item, Concept)`` (task file: ``percept pred from dataset {...}``):
    an item, the constant ``dataset[i]`` (image ``i``), is perceived as one of ``concepts``;
    ``concepts`` maps each concept constant to the data set class it stands for (used only to
    score the encoder, never to train it)."""

    pred: str
    dataset: str
    concepts: dict[str, int]

    def item(self, index: int) -> str:
        """The constant that names image ``index`` of the data set."""
        return item_name(self.dataset, index)

    def index(self, item: str) -> int:
        """The image index an item constant names (``mnist[12]`` -> 12)."""
        return int(item[len(self.dataset) + 1 : -1])


@dataclass(frozen=True)
class World:
    """One fact set with its labelled target atoms (closed-world negatives already expanded)."""

    name: str
    background: tuple[Atom, ...]
    positives: tuple[Atom, ...]
    negatives: tuple[Atom, ...]
    assumed_negatives: bool = False
    """The negatives are a closed-world assumption (the source stated none): they train the
    weights, but a program is verified on the stated examples only (:meth:`stated`)."""

    @property
    def examples(self) -> list[tuple[Atom, bool]]:
        return [(a, True) for a in self.positives] + [(a, False) for a in self.negatives]

    def stated(self) -> World:
        """This world with the examples its source stated (no assumed negatives)."""
        if not self.assumed_negatives:
            return self
        return World(self.name, self.background, self.positives, ())


@dataclass
class ILPTask:
    """An ILP problem (language, worlds, examples) plus its program template."""

    name: str
    constants: tuple[str, ...]
    extensional: dict[str, int]
    target: str
    target_arity: int
    invented: dict[str, int]
    templates: dict[str, tuple[RuleTemplate, ...]]
    steps: int
    train: tuple[World, ...]
    validation: tuple[World, ...] = ()
    solution: Program | None = None
    path: str | None = None
    # (line, column) of each `rules` statement, for later errors (e.g. a template with no clause).
    template_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    source_text: str | None = None
    # argument types {pred: (type, ...)}: only well-typed clauses are generated (empty: untyped)
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # False: only clauses without a singleton variable are generated (Popper's default bias)
    singletons: bool = True
    # a larger hypothesis space (other templates) that RuleLearner.fit goes on to when this
    # task's ends unverified (the Popper reader's one long clause)
    fallback: ILPTask | None = None
    neural: NeuralPredicate | None = None  # examples over items are read through it

    def __post_init__(self) -> None:
        """A task learns from examples: without a positive one every program would be
        "verified" (the front ends check each world; this catches a hand-built task)."""
        if not any(w.positives for w in self.train):
            raise NeurosymError(f"ILP task {self.name}: no training world has a positive example; "
                                "fix: give at least one positive example")

    @property
    def intensional(self) -> dict[str, int]:
        """Target and invented predicates with their arities (target first)."""
        return {self.target: self.target_arity, **self.invented}

    @property
    def predicates(self) -> dict[str, int]:
        return {**self.extensional, **self.intensional}

    @property
    def worlds(self) -> tuple[World, ...]:
        return self.train + self.validation

    def error(
        self, message: str, pred: str | None = None, hint: str | None = None
    ) -> TaskFileError:
        """A TaskFileError pointing at the `rules` line of ``pred`` (or at the file)."""
        line, column = self.template_positions.get(pred, (None, None)) if pred else (None, None)
        return TaskFileError(
            message, path=self.path, line=line, column=column, text=self.source_text, hint=hint
        )

    def summary(self) -> str:
        n_pos = sum(len(w.positives) for w in self.train)
        n_neg = sum(len(w.negatives) for w in self.train)
        inv = ", ".join(f"{p}/{a}" for p, a in self.invented.items()) or "none"
        return (
            f"ILP task {self.name}: target {self.target}/{self.target_arity}, "
            f"{len(self.constants)} constants, {len(self.extensional)} extensional predicates, "
            f"invented {inv}, {len(self.train)} training world(s) with {n_pos} positive / "
            f"{n_neg} negative examples, "
            f"{len(self.validation)} validation world(s), T={self.steps}"
            + (f", neural predicate {self.neural.pred} from {self.neural.dataset}"
               if self.neural else "")
        )
