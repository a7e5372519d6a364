"""A small Prolog reader: split a file into clauses, read ground facts and function-free Datalog
rules, and raise :class:`TaskFileError` (file, line, column, fix) at anything else.

Used by the Popper folder reader (:mod:`neurosym.tasks.popper`); it reads enough Prolog for
``bk.pl``, ``exs.pl`` and ``bias.pl``, not the whole language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from neurosym.errors import TaskFileError
from neurosym.io import read_text
from neurosym.logic.terms import Atom, Clause, Const, Var
from neurosym.tasks.ilp_validate import Position

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
class Token:
    kind: str
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Term:
    """A parsed Prolog term: kind is name/var/int/float/str/compound/list; args for
    compound/list."""

    kind: str
    value: str
    line: int
    column: int
    args: tuple[Term, ...] = ()


class PrologFile:
    """One Prolog file: its text, path, and errors pointing into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = read_text(
            path, what="Popper file; a Popper task folder has bk.pl, exs.pl and bias.pl"
        )

    def at(self, where: Token | Term | tuple[int, int]) -> Position:
        line, column = (where.line, where.column) if not isinstance(where, tuple) else where
        return Position(str(self.path), self.text, line, column)

    def error(
        self, where: Token | Term | tuple[int, int], message: str, hint: str
    ) -> TaskFileError:
        at = self.at(where)
        return TaskFileError(
            message, path=at.path, line=at.line, column=at.column, text=at.text, hint=hint
        )

    def clauses(self) -> list[list[Token]]:
        """Token lists of the clauses, each ending with its '.' token."""
        out: list[list[Token]] = []
        current: list[Token] = []
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
                current.append(Token(kind, m.group(), line, pos - line_start + 1))
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

    def parse_term(self, toks: Sequence[Token], i: int) -> tuple[Term, int]:
        """Parse a primary term starting at toks[i] (no operators); returns (term, next index)."""
        if i >= len(toks):
            last = toks[-1]
            raise self.error(last, "a term is missing here", "write a fact like  edge(a, b).")
        t = toks[i]
        if t.kind == "int":
            return Term("int", t.text, t.line, t.column), i + 1
        if (
            t.kind == "symbol"
            and t.text == "-"
            and i + 1 < len(toks)
            and toks[i + 1].kind in ("int", "float")
        ):
            n = toks[i + 1]
            return Term(n.kind, "-" + n.text, t.line, t.column), i + 2
        if t.kind == "float":
            return Term("float", t.text, t.line, t.column), i + 1
        if t.kind == "var":
            return Term("var", t.text, t.line, t.column), i + 1
        if t.kind == "string":
            return Term("str", unquote(t.text), t.line, t.column), i + 1
        if t.kind in ("name", "quoted"):
            value = t.text if t.kind == "name" else unquote(t.text)
            if (
                i + 1 < len(toks)
                and toks[i + 1].text == "("
                and toks[i + 1].column == t.column + len(t.text)
                and toks[i + 1].line == t.line
            ):
                args, j = self.parse_args(toks, i + 2, ")")
                return Term("compound", value, t.line, t.column, tuple(args)), j
            return Term("name", value, t.line, t.column), i + 1
        if t.text == "(":  # a parenthesised tuple, as in type(f, (node, node)).
            args, j = self.parse_args(toks, i + 1, ")")
            return Term("tuple", "(...)", t.line, t.column, tuple(args)), j
        if t.text == "[":
            if i + 1 < len(toks) and toks[i + 1].text == "]":
                return Term("list", "[]", t.line, t.column), i + 2
            args, j = self.parse_args(toks, i + 1, "]")
            return Term("list", "[...]", t.line, t.column, tuple(args)), j
        raise self.error(
            t, f"unexpected {t.text!r}", "this reader understands Prolog facts such as  edge(a, b)."
        )

    def parse_args(self, toks: Sequence[Token], i: int, close: str) -> tuple[list[Term], int]:
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


def unquote(text: str) -> str:
    body = text[1:-1]
    quote = text[0]
    body = body.replace(quote * 2, quote)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def is_neck(tok: Token) -> bool:
    return tok.kind == "symbol" and tok.text.startswith((":-", "?-", "-->"))



