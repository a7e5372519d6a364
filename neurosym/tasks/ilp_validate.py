"""The one ILP task validator: a :class:`TaskDraft` plus a :class:`Locator` -> :class:`ILPTask`.

Every front end (task file, Python ``make_task``, Popper folder) turns its input into a plain
draft and a locator, then calls :func:`build_ilp_task`, which runs every check. The locator maps
an *item* of the draft to the place in the source it came from, and words the fix in the front
end's own syntax; an item is a tuple key:

* ``("predicate", name)``  the declaration of the target or an invented predicate
* ``("target",)``  where a missing target would be declared; ``("train",)`` a missing world
* ``("world", w)``  world ``w`` (its index in ``TaskDraft.worlds``)
* ``("background" | "positive" | "negative", w, i)``  the i-th atom of that block of world w
* ``("rules", pred)``, ``("steps",)``, ``("solution", i)``
* ``None``  the task as a whole
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.logic.terms import Atom, Clause, Const, Program
from neurosym.tasks.ilp_types import ILPTask, NeuralPredicate, RuleTemplate, World

RECURSIVE_STEPS = 4  # T of the Python and Popper front ends when none is given and T > 1 is needed
Item = Hashable
TemplateSpec = RuleTemplate | tuple[int, bool]


@dataclass
class DraftWorld:
    """One world as the source gives it (examples not checked, negatives not expanded)."""

    name: str
    background: list[Atom] = field(default_factory=list)
    positives: list[Atom] = field(default_factory=list)
    negatives: list[Atom] = field(default_factory=list)
    closed_world: bool = False  # add every other target atom to the negatives
    assumed: bool = False  # ... as an assumption of the reader, not the source's choice
    validation: bool = False


@dataclass
class TaskDraft:
    """An ILP task as a front end read it, before any check."""

    name: str
    target: str | None
    target_arity: int = 0
    invented: dict[str, int] = field(default_factory=dict)
    extensional: dict[str, int] = field(default_factory=dict)  # declared; others are inferred
    extensional_closed: bool = False  # facts may use declared extensional predicates only
    constants: list[str] | None = None  # None: every constant of the atoms, in order of appearance
    templates: dict[str, tuple[RuleTemplate, ...]] = field(default_factory=dict)
    steps: int | None = None
    steps_when_recursive: int | None = (
        None  # T when steps is None and T > 1 is needed (None: error)
    )
    worlds: list[DraftWorld] = field(default_factory=list)
    solution: tuple[Clause, ...] | None = None
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # argument types, if declared
    singletons: bool = True  # False: no clause with a singleton variable
    neural: NeuralPredicate | None = None
    items: set[str] = field(default_factory=set)  # item constants examples may use (neural)


@dataclass(frozen=True)
class Position:
    """A place in a source file; no line means the file as a whole."""

    path: str | None
    text: str
    line: int | None = None
    column: int | None = None


#: Refused before expanding: more constants, or more atoms from one generator
#: (``for X in ..., Y in ...``) or from a ``closed_world`` (constants ** arity per world). Larger
#: tasks would not fit the ∂ILP valuation anyway; the error names the number to lower.
MAX_GROUND_ATOMS = 1_000_000
#: Refused before generating clauses: more candidate two-atom bodies for one rule template
#: (``c * (c + 1) / 2`` for ``c`` candidate atoms over the head and existential variables).
MAX_BODY_PAIRS = 5_000_000


# check -> fix, in Python words; a front end's Locator.fixes rewords them in its own syntax.
FIXES: dict[str, str] = {
    "closed_world_size": "use fewer constants, or list the negative examples instead of "
    "closed_world",
    "intensional_arity": "use a predicate of arity at most 2",
    "steps_positive": "pass steps >= 1",
    "no_target": "name the target predicate",
    "target_invented": "invented predicates are auxiliary: give them another name",
    "invented_extensional": "invented predicates are auxiliary: give them another name",
    "no_train": "give a training world with background facts and examples",
    "fact_not_ground": "facts are ground: replace each variable by a constant",
    "background_intensional": "facts use extensional predicates only; target atoms are examples",
    "unknown_predicate": "declare it as extensional {pred}/{arity}  (declared: {declared})",
    "fact_arity": "use {arity} argument(s) everywhere for {pred}",
    "constant_twice": "list each constant once",
    "example_not_ground": "examples are ground: replace each variable by a constant",
    "example_not_target": "examples are {target}/{arity} atoms; "
    "facts of other predicates go in background",
    "example_arity": "write {target} with {arity} argument(s)",
    "undeclared_constant": "add it to constants= or fix the typo",
    "duplicate_example": "list each example once",
    "contradictory": "remove it from the positives or the negatives",
    "no_positives": "give at least one positive example",
    "no_negatives": "pass negative examples, or negatives='closed_world' to make every other "
    "target atom negative",
    "rules_unknown": "pass invented={{'{pred}': ARITY}} to invent it",
    "no_rules": "add templates={{'{pred}': [(0, False), (1, True)]}}",
    "template_count": "give one or two (v, intensional) pairs",
    "template_size": "use fewer existential variables v in the template ({pred}: ({v}, ...))",
    "no_steps": "pass steps=T (recursion and invented predicates need T > 1)",
    "solution_unknown": "use the task's predicates",
    "solution_arity": "fix the number of arguments",
    "solution_head": "solution clauses define the target or invented predicates",
}


@dataclass
class Locator:
    """Where each item of a draft came from, and how its front end words a fix.

    ``positions``: item -> place; an item without one is at ``fallback``; the item ``None`` (the
    task as a whole) is at ``source``, which also becomes the task's path and text. No place:
    a plain NeurosymError (Python input).
    """

    positions: dict[Item, Position] = field(default_factory=dict)
    fallback: Position | None = None
    source: Position | None = None
    fixes: Mapping[str, str] = field(default_factory=dict)
    target_noun: str = "target predicate {target}"  # how the source names the target

    def error(self, item: Item, check: str, message: str, **fields: object) -> NeurosymError:
        """The error for ``check`` failing at ``item``, with the fix worded for this source."""
        fix = self.fixes.get(check, FIXES[check]).format(**fields)
        where = self.source if item is None else self.positions.get(item, self.fallback)
        if where is None:
            return NeurosymError(f"{message}\n  fix: {fix}")
        return TaskFileError(
            message,
            path=where.path,
            line=where.line,
            column=where.column,
            text=where.text,
            hint=fix,
        )


def rule_template(spec: TemplateSpec, pred: str) -> RuleTemplate:
    """A RuleTemplate from ``(v, intensional)`` (or a RuleTemplate), for the Python front ends."""
    if isinstance(spec, RuleTemplate):
        return spec
    try:
        v, intensional = spec
    except (TypeError, ValueError):
        raise NeurosymError(
            f"rule template {spec!r} for {pred}: write (v, intensional), e.g. (1, True)"
        ) from None
    if not isinstance(v, int) or v < 0:
        raise NeurosymError(
            f"rule template {spec!r} for {pred}: v (existential variables) must be an int >= 0"
        )
    return RuleTemplate(v, bool(intensional))


def as_atoms(value: object, what: str) -> list[Atom]:
    """``value`` (an iterable of atoms from Python code) as a list; a NeurosymError naming
    ``what`` for anything else (a string of Datalog, None, a number, a list of strings)."""
    hint = "pass Atom objects, e.g. [atom('edge', 'a', 'b')] or parse_atoms('edge(a, b).')"
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise NeurosymError(f"{what} must be a list of atoms, got {type(value).__name__}; {hint}")
    out = list(value)
    wrong = next((a for a in out if not isinstance(a, Atom)), None)
    if wrong is not None:
        raise NeurosymError(f"{what} must hold atoms, got {wrong!r} ({type(wrong).__name__}); "
                            f"{hint}")
    return out


def build_ilp_task(draft: TaskDraft, where: Locator) -> ILPTask:
    """Check ``draft`` against every rule of an ∂ILP task and build it; ``where`` words errors."""
    _check_language(draft, where)
    extensional = _extensional(draft, where)
    constants = _constants(draft, where)
    train, validation = [], []
    for w, world in enumerate(draft.worlds):
        built = _world(draft, w, world, constants, where)
        (validation if world.validation else train).append(built)
    steps = _templates_and_steps(draft, where)
    _check_template_sizes(draft, extensional, where)
    solution = _solution(draft, {**extensional, **_intensional(draft)}, where)
    source = where.source
    return ILPTask(
        name=draft.name,
        constants=tuple(constants),
        extensional=extensional,
        target=draft.target,
        target_arity=draft.target_arity,
        invented=dict(draft.invented),
        templates=draft.templates,
        steps=steps,
        train=tuple(train),
        validation=tuple(validation),
        solution=solution,
        path=source.path if source else None,
        source_text=source.text if source else None,
        template_positions={
            key[1]: (pos.line, pos.column)
            for key, pos in where.positions.items()
            if key[0] == "rules" and pos.line is not None
        },
        types=dict(draft.types),
        singletons=draft.singletons,
        neural=draft.neural,
    )


def _intensional(draft: TaskDraft) -> dict[str, int]:
    return (
        {draft.target: draft.target_arity, **draft.invented}
        if draft.target
        else dict(draft.invented)
    )


def _check_language(draft: TaskDraft, where: Locator) -> None:
    """Intensional arities, steps >= 1, a target, distinct predicate kinds, a training world."""
    for pred, arity in _intensional(draft).items():
        if not 0 <= arity <= 2:
            raise where.error(
                ("predicate", pred),
                "intensional_arity",
                f"{pred}/{arity}: intensional predicates have arity 0, 1 or 2 in ∂ILP",
            )
    if draft.steps is not None and draft.steps < 1:
        raise where.error(("steps",), "steps_positive", "steps must be at least 1")
    if draft.target is None:
        raise where.error(("target",), "no_target", "the task declares no target predicate")
    if draft.target in draft.invented:
        raise where.error(
            None, "target_invented", f"{draft.target} is both the target and an invented predicate"
        )
    for pred, arity in draft.invented.items():
        if pred in draft.extensional:
            raise where.error(
                ("predicate", pred),
                "invented_extensional",
                f"invented predicate {pred}/{arity} is also an extensional predicate",
            )
    if not any(not w.validation for w in draft.worlds):
        raise where.error(("train",), "no_train", "the task has no training examples")


def _extensional(draft: TaskDraft, where: Locator) -> dict[str, int]:
    """Extensional arities: declared, or inferred from the background facts (checked)."""
    extensional = dict(draft.extensional)
    intensional = _intensional(draft)
    for w, world in enumerate(draft.worlds):
        for i, a in enumerate(world.background):
            item = ("background", w, i)
            if not a.is_ground:
                raise where.error(item, "fact_not_ground", f"fact {a} is not ground")
            if a.pred in intensional:
                raise where.error(
                    item,
                    "background_intensional",
                    f"background fact {a} uses intensional predicate {a.pred}",
                )
            if a.pred not in extensional:
                if draft.extensional_closed:
                    declared = ", ".join(f"{p}/{n}" for p, n in extensional.items())
                    raise where.error(
                        item,
                        "unknown_predicate",
                        f"unknown predicate {a.pred}/{a.arity}",
                        pred=a.pred,
                        arity=a.arity,
                        declared=declared,
                    )
                extensional[a.pred] = a.arity
            elif extensional[a.pred] != a.arity:
                n = extensional[a.pred]
                raise where.error(
                    item,
                    "fact_arity",
                    f"arity mismatch: {a} has {a.arity} argument(s), {a.pred} has arity {n}",
                    pred=a.pred,
                    arity=n,
                )
    return extensional


def _constants(draft: TaskDraft, where: Locator) -> list[str]:
    """The declared constants, or every constant of the ground atoms in order of appearance."""
    if draft.constants is None:
        seen: dict[str, None] = {}
        for world in draft.worlds:
            for a in (*world.background, *world.positives, *world.negatives):
                if a.is_ground:
                    seen.update(dict.fromkeys(a.ground_tuple()))
        return list(seen)
    constants = list(draft.constants)
    if len(set(constants)) != len(constants):
        dup = next(c for c in constants if constants.count(c) > 1)
        raise where.error(None, "constant_twice", f"constant {dup} is declared twice")
    return constants


def _world(
    draft: TaskDraft, w: int, world: DraftWorld, constants: list[str], where: Locator
) -> World:
    """Check one world's atoms and examples; expand its closed-world negatives."""
    target, arity, known = draft.target, draft.target_arity, set(constants)
    name = f"world {world.name}"
    blocks = {
        "background": world.background,
        "positive": world.positives,
        "negative": world.negatives,
    }
    for label, atoms in blocks.items():
        for i, a in enumerate(atoms):
            item = (label, w, i)
            if label != "background":
                _check_example(draft, a, item, where)
            for c in a.ground_tuple():
                if c not in known and (label == "background" or c not in draft.items):
                    raise where.error(
                        item,
                        "undeclared_constant",
                        f"constant {c} in {a} is not in the declared constants",
                    )
    for label in ("positive", "negative"):
        first: dict[Atom, int] = {}
        for i, a in enumerate(blocks[label]):
            if first.setdefault(a, i) != i:
                raise where.error(
                    (label, w, i), "duplicate_example", f"duplicate {label} example {a} in {name}"
                )
    positives = set(world.positives)
    for i, a in enumerate(world.negatives):
        if a in positives:
            raise where.error(
                ("negative", w, i),
                "contradictory",
                f"contradictory examples: {a} is both positive and negative in {name}",
            )
    negatives = list(world.negatives)
    if world.closed_world:
        if len(constants) ** arity > MAX_GROUND_ATOMS:
            raise where.error(("world", w), "closed_world_size",
                              f"closed_world in {name} would make {len(constants):,}^{arity} = "
                              f"{len(constants) ** arity:,} target atoms (at most "
                              f"{MAX_GROUND_ATOMS:,}: neurosym.tasks.ilp_validate."
                              "MAX_GROUND_ATOMS)")
        labelled = positives | set(negatives)
        for args in itertools.product(constants, repeat=arity):
            a = Atom(target, tuple(Const(c) for c in args))
            if a not in labelled:
                negatives.append(a)
    if not world.positives:
        raise where.error(
            ("world", w), "no_positives", f"{name} has no positive examples", target=target
        )
    if not negatives:
        raise where.error(
            ("world", w), "no_negatives", f"{name} has no negative examples", target=target
        )
    return World(
        world.name,
        tuple(dict.fromkeys(world.background)),
        tuple(world.positives),
        tuple(negatives),
        assumed_negatives=world.assumed,
    )


