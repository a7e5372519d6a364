"""Bundled data (grammars/*.lark, tasks/**) found through importlib.resources.

The files live at the repository root; ``neurosym/_bundled`` links them into the
package so an installed wheel carries them too.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from neurosym.errors import NeurosymError


def _bundled() -> Path:
    return Path(str(resources.files("neurosym").joinpath("_bundled")))


def grammar_path(name: str) -> Path:
    """Path of a bundled grammar, e.g. ``grammar_path("datalog")`` -> .../datalog.lark."""
    path = _bundled() / "grammars" / f"{name}.lark"
    if not path.is_file():
        raise NeurosymError(f"no bundled grammar named {name!r} (looked for {path})")
    return path


def grammar_text(name: str) -> str:
    from neurosym.io import read_text

    return read_text(grammar_path(name), what="grammar")


def tasks_dir() -> Path:
    """The bundled tasks/ folder (tasks/ilp, tasks/scan, ...)."""
    return _bundled() / "tasks"


#: A bundled task name: words of letters, digits, ``_`` and ``-`` joined by ``/`` (``ilp/even``).
def data_folder_candidates(env_var: str, name: str) -> list[Path]:
    """Where an optional data folder is looked for, in order: ``$env_var`` (when set), then
    ``../shared/<name>`` beside the repository (the folder holding grammars/ and tasks/), then
    ``../shared/<name>`` from the current directory."""
    first = [Path(os.environ[env_var])] if os.environ.get(env_var) else []
    repo = tasks_dir().resolve().parent
    return first + [repo.parent / "shared" / name, Path.cwd().parent / "shared" / name]


_TASK_NAME = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*(\.task)?")


def find_task(name_or_path: str | Path) -> Path:
    """Resolve a task argument: an existing file path, or a bundled name like ``ilp/even``
    (plain words: no ``..``, no glob characters, not absolute)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    name = str(name_or_path)
    bundled = ", ".join(sorted(p.stem for p in tasks_dir().glob("**/*.task")))
    if not _TASK_NAME.fullmatch(name):
        raise NeurosymError(
            f"no task file {name!r}: not a file, and not a bundled task name (those are plain "
            f"names such as ilp/even: letters, digits, _ - and /; bundled: {bundled})")
    stem = name.removesuffix(".task")
    hits = [tasks_dir() / f"{stem}.task"]
    if not hits[0].is_file():  # a short name: the one bundled task of that name below its
        folder, _, base = stem.rpartition("/")  # folder (ilp/uncle_20), or below any (even)
        pattern = f"**/{base}.task" if folder else f"*/**/{base}.task"
        hits = sorted((tasks_dir() / folder).glob(pattern))
    if len(hits) == 1 and hits[0].is_file():
        return hits[0]
    raise NeurosymError(
        f"no task file {name!r}: not a file, and not a bundled task (bundled: {bundled})"
    )
