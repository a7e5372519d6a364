"""Popper task folders (``bk.pl``, ``exs.pl``, ``bias.pl``) -> :class:`ILPTask`.

Popper (Cropper & Morel) keeps a learning task in a folder of three Prolog files:

* ``bk.pl``   background knowledge: facts such as ``edge(a, b).`` and rules
* ``exs.pl``  examples: ``pos(f(a)).`` and ``neg(f(b)).``
* ``bias.pl`` language bias: ``head_pred(f, 1).`` and ``body_pred(edge, 2).`` plus optional
  ``type/2``, ``direction/2``, ``max_vars/1``, ``max_clauses/1``, ``enable_recursion.``, ...

This module reads the subset that maps onto a ∂ILP task: **ground facts** over constants (atoms,
integers, quoted atoms, strings), **function-free Datalog rules** in ``bk.pl`` (evaluated into
facts), **one** ``head_pred`` of arity 0, 1 or 2 as the target, and the ``body_pred``
declarations as the extensional predicates. Whatever cannot be mapped is either an error (with
file, line, column and a fix) or, where dropping or assuming it is harmless, a *note* on the
returned :class:`PopperImport`:

=====================================================  ==========================================
In the Popper folder                                   Here
=====================================================  ==========================================
function-free Datalog rules in ``bk.pl``               evaluated by the exact evaluator
(``p(X) :- q(X, Y), r(Y).``, recursion allowed)        (:func:`neurosym.logic.least_model`) into
                                                       background facts, with a note
other rules (negation, arithmetic, built-ins, lists,   error: replace them by their ground facts
a head variable missing from the body)
compound terms or lists in facts (``f(g(a))``, ``[]``)  error: function symbols are not supported
floats, variables in facts or examples                 error
facts of predicates that are not ``body_pred``         dropped, with a note
directives (``:- discontiguous ...``)                  skipped, with a note
``type/2``                                             only well-typed clauses are generated
                                                       (``typed=False``: all), with a note
no ``allow_singletons``                                no clause with a variable that occurs once
                                                       (Popper's default), with a note
``max_body`` (absent or >= 3)                          a fallback of one long clause (see below)
``direction/2``, ``max_vars``, constraints             ignored, with a note (∂ILP's language bias
                                                       is the rule template, see below)
``max_clauses`` (absent or > 1)                        one invented predicate (see below), noted
``enable_recursion`` (or ``body_pred`` of the target)  the second templates may recurse
more than one ``head_pred``, or arity > 2              error
duplicate examples                                     kept once, with a note
an atom both ``pos`` and ``neg``                       error
no ``neg(...)`` example                                closed world, with a note: every target
                                                       atom that is not ``pos`` is negative
=====================================================  ==========================================

**Default program template** (override any part with the keyword arguments of
:func:`read_popper`; a note says what was chosen): when ``max_clauses`` is absent or above 1, one
invented predicate ``inv1`` with the target's arity (at least 1), since a ∂ILP clause has two
body atoms and an invented predicate stands in for Popper's longer bodies and extra clauses;
``v = 1`` existential variable per clause; the target gets ``(1, no), (1, yes)`` when recursion is
enabled or a predicate is invented, else ``(1, no), (1, no)``; each invented predicate gets
``(1, no), (1, yes)`` when recursion is enabled, else ``(1, no), (1, no)``; ``T = 1``
forward-chaining step when no template may use an intensional predicate, else ``T = 4``.
With those defaults and ``max_body`` absent or at least 3, the task's ``fallback`` (fitted when
they end unverified) is one long clause: three invented predicates ``inv1..inv3``, one clause
each, target ``(1, yes)``, ``inv1`` ``(1, yes)``, ``inv2`` and ``inv3`` ``(1, no)``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from neurosym.errors import NeurosymError, nesting_guard
from neurosym.logic import least_model
from neurosym.logic.terms import Atom, Clause, Var
from neurosym.tasks.ilp_types import ILPTask, RuleTemplate
from neurosym.tasks.ilp_validate import (
    MAX_GROUND_ATOMS,
    RECURSIVE_STEPS,
    DraftWorld,
    Locator,
    Position,
    TaskDraft,
    TemplateSpec,
    build_ilp_task,
    rule_template,
)
from neurosym.tasks.prolog import RULE_FIX, PrologFile, Rule, Term, atom_of, datalog_rule, is_neck

DEFAULT_EXISTENTIALS = 1

# check -> fix in Popper words (see neurosym.tasks.ilp_validate.FIXES for the checks).
_FIXES = {
    "intensional_arity": "learn a predicate of arity at most 2 (e.g. split a ternary relation)",
    "background_intensional": "examples of the target predicate belong in exs.pl "
                              "as pos(...) or neg(...)",
    "fact_arity": "fix the fact or the body_pred({pred}, N) declaration",
    "example_not_target": "examples are {target}/{arity} atoms (see head_pred in bias.pl)",
    "example_arity": "examples are {target}/{arity} atoms (see head_pred in bias.pl)",
    "contradictory": "remove one of the two",
    "no_positives": "add examples like  pos({target}(...)).",
    "no_negatives": "add examples like  neg({target}(...)).  or read the folder without "
                    "closed_world=False (every target atom that is not pos becomes negative)",
    "closed_world_size": "exs.pl has no neg(...) examples and the closed world is too large: "
                         "add neg(...) examples",
}


def _read_terms(src: PrologFile, notes: list[str], rules: list[Rule] | None = None) -> list[Term]:
    """The fact terms of a file; directives are skipped with a note; rules go to ``rules``
    (an error when it is None: exs.pl holds examples only)."""
    facts = []
    skipped_directives = 0
    for toks in src.clauses():
        body = toks[:-1]
        if not body:
            raise src.error(toks[-1], "an empty clause (a lone '.')", "delete the stray full stop")
        if is_neck(body[0]):
            skipped_directives += 1
            continue
        if any(is_neck(t) for t in body):
            if rules is None:
                raise src.error(
                    body[0],
                    f"rules are not supported in {src.path.name} (only ground facts)",
                    "exs.pl holds examples only, one per clause:  pos(f(a)).  or  neg(f(b)).",
                )
            rules.append(datalog_rule(src, body))
            continue
        term, i = src.parse_term(body, 0)
        if i != len(body):
            raise src.error(
                body[i],
                f"unexpected {body[i].text!r} after the fact",
                "one fact per clause, ending with '.', e.g.  edge(a, b).",
            )
        facts.append(term)
    if skipped_directives:
        notes.append(f"{src.path.name}: skipped {skipped_directives} directive(s) (':- ...')")
    return facts


# ----- the three files ----------------------------------------------------------------------------


@dataclass
class PopperImport:
    """The task read from a Popper folder, and what was dropped, assumed or chosen on the way."""

    task: ILPTask
    notes: list[str] = field(default_factory=list)


_BIAS_IGNORED = {
    "direction": (
        "direction/2 (argument modes) is ignored: ∂ILP evaluates bottom-up, modes play no part"
    ),
    "max_vars": (
        "max_vars is ignored: the number of variables is set by the template's existentials"
    ),
    "min_body": "min_body is ignored: ∂ILP clauses have exactly two body atoms",
    "non_datalog": "non_datalog is ignored: ∂ILP programs are Datalog",
    "enable_pi": "enable_pi is not needed: predicates are invented when max_clauses allows",
}


@dataclass
class _Bias:
    """What bias.pl declares: the target, the body predicates {name: (arity, term)}."""

    target: str
    arity: int
    term: Term
    body: dict[str, tuple[int, Term]]
    recursion: bool
    max_clauses: int | None
    max_body: int | None
    singletons: bool  # allow_singletons.
    types: dict[str, tuple[tuple[str, ...], Term]]  # type/2: {pred: (argument types, where)}


def _read_bias(src: PrologFile, notes: list[str]) -> _Bias:
    heads: list[tuple[str, int, Term]] = []
    body: dict[str, tuple[int, Term]] = {}
    recursion = singletons = False
    max_clauses = max_body = None
    types: dict[str, tuple[tuple[str, ...], Term]] = {}
    ignored: dict[str, int] = {}
    constraints = 0
    for toks in src.clauses():
        items = toks[:-1]
        if not items:
            continue
        if any(is_neck(t) for t in items):
            constraints += 1
            continue
        term, i = src.parse_term(items, 0)
        if i != len(items):
            raise src.error(
                items[i],
                f"unexpected {items[i].text!r}",
                "one declaration per clause, e.g.  body_pred(edge, 2).",
            )
        name = term.value
        if name in ("head_pred", "body_pred"):
            if (
                term.kind != "compound"
                or len(term.args) != 2
                or term.args[0].kind not in ("name", "str")
                or term.args[1].kind != "int"
            ):
                raise src.error(
                    term,
                    f"{name} takes a predicate name and an arity",
                    f"write e.g.  {name}(edge, 2).",
                )
            pname, arity = term.args[0].value, int(term.args[1].value)
            if name == "head_pred":
                if heads:
                    raise src.error(
                        term,
                        f"a second head_pred ({pname}/{arity}); only one target is supported",
                        f"keep one head_pred (the first is {heads[0][0]}/{heads[0][1]}) and make "
                        "one task per target",
                    )
                heads.append((pname, arity, term))
            else:
                if pname in body and body[pname][0] != arity:
                    raise src.error(
                        term,
                        f"body_pred {pname} declared with arities {body[pname][0]} and {arity}",
                        "declare each predicate with one arity",
                    )
                body[pname] = (arity, term)
        elif name == "type":
            pname, kinds = _type_declaration(src, term)
            types[pname] = (kinds, term)
        elif name == "enable_recursion" and term.kind == "name":
            recursion = True
        elif name == "allow_singletons" and term.kind == "name":
            singletons = True
        elif name == "max_clauses" and len(term.args) == 1 and term.args[0].kind == "int":
            max_clauses = int(term.args[0].value)
        elif name == "max_body" and len(term.args) == 1 and term.args[0].kind == "int":
            max_body = int(term.args[0].value)
        elif name in _BIAS_IGNORED:
            ignored[name] = ignored.get(name, 0) + 1
        else:
            ignored[f"{name}/{len(term.args)}"] = ignored.get(f"{name}/{len(term.args)}", 0) + 1
    if not heads:
        raise src.error(
            (1, 1),
            "bias.pl declares no head_pred (the predicate to learn)",
            "add a line like  head_pred(grandparent, 2).",
        )
    for key in ignored:
        notes.append(
            f"bias.pl: {_BIAS_IGNORED.get(key, f'{key} is not understood and is ignored')}"
        )
    if constraints:
        notes.append(
            f"bias.pl: {constraints} constraint(s) (':- ...') ignored: ∂ILP's bias is the rule "
            "template"
        )
    target, arity, term = heads[0]
    if not singletons:
        notes.append(
            "bias.pl: no allow_singletons: as in Popper, clauses with a variable that occurs only "
            "once are not generated"
        )
    return _Bias(target, arity, term, body, recursion, max_clauses, max_body, singletons, types)


def _type_declaration(src: PrologFile, term: Term) -> tuple[str, tuple[str, ...]]:
    """``type(pred, (t1, t2))`` as ``("pred", ("t1", "t2"))``."""
    if (
        term.kind != "compound"
        or len(term.args) != 2
        or term.args[0].kind not in ("name", "str")
        or term.args[1].kind not in ("tuple", "name")
        or any(a.kind not in ("name", "str") for a in term.args[1].args)
    ):
        raise src.error(
            term,
            "type takes a predicate name and a tuple of argument types",
            "write e.g.  type(edge, (node, node)).  or  type(red, (node,)).",
        )
    kinds = term.args[1]
    return term.args[0].value, tuple(a.value for a in kinds.args) if kinds.kind == "tuple" else (
        kinds.value,
    )


def read_popper(
    folder: str | Path,
    *,
    existentials: int = DEFAULT_EXISTENTIALS,
    templates: Mapping[str, Iterable[TemplateSpec]] | None = None,
    invented: Mapping[str, int] | None = None,
    steps: int | None = None,
    closed_world: bool | None = None,
    name: str | None = None,
    typed: bool = True,
) -> PopperImport:
    """Read a Popper task folder into an :class:`ILPTask` (see the module docstring for the
    mapping).

    ``templates`` overrides the default rule templates per predicate, e.g.
    ``{"f": [(0, False), (1, True)]}``; ``invented`` sets the invented predicates
    ``{name: arity}`` (``{}``: none; None: the default, one when ``max_clauses`` allows);
    ``steps`` sets T; ``closed_world=True`` makes every target atom that is not ``pos`` negative,
    ``False`` refuses a folder without ``neg`` examples, None (default) does the former only
    when ``exs.pl`` has no ``neg`` example. ``typed``: generate only clauses that are well
    typed by bias.pl's ``type/2`` declarations (False: every clause, as in ∂ILP).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NeurosymError(
            f"{folder}: not a folder; a Popper task is a folder with bk.pl, exs.pl and bias.pl"
        )
    with nesting_guard(folder, "Popper task"):
        return _read_popper(
            folder, existentials, templates, invented, steps, closed_world, name, typed
        )


