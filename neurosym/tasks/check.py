"""``neurosym task check``: recognise a task file's kind, load it (all checks run), summarise it."""

from __future__ import annotations

from pathlib import Path

from neurosym.resources import find_task
from neurosym.tasks.taskfile import is_compositional_task_text


def check_task_file(source: str | Path) -> str:
    """Validate an ILP or compositional task file; return a one-line summary (raises TaskFileError)."""
    path = find_task(source)
    text = path.read_text(encoding="utf-8")
    if is_compositional_task_text(text):
        from neurosym.tasks.compositional import load_compositional_task

        return f"{path}: ok: {load_compositional_task(path).summary()}"
    from neurosym.tasks.ilp_task import parse_ilp_task

    return f"{path}: ok: {parse_ilp_task(text, path=path).summary()}"
