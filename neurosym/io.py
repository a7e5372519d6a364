"""Every file neurosym reads or writes goes through here.

Reading: :func:`read_bytes` / :func:`read_text` / :func:`read_json` / :func:`read_safetensors`
turn every failure (missing file, a folder given as a file, no permission, too large, not UTF-8,
not JSON, not safetensors) into a :class:`~neurosym.errors.NeurosymError` naming the file; text
is UTF-8 with an optional byte-order mark. :func:`confine` keeps the paths a task file names
inside its folder. :func:`check_output` says before any work whether an output can be written.
Writing is atomic: a reader never sees a half-written result or checkpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from neurosym.errors import NeurosymError

#: The largest text file (task file, Popper file, JSON, data file) read, in bytes.
MAX_TEXT_BYTES = 256 * 2**20


def read_bytes(path: str | Path, *, what: str = "file", max_bytes: int | None = MAX_TEXT_BYTES
               ) -> bytes:
    """The bytes of ``path`` (``what`` names it in errors); at most ``max_bytes``."""
    path = Path(path)
    with _reading(path, what):
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise NeurosymError(f"{path}: {size:,} bytes is larger than the {max_bytes:,} a "
                                f"{what} may have (neurosym.io.MAX_TEXT_BYTES)")
        return path.read_bytes()


@contextmanager
def _reading(path: Path, what: str) -> Iterator[None]:
    """Operating-system errors while reading ``path`` as NeurosymErrors naming it."""
    if path.is_dir():
        raise NeurosymError(f"{path}: is a folder, not a {what}")
    try:
        yield
    except FileNotFoundError:
        raise NeurosymError(f"{path}: no such file (expected a {what})") from None
    except PermissionError:
        raise NeurosymError(f"{path}: no permission to read this {what}") from None
    except OSError as err:
        raise NeurosymError(f"{path}: cannot read this {what} ({err.strerror or err})") from None


def read_text(path: str | Path, *, what: str = "file", max_bytes: int | None = MAX_TEXT_BYTES
              ) -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark dropped; ``\\r\\n`` kept)."""
    raw = read_bytes(path, what=what, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise NeurosymError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); is "
                            f"this a {what}? save it as UTF-8") from None


def read_json(path: str | Path, *, what: str = "JSON file") -> Any:
    """The JSON document in ``path``."""
    return parse_json(read_text(path, what=what), path=path, what=what)


def parse_json(text: str, *, path: str | Path, what: str) -> Any:
    """``text`` (read from ``path``) as JSON; errors name the place."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise NeurosymError(f"{path}:{err.lineno}:{err.colno}: not valid JSON in this {what} "
                            f"({err.msg})") from None
    except RecursionError:
        raise NeurosymError(f"{path}: this {what} is nested too deeply") from None


def read_safetensors(path: str | Path, *, what: str, key: str | None = None
                     ) -> tuple[dict[str, str], dict[str, Any]]:
    """``(metadata, tensors on the CPU)`` of a safetensors file; with ``key``, the metadata must
    hold it (else the file is not a ``what``)."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    path = Path(path)
    with _reading(path, what):
        path.stat()
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise NeurosymError(f"{path}: not a readable safetensors file ({err}), so not a {what}; "
                            "it may be truncated or not written by neurosym") from None
    if key is not None and key not in metadata:
        raise NeurosymError(f"{path}: a safetensors file, but not a {what} (no {key!r} "
                            "metadata)")
    return metadata, tensors


def confine(root: str | Path, name: str, *, what: str) -> Path:
    """``root / name``, refused unless ``name`` is relative, has no ``..`` and (symbolic links
    followed) stays inside ``root``: a task file may only name files beside it."""
    problem = relative_name_problem(name)
    if problem is None:
        base = Path(root).resolve()
        path = (base / name).resolve()
        if path == base or base in path.parents:
            return base / name
        problem = "leads outside it through a symbolic link"
    raise NeurosymError(f"{what} {name!r} {problem} (allowed: a relative path inside {root})")


def relative_name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain relative path (empty, absolute, ``..``), or None."""
    if not name or not name.strip():
        return "is empty"
    if Path(name).is_absolute() or name.startswith(("~", "\\")) or ":" in name:
        return "is absolute"
    if ".." in Path(name).parts:
        return "goes up a folder ('..')"
    return None


def check_output(path: str | Path, kind: Literal["file", "folder"], *, flag: str) -> None:
    """Raise a NeurosymError naming ``flag`` unless ``path`` can be written as a ``kind``: an
    existing path must be of that kind and writable, else its nearest existing parent must be a
    writable folder."""
    path = Path(path)
    if path.exists():
        if (kind == "file") == path.is_dir():
            other = "folder" if path.is_dir() else "file"
            raise NeurosymError(f"{flag} {path}: is an existing {other}, not a {kind}")
        if not os.access(path, os.W_OK):
            raise NeurosymError(f"{flag} {path}: is read-only")
        return
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise NeurosymError(f"{flag} {path}: {parent} is a file, so nothing can be written "
                            "under it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise NeurosymError(f"{flag} {path}: the folder {parent} is read-only")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