def _read_popper(
    folder: Path,
    existentials: int,
    templates: Mapping[str, Iterable[TemplateSpec]] | None,
    invented: Mapping[str, int] | None,
    steps: int | None,
    closed_world: bool | None,
    name: str | None,
    typed: bool,
) -> PopperImport:
    notes: list[str] = []
    bias_file = PrologFile(folder / "bias.pl")
    bk = PrologFile(folder / "bk.pl")
    exs = PrologFile(folder / "exs.pl")

    bias = _read_bias(bias_file, notes)
    target, tarity = bias.target, bias.arity
    if target in bias.body:
        bias.recursion = True
        del bias.body[target]
    extensional = {p: a for p, (a, _t) in bias.body.items()}
    if not extensional:
        raise bias_file.error(
            bias.term,
            "bias.pl declares no body_pred (the predicates rules may use)",
            "add lines like  body_pred(edge, 2).",
        )
    background = _background(bk, target, notes)
    taken = {target, *extensional, *(a.pred for a, _t in background)}
    fresh = list(itertools.islice((f"inv{k}" for k in itertools.count(1)
                                   if f"inv{k}" not in taken), 3))
    long_clause = invented is None and templates is None and (bias.max_body or 5) >= 3
    if invented is None:
        invented = _default_invented(bias, fresh[0], notes)
    invented = dict(invented)
    intensional = {target: tarity, **invented}
    where = Locator(
        source=Position(str(bias_file.path), bias_file.text),
        fixes=_FIXES,
        target_noun="head_pred {target}/{arity}",
    )
    where.positions[("predicate", target)] = bias_file.at(bias.term)
    where.positions.update(
        {("rules", p): bias_file.at(bias.term) for p in [*intensional, *fresh[:3]]}
    )
    where.positions[("world", 0)] = exs.at((1, 1))
    world = DraftWorld("train", closed_world=bool(closed_world))
    _keep_declared(bk, background, world, where, {**extensional, **intensional}, notes)
    _read_examples(exs, world, where, target, notes)
    assumed = closed_world is None and not world.negatives
    world.closed_world = world.closed_world or assumed
    world.assumed = assumed
    if closed_world and world.negatives:
        notes.append(
            "closed_world=True: the neg(...) examples are kept and every other target atom is added"
        )

    v = existentials
    second = {p: bias.recursion or (p == target and bool(invented)) for p in intensional}
    tpls = {p: (RuleTemplate(v, False), RuleTemplate(v, second[p])) for p in intensional}
    for pred, specs in (templates or {}).items():
        tpls[pred] = tuple(rule_template(t, pred) for t in specs)
    types = _types(bias, {**extensional, target: tarity}, bias_file, notes) if typed else {}
    draft = TaskDraft(
        name=name or folder.name,
        target=target,
        target_arity=tarity,
        invented=invented,
        extensional=extensional,
        extensional_closed=True,
        templates=tpls,
        steps=steps,
        steps_when_recursive=RECURSIVE_STEPS,
        worlds=[world],
        types=types,
        singletons=bias.singletons,
    )
    task = build_ilp_task(draft, where)
    if assumed:
        notes.append(
            f"exs.pl has no neg(...) examples: closed world assumed, the "
            f"{len(task.train[0].negatives):,} {target}/{tarity} atoms over the "
            f"{len(task.constants)} constants that are not pos(...) are negative examples for "
            "training; a program is verified when it covers every pos(...) example, as the "
            "folder states no negatives (write neg(...) examples to choose them)"
        )
    notes.append(
        f"rule templates: {_templates_text(task)}; T = {task.steps} (override with templates=, "
        "invented=, existentials=, steps=)"
    )
    if long_clause:
        task.fallback = _one_long_clause(draft, where, fresh[:3], v)
        notes.append(
            f"fallback when those end unverified: one long clause, {_templates_text(task.fallback)}"
            " (three invented predicates stand in for a body of up to five atoms; max_body "
            f"{bias.max_body or 'absent'}); the first templates get a third of the time limit"
        )
    return PopperImport(task, notes)


