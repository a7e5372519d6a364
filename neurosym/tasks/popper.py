"""Popper task folders (``bk.pl``, ``exs.pl``, ``bias.pl``) -> :class:`ILPTask`.

Popper (Cropper & Morel) keeps a learning task in a folder of three Prolog files:

* ``bk.pl``   background knowledge: facts such as ``edge(a, b).``
* ``exs.pl``  examples: ``pos(f(a)).`` and ``neg(f(b)).``
* ``bias.pl`` language bias: ``head_pred(f, 1).`` and ``body_pred(edge, 2).`` plus optional
  ``type/2``, ``direction/2``, ``max_vars/1``, ``enable_recursion.``, constraints, ...

This module reads the subset that maps onto a ∂ILP task: **ground facts** over constants (atoms,
integers, quoted atoms, strings), **one** ``head_pred`` of arity 0, 1 or 2 as the target, and the
``body_pred`` declarations as the extensional predicates. Whatever cannot be mapped is either an
error (with file, line, column and a fix) or, where dropping it is harmless, a *note* on the
returned :class:`PopperImport`:

=====================================================  ==========================================
In the Popper folder                                   Here
=====================================================  ==========================================
rules in ``bk.pl`` (``p(X) :- q(X).``)                 error: replace them by their ground facts
compound terms or lists in facts (``f(g(a))``, ``[]``)  error: function symbols are not supported
floats, variables in facts or examples                 error
facts of predicates that are not ``body_pred``         dropped, with a note
directives (``:- discontiguous ...``)                  skipped, with a note
``type/2``, ``direction/2``, ``max_vars``,             ignored, with a note (∂ILP's language bias
``max_body``, ``max_clauses``, constraints             is the rule template, see below)
``enable_recursion`` (or ``body_pred`` of the target)  the target's second template may recurse
``enable_pi`` (predicate invention)                    noted; pass ``invented=`` to invent
more than one ``head_pred``, or arity > 2              error
duplicate examples                                     kept once, with a note
an atom both ``pos`` and ``neg``                       error
no ``neg(...)`` example                                error, unless ``closed_world=True``
=====================================================  ==========================================

**Default program template** (override any part with the keyword arguments of
:func:`read_popper`): ``v = 1`` existential variable per clause; the target gets two templates,
``(1, no), (1, yes)`` when recursion is enabled or invented predicates are given, else
``(1, no), (1, no)``; each invented predicate gets ``(1, no), (1, yes)``; ``T = 1`` forward-chaining
step when no template may use an intensional predicate, else ``T = 4``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from neurosym.errors import NeurosymError, TaskFileError, nesting_guard
from neurosym.io import read_text
from neurosym.logic.terms import Atom, Const
from neurosym.tasks.ilp_types import ILPTask, RuleTemplate
from neurosym.tasks.ilp_validate import (
    RECURSIVE_STEPS,
    DraftWorld,
    Locator,
    Position,
    TaskDraft,
    TemplateSpec,
    build_ilp_task,
    rule_template,
)

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
    "no_negatives": "add examples like  neg({target}(...)).  or read the folder with "
                    "closed_world=True (every target atom that is not pos becomes negative)",
}

# ----- a small Prolog reader: enough to split clauses and read ground facts -----------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>%[^\n]*|/\*.*?\*/)
  | (?P<end>\.(?=\s|%|$))
  | (?P<float>\d+\.\d+(?:[eE][+-]?\d+)?)
  | (?P<int>\d+)
  | (?P<var>[A-Z_][A-Za-z0-9_]*)
  | (?P<name>[a-z][A-Za-z0-9_]*)
  | (?P<quoted>'(?:[^'\\]|\\.|'')*')
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<punct>[()\[\]{},|!;])
  | (?P<symbol>[-+*/\\^<>=~:.?@#&$]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class _Term:
    """A parsed Prolog term: kind is name/var/int/float/str/compound/list; args for
    compound/list."""

    kind: str
    value: str
    line: int
    column: int
    args: tuple[_Term, ...] = ()


class _Source:
    """One Prolog file: its text, path, and errors pointing into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = read_text(
            path, what="Popper file; a Popper task folder has bk.pl, exs.pl and bias.pl"
        )

    def at(self, where: _Tok | _Term | tuple[int, int]) -> Position:
        line, column = (where.line, where.column) if not isinstance(where, tuple) else where
        return Position(str(self.path), self.text, line, column)

    def error(
        self, where: _Tok | _Term | tuple[int, int], message: str, hint: str
    ) -> TaskFileError:
        at = self.at(where)
        return TaskFileError(
            message, path=at.path, line=at.line, column=at.column, text=at.text, hint=hint
        )

    def clauses(self) -> list[list[_Tok]]:
        """Token lists of the clauses, each ending with its '.' token."""
        out: list[list[_Tok]] = []
        current: list[_Tok] = []
        line, line_start = 1, 0
        pos = 0
        text = self.text
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise self.error(
                    (line, pos - line_start + 1),
                    f"unexpected character {text[pos]!r}",
                    "this reader understands Prolog facts; check the quoting",
                )
            kind = m.lastgroup or ""
            if kind != "comment" and text.startswith("/*", pos):
                raise self.error(
                    (line, pos - line_start + 1),
                    "this '/*' comment is never closed",
                    "end the comment with '*/'",
                )
            if kind not in ("ws", "comment"):
                current.append(_Tok(kind, m.group(), line, pos - line_start + 1))
                if kind == "end":
                    out.append(current)
                    current = []
            chunk = m.group()
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                line_start = pos + chunk.rfind("\n") + 1
            pos = m.end()
        if current:
            last = current[-1]
            raise self.error(
                last,
                "the last clause has no final '.'",
                "end every fact with a full stop, e.g.  edge(a, b).",
            )
        return out

    def parse_term(self, toks: Sequence[_Tok], i: int) -> tuple[_Term, int]:
        """Parse a primary term starting at toks[i] (no operators); returns (term, next index)."""
        if i >= len(toks):
            last = toks[-1]
            raise self.error(last, "a term is missing here", "write a fact like  edge(a, b).")
        t = toks[i]
        if t.kind == "int":
            return _Term("int", t.text, t.line, t.column), i + 1
        if (
            t.kind == "symbol"
            and t.text == "-"
            and i + 1 < len(toks)
            and toks[i + 1].kind in ("int", "float")
        ):
            n = toks[i + 1]
            return _Term(n.kind, "-" + n.text, t.line, t.column), i + 2
        if t.kind == "float":
            return _Term("float", t.text, t.line, t.column), i + 1
        if t.kind == "var":
            return _Term("var", t.text, t.line, t.column), i + 1
        if t.kind == "string":
            return _Term("str", _unquote(t.text), t.line, t.column), i + 1
        if t.kind in ("name", "quoted"):
            value = t.text if t.kind == "name" else _unquote(t.text)
            if (
                i + 1 < len(toks)
                and toks[i + 1].text == "("
                and toks[i + 1].column == t.column + len(t.text)
                and toks[i + 1].line == t.line
            ):
                args, j = self.parse_args(toks, i + 2, ")")
                return _Term("compound", value, t.line, t.column, tuple(args)), j
            return _Term("name", value, t.line, t.column), i + 1
        if t.text == "(":  # a parenthesised tuple, as in type(f, (node, node)).
            args, j = self.parse_args(toks, i + 1, ")")
            return _Term("tuple", "(...)", t.line, t.column, tuple(args)), j
        if t.text == "[":
            if i + 1 < len(toks) and toks[i + 1].text == "]":
                return _Term("list", "[]", t.line, t.column), i + 2
            args, j = self.parse_args(toks, i + 1, "]")
            return _Term("list", "[...]", t.line, t.column, tuple(args)), j
        raise self.error(
            t, f"unexpected {t.text!r}", "this reader understands Prolog facts such as  edge(a, b)."
        )

    def parse_args(self, toks: Sequence[_Tok], i: int, close: str) -> tuple[list[_Term], int]:
        args = []
        while True:
            term, i = self.parse_term(toks, i)
            args.append(term)
            if i >= len(toks):
                raise self.error(
                    toks[-1], f"missing {close!r}", f"close the argument list with {close!r}"
                )
            t = toks[i]
            if t.text == close:
                return args, i + 1
            if t.text in (",", "|"):
                i += 1
                if i < len(toks) and toks[i].text == close:  # Popper's 1-tuples: (node,)
                    return args, i + 1
                continue
            raise self.error(
                t,
                f"unexpected {t.text!r} in an argument list",
                "arguments are constants separated by commas, e.g.  edge(a, b)",
            )


