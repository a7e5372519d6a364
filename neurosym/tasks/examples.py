"""(input, output) pairs of a compositional task in SCAN's two file layouts.

* ``.txt``: SCAN's own, one ``IN: <words> OUT: <tokens>`` line per pair;
* ``.jsonl``: the record layout other SCAN loaders use (e.g. the Hugging Face ``scan`` data
  set), one JSON object per line: ``{"commands": "jump twice", "actions": "I_JUMP I_JUMP"}``.

:func:`read_scan_file` and :func:`write_scan_file` choose the layout by the file's suffix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from neurosym.errors import TaskFileError
from neurosym.io import atomic_write_text, read_text


@dataclass(frozen=True)
class Example:
    """One pair: input words and output tokens (both tuples of strings)."""

    input: tuple[str, ...]
    output: tuple[str, ...]

    def to_line(self) -> str:
        return f"IN: {' '.join(self.input)} OUT: {' '.join(self.output)}"

    def to_record(self) -> dict[str, str]:
        """The JSON-lines record: ``{"commands": "jump twice", "actions": "I_JUMP I_JUMP"}``."""
        return {"commands": " ".join(self.input), "actions": " ".join(self.output)}


def parse_scan_line(line: str, *, path: str | Path = "<string>", lineno: int = 1) -> Example:
    """Parse one ``IN: words OUT: tokens`` line."""
    if not line.startswith("IN: ") or " OUT:" not in line:
        raise TaskFileError(
            "expected a line of the form 'IN: <words> OUT: <tokens>'",
            path=path,
            line=lineno,
            column=1,
            text=line,
            hint="write each example on one line as in SCAN's files, e.g. 'IN: jump twice OUT: "
            "I_JUMP I_JUMP'",
        )
    head, _, tail = line[4:].partition(" OUT:")
    return Example(tuple(head.split()), tuple(tail.split()))


def parse_scan_record(line: str, *, path: str | Path = "<string>", lineno: int = 1) -> Example:
    """Parse one JSON-lines record ``{"commands": ..., "actions": ...}`` (other keys ignored)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        record, column = None, e.colno
    else:
        column = 1
    if not (
        isinstance(record, dict)
        and isinstance(record.get("commands"), str)
        and isinstance(record.get("actions"), str)
    ):
        raise TaskFileError(
            "expected a JSON object with string fields 'commands' and 'actions'",
            path=path,
            line=lineno,
            column=column,
            text=line,
            hint="write each example on one line, e.g. "
            '{"commands": "jump twice", "actions": "I_JUMP I_JUMP"}',
        )
    return Example(tuple(record["commands"].split()), tuple(record["actions"].split()))


def is_jsonl(path: str | Path) -> bool:
    """Whether ``path`` names a JSON-lines file (suffix ``.jsonl``), else SCAN's text layout."""
    return Path(path).suffix == ".jsonl"


def read_scan_file(path: str | Path) -> list[Example]:
    """All examples of a SCAN file, ``.txt`` or ``.jsonl``, in file order (repeated lines kept)."""
    path = Path(path)
    parse = parse_scan_record if is_jsonl(path) else parse_scan_line
    text = read_text(path, what="SCAN data file")
    return [
        parse(line, path=path, lineno=i)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def write_scan_file(path: str | Path, examples: Iterable[Example]) -> None:
    """Write examples in SCAN's text layout, or as JSON lines when ``path`` ends in ``.jsonl``;
    atomically."""
    line = (lambda e: json.dumps(e.to_record())) if is_jsonl(path) else Example.to_line
    atomic_write_text(path, "".join(line(e) + "\n" for e in examples))


def scan_file_or_jsonl(path: Path) -> Path:
    """``path`` when it exists, else its ``.jsonl`` sibling when that exists, else ``path``."""
    sibling = path.with_suffix(".jsonl")
    return sibling if not path.is_file() and sibling.is_file() else path