def _check_example(draft: TaskDraft, a: Atom, item: Item, where: Locator) -> None:
    target, arity = draft.target, draft.target_arity
    if not a.is_ground:
        raise where.error(item, "example_not_ground", f"example {a} is not ground")
    if a.pred != target:
        noun = where.target_noun.format(target=target, arity=arity)
        raise where.error(
            item,
            "example_not_target",
            f"example {a} is not an atom of the {noun}",
            target=target,
            arity=arity,
        )
    if a.arity != arity:
        raise where.error(
            item,
            "example_arity",
            f"arity mismatch: {a} has {a.arity} argument(s), target {target} has arity {arity}",
            target=target,
            arity=arity,
        )


def _templates_and_steps(draft: TaskDraft, where: Locator) -> int:
    """Check the rule templates against the intensional predicates; the number of steps T."""
    intensional = _intensional(draft)
    for pred in draft.templates:
        if pred not in intensional:
            raise where.error(
                ("rules", pred),
                "rules_unknown",
                f"rules given for {pred}, which is neither the target nor an invented predicate",
                pred=pred,
                intensional=", ".join(intensional),
            )
    for pred in intensional:
        if pred not in draft.templates:
            raise where.error(
                ("rules", pred), "no_rules", f"no rule templates for {pred}", pred=pred
            )
        n = len(draft.templates[pred])
        if not 1 <= n <= 2:
            raise where.error(
                ("rules", pred),
                "template_count",
                f"{pred} needs one or two rule templates, got {n}",
                pred=pred,
            )
    if draft.steps is not None:
        return draft.steps
    if draft.invented or any(t.intensional for ts in draft.templates.values() for t in ts):
        if draft.steps_when_recursive is None:
            raise where.error(
                ("steps",), "no_steps", "the number of forward-chaining steps is missing"
            )
        return draft.steps_when_recursive
    return 1