def _unquote(text: str) -> str:
    body = text[1:-1]
    quote = text[0]
    body = body.replace(quote * 2, quote)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _is_neck(tok: _Tok) -> bool:
    return tok.kind == "symbol" and tok.text.startswith((":-", "?-", "-->"))


def _ground_atom(src: _Source, term: _Term, what: str) -> Atom:
    """A ground function-free atom from a parsed term, or a TaskFileError saying why not."""
    if term.kind == "name":
        return Atom(term.value)
    if term.kind != "compound":
        raise src.error(
            term, f"expected {what}, found {term.value!r}", "write an atom such as  edge(a, b)"
        )
    args = []
    for a in term.args:
        if a.kind in ("name", "str"):
            args.append(Const(a.value))
        elif a.kind == "int":
            args.append(Const(str(int(a.value))))
        elif a.kind == "var":
            raise src.error(
                a,
                f"variable {a.value} in {what}: facts and examples must be ground",
                "replace the variable by a constant (∂ILP learns from ground facts)",
            )
        elif a.kind == "float":
            raise src.error(
                a,
                f"float {a.value} in {what}: only atoms, integers and quoted atoms are constants "
                "here",
                "quote it to use it as a name ('0.5'), or scale it to an integer",
            )
        else:
            kind = "list" if a.kind == "list" else f"compound term {a.value}(...)"
            raise src.error(
                a,
                f"{kind} in {what}: function symbols and lists are not supported (∂ILP is "
                "function-free)",
                "flatten it into extra facts, e.g. a list [a,b] as  head(l1, a). tail(l1, l2). "
                "head(l2, b). tail(l2, nil).",
            )
    return Atom(term.value, tuple(args))


