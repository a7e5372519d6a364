"""ILP task files (``grammars/ilp_task.lark``) -> validated :class:`ILPTask` objects.

Every mistake a user can make in a task file is reported as a TaskFileError that
names the file, line and column, shows the line with a caret and says the fix.
"""

from __future__ import annotations

import ast
import itertools
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from lark import Token, Tree

from neurosym.errors import TaskFileError
from neurosym.lang.datalog import clause_from_tree
from neurosym.lang.grammar import load_parser, parse_with, position
from neurosym.logic.terms import Atom, Const, Program
from neurosym.resources import find_task

_HINT = "see the README section 'ILP task files' for the statements a task file may contain"


@dataclass(frozen=True)
class RuleTemplate:
    """∂ILP rule template (v, int): v existential variables; int: may the body use intensional predicates."""

    existentials: int
    intensional: bool

    def __str__(self) -> str:
        return f"({self.existentials}, {'yes' if self.intensional else 'no'})"


@dataclass(frozen=True)
class World:
    """One fact set with its labelled target atoms (negatives already expanded under closed world)."""

    name: str
    background: tuple[Atom, ...]
    positives: tuple[Atom, ...]
    negatives: tuple[Atom, ...]

    @property
    def examples(self) -> list[tuple[Atom, bool]]:
        return [(a, True) for a in self.positives] + [(a, False) for a in self.negatives]


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
    # (line, column) of each `rules` statement, for errors raised later (e.g. a template with no clause).
    template_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    source_text: str | None = None

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

    def error(self, message: str, pred: str | None = None, hint: str | None = None) -> TaskFileError:
        """A TaskFileError pointing at the `rules` line of ``pred`` (or at the file)."""
        line, column = self.template_positions.get(pred, (None, None)) if pred else (None, None)
        return TaskFileError(message, path=self.path, line=line, column=column, text=self.source_text, hint=hint)

    def summary(self) -> str:
        n_pos = sum(len(w.positives) for w in self.train)
        n_neg = sum(len(w.negatives) for w in self.train)
        inv = ", ".join(f"{p}/{a}" for p, a in self.invented.items()) or "none"
        return (
            f"ILP task {self.name}: target {self.target}/{self.target_arity}, "
            f"{len(self.constants)} constants, {len(self.extensional)} extensional predicates, "
            f"invented {inv}, {len(self.train)} training world(s) with {n_pos} positive / {n_neg} negative examples, "
            f"{len(self.validation)} validation world(s), T={self.steps}"
        )


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
_ARITH: dict[str, Callable[[int, int], int]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "%": operator.mod, "//": operator.floordiv,
}


