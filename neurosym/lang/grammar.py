"""Load bundled lark grammars and turn lark's errors into neurosym errors with line:column."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from neurosym.errors import SourceError
from neurosym.resources import grammar_text

# How lark's anonymous terminal names read to a person.
_READABLE = {
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "DOT": "'.'",
    "COLON": "':'",
    "SLASH": "'/'",
    "__ANON_0": "':-'",
    "NAME": "a name (lower-case)",
    "VAR": "a variable (upper-case)",
    "INT": "an integer",
    "STRING": "a quoted string",
    "$END": "end of file",
    # compositional task files (grammars/compositional.lark)
    "_NL": "end of line",
    "_VBAR": "'|'",
    "_COMMA": "','",
    "TOKEN": "an output token (upper-case)",
    "NUMBER": "a number",
    "OPERATOR": "'*', '+' or '?'",
}


@cache
def load_parser(name: str, start: str = "start") -> Lark:
    """A cached LALR parser for the bundled grammar ``grammars/<name>.lark``."""
    return Lark(
        grammar_text(name),
        parser="lalr",
        start=start,
        propagate_positions=True,
        maybe_placeholders=False,
    )


def _describe_expected(parser: Lark, names: set[str] | frozenset[str]) -> str:
    out = []
    for name in sorted(names):
        if name in _READABLE:
            out.append(_READABLE[name])
            continue
        try:
            pattern = parser.get_terminal(name).pattern
            out.append(repr(pattern.value) if pattern.type == "str" else name.lower())
        except KeyError:
            out.append(name.lower())
    return ", ".join(dict.fromkeys(out))


def parse_with(
    parser: Lark,
    text: str,
    *,
    path: str | Path | None,
    error: type[SourceError],
    what: str,
    hint: str,
) -> Tree:
    """Parse ``text``; any lark error becomes ``error`` naming file, line, column and a fix."""
    try:
        return parser.parse(text)
    except UnexpectedInput as e:
        line, column = getattr(e, "line", None), getattr(e, "column", None)
        if isinstance(e, UnexpectedEOF) or (
            isinstance(e, UnexpectedToken) and e.token.type == "$END"
        ):
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            found = "unexpected end of file"
        elif isinstance(e, UnexpectedCharacters):
            found = (
                f"unexpected character {text[e.pos_in_stream]!r}"
                if e.pos_in_stream < len(text)
                else "unexpected end"
            )
        elif isinstance(e, UnexpectedToken):
            found = f"unexpected {e.token.value!r}"
        else:  # pragma: no cover - lark adds new subclasses rarely
            found = "syntax error"
        expected = getattr(e, "expected", None) or getattr(e, "allowed", None) or set()
        message = f"syntax error in {what}: {found}"
        if expected:
            message += f"; expected {_describe_expected(parser, expected)}"
        raise error(
            message,
            path=path,
            line=line if line and line > 0 else None,
            column=column if column and column > 0 else None,
            text=text,
            hint=hint,
        ) from None
    except LarkError as e:
        raise error(f"could not parse {what}: {e}", path=path, text=text, hint=hint) from None


def position(tree_or_token: object) -> tuple[int | None, int | None]:
    """(line, column) of a lark tree (via meta) or token; (None, None) when unknown."""
    meta = getattr(tree_or_token, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    return getattr(tree_or_token, "line", None), getattr(tree_or_token, "column", None)
