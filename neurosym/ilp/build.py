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

import itertools
from collections.abc import Iterable, Mapping, Sequence

from neurosym.errors import NeurosymError
from neurosym.logic.terms import Atom, Const, Program
from neurosym.tasks.ilp_task import ILPTask, RuleTemplate, World

TemplateSpec = RuleTemplate | tuple[int, bool]
WorldSpec = tuple[Iterable[Atom], Iterable[Atom], Iterable[Atom] | str]


def _template(spec: TemplateSpec, pred: str) -> RuleTemplate:
    if isinstance(spec, RuleTemplate):
        return spec
    try:
        v, intensional = spec
    except (TypeError, ValueError):
        raise NeurosymError(
            f"rule template {spec!r} for {pred}: write (v, intensional), e.g. (1, True)"
        ) from None
    if not isinstance(v, int) or v < 0:
        raise NeurosymError(f"rule template {spec!r} for {pred}: v (existential variables) must be an int >= 0")
    return RuleTemplate(v, bool(intensional))


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
    """
    facts, positives = list(facts), list(positives)
    if not positives:
        raise NeurosymError("make_task needs at least one positive example")
    if target is None:
        preds = sorted({a.pred for a in positives})
        if len(preds) != 1:
            raise NeurosymError(f"the positives use several predicates ({', '.join(preds)}); pass target=...")
        target = preds[0]
    invented = dict(invented or {})
    worlds_in: list[tuple[str, list[Atom], list[Atom], list[Atom] | str]] = [
        ("train", facts, positives, negatives if isinstance(negatives, str) else list(negatives))
    ]
    for i, (f, p, n) in enumerate(validation):
        worlds_in.append((f"validation{i + 1}", list(f), list(p), n if isinstance(n, str) else list(n)))

    target_arity: int | None = None
    arities: dict[str, int] = dict(extensional or {})
    order: dict[str, None] = {}
    for _, f, p, n in worlds_in:
        for a in f:
            if not a.is_ground:
                raise NeurosymError(f"fact {a} is not ground")
            if a.pred == target or a.pred in invented:
                raise NeurosymError(f"fact {a}: {a.pred} is intensional; facts use extensional predicates only")
            if arities.setdefault(a.pred, a.arity) != a.arity:
                raise NeurosymError(f"arity mismatch: {a} has {a.arity} argument(s), {a.pred} has {arities[a.pred]}")
        for a in p + ([] if isinstance(n, str) else n):
            if a.pred != target:
                raise NeurosymError(f"example {a} is not an atom of the target predicate {target}")
            if not a.is_ground:
                raise NeurosymError(f"example {a} is not ground")
            if target_arity is None:
                target_arity = a.arity
            elif a.arity != target_arity:
                raise NeurosymError(f"arity mismatch: example {a} has {a.arity} argument(s), {target} has {target_arity}")
        for a in f + p + ([] if isinstance(n, str) else n):
            for c in a.ground_tuple():
                order.setdefault(c, None)
    assert target_arity is not None
    for pred, arity in {**arities, target: target_arity, **invented}.items():
        if not 0 <= arity <= 2:
            raise NeurosymError(f"predicate {pred}/{arity}: ∂ILP supports arities 0, 1 and 2")
    consts = [str(c) for c in constants] if constants is not None else list(order)
    missing = [c for c in order if c not in set(consts)]
    if missing:
        raise NeurosymError(f"constant(s) {', '.join(missing)} appear in the atoms but not in constants=")

    if templates is None:
        templates = {target: [(0, False), (1, True)]}
    tpl = {p: tuple(_template(t, p) for t in specs) for p, specs in templates.items()}
    intensional = {target: target_arity, **invented}
    for p in tpl:
        if p not in intensional:
            raise NeurosymError(f"templates given for {p}, which is neither the target nor invented")
    for p in intensional:
        if p not in tpl:
            raise NeurosymError(f"no rule templates for {p}: add templates={{{p!r}: [(0, False), (1, True)]}}")
        if not 1 <= len(tpl[p]) <= 2:
            raise NeurosymError(f"{p} needs one or two rule templates, got {len(tpl[p])}")
    if steps is None:
        steps = 4 if invented or any(t.intensional for ts in tpl.values() for t in ts) else 1
    if steps < 1:
        raise NeurosymError("steps must be at least 1")

    train, val = [], []
    for wname, f, p, n in worlds_in:
        pos = list(dict.fromkeys(p))
        if isinstance(n, str):
            if n != "closed_world":
                raise NeurosymError(f"negatives must be atoms or 'closed_world', got {n!r}")
            pos_set = set(pos)
            neg = [
                a for a in (Atom(target, tuple(Const(c) for c in args))
                            for args in itertools.product(consts, repeat=target_arity))
                if a not in pos_set
            ]
        else:
            neg = list(dict.fromkeys(n))
            both = set(pos) & set(neg)
            if both:
                raise NeurosymError(f"contradictory examples: {min(map(str, both))} is both positive and negative")
        if not neg:
            raise NeurosymError(f"world {wname} has no negative examples")
        world = World(wname, tuple(dict.fromkeys(f)), tuple(pos), tuple(neg))
        (train if wname == "train" else val).append(world)

    return ILPTask(
        name=name, constants=tuple(consts), extensional=arities, target=target, target_arity=target_arity,
        invented=invented, templates=tpl, steps=steps, train=tuple(train), validation=tuple(val),
        solution=solution,
    )
