"""Datalog text <-> ``neurosym.logic`` objects, via ``grammars/datalog.lark``."""

from __future__ import annotations

import ast
from pathlib import Path

from lark import Token, Tree

from neurosym.errors import DatalogSyntaxError, nesting_guard
from neurosym.lang.grammar import load_parser, parse_with, position
from neurosym.logic.terms import Atom, Clause, Const, Program, Term, Var

_HINT = (
    "Datalog clauses look like  path(X, Y) :- edge(X, Z), path(Z, Y).  and facts like  edge(a, b)."
)


def term_from_tree(tree: Tree | Token) -> Term:
    """A term node of either bundled grammar (var / name_const / int_const / string_const)."""
    kind, (token,) = tree.data, tree.children
    if kind == "var":
        return Var(str(token))
    if kind == "string_const":
        return Const(ast.literal_eval(str(token)))
    return Const(str(token))


def atom_from_tree(tree: Tree) -> Atom:
    name, *args = tree.children
    return Atom(str(name), tuple(term_from_tree(a) for a in args))


def clause_from_tree(
    tree: Tree, *, path: str | Path | None = None, text: str | None = None
) -> Clause:
    for a in tree.children:
        for arg in a.children[1:]:
            if isinstance(arg, Tree) and arg.data == "binop":  # task-file grammar only
                line, column = position(arg)
                raise DatalogSyntaxError(
                    "arithmetic in a rule: a clause's arguments are variables and constants",
                    path=path,
                    line=line,
                    column=column,
                    text=text,
                    hint="write the number itself (succ(X, Y), not X + 1); arithmetic is for "
                    "facts with a generator, like  succ(X, X+1) for X in 0..9.",
                )
    head, *body = (atom_from_tree(a) for a in tree.children)
    clause = Clause(head, tuple(body))
    if not clause.is_safe:
        line, column = position(tree)
        unbound = set(head.variables()) - {v for b in body for v in b.variables()}
        raise DatalogSyntaxError(
            f"unsafe clause {clause}: head variable(s) "
            f"{', '.join(sorted(str(v) for v in unbound))} do not occur in the body",
            path=path,
            line=line,
            column=column,
            text=text,
            hint="every variable of the head must also appear in a body atom",
        )
    return clause


def parse_program(text: str, *, path: str | Path | None = None) -> Program:
    """Parse Datalog facts and rules into a Program."""
    with nesting_guard(path, "Datalog text"):
        tree = parse_with(
            load_parser("datalog"),
            text,
            path=path,
            error=DatalogSyntaxError,
            what="Datalog",
            hint=_HINT,
        )
        return Program(clause_from_tree(c, path=path, text=text) for c in tree.children)


def parse_clause(text: str) -> Clause:
    program = parse_program(text)
    if len(program) != 1:
        raise DatalogSyntaxError(
            f"expected exactly one clause, found {len(program)}", text=text, hint=_HINT
        )
    return program.clauses[0]


def parse_atoms(text: str, *, path: str | Path | None = None) -> list[Atom]:
    """Parse ground facts (``p(a, b). q(c).``); rules are an error here."""
    out = []
    for clause in parse_program(text, path=path).clauses:
        if clause.body or not clause.head.is_ground:
            raise DatalogSyntaxError(
                f"expected a ground fact, found {clause}",
                path=path,
                text=text,
                hint="facts have no body and no variables, e.g.  edge(a, b).",
            )
        out.append(clause.head)
    return out
