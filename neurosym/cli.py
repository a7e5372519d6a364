"""The ``neurosym`` command line. Thin: parses arguments and calls the packages.

Subcommands:
  neurosym task check FILE          validate a task file (ILP or compositional), one-line summary
  neurosym demo                     the quickstart demo
Each feature package adds its own subcommands below (ilp learn/bench, scan generate/run, task
generate).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from neurosym import __version__
from neurosym.errors import NeurosymError

Handler = Callable[[argparse.Namespace], int]


def _cmd_task_check(args: argparse.Namespace) -> int:
    from neurosym.tasks.check import check_task_file

    print(check_task_file(args.file))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from neurosym.demo import run_demo

    return run_demo(fast=args.fast)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurosym",
        description="Neuro-symbolic reasoning: differentiable ILP, compositional tasks (SCAN), "
        "concept embeddings.",
    )
    parser.add_argument("--version", action="version", version=f"neurosym {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"show the traceback of an unexpected error (or set {DEBUG_ENV}=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the quickstart demo")
    demo.add_argument("--fast", action="store_true", help="smaller demo (used by the tests)")
    demo.set_defaults(handler=_cmd_demo)

    task = sub.add_parser("task", help="task files: check, generate")
    task_sub = task.add_subparsers(dest="task_command", metavar="SUBCOMMAND")
    check = task_sub.add_parser(
        "check", help="parse and validate a task file; print a one-line summary"
    )
    check.add_argument(
        "file", help="path of a task file, or a bundled name such as ilp/even or scan/scan"
    )
    check.set_defaults(handler=_cmd_task_check)

    ilp = sub.add_parser("ilp", help="differentiable ILP: learn rules, run the ∂ILP benchmark")
    ilp_sub = ilp.add_subparsers(dest="ilp_command", metavar="SUBCOMMAND")

    scan = sub.add_parser(
        "scan", help="SCAN: generate the data and splits, train and evaluate models"
    )
    scan_sub = scan.add_subparsers(dest="scan_command", metavar="SUBCOMMAND")

    kg = sub.add_parser("kg", help="knowledge graphs: learn chain rules, link prediction")
    kg_sub = kg.add_subparsers(dest="kg_command", metavar="SUBCOMMAND")

    # Feature packages register their subcommands here (each function adds parsers with
    # set_defaults(handler=...)).
    for register in _registrations():
        register(task_sub=task_sub, ilp_sub=ilp_sub, scan_sub=scan_sub)
    from neurosym.kg.cli_commands import register_cli as register_kg

    register_kg(kg_sub=kg_sub)
    return parser


# Each module defines register_cli(task_sub, ilp_sub, scan_sub), adding its subparsers
# (with set_defaults(handler=...)) to the groups it extends. Keep command logic in the module.
_COMMAND_MODULES = (
    "neurosym.tasks.cli_commands",  # task generate, scan generate
    "neurosym.ilp.cli_commands",  # ilp learn
    "neurosym.bench.ilp_bench",  # ilp bench
    "neurosym.bench.scan_runner",  # scan run
)


def _registrations() -> list[Callable[..., None]]:
    """register_cli functions of the feature packages."""
    import importlib

    return [importlib.import_module(name).register_cli for name in _COMMAND_MODULES]


#: Output arguments (by their ``dest``) of every subcommand and what each must be writable as
#: (``scan run --eval-only RUN_DIR`` writes its result into the run folder).
OUTPUTS: dict[str, Literal["file", "folder"]] = {"out": "folder", "json": "file", "save": "file",
                                                 "eval_only": "folder"}
#: Set to 1 to see the traceback of an unexpected error (as ``--debug``).
DEBUG_ENV = "NEUROSYM_DEBUG"


def preflight(args: argparse.Namespace) -> None:
    """Checks of every subcommand's arguments that need the machine, before any work: the
    device is present, every output (:data:`OUTPUTS`) can be written. Value types and ranges
    were checked by argparse (the configurations' flag types)."""
    from neurosym.io import check_output
    from neurosym.versions import resolve_device

    if isinstance(getattr(args, "device", None), str):
        resolve_device(args.device)
    for dest, kind in OUTPUTS.items():
        value = getattr(args, dest, None)
        if isinstance(value, (str, Path)):
            check_output(value, kind, flag="--" + dest.replace("_", "-"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        # `neurosym` or `neurosym ilp` alone: show the relevant help.
        target = {"task": "task", "ilp": "ilp", "scan": "scan", "kg": "kg"}.get(args.command or "")
        if target:
            parser.parse_args([target, "--help"])
        parser.print_help()
        return 2
    try:
        preflight(args)
        return handler(args) or 0
    except NeurosymError as err:
        print(f"neurosym: error: {err}", file=sys.stderr)
        return 1
    except FileNotFoundError as err:
        print(f"neurosym: error: no such file: {err.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neurosym: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # the last resort: a short message, not a traceback
        if args.debug or os.environ.get(DEBUG_ENV) == "1":
            raise
        print(
            f"neurosym: internal error: {type(err).__name__}: {err}\n"
            "  this is a bug in neurosym; please report it with the command and this message "
            f"(rerun with --debug or {DEBUG_ENV}=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
