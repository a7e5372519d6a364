"""What a results file records next to its numbers: versions, device, command."""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys

import torch


def versions() -> dict[str, str]:
    import lark
    import numpy

    from neurosym import __version__

    return {
        "neurosym": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "lark": lark.__version__,
        "cuda": torch.version.cuda or "none",
    }


#: The devices a ``device`` setting may name.
DEVICES = "auto, cpu, cuda, cuda:N"
_DEVICE = re.compile(r"auto|cpu|cuda(:[0-9]+)?")


def check_device_name(name: object) -> str:
    """``name`` if it names a device (see :data:`DEVICES`), else ``ValueError("must be ...")``
    (whether the device is present is :func:`resolve_device`'s check)."""
    if not isinstance(name, str) or not _DEVICE.fullmatch(name):
        raise ValueError(f"must be a device: one of {DEVICES}")
    return name


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda when available, else cpu; otherwise the named device, which must be
    present (a NeurosymError listing the valid devices otherwise)."""
    from neurosym.errors import NeurosymError

    try:
        check_device_name(name)
    except ValueError:
        raise NeurosymError(f"unknown device {name!r}; valid devices: {DEVICES}") from None
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise NeurosymError(f"device {name!r} was asked for but no CUDA device is visible; use "
                            "--device cpu or auto")
    device = torch.device(name)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise NeurosymError(f"device {name!r}: there are only {torch.cuda.device_count()} CUDA "
                            f"device(s) (cuda:0 to cuda:{torch.cuda.device_count() - 1})")
    return device


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def command_line() -> str:
    """The command as a user would retype it (``neurosym ...`` for the console script and ``python
    -m neurosym``)."""
    program = sys.argv[0]
    if program.endswith(("neurosym", "neurosym/__main__.py", "neurosym/cli.py")):
        program = "neurosym"
    return " ".join(shlex.quote(a) for a in [program, *sys.argv[1:]])


def available_bytes(device: torch.device) -> int | None:
    """Free memory on ``device``: ``torch.cuda.mem_get_info`` on CUDA, MemAvailable from
    ``/proc/meminfo`` on the CPU; None where it cannot be read (the check is then skipped)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "cpu":
        try:
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    return None