def _check_template_sizes(draft: TaskDraft, extensional: dict[str, int], where: Locator) -> None:
    """Refuse a template whose candidate bodies exceed :data:`MAX_BODY_PAIRS`, before any
    clause is generated (``(1000, no)`` would loop over about 10^11 bodies)."""
    intensional = _intensional(draft)
    for pred, templates in draft.templates.items():
        for tpl in templates:
            allowed = {**extensional, **intensional} if tpl.intensional else extensional
            n_vars = intensional[pred] + tpl.existentials
            atoms = sum(n_vars**arity for arity in allowed.values())
            pairs = atoms * (atoms + 1) // 2
            if pairs > MAX_BODY_PAIRS:
                raise where.error(
                    ("rules", pred),
                    "template_size",
                    f"rule template {tpl} for {pred} has {pairs:,} candidate bodies to generate "
                    f"clauses from (at most {MAX_BODY_PAIRS:,}: neurosym.tasks.ilp_validate."
                    "MAX_BODY_PAIRS)",
                    pred=pred,
                    v=tpl.existentials,
                )


def _solution(draft: TaskDraft, known: dict[str, int], where: Locator) -> Program | None:
    """The intended program, checked against the task's predicates (None when not given)."""
    if draft.solution is None:
        return None
    intensional = _intensional(draft)
    for i, clause in enumerate(draft.solution):
        item = ("solution", i)
        for a in (clause.head, *clause.body):
            if a.pred not in known:
                raise where.error(
                    item, "solution_unknown", f"solution uses unknown predicate {a.pred}"
                )
            if known[a.pred] != a.arity:
                raise where.error(
                    item,
                    "solution_arity",
                    f"arity mismatch in solution: {a} (arity of {a.pred} is {known[a.pred]})",
                )
        if clause.head.pred not in intensional:
            raise where.error(
                item,
                "solution_head",
                f"solution clause defines {clause.head.pred}, which is not intensional",
            )
    return Program(draft.solution)
