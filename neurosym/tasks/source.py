"""The TASK argument of every command (``task check``, ``ilp learn``, ``ilp bench``), resolved one
way.

A TASK is one of:

* a **Popper folder** holding ``bk.pl``, ``exs.pl`` and ``bias.pl``;
* a **task file** path (``tasks/ilp/even.task``, ``my.task``);
* a **bundled name** such as ``ilp/even`` or ``scan/scan``; commands that only take ILP tasks also
  accept the plain name (``even`` means ``ilp/even``).
"""

from __future__ import annotations

from pathlib import Path

from neurosym.io import read_text
from neurosym.resources import find_task
from neurosym.tasks.ilp_types import ILPTask


def resolve_task(source: str | Path, *, bundled_folder: str | None = None) -> Path:
    """The Popper folder or task file ``source`` names.

    ``bundled_folder`` (e.g. ``"ilp"``): a plain name that is not a file is looked up there first.
    Raises NeurosymError naming the bundled tasks when nothing matches.
    """
    from neurosym.tasks.popper import is_popper_folder

    if is_popper_folder(source):
        return Path(source)
    plain = "/" not in str(source) and not Path(source).is_file()
    if bundled_folder is not None and plain:
        return find_task(f"{bundled_folder}/{source}")
    return find_task(source)


def read_ilp_source(source: str | Path) -> tuple[ILPTask, list[str]]:
    """An :class:`ILPTask` from a Popper folder, an ILP task file or a bundled name
    (:func:`resolve_task`), with the Popper reader's notes (none for a task file)."""
    from neurosym.tasks.ilp_task import parse_ilp_task
    from neurosym.tasks.popper import read_popper

    path = resolve_task(source, bundled_folder="ilp")
    if path.is_dir():
        imported = read_popper(path)
        return imported.task, imported.notes
    return parse_ilp_task(read_text(path, what="task file"), path=path), []


def load_ilp_source(source: str | Path) -> ILPTask:
    """:func:`read_ilp_source` without the notes."""
    return read_ilp_source(source)[0]
