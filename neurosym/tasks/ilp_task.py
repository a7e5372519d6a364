"""ILP task files (``grammars/ilp_task.lark``) -> validated :class:`ILPTask` objects.

Every mistake a user can make in a task file is reported as a TaskFileError that
names the file, line and column, shows the line with a caret and says the fix.
"""

from __future__ import annotations

import ast
import itertools
import math
import operator
from collections.abc import Callable, Iterable
from pathlib import Path

from lark import Token, Tree

from neurosym.errors import TaskFileError, nesting_guard
from neurosym.io import read_text
from neurosym.lang.datalog import clause_from_tree
from neurosym.lang.grammar import load_parser, parse_with, position
from neurosym.logic.terms import Atom, Clause, Const
from neurosym.resources import find_task
from neurosym.tasks.ilp_types import ILPTask, NeuralPredicate, RuleTemplate, World, item_name
from neurosym.tasks.ilp_validate import (
    MAX_GROUND_ATOMS,
    DraftWorld,
    Locator,
    Position,
    TaskDraft,
    build_ilp_task,
)

__all__ = ["ILPTask", "RuleTemplate", "World", "load_ilp_task", "parse_ilp_task"]

_HINT = "see the README section 'ILP task files' for the statements a task file may contain"


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_ARITH: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "%": operator.mod,
    "//": operator.floordiv,
}


class _Loader:
    """Walks the parse tree, checking as it goes (one instance per file)."""

    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.items: list[tuple[str, int, Tree]] = []  # (data set, index, node) of each item

    def fail(self, node: object, message: str, hint: str) -> TaskFileError:
        line, column = position(node)
        return TaskFileError(
            message, path=self.path, line=line, column=column, text=self.text, hint=hint
        )

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
                raise self.fail(
                    node,
                    f"variable {name} is not bound by a 'for' clause",
                    f"facts are ground: write e.g.  p({name}) for {name} in 0..9.",
                )
            return env[name]
        if node.data == "item":
            dataset, index = str(node.children[0]), int(self.evaluate(node.children[1], env))
            self.items.append((dataset, index, node))
            return item_name(dataset, index)
        left, op, right = node.children
        a, b = self.evaluate(left, env), self.evaluate(right, env)
        try:
            return str(_ARITH[str(op)](int(a), int(b)))
        except ValueError:
            raise self.fail(
                node,
                f"arithmetic on a non-integer constant ({a!r} {op} {b!r})",
                "only integer constants can be added, subtracted, multiplied or taken modulo",
            ) from None
        except ZeroDivisionError:
            raise self.fail(node, "division by zero", "check the expression") from None

    def span(self, node: Tree, lo: int, hi: int, step: int = 1) -> range:
        """The integers ``lo..hi`` (every ``step``-th): an error for an empty range, a step that
        is not positive, or more than MAX_GROUND_ATOMS numbers (checked before listing them)."""
        if step < 1:
            raise self.fail(node, f"step {step} in a range", "use a step of at least 1")
        if hi < lo:
            raise self.fail(node, f"empty range {lo}..{hi}", "write the smaller bound first")
        numbers = range(lo, hi + 1, step)
        self.limit(node, len(numbers), f"the range {lo}..{hi}")
        return numbers

    def limit(self, node: Tree, count: int, what: str) -> None:
        if count > MAX_GROUND_ATOMS:
            raise self.fail(
                node,
                f"{what} has {count:,} values (at most {MAX_GROUND_ATOMS:,}: "
                "neurosym.tasks.ilp_validate.MAX_GROUND_ATOMS)",
                "use smaller ranges (fewer constants or generated facts)",
            )

    def domain(self, node: Tree, constants: list[str]) -> list[str]:
        if node.data == "range_domain":
            return [str(i) for i in self.span(node, *(int(t) for t in node.children))]
        if node.data == "set_domain":
            return [self.constant(c) for c in node.children]
        if not constants:
            raise self.fail(
                node,
                "'in constants' used before any constants are declared",
                "declare the constants first:  constants 0..9",
            )
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
                out.append(
                    (Atom(str(name), tuple(Const(self.evaluate(a, env)) for a in args)), fact)
                )
        return out

    def bindings(self, gen: Tree, constants: list[str]) -> Iterable[dict[str, str]]:
        binds = [c for c in gen.children if c.data == "binding"]
        conds = [c for c in gen.children if c.data == "condition"]
        names = [str(b.children[0]) for b in binds]
        if len(set(names)) != len(names):
            raise self.fail(
                gen, "a variable is bound twice in one 'for'", "use a different variable name"
            )
        domains = [self.domain(b.children[1], constants) for b in binds]
        self.limit(gen, math.prod(map(len, domains)), "this 'for' (all combinations)")
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
                        raise self.fail(
                            cond, f"cannot compare non-integers with {op}", "use == or != for names"
                        ) from None
                if not _COMPARE[str(op)](a, b):
                    ok = False
                    break
            if ok:
                yield env