class _Loader:
    """Walks the parse tree, checking as it goes (one instance per file)."""

    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path

    def fail(self, node: object, message: str, hint: str) -> TaskFileError:
        line, column = position(node)
        return TaskFileError(message, path=self.path, line=line, column=column, text=self.text, hint=hint)

    # ----- terms and facts --------------------------------------------------------------------
    def constant(self, node: Tree) -> str:
        token = node.children[0]
        return ast.literal_eval(str(token)) if node.data == "string_const" else str(token)

    def evaluate(self, node: Tree | Token, env: dict[str, str]) -> str:
        """Value of an argument under a generator binding, as a constant name."""
        if node.data in ("name_const", "int_const", "string_const"):
            return self.constant(node)
        if node.data == "var":
            name = str(node.children[0])
            if name not in env:
                raise self.fail(node, f"variable {name} is not bound by a 'for' clause",
                                f"facts are ground: write e.g.  p({name}) for {name} in 0..9.")
            return env[name]
        left, op, right = node.children
        a, b = self.evaluate(left, env), self.evaluate(right, env)
        try:
            return str(_ARITH[str(op)](int(a), int(b)))
        except ValueError:
            raise self.fail(node, f"arithmetic on a non-integer constant ({a!r} {op} {b!r})",
                            "only integer constants can be added, subtracted, multiplied or taken modulo") from None
        except ZeroDivisionError:
            raise self.fail(node, "division by zero", "check the expression") from None

    def domain(self, node: Tree, constants: list[str]) -> list[str]:
        if node.data == "range_domain":
            lo, hi, *step = (int(t) for t in node.children)
            return [str(i) for i in range(lo, hi + 1, step[0] if step else 1)]
        if node.data == "set_domain":
            return [self.constant(c) for c in node.children]
        if not constants:
            raise self.fail(node, "'in constants' used before any constants are declared",
                            "declare the constants first:  constants 0..9")
        return list(constants)

    def facts(self, block: Tree, constants: list[str]) -> list[tuple[Atom, Tree]]:
        out = []
        for fact in block.children:
            atom_tree, *gen = fact.children
            envs: Iterable[dict[str, str]] = [{}]
            if gen:
                envs = self.bindings(gen[0], constants)
            name, *args = atom_tree.children
            for env in envs:
                out.append((Atom(str(name), tuple(Const(self.evaluate(a, env)) for a in args)), fact))
        return out

    def bindings(self, gen: Tree, constants: list[str]) -> Iterable[dict[str, str]]:
        binds = [c for c in gen.children if c.data == "binding"]
        conds = [c for c in gen.children if c.data == "condition"]
        names = [str(b.children[0]) for b in binds]
        if len(set(names)) != len(names):
            raise self.fail(gen, "a variable is bound twice in one 'for'", "use a different variable name")
        domains = [self.domain(b.children[1], constants) for b in binds]
        for values in itertools.product(*domains):
            env = dict(zip(names, values))
            ok = True
            for cond in conds:
                left, op, right = cond.children
                try:
                    a, b = int(self.evaluate(left, env)), int(self.evaluate(right, env))
                except ValueError:
                    a, b = self.evaluate(left, env), self.evaluate(right, env)  # type: ignore[assignment]
                    if str(op) not in ("==", "!="):
                        raise self.fail(cond, f"cannot compare non-integers with {op}", "use == or != for names") from None
                if not _COMPARE[str(op)](a, b):
                    ok = False
                    break
            if ok:
                yield env


def load_ilp_task(source: str | Path) -> ILPTask:
    """Load a task from a file path or a bundled name (``"ilp/even"``)."""
    path = find_task(source)
    return parse_ilp_task(path.read_text(encoding="utf-8"), path=path)


