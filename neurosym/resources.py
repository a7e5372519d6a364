"""Bundled data (grammars/*.lark, tasks/**) found through importlib.resources.

The files live at the repository root; ``neurosym/_bundled`` links them into the
package so an installed wheel carries them too.
"""

from __future__ import annotations

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


def find_task(name_or_path: str | Path) -> Path:
    """Resolve a task argument: an existing file path, or a bundled name like ``ilp/even``."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in (tasks_dir() / name_or_path, tasks_dir() / f"{name_or_path}.task"):
        if candidate.is_file():
            return candidate
    hits = sorted(tasks_dir().glob(f"**/{name_or_path}.task"))
    if len(hits) == 1:
        return hits[0]
    raise NeurosymError(
        f"no task file {str(name_or_path)!r}: not a file, and not a bundled task "
        f"(bundled: {', '.join(sorted(p.stem for p in tasks_dir().glob('**/*.task')))})"
    )