def _templates_text(task: ILPTask) -> str:
    return "; ".join(f"{p} {', '.join(map(str, t))}" for p, t in task.templates.items())


def _one_long_clause(draft: TaskDraft, where: Locator, names: Sequence[str], v: int) -> ILPTask:
    """The task with one clause per predicate, chained through three invented ones: the target
    and the first invented predicate may use invented predicates, the other two only the
    background; e.g. ``f(X) :- inv1(X), inv2(X). inv1(X) :- has_car(X, Y), inv3(Y). ...``."""
    arity = max(1, draft.target_arity)
    uses = {draft.target: True, names[0]: True, names[1]: False, names[2]: False}
    return build_ilp_task(
        replace(
            draft,
            invented={n: arity for n in names},
            templates={p: (RuleTemplate(v, intensional),) for p, intensional in uses.items()},
        ),
        where,
    )


def _types(bias: _Bias, arities: Mapping[str, int], src: PrologFile,
           notes: list[str]) -> dict[str, tuple[str, ...]]:
    """bias.pl's argument types of the declared predicates, checked against their arities."""
    types = {}
    for pred, (kinds, term) in bias.types.items():
        if pred not in arities:
            continue
        if len(kinds) != arities[pred]:
            raise src.error(
                term,
                f"type({pred}, ...) gives {len(kinds)} argument type(s) for {pred}/"
                f"{arities[pred]}",
                f"give one type per argument of {pred}, or remove the type line",
            )
        types[pred] = kinds
    if types:
        notes.append(
            f"bias.pl: type/2 declares the argument types of {len(types)} predicate(s): only "
            "well-typed clauses are generated (each variable of one type; invented predicates "
            "are untyped); typed=False for every clause"
        )
    return types


