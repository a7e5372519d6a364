"""``neurosym task generate FILE --out DIR`` and ``neurosym scan generate --out DIR``.

Both write the full data set as ``tasks.txt`` and every declared split as
``<folder>/tasks_train_<name>.txt`` / ``tasks_test_<name>.txt`` in SCAN's
format (``IN: ... OUT: ...``), or with ``--format jsonl`` as ``.jsonl`` files of
``{"commands": ..., "actions": ...}`` records, plus ``generate.json`` recording where each
split came from, its sizes and the command. Every file is written atomically.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from neurosym.io import atomic_write_json
from neurosym.tasks.compositional import CompositionalTask, load_compositional_task
from neurosym.tasks.examples import write_scan_file
from neurosym.tasks.scan import default_scan_data_dir, load_scan

FORMATS = ("txt", "jsonl")
FORMAT_HELP = ("txt: SCAN's 'IN: ... OUT: ...' lines; jsonl: one "
               "{\"commands\": ..., \"actions\": ...} record per line, as other SCAN loaders read "
               "(default: txt)")


def generate_task_files(task: CompositionalTask, out: Path, data_dir: Path | None = None,
                        fmt: str = "txt") -> dict:
    """Write ``task``'s data set and splits under ``out`` as ``fmt`` (txt or jsonl) files; return
    the manifest written to generate.json."""
    from neurosym.versions import command_line, versions

    start = time.perf_counter()
    out = Path(out)
    examples = task.generate()
    write_scan_file(out / f"tasks.{fmt}", examples)
    splits = {}
    for name in task.split_names:
        split = task.split(name, data_dir)
        train_file, test_file = (str(Path(f).with_suffix(f".{fmt}")) for f in task.file_names(name))
        write_scan_file(out / train_file, split.train)
        write_scan_file(out / test_file, split.test)
        splits[name] = {"train_file": train_file, "test_file": test_file, "train": len(split.train),
                        "test": len(split.test), "note": split.note}
    manifest = {
        "task": task.name, "task_file": task.path, "examples": len(examples), "format": fmt,
        "data_file": f"tasks.{fmt}", "splits": splits,
        "data_dir": str(data_dir if data_dir is not None else task.data_dir),
        "command": command_line(), "versions": versions(),
        "seconds": round(time.perf_counter() - start, 3),
    }
    atomic_write_json(out / "generate.json", manifest)
    return manifest


def _print_manifest(manifest: dict, out: Path) -> None:
    print(f"{manifest['task']}: {manifest['examples']:,} examples -> {out / manifest['data_file']}")
    width = max((len(n) for n in manifest["splits"]), default=0)
    for name, s in manifest["splits"].items():
        print(f"  {name:<{width}}  train {s['train']:>6,}  test {s['test']:>6,}  {s['note']}")
    print(f"wrote {1 + 2 * len(manifest['splits'])} files and generate.json under {out} "
          f"in {manifest['seconds']:.2f} s")


def cmd_task_generate(args: argparse.Namespace) -> int:
    task = load_compositional_task(args.file)
    data = Path(args.data) if args.data else None
    _print_manifest(generate_task_files(task, Path(args.out), data, args.format), Path(args.out))
    return 0


def cmd_scan_generate(args: argparse.Namespace) -> int:
    task = load_scan()
    data = Path(args.data) if args.data else default_scan_data_dir()
    _print_manifest(generate_task_files(task, Path(args.out), data, args.format), Path(args.out))
    return 0


def register_cli(task_sub: argparse._SubParsersAction, ilp_sub: argparse._SubParsersAction,
                 scan_sub: argparse._SubParsersAction) -> None:
    """Add ``task generate`` and ``scan generate`` to the CLI (see neurosym/cli.py)."""
    gen = task_sub.add_parser(
        "generate", help="write a compositional task's full data set and every split (SCAN format)")
    gen.add_argument("file", help="compositional task file, or a bundled name such as scan/scan")
    gen.add_argument("--out", required=True, help="output folder")
    gen.add_argument("--data", default=None,
                     help="folder with official split files for from_files splits "
                          "(default: the task file's 'data' folder)")
    gen.add_argument("--format", choices=FORMATS, default="txt", help=FORMAT_HELP)
    gen.set_defaults(handler=cmd_task_generate)

    scan = scan_sub.add_parser(
        "generate",
        help="write SCAN's tasks.txt and all its standard splits with the official file names",
    )
    scan.add_argument("--out", required=True, help="output folder")
    scan.add_argument(
        "--data",
        default=None,
        help="folder with the official SCAN files, read for the random 'simple' split "
        "(default: $NEUROSYM_SCAN_DATA or ../shared/scan next to the repository; "
        "without it a seeded 80/20 split is generated)",
    )
    scan.add_argument("--format", choices=FORMATS, default="txt", help=FORMAT_HELP)
    scan.set_defaults(handler=cmd_scan_generate)