def load_ilp_task(source: str | Path) -> ILPTask:
    """Load a task from a file path or a bundled name (``"ilp/even"``)."""
    path = find_task(source)
    return parse_ilp_task(read_text(path, what="task file"), path=path)


# check -> fix in task-file words (see neurosym.tasks.ilp_validate.FIXES for the checks).
_FIXES = {
    "steps_positive": "write e.g.  steps 3",
    "no_target": "add a line like  target even/1",
    "invented_extensional": "declare it either as extensional or as invented",
    "no_train": "add  background {{ ... }}  positive {{ ... }}  negative {{ ... }}  blocks",
    "background_intensional": "background facts use extensional predicates only; "
    "examples go in positive/negative blocks",
    "unknown_predicate": "declare it:  extensional {pred}/{arity}  (declared: {declared})",
    "undeclared_constant": "add it to the 'constants' line or fix the typo",
    "contradictory": "remove it from one of the two blocks",
    "no_positives": "add a  positive {{ ... }}  block",
    "no_negatives": "add a  negative {{ ... }}  block, or write  negative closed_world  to make "
    "every other target atom negative",
    "rules_unknown": "rules are for {intensional}; declare  invented {pred}/N  to add one",
    "no_rules": "add a line like  rules {pred}: (0, no), (1, yes)",
    "template_count": "give one or two templates, e.g.  rules p: (0, no), (1, yes)",
    "no_steps": "add a line like  steps 4  (recursion and invented predicates need T > 1)",
}


def parse_ilp_task(text: str, *, path: str | Path | None = None) -> ILPTask:
    """Parse ILP task text into a draft and a locator; the one validator checks and builds it."""
    spath = str(path) if path is not None else None
    with nesting_guard(spath, "ILP task file"):
        tree = parse_with(
            load_parser("ilp_task"),
            text,
            path=spath,
            error=TaskFileError,
            what="ILP task file",
            hint=_HINT,
        )
        draft, where = _FileReader(text, spath).read(tree)
    return build_ilp_task(draft, where)