def _default_invented(bias: _Bias, name: str, notes: list[str]) -> dict[str, int]:
    """One invented predicate ``name``, of the target's arity (at least 1), unless max_clauses
    is 1."""
    given = "no max_clauses" if bias.max_clauses is None else f"max_clauses({bias.max_clauses})"
    if bias.max_clauses is not None and bias.max_clauses < 2:
        notes.append(f"bias.pl: {given}: no invented predicate")
        return {}
    arity = max(1, bias.arity)
    notes.append(
        f"bias.pl: {given} (several clauses allowed): one invented predicate {name}/{arity} "
        f"added for the second clause of {bias.target} (it stands in for Popper's longer bodies "
        "and extra clauses); invented={} for none"
    )
    return {name: arity}


def _background(bk: PrologFile, target: str, notes: list[str]) -> list[tuple[Atom, Term]]:
    """Every fact of bk.pl and every fact its rules derive, each with its place (a derived fact:
    the head of the first rule for its predicate)."""
    rules: list[Rule] = []
    facts = [(atom_of(bk, t, "a fact"), t) for t in _read_terms(bk, notes, rules)]
    if not rules:
        return facts
    atoms = [a for a, _t in facts]
    defined = {a.pred for a in atoms} | {r.clause.head.pred for r in rules}
    for r in rules:
        if r.clause.head.pred == target:
            raise bk.error(
                r.terms[0],
                f"a rule of bk.pl defines the target {target}: examples of the target belong "
                "in exs.pl",
                "rename the predicate, or move its atoms to exs.pl as pos(...) or neg(...)",
            )
        for a, t in zip(r.clause.body, r.terms[1:]):
            if a.pred not in defined:
                raise bk.error(
                    t,
                    f"{a.pred}/{a.arity} in a rule of bk.pl has no fact and no rule in bk.pl (a "
                    "Prolog built-in or library predicate is outside function-free Datalog)",
                    RULE_FIX,
                )
    bounds = _rule_bounds(atoms, [r.clause for r in rules])
    if sum(bounds) > MAX_GROUND_ATOMS:
        worst = max(range(len(rules)), key=bounds.__getitem__)
        raise bk.error(
            rules[worst].terms[0],
            f"the rules of bk.pl may derive up to {sum(bounds):,} facts ({bounds[worst]:,} from "
            f"this one), more than the {MAX_GROUND_ATOMS:,} evaluated "
            "(neurosym.tasks.ilp_validate.MAX_GROUND_ATOMS)",
            RULE_FIX,
        )
    model = least_model(atoms, [r.clause for r in rules])
    known = set(atoms)
    place = {}
    for r in rules:
        place.setdefault(r.clause.head.pred, r.terms[0])
    derived = [(a, place[p]) for p in place for a in model.atoms(p) if a not in known]
    counts = ", ".join(
        f"{p}/{rule.arity} +{sum(a.pred == p for a, _t in derived)}"
        for p, rule in {r.clause.head.pred: r.clause.head for r in rules}.items()
    )
    lines = ", ".join(str(r.terms[0].line) for r in rules)
    notes.append(
        f"bk.pl: {len(rules)} rule(s) (line {lines}) evaluated by the exact Datalog evaluator "
        f"into {len(derived):,} background fact(s): {counts}"
    )
    return facts + derived


