"""What a results file records next to its numbers: versions, device, command."""

from __future__ import annotations

import platform
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


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda when available, else cpu; otherwise the named device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        from neurosym.errors import NeurosymError

        raise NeurosymError(
            "--device cuda was asked for but no CUDA device is visible; use --device cpu or auto"
        )
    return torch.device(name)


def device_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def command_line() -> str:
    """The command as a user would retype it (``neurosym ...`` for the console script and ``python -m neurosym``)."""
    program = sys.argv[0]
    if program.endswith(("neurosym", "neurosym/__main__.py", "neurosym/cli.py")):
        program = "neurosym"
    return " ".join(shlex.quote(a) for a in [program, *sys.argv[1:]])