class _FileReader(_Loader):
    """The task-file front end: statements -> TaskDraft, parse-tree nodes -> Locator positions."""

    def __init__(self, text: str, path: str | None) -> None:
        super().__init__(text, path)
        self.draft = TaskDraft(name=Path(path).stem if path else "task", target=None)
        self.where = Locator(
            fallback=Position(path, text, 1, 1), source=Position(path, text), fixes=_FIXES
        )

    def fail_at(self, item: object, message: str, hint: str) -> TaskFileError:
        """The error at the place ``mark`` recorded for ``item``."""
        where = self.where.positions[item]
        return TaskFileError(message, path=self.path, line=where.line, column=where.column,
                             text=self.text, hint=hint)

    def mark(self, item: object, node: object) -> None:
        line, column = position(node)
        self.where.positions[item] = Position(self.path, self.text, line, column)

    def read(self, tree: Tree) -> tuple[TaskDraft, Locator]:
        draft = self.draft
        constants: list[str] = []
        worlds: list[tuple[str, Tree | None, list[Tree]]] = []
        top: list[Tree] = []
        solution: list[Tree] = []
        seen_single: set[str] = set()
        for stmt in tree.children:
            kind = stmt.data
            if kind in ("task_name", "target", "steps") and kind in seen_single:
                what = kind.replace("_name", "")
                raise self.fail(stmt, f"'{what}' is given twice", "keep only one")
            seen_single.add(kind)
            if kind == "task_name":
                draft.name = str(stmt.children[0])
            elif kind == "constants":
                constants += self.constant_list(stmt)
            elif kind in ("extensional", "invented", "target"):
                self.signatures(kind, stmt)
            elif kind == "rules":
                self.rules(stmt)
            elif kind == "steps":
                draft.steps = int(stmt.children[0])
                self.mark(("steps",), stmt)
            elif kind == "solution":
                solution += stmt.children
            elif kind in ("world", "validation"):
                worlds.append((kind, stmt, list(stmt.children[1:])))
            elif kind == "percept":
                self.percept(stmt)
            else:
                top.append(stmt)
        draft.constants = constants or None
        # The top-level statements form world "train" (if any), then `world` and validation blocks.
        if top:
            self.world("train", False, None, top, constants)
        for kind, node, stmts in worlds:
            self.world(str(node.children[0]), kind == "validation", node, stmts, constants)
        if solution:
            draft.solution = tuple(self.clause(i, ct) for i, ct in enumerate(solution))
        self.check_items(constants)
        return draft, self.where

    def percept(self, stmt: Tree) -> None:
        """``percept PRED from DATASET {concept: class, ...}``: the task's neural predicate."""
        from neurosym.tasks.percepts import PERCEPT_DATASETS, dataset_missing

        if self.draft.neural is not None:
            raise self.fail(stmt, "a second 'percept' line", "a task has one neural predicate")
        pred, dataset, *entries = stmt.children
        classes = PERCEPT_DATASETS.get(str(dataset))
        if classes is None:
            raise self.fail(dataset, f"percept: unknown data set {str(dataset)!r}",
                            f"the percept data sets are: {', '.join(PERCEPT_DATASETS)}")
        why = dataset_missing(str(dataset))
        if why is not None:
            raise self.fail(dataset, f"percept: data set {str(dataset)!r} is missing: {why}",
                            "put the data set where it is looked for")
        concepts: dict[str, int] = {}
        for entry in entries:
            concept, cls = self.constant(entry.children[0]), int(entry.children[1])
            if concept in concepts:
                raise self.fail(entry, f"percept: concept {concept} given twice", "give it once")
            if not 0 <= cls < classes:
                raise self.fail(entry, f"percept: class {cls} of {concept} is not a class of "
                                f"{str(dataset)!r}", f"classes are 0 .. {classes - 1}")
            if cls in concepts.values():
                raise self.fail(entry, f"percept: class {cls} stands for two concepts",
                                "give each concept its own class")
            concepts[concept] = cls
            self.mark(("concept", concept), entry)
        self.draft.neural = NeuralPredicate(str(pred), str(dataset), concepts)
        self.mark(("percept",), stmt)

    def check_items(self, constants: list[str]) -> None:
        """The neural predicate against the language, every item against its data set, every
        example over items."""
        from neurosym.tasks.mnist import load_percept_dataset

        neural, draft = self.draft.neural, self.draft
        if neural is None:
            if self.items:
                dataset, _, node = self.items[0]
                raise self.fail(node, f"item of data set {dataset!r}, but no 'percept' line",
                                f"declare the neural predicate:  percept digit from {dataset} "
                                "{0: 0, 1: 1, ...}")
            return
        self.check_neural_names(neural, constants)
        size = len(load_percept_dataset(neural.dataset)[1])
        for dataset, index, node in self.items:
            if dataset != neural.dataset:
                raise self.fail(node, f"item of data set {dataset!r}; the percept line reads "
                                f"{neural.dataset!r}", f"write {neural.item(index)}")
            if not 0 <= index < size:
                raise self.fail(node, f"item index {index} out of range: {dataset} has {size} "
                                "items", f"use an index in 0 .. {size - 1}")
        draft.items = {neural.item(index) for _, index, _ in self.items}
        for w, world in enumerate(draft.worlds):
            if world.closed_world:
                raise self.fail_at(("percept",), "'negative closed_world' with a 'percept' line",
                                   "list the negative examples over items")
            for label, atoms in (("positive", world.positives), ("negative", world.negatives)):
                for i, a in enumerate(atoms):
                    if a.arity and all(c in draft.items for c in a.ground_tuple()):
                        continue
                    raise self.fail_at((label, w, i), f"example {a} is not over items",
                                       "with a 'percept' line every argument of an example is "
                                       f"an item, e.g. {draft.target}({neural.item(3)}, ...)")

    def check_neural_names(self, neural: NeuralPredicate, constants: list[str]) -> None:
        """Its concepts are declared constants; its name is no other predicate's."""
        draft = self.draft
        for concept in neural.concepts:
            if concept not in constants:
                raise self.fail_at(("concept", concept),
                                   f"percept: concept {concept} is not a declared constant",
                                   "add it to the 'constants' line")
        if neural.pred in {**draft.extensional, **draft.invented, draft.target: 0}:
            raise self.fail_at(("percept",), f"neural predicate {neural.pred} is also declared "
                               "as a rule or background predicate", "give it its own name")

    def constant_list(self, stmt: Tree) -> list[str]:
        out = []
        for item in stmt.children:
            if item.data == "const_range":
                out += [str(i) for i in self.span(item, *(int(t) for t in item.children))]
            else:
                out.append(self.constant(item))
        return out

    def signatures(self, kind: str, stmt: Tree) -> None:
        for sig in stmt.children:
            pname, arity = str(sig.children[0]), int(sig.children[1])
            if kind == "extensional":
                self.draft.extensional[pname] = arity
                self.draft.extensional_closed = True
                continue
            if kind == "invented":
                if pname in self.draft.invented:
                    raise self.fail(
                        sig, f"invented predicate {pname} declared twice", "declare it once"
                    )
                self.draft.invented[pname] = arity
            else:
                self.draft.target, self.draft.target_arity = pname, arity
            self.mark(("predicate", pname), sig)

    def rules(self, stmt: Tree) -> None:
        pname = str(stmt.children[0])
        if pname in self.draft.templates:
            raise self.fail(
                stmt,
                f"rules for {pname} are given twice",
                "give one 'rules' line per predicate, with one or two templates",
            )
        self.draft.templates[pname] = tuple(
            RuleTemplate(int(t.children[0]), str(t.children[1]) in ("yes", "true", "1"))
            for t in stmt.children[1:]
        )
        self.mark(("rules", pname), stmt)

    def world(
        self,
        name: str,
        validation: bool,
        node: Tree | None,
        stmts: list[Tree],
        constants: list[str],
    ) -> None:
        """Add one world: its facts and examples (generators may use the declared constants)."""
        w = len(self.draft.worlds)
        world = DraftWorld(name, validation=validation)
        blocks = {
            "background": world.background,
            "positive": world.positives,
            "negative": world.negatives,
        }
        nodes: dict[str, list[Tree]] = {label: [] for label in blocks}
        for s in stmts:
            if s.data == "closed_world":
                world.closed_world = True
                continue
            for a, fact in self.facts(s, constants):
                self.mark((s.data, w, len(blocks[s.data])), fact)
                blocks[s.data].append(a)
                nodes[s.data].append(fact)
        if world.closed_world and world.negatives:
            raise self.fail(
                node or nodes["negative"][0],
                f"world {name} has both a negative block and 'negative closed_world'",
                "use one of them",
            )
        if node is not None:
            self.mark(("world", w), node)
        self.draft.worlds.append(world)

    def clause(self, i: int, tree: Tree) -> Clause:
        self.mark(("solution", i), tree)
        return clause_from_tree(tree, path=self.path, text=self.text)