def _rule_bounds(facts: Sequence[Atom], rules: Sequence[Clause]) -> list[int]:
    """An upper bound on the facts each rule derives, so the least model is never built when it
    may be too large: a head variable takes only values that every body position it holds can
    take, and a rule derives no more facts than a body atom that holds all head variables."""
    domain: dict[tuple[str, int], set[str]] = defaultdict(set)
    size: dict[str, int] = defaultdict(int)
    for a in facts:
        size[a.pred] += 1
        for i, c in enumerate(a.ground_tuple()):
            domain[(a.pred, i)].add(c)

    def ranges(clause: Clause) -> dict[Var, set[str]]:
        out: dict[Var, set[str]] = {}
        for b in clause.body:
            for i, t in enumerate(b.args):
                if isinstance(t, Var):
                    d = domain[(b.pred, i)]
                    out[t] = out[t] & d if t in out else d
        return out

    changed = True
    while changed:
        changed = False
        for clause in rules:
            values = ranges(clause)
            for i, t in enumerate(clause.head.args):
                new = values[t] if isinstance(t, Var) else {t.name}
                if not new <= domain[(clause.head.pred, i)]:
                    domain[(clause.head.pred, i)] |= new
                    changed = True
    heads = {c.head.pred for c in rules}
    bounds = []
    for clause in rules:
        values = ranges(clause)
        head_vars = set(clause.head.variables())
        covering = [
            math.prod(len(domain[(b.pred, i)]) for i in range(b.arity))
            if b.pred in heads
            else size[b.pred]
            for b in clause.body
            if head_vars <= set(b.variables())
        ]
        bounds.append(min([math.prod(len(values[v]) for v in head_vars), *covering]))
    return bounds


