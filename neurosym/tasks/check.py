"""``neurosym task check``: recognise a task file's kind, load it (all checks run), summarise it."""

from __future__ import annotations

from pathlib import Path

from neurosym.io import read_text
from neurosym.tasks.source import resolve_task
from neurosym.tasks.taskfile import is_compositional_task_text


def check_task_file(source: str | Path) -> str:
    """Validate an ILP or compositional task file, or a Popper folder; return a one-line summary.

    Raises TaskFileError (file, line, column, caret, fix) for a bad file.
    """
    from neurosym.tasks.popper import read_popper

    path = resolve_task(source)
    if path.is_dir():
        imported = read_popper(path)
        notes = (
            f" ({len(imported.notes)} note(s): {'; '.join(imported.notes)})"
            if imported.notes
            else ""
        )
        return f"{source}: ok: Popper folder read as {imported.task.summary()}{notes}"
    text = read_text(path, what="task file")
    if is_compositional_task_text(text):
        from neurosym.tasks.compositional import load_compositional_task

        return f"{path}: ok: {load_compositional_task(path).summary()}"
    from neurosym.tasks.ilp_task import parse_ilp_task

    return f"{path}: ok: {parse_ilp_task(text, path=path).summary()}"