# file -> how to replace a rule (``:-``) found in it
_RULE_FIXES = {
    "bk.pl": "replace the rule by the ground facts it derives, e.g. in SWI-Prolog: "
             "forall(p(X, Y), (writeq(p(X, Y)), write('.'), nl))",
    "exs.pl": "exs.pl holds examples only, one per clause:  pos(f(a)).  or  neg(f(b)).",
}


def _read_terms(src: _Source, notes: list[str]) -> list[_Term]:
    """The fact terms of a file; directives are skipped with a note, rules are an error."""
    facts = []
    skipped_directives = 0
    for toks in src.clauses():
        body = toks[:-1]
        if not body:
            raise src.error(toks[-1], "an empty clause (a lone '.')", "delete the stray full stop")
        if _is_neck(body[0]):
            skipped_directives += 1
            continue
        neck = next((t for t in body if _is_neck(t)), None)
        if neck is not None:
            raise src.error(
                body[0],
                f"rules are not supported in {src.path.name} (only ground facts)",
                _RULE_FIXES.get(src.path.name, "write ground facts only, e.g.  edge(a, b)."),
            )
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
    """The task read from a Popper folder, and what was dropped or ignored on the way."""

    task: ILPTask
    notes: list[str] = field(default_factory=list)


_BIAS_IGNORED = {
    "type": "type/2 (argument types) is ignored: ∂ILP clauses range over all constants",
    "direction": (
        "direction/2 (argument modes) is ignored: ∂ILP evaluates bottom-up, modes play no part"
    ),
    "max_vars": (
        "max_vars is ignored: the number of variables is set by the template's existentials"
    ),
    "max_body": "max_body is ignored: ∂ILP clauses have exactly two body atoms",
    "max_clauses": (
        "max_clauses is ignored: ∂ILP defines each predicate by one or two clauses (its templates)"
    ),
    "min_body": "min_body is ignored: ∂ILP clauses have exactly two body atoms",
    "non_datalog": "non_datalog is ignored: ∂ILP programs are Datalog",
    "allow_singletons": "allow_singletons is ignored",
    "enable_pi": (
        "enable_pi is not read: "
        "to invent predicates pass invented={name: arity} (and templates)"
    ),
}


def _read_bias(
    src: _Source, notes: list[str]
) -> tuple[tuple[str, int, _Term], dict[str, tuple[int, _Term]], bool]:
    """(target name, arity, term), body predicates {name: (arity, term)}, recursion enabled."""
    heads: list[tuple[str, int, _Term]] = []
    body: dict[str, tuple[int, _Term]] = {}
    recursion = False
    ignored: dict[str, int] = {}
    constraints = 0
    for toks in src.clauses():
        items = toks[:-1]
        if not items:
            continue
        if _is_neck(items[0]) or any(_is_neck(t) for t in items):
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
        elif name == "enable_recursion" and term.kind == "name":
            recursion = True
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
    return heads[0], body, recursion