def _keep_declared(
    bk: PrologFile,
    background: Sequence[tuple[Atom, Term]],
    world: DraftWorld,
    where: Locator,
    declared: Mapping[str, int],
    notes: list[str],
) -> None:
    """The background facts of declared predicates into ``world``; the others are dropped."""
    dropped: dict[str, int] = {}
    for a, term in background:
        if a.pred not in declared:
            dropped[f"{a.pred}/{a.arity}"] = dropped.get(f"{a.pred}/{a.arity}", 0) + 1
            continue
        where.positions[("background", 0, len(world.background))] = bk.at(term)
        world.background.append(a)
    for key, count in sorted(dropped.items()):
        notes.append(
            f"bk.pl: {count} fact(s) of {key} dropped: not declared as body_pred in bias.pl"
        )


def _read_examples(
    exs: PrologFile, world: DraftWorld, where: Locator, target: str, notes: list[str]
) -> None:
    """The pos(...) and neg(...) examples of exs.pl into ``world``, each kept once."""
    seen: dict[str, set[Atom]] = {"positive": set(), "negative": set()}
    duplicates = 0
    for term in _read_terms(exs, notes):
        if term.kind != "compound" or term.value not in ("pos", "neg") or len(term.args) != 1:
            found = term.value + ("(...)" if term.args else "")
            raise exs.error(
                term,
                f"expected pos(...) or neg(...), found {found}",
                f"write examples as  pos({target}(...)).  and  neg({target}(...)).",
            )
        a = atom_of(exs, term.args[0], "an example")
        label = "positive" if term.value == "pos" else "negative"
        if a in seen[label]:
            duplicates += 1
            continue
        seen[label].add(a)
        atoms = world.positives if label == "positive" else world.negatives
        where.positions[(label, 0, len(atoms))] = exs.at(term.args[0])
        atoms.append(a)
    if duplicates:
        notes.append(f"exs.pl: {duplicates} duplicate example(s) kept once")


def load_popper_task(folder: str | Path, **options) -> ILPTask:
    """:func:`read_popper` without the notes."""
    return read_popper(folder, **options).task


def is_popper_folder(path: str | Path) -> bool:
    """True for a folder: a task given as a folder is a Popper folder (bk.pl, exs.pl, bias.pl;
    :func:`read_popper` names any that is missing)."""
    return Path(path).is_dir()