def atom_of(
    src: PrologFile, term: Term, what: str, variables: dict[str, Var] | None = None
) -> Atom:
    """A function-free atom from a parsed term, or a TaskFileError saying why not.

    ``variables`` None: the atom must be ground. Otherwise variables are allowed and collected
    there by name (each anonymous ``_`` becomes a fresh one).
    """
    if term.kind == "name":
        return Atom(term.value)
    if term.kind != "compound":
        raise src.error(
            term, f"expected {what}, found {term.value!r}", "write an atom such as  edge(a, b)"
        )
    args: list[Const | Var] = []
    for a in term.args:
        if a.kind in ("name", "str"):
            args.append(Const(a.value))
        elif a.kind == "int":
            args.append(Const(str(int(a.value))))
        elif a.kind == "var" and variables is not None:
            key = a.value if a.value != "_" else f"_{len(variables)}"
            args.append(variables.setdefault(key, Var(key)))
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


# ----- rules --------------------------------------------------------------------------------------

RULE_FIX = (
    "replace the rule by the ground facts it derives, e.g. in SWI-Prolog: "
    "forall(p(X, Y), (writeq(p(X, Y)), write('.'), nl))"
)
_OUTSIDE_DATALOG = {
    **dict.fromkeys(("\\+", "not"), "negation"),
    **dict.fromkeys(
        ("is", "+", "-", "*", "/", "<", ">", "=<", ">=", "=:=", "=\\="), "arithmetic"
    ),
    **dict.fromkeys(("=", "\\=", "==", "\\==", "@<", "@>", "=.."), "a built-in comparison"),
    **dict.fromkeys((";", "->", "|", "!", "*->"), "control (disjunction, if-then-else or cut)"),
}


@dataclass(frozen=True)
class Rule:
    """A ``bk.pl`` rule as a Datalog clause; ``terms``: the head's then each body atom's term
    (their places in the file)."""

    clause: Clause
    terms: tuple[Term, ...]


def _outside_datalog(src: PrologFile, tok: Token | Term) -> TaskFileError:
    text = tok.text if isinstance(tok, Token) else tok.value
    what = _OUTSIDE_DATALOG.get(text, "Prolog syntax")
    return src.error(
        tok,
        f"{text!r} ({what}) in a rule of {src.path.name}: only function-free Datalog rules are "
        "evaluated (atoms joined by ',' without negation, arithmetic, built-ins, cut or "
        "disjunction; every head variable in the body)",
        RULE_FIX,
    )


def datalog_rule(src: PrologFile, toks: Sequence[Token]) -> Rule:
    """``head :- a1, ..., an`` (the tokens of one clause, without its final '.') as a function-free
    Datalog rule, or a TaskFileError at the first thing outside that fragment."""
    neck = next(i for i, t in enumerate(toks) if is_neck(t))
    if toks[neck].text != ":-" or neck == 0:
        raise _outside_datalog(src, toks[neck])
    head, i = src.parse_term(toks[:neck], 0)
    if i != neck:
        raise _outside_datalog(src, toks[i])
    terms = [head]
    i = neck + 1
    while True:
        if i >= len(toks) or toks[i].kind in ("symbol", "punct"):
            raise _outside_datalog(src, toks[min(i, len(toks) - 1)])
        term, i = src.parse_term(toks, i)
        if i < len(toks) and toks[i].text != ",":
            raise _outside_datalog(src, toks[i])
        if term.kind not in ("name", "compound") or term.value in _OUTSIDE_DATALOG:
            raise _outside_datalog(src, term)
        terms.append(term)
        if i == len(toks):
            break
        i += 1
    variables: dict[str, Var] = {}
    body = tuple(atom_of(src, t, "a rule body", variables) for t in terms[1:])
    clause = Clause(atom_of(src, head, "a rule head", variables), body)
    if not clause.is_safe:
        used = {v for a in body for v in a.variables()}
        free = next(v for v in clause.head.variables() if v not in used)
        raise src.error(
            head,
            f"variable {free} of the rule head {clause.head} does not occur in its body: the rule "
            "is not range-restricted Datalog",
            f"use {free} in a body atom, or {RULE_FIX}",
        )
    return Rule(clause, tuple(terms))