def read_popper(
    folder: str | Path,
    *,
    existentials: int = DEFAULT_EXISTENTIALS,
    templates: Mapping[str, Iterable[TemplateSpec]] | None = None,
    invented: Mapping[str, int] | None = None,
    steps: int | None = None,
    closed_world: bool = False,
    name: str | None = None,
) -> PopperImport:
    """Read a Popper task folder into an :class:`ILPTask` (see the module docstring for the
    mapping).

    ``templates`` overrides the default rule templates per predicate, e.g.
    ``{"f": [(0, False), (1, True)]}``; ``invented`` adds invented predicates ``{name: arity}``;
    ``steps`` sets T; ``closed_world=True`` makes every target atom that is not ``pos`` negative
    (needed when ``exs.pl`` has no ``neg`` examples).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NeurosymError(
            f"{folder}: not a folder; a Popper task is a folder with bk.pl, exs.pl and bias.pl"
        )
    with nesting_guard(folder, "Popper task"):
        return _read_popper(folder, existentials, templates, invented, steps, closed_world, name)


def _read_popper(
    folder: Path,
    existentials: int,
    templates: Mapping[str, Iterable[TemplateSpec]] | None,
    invented: Mapping[str, int] | None,
    steps: int | None,
    closed_world: bool,
    name: str | None,
) -> PopperImport:
    notes: list[str] = []
    bias = _Source(folder / "bias.pl")
    bk = _Source(folder / "bk.pl")
    exs = _Source(folder / "exs.pl")

    (target, tarity, head_term), body_preds, recursion = _read_bias(bias, notes)
    if target in body_preds:
        recursion = True
        del body_preds[target]
    extensional = {p: a for p, (a, _t) in body_preds.items()}
    if not extensional:
        raise bias.error(
            head_term,
            "bias.pl declares no body_pred (the predicates rules may use)",
            "add lines like  body_pred(edge, 2).",
        )
    invented = dict(invented or {})
    intensional = {target: tarity, **invented}
    where = Locator(
        source=Position(str(bias.path), bias.text),
        fixes=_FIXES,
        target_noun="head_pred {target}/{arity}",
    )
    where.positions[("predicate", target)] = bias.at(head_term)
    where.positions.update({("rules", p): bias.at(head_term) for p in intensional})
    where.positions[("world", 0)] = exs.at((1, 1))
    world = DraftWorld("train", closed_world=closed_world)
    _read_background(bk, world, where, extensional, intensional, notes)
    _read_examples(exs, world, where, target, notes)
    if closed_world and world.negatives:
        notes.append(
            "closed_world=True: the neg(...) examples are kept and every other target atom is added"
        )

    recursive = recursion or bool(invented)
    v = existentials
    tpls = {
        p: (RuleTemplate(v, False), RuleTemplate(v, recursive or p != target)) for p in intensional
    }
    for pred, specs in (templates or {}).items():
        tpls[pred] = tuple(rule_template(t, pred) for t in specs)
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
    )
    return PopperImport(build_ilp_task(draft, where), notes)


def _read_background(
    bk: _Source,
    world: DraftWorld,
    where: Locator,
    extensional: Mapping[str, int],
    intensional: Mapping[str, int],
    notes: list[str],
) -> None:
    """The facts of bk.pl into ``world``; facts of predicates that are not body_pred are dropped."""
    dropped: dict[str, int] = {}
    for term in _read_terms(bk, notes):
        a = _ground_atom(bk, term, "a fact")
        if a.pred not in extensional and a.pred not in intensional:
            dropped[f"{a.pred}/{a.arity}"] = dropped.get(f"{a.pred}/{a.arity}", 0) + 1
            continue
        where.positions[("background", 0, len(world.background))] = bk.at(term)
        world.background.append(a)
    for key, count in sorted(dropped.items()):
        notes.append(
            f"bk.pl: {count} fact(s) of {key} dropped: not declared as body_pred in bias.pl"
        )


def _read_examples(
    exs: _Source, world: DraftWorld, where: Locator, target: str, notes: list[str]
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
        a = _ground_atom(exs, term.args[0], "an example")
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
