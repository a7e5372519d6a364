"""Build an :class:`~neurosym.tasks.ilp_task.ILPTask` from Python objects (no task file).

>>> from neurosym.logic.terms import atom
>>> task = make_task(
...     facts=[atom("parent", "ann", "bob"), atom("parent", "bob", "cy")],
...     positives=[atom("grandparent", "ann", "cy")],
...     templates={"grandparent": [(1, False)]},
... )
>>> task.target, task.extensional, len(task.train[0].negatives)
('grandparent', {'parent': 2}, 8)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from neurosym.errors import NeurosymError
from neurosym.logic.terms import Atom, Program
from neurosym.tasks.ilp_types import ILPTask
from neurosym.tasks.ilp_validate import (
    RECURSIVE_STEPS,
    DraftWorld,
    Locator,
    TaskDraft,
    TemplateSpec,
    as_atoms,
    build_ilp_task,
    rule_template,
)

WorldSpec = tuple[Iterable[Atom], Iterable[Atom], Iterable[Atom] | str]


def make_task(
    facts: Iterable[Atom],
    positives: Iterable[Atom],
    negatives: Iterable[Atom] | str = "closed_world",
    *,
    templates: Mapping[str, Sequence[TemplateSpec]] | None = None,
    target: str | None = None,
    invented: Mapping[str, int] | None = None,
    extensional: Mapping[str, int] | None = None,
    constants: Sequence[str | int] | None = None,
    steps: int | None = None,
    validation: Sequence[WorldSpec] = (),
    name: str = "task",
    solution: Program | None = None,
) -> ILPTask:
    """An ILP task with one training world (``facts``, ``positives``, ``negatives``).

    * ``negatives``: atoms, or ``"closed_world"`` (every other target atom is negative).
    * ``templates``: ``{pred: [(v, intensional), ...]}`` (one or two per intensional
      predicate); default ``{target: [(0, False), (1, True)]}``.
    * ``target``: default the predicate of the positives.
    * ``invented``: auxiliary predicates ``{name: arity}`` (each needs templates).
    * ``extensional``: arities of predicates without facts (others are inferred).
    * ``constants``: default every constant in the atoms, in order of appearance.
    * ``steps``: forward-chaining steps T; default 1 when no template allows
      intensional predicates and nothing is invented, else 4.
    * ``validation``: extra ``(facts, positives, negatives)`` worlds used only to verify.

    Repeated facts and examples are kept once. Every check is the one validator's
    (:func:`neurosym.tasks.ilp_validate.build_ilp_task`).
    """
    positives = as_atoms(positives, "positives")
    if target is None:
        preds = sorted({a.pred for a in positives})
        if not preds:
            raise NeurosymError("make_task needs at least one positive example (or target=...)")
        if len(preds) != 1:
            raise NeurosymError(
                f"the positives use several predicates ({', '.join(preds)}); pass target=..."
            )
        target = preds[0]
    worlds = [_world("train", facts, positives, negatives, validation=False)]
    worlds += [
        _world(f"validation{i + 1}", f, p, n, validation=True)
        for i, (f, p, n) in enumerate(validation)
    ]
    examples = [a for w in worlds for a in (*w.positives, *w.negatives)]
    draft = TaskDraft(
        name=name,
        target=target,
        target_arity=next((a.arity for a in examples if a.pred == target), 0),
        invented=dict(invented or {}),
        extensional=dict(extensional or {}),
        constants=[str(c) for c in constants] if constants is not None else None,
        templates={
            p: tuple(rule_template(t, p) for t in specs)
            for p, specs in (
                templates if templates is not None else {target: [(0, False), (1, True)]}
            ).items()
        },
        steps=steps,
        steps_when_recursive=RECURSIVE_STEPS,
        worlds=worlds,
        solution=tuple(solution) if solution is not None else None,
    )
    return build_ilp_task(draft, Locator())


def _world(
    name: str,
    facts: Iterable[Atom],
    positives: Iterable[Atom],
    negatives: Iterable[Atom] | str,
    *,
    validation: bool,
) -> DraftWorld:
    """One world; ``negatives`` is atoms or ``"closed_world"``."""
    if isinstance(negatives, str) and negatives != "closed_world":
        raise NeurosymError(f"negatives must be atoms or 'closed_world', got {negatives!r}")
    closed = isinstance(negatives, str)
    return DraftWorld(
        name,
        as_atoms(facts, f"the facts of {name}"),
        list(dict.fromkeys(as_atoms(positives, f"the positives of {name}"))),
        [] if closed else list(dict.fromkeys(as_atoms(negatives, f"the negatives of {name}"))),
        closed_world=closed,
        validation=validation,
    )
