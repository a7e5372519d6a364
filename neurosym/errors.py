"""Exceptions a user can cause. Every message names the place and the fix."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NeurosymError(Exception):
    """Base class of every error neurosym raises on purpose (bad input, impossible request)."""


class SourceError(NeurosymError):
    """An error at a place in a text file: file, line, column, the line itself with a caret, a fix.

    >>> str(SourceError("unknown predicate 'sux'", path="even.task", line=3, column=5,
    ...                 text="zero(0).\\nsucc(0,1).\\nfoo sux(1).", hint="declare it"))
    ... # doctest: +NORMALIZE_WHITESPACE
    "even.task:3:5: unknown predicate 'sux'\\n    foo sux(1).\\n        ^\\n  fix: declare it"
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        text: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else "<string>"
        self.line = line
        self.column = column
        self.hint = hint
        self.source_line = None
        if text is not None and line is not None:
            lines = text.splitlines()
            if 1 <= line <= len(lines):
                self.source_line = lines[line - 1]
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        out = [f"{where}: {self.message}"]
        if self.source_line is not None:
            out.append("    " + self.source_line.expandtabs(1))
            if self.column is not None:
                out.append("    " + " " * max(self.column - 1, 0) + "^")
        if self.hint:
            out.append(f"  fix: {self.hint}")
        return "\n".join(out)


class TaskFileError(SourceError):
    """A task file (ILP or compositional) is malformed or inconsistent."""


class DatalogSyntaxError(SourceError):
    """Datalog text does not parse."""


class ResourceLimitError(NeurosymError):
    """A request would not fit in memory on the chosen device; the message says what to lower."""


@contextmanager
def nesting_guard(path: str | Path | None, what: str) -> Iterator[None]:
    """Around a parse: input nested deeper than Python's recursion allows (a term of 5,000
    nested brackets, 20,000 chained ``+``) becomes a NeurosymError naming ``path``."""
    try:
        yield
    except RecursionError:
        raise NeurosymError(
            f"{path or '<string>'}: this {what} is nested too deeply to read (deeper than "
            f"Python's recursion limit, {sys.getrecursionlimit()}); fix: split long "
            "expressions or deep terms into several shorter ones") from None
