"""(input, output) pairs of a compositional task and SCAN's file format (``IN: ... OUT: ...``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from neurosym.errors import TaskFileError
from neurosym.io import atomic_write_text, read_text


@dataclass(frozen=True)
class Example:
    """One pair: input words and output tokens (both tuples of strings)."""

    input: tuple[str, ...]
    output: tuple[str, ...]

    def to_line(self) -> str:
        return f"IN: {' '.join(self.input)} OUT: {' '.join(self.output)}"


def parse_scan_line(line: str, *, path: str | Path = "<string>", lineno: int = 1) -> Example:
    """Parse one ``IN: words OUT: tokens`` line."""
    if not line.startswith("IN: ") or " OUT:" not in line:
        raise TaskFileError(
            "expected a line of the form 'IN: <words> OUT: <tokens>'",
            path=path, line=lineno, column=1, text=line,
            hint="write each example on one line as in SCAN's files, e.g. 'IN: jump twice OUT: I_JUMP I_JUMP'",
        )
    head, _, tail = line[4:].partition(" OUT:")
    return Example(tuple(head.split()), tuple(tail.split()))


def read_scan_file(path: str | Path) -> list[Example]:
    """All examples of a SCAN-format file, in file order (repeated lines kept)."""
    path = Path(path)
    text = read_text(path, what="SCAN data file")
    return [
        parse_scan_line(line, path=path, lineno=i)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def write_scan_file(path: str | Path, examples: Iterable[Example]) -> None:
    """Write examples in SCAN format, atomically."""
    atomic_write_text(path, "".join(e.to_line() + "\n" for e in examples))