def parse_ilp_task(text: str, *, path: str | Path | None = None) -> ILPTask:
    """Parse and validate ILP task text."""
    spath = str(path) if path is not None else None
    tree = parse_with(load_parser("ilp_task"), text, path=spath, error=TaskFileError, what="ILP task file", hint=_HINT)
    L = _Loader(text, spath)

    name = Path(spath).stem if spath else "task"
    declared_constants: list[str] = []
    extensional: dict[str, int] = {}
    declared_extensional = False
    target: tuple[str, int] | None = None
    invented: dict[str, int] = {}
    templates: dict[str, tuple[RuleTemplate, ...]] = {}
    template_pos: dict[str, tuple[int, int]] = {}
    steps: int | None = None
    solution_trees: list[Tree] = []
    # world name -> (kind, node, statements)
    world_blocks: list[tuple[str, str, Tree, list[Tree]]] = []
    top: list[Tree] = []

    seen_single: set[str] = set()
    for stmt in tree.children:
        kind = stmt.data
        if kind in ("task_name", "target", "steps") and kind in seen_single:
            raise L.fail(stmt, f"'{kind.replace('_name', '')}' is given twice", "keep only one")
        seen_single.add(kind)
        if kind == "task_name":
            name = str(stmt.children[0])
        elif kind == "constants":
            for item in stmt.children:
                if item.data == "const_range":
                    lo, hi = (int(t) for t in item.children)
                    if hi < lo:
                        raise L.fail(item, f"empty range {lo}..{hi}", "write the smaller bound first")
                    declared_constants += [str(i) for i in range(lo, hi + 1)]
                else:
                    declared_constants.append(L.constant(item))
        elif kind in ("extensional", "invented", "target"):
            for sig in stmt.children:
                pname, arity = str(sig.children[0]), int(sig.children[1])
                if arity > 2 and kind != "extensional":
                    raise L.fail(sig, f"{pname}/{arity}: intensional predicates have arity 0, 1 or 2 in ∂ILP",
                                 "use a predicate of arity at most 2")
                if kind == "extensional":
                    extensional[pname] = arity
                    declared_extensional = True
                elif kind == "invented":
                    if pname in invented:
                        raise L.fail(sig, f"invented predicate {pname} declared twice", "declare it once")
                    invented[pname] = arity
                else:
                    target = (pname, arity)
        elif kind == "rules":
            pname = str(stmt.children[0])
            if pname in templates:
                raise L.fail(stmt, f"rules for {pname} are given twice", "give one 'rules' line per predicate, with one or two templates")
            templates[pname] = tuple(
                RuleTemplate(int(t.children[0]), str(t.children[1]) in ("yes", "true", "1")) for t in stmt.children[1:]
            )
            template_pos[pname] = position(stmt)  # type: ignore[assignment]
        elif kind == "steps":
            steps = int(stmt.children[0])
            if steps < 1:
                raise L.fail(stmt, "steps must be at least 1", "write e.g.  steps 3")
        elif kind == "solution":
            solution_trees += stmt.children
        elif kind in ("world", "validation"):
            world_blocks.append((kind, str(stmt.children[0]), stmt, list(stmt.children[1:])))
        else:
            top.append(stmt)

    if target is None:
        raise TaskFileError("the task declares no target predicate", path=spath, line=1, column=1, text=text,
                            hint="add a line like  target even/1")
    tname, tarity = target
    if tname in invented:
        raise TaskFileError(f"{tname} is both the target and an invented predicate", path=spath, text=text,
                            hint="invented predicates are auxiliary: give them another name")

    # Worlds: the top-level statements form world "train" (if any), then `world` blocks, then validation.
    raw_worlds: list[tuple[str, str, Tree | None, list[Tree]]] = []
    if top:
        raw_worlds.append(("world", "train", None, top))
    raw_worlds += world_blocks
    if not any(k == "world" for k, *_ in raw_worlds):
        raise TaskFileError("the task has no training examples", path=spath, text=text, line=1, column=1,
                            hint="add  background { ... }  positive { ... }  negative { ... }  blocks")

    # First pass: collect facts and examples per world (generators may use declared constants).
    parsed = []
    for kind, wname, node, stmts in raw_worlds:
        bg: list[tuple[Atom, Tree]] = []
        pos: list[tuple[Atom, Tree]] = []
        neg: list[tuple[Atom, Tree]] = []
        cwa = False
        for s in stmts:
            if s.data == "background":
                bg += L.facts(s, declared_constants)
            elif s.data == "positive":
                pos += L.facts(s, declared_constants)
            elif s.data == "negative":
                neg += L.facts(s, declared_constants)
            else:
                cwa = True
        parsed.append((kind, wname, node, bg, pos, neg, cwa))

    # Language: predicates and arities (declared, or inferred from the background facts).
    intensional = {tname: tarity, **invented}
    for *_, bg, _pos, _neg, _cwa in parsed:
        for a, node in bg:
            if a.pred in intensional:
                raise L.fail(node, f"background fact {a} uses intensional predicate {a.pred}",
                             "background facts use extensional predicates only; examples go in positive/negative blocks")
            if a.pred not in extensional:
                if declared_extensional:
                    raise L.fail(node, f"unknown predicate {a.pred}/{a.arity}",
                                 f"declare it:  extensional {a.pred}/{a.arity}  (declared: "
                                 f"{', '.join(f'{p}/{n}' for p, n in extensional.items())})")
                extensional[a.pred] = a.arity
            elif extensional[a.pred] != a.arity:
                raise L.fail(node, f"arity mismatch: {a} has {a.arity} argument(s), {a.pred} has arity {extensional[a.pred]}",
                             f"use {extensional[a.pred]} argument(s) everywhere for {a.pred}")

    constants = list(declared_constants)
    if not constants:
        seen: dict[str, None] = {}
        for *_, bg, pos, neg, _cwa in parsed:
            for a, _ in bg + pos + neg:
                for c in a.ground_tuple():
                    seen.setdefault(c, None)
        constants = list(seen)
    constant_set = set(constants)
    if len(constant_set) != len(constants):
        dup = next(c for c in constants if constants.count(c) > 1)
        raise TaskFileError(f"constant {dup} is declared twice", path=spath, text=text, hint="list each constant once")

    def check_atom(a: Atom, node: Tree, *, example: bool) -> None:
        if example and a.pred != tname:
            raise L.fail(node, f"example {a} is not an atom of the target predicate {tname}",
                         f"examples are {tname}/{tarity} atoms; facts of other predicates go in background")
        if example and a.arity != tarity:
            raise L.fail(node, f"arity mismatch: {a} has {a.arity} argument(s), target {tname} has arity {tarity}",
                         f"write {tname} with {tarity} argument(s)")
        for c in a.ground_tuple():
            if c not in constant_set:
                raise L.fail(node, f"constant {c} in {a} is not in the declared constants",
                             f"add it to the 'constants' line or fix the typo")

    worlds, validation = [], []
    for kind, wname, node, bg, pos, neg, cwa in parsed:
        where = f"world {wname}"
        for a, n in bg:
            check_atom(a, n, example=False)
        for a, n in pos + neg:
            check_atom(a, n, example=True)
        for label, items in (("positive", pos), ("negative", neg)):
            seen_atoms: dict[Atom, Tree] = {}
            for a, n in items:
                if a in seen_atoms:
                    raise L.fail(n, f"duplicate {label} example {a} in {where}", "list each example once")
                seen_atoms[a] = n
        pos_set = {a for a, _ in pos}
        for a, n in neg:
            if a in pos_set:
                raise L.fail(n, f"contradictory examples: {a} is both positive and negative in {where}",
                             "remove it from one of the two blocks")
        if cwa:
            if neg:
                raise L.fail(node or neg[0][1], f"{where} has both a negative block and 'negative closed_world'",
                             "use one of them")
            neg = [
                (Atom(tname, tuple(Const(c) for c in args)), node)
                for args in itertools.product(constants, repeat=tarity)
                if Atom(tname, tuple(Const(c) for c in args)) not in pos_set
            ]
        if not pos:
            raise (L.fail(node, f"{where} has no positive examples", "add a  positive { ... }  block")
                   if node is not None else TaskFileError(f"{where} has no positive examples", path=spath, text=text,
                                                          line=1, column=1, hint="add a  positive { ... }  block"))
        if not neg:
            hint = "add a  negative { ... }  block, or write  negative closed_world  to make every other target atom negative"
            raise (L.fail(node, f"{where} has no negative examples", hint) if node is not None
                   else TaskFileError(f"{where} has no negative examples", path=spath, text=text, line=1, column=1, hint=hint))
        w = World(wname, tuple(dict.fromkeys(a for a, _ in bg)), tuple(a for a, _ in pos), tuple(a for a, _ in neg))
        (worlds if kind == "world" else validation).append(w)

    # Program template.
    for pname in templates:
        if pname not in intensional:
            line, column = template_pos[pname]
            raise TaskFileError(f"rules given for {pname}, which is neither the target nor an invented predicate",
                                path=spath, line=line, column=column, text=text,
                                hint=f"rules are for {', '.join(intensional)}; declare  invented {pname}/N  to add one")
    for pname in intensional:
        if pname not in templates:
            raise TaskFileError(f"no rule templates for {pname}", path=spath, text=text, line=1, column=1,
                                hint=f"add a line like  rules {pname}: (0, no), (1, yes)")
    if steps is None:
        if any(t.intensional for ts in templates.values() for t in ts) or invented:
            raise TaskFileError("the number of forward-chaining steps is missing", path=spath, text=text, line=1,
                                column=1, hint="add a line like  steps 4  (recursion and invented predicates need T > 1)")
        steps = 1

    solution = None
    if solution_trees:
        clauses = []
        known = {**extensional, **intensional}
        for ct in solution_trees:
            clause = clause_from_tree(ct, path=spath, text=text)
            for a in (clause.head, *clause.body):
                if a.pred not in known:
                    raise L.fail(ct, f"solution uses unknown predicate {a.pred}", "use the task's predicates")
                if known[a.pred] != a.arity:
                    raise L.fail(ct, f"arity mismatch in solution: {a} (arity of {a.pred} is {known[a.pred]})",
                                 "fix the number of arguments")
            if clause.head.pred not in intensional:
                raise L.fail(ct, f"solution clause defines {clause.head.pred}, which is not intensional",
                             "solution clauses define the target or invented predicates")
            clauses.append(clause)
        solution = Program(clauses)

    return ILPTask(
        name=name, constants=tuple(constants), extensional=extensional, target=tname, target_arity=tarity,
        invented=invented, templates=templates, steps=steps, train=tuple(worlds), validation=tuple(validation),
        solution=solution, path=spath, template_positions=template_pos, source_text=text,
    )
