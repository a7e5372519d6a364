"""Time to a verified program (TTV) at an old commit and at this checkout, side by side (issue #17).

    bench/ilp/run_ttv_compare.sh                       # every suite, 600 s per run, CPU
    /work/main/.venv/bin/python bench/ilp/ttv_compare.py --suite scaled --tasks 'even_*,uncle_20' \\
        --time-limit 60 --device cpu --json runs/ttv.json

For every task (``--suite``: ``scaled`` = tasks/ilp/scaled, ``paper`` = the 20 paper tasks,
``popper`` = the Popper folders in ``--popper``; ``--tasks``: comma-separated shell patterns over
the short names) and each commit, one fresh subprocess (``--python``, by default this one) runs
in that commit's tree with ``PYTHONPATH`` set to it, so ``import neurosym`` is that commit's code.
The old tree is a ``git worktree`` of ``--old`` (default e70864a, main when the issue was filed)
made in a temporary folder (or ``--old-tree DIR``, kept) and removed afterwards. Both commits load
the *same* task file or folder (this checkout's) and train ``RuleLearner(device=, seed=)`` with
their own defaults (``--option KEY=VALUE`` for both, ``--new-option`` for this checkout only).

TTV is the wall time (``--clock cpu``: the child's CPU seconds, for a machine that other work
shares; the new commit's own time decisions then use that clock too) from the call to ``fit``
until the first check at which some restart's program is verified: ``fit``'s callback receives
a ``Progress`` at every check, whose ``restarts_succeeded`` both commits fill the same way;
training stops there. A run that ends
unverified or passes ``--time-limit`` seconds (the child stops itself at a check past the limit,
the parent kills it 60 s later) has no TTV (``>limit`` in the table, null in the JSON); a task
that is refused (e.g. ResourceLimitError) or fails to load records the exception: a result, not a
crash. The table gives per task the constants, both TTVs and old / new, and per suite the
medians (a run without TTV counts as slower than any that has one: ``none`` when the median falls
on one; a ratio over a time-limited old run is a lower bound, ``>``). The JSON (rewritten
atomically after every task) holds the command, device, seed, time limit, both commits and both
versions.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARK = "@ttv "  # prefix of the child's result lines on stdout
GRACE = 60.0  # seconds the parent waits past --time-limit before it kills a child
WALL_PER_CPU = 10  # with --clock cpu, wall seconds allowed per CPU second of the limit
SUITES = ("scaled", "paper", "popper")


# ----- the child: one task at one commit (imports that commit's neurosym only) --------------------


def child(task_path: str, device: str, seed: int, limit: float, options: dict[str, Any],
          clock: str = "wall") -> None:
    """Load ``task_path``, fit, print one ``check`` line per check and a ``done`` line; times on
    ``clock`` (``cpu``: this process's CPU seconds, which a fit that has a ``clock`` attribute
    also uses for its own time decisions)."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    from neurosym.versions import versions

    def emit(**record: Any) -> None:
        print(MARK + json.dumps(record), flush=True)

    done: dict[str, Any] = {"event": "done", "versions": versions(), "ttv": None}
    reading = now()
    try:
        from neurosym.ilp import RuleLearner
        from neurosym.tasks.ilp_task import load_ilp_task
        from neurosym.tasks.popper import is_popper_folder, load_popper_task

        task = (load_popper_task if is_popper_folder(task_path) else load_ilp_task)(task_path)
        done["constants"] = len(task.constants)
        learner = RuleLearner(device=device, seed=seed, **options)
        learner.clock = now
        started = now()

        def callback(p: Any) -> bool:
            elapsed = now() - started
            emit(event="check", step=p.step, seconds=elapsed, succeeded=p.restarts_succeeded)
            if p.restarts_succeeded and done["ttv"] is None:
                done["ttv"] = elapsed
            return done["ttv"] is not None or elapsed > limit

        result = learner.fit(task, callback=callback)
        seconds = now() - started
        done.update(verified=result.verified, steps=result.steps_run, restarts=result.restarts,
                    seconds=seconds, device=result.device, program=result.program_text)
        done["status"] = ("verified" if done["ttv"] is not None
                          else "time limit" if seconds > limit else "unverified")
    except Exception as err:  # noqa: BLE001 - a refusal or a load error is this run's result
        refused = any(c.__name__ == "ResourceLimitError" for c in type(err).__mro__)
        done.update(status="refused" if refused else "error",
                    error=f"{type(err).__name__}: {err}".strip(),
                    ended_after=now() - reading)  # seconds from reading the task to the error
    emit(**done)


# ----- the parent -------------------------------------------------------------------------------


def parse_child_output(stdout: str) -> dict[str, Any]:
    """The child's ``done`` record, or what its last ``check`` line says when there is none (it
    was killed or crashed): ``steps``, and ``status`` None for the caller to fill in."""
    lines = [json.loads(s[len(MARK):]) for s in stdout.splitlines() if s.startswith(MARK)]
    done = [r for r in lines if r["event"] == "done"]
    if done:
        return {k: v for k, v in done[-1].items() if k != "event"}
    checks = [r for r in lines if r["event"] == "check"]
    return {"status": None, "ttv": None, "steps": checks[-1]["step"] if checks else None}


def run_child(tree: Path, task: Path, args: argparse.Namespace, options: dict[str, Any]
              ) -> dict[str, Any]:
    """One (task, commit) run in a subprocess whose ``neurosym`` is ``tree``'s."""
    command = [args.python, str(Path(__file__).resolve()), "--child", str(task),
               "--device", args.device, "--seed", str(args.seed),
               "--time-limit", str(args.time_limit), "--option-json", json.dumps(options),
               "--clock", args.clock]
    # a CPU-clock limit may take longer on the wall when other work shares the CPU
    wall_limit = args.time_limit * (WALL_PER_CPU if args.clock == "cpu" else 1) + GRACE
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                              timeout=wall_limit, check=False)
        record, stderr, code = parse_child_output(done.stdout), done.stderr, done.returncode
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else err.stdout or ""
        record, stderr, code = parse_child_output(out), "", None
        record["status"] = "time limit"
    if record["status"] is None:
        tail = stderr.strip().splitlines()[-1:] or [f"exit code {code}"]
        record.update(status="crashed", error=tail[0])
    record["wall_seconds"] = time.perf_counter() - started
    return record


Source = tuple[str, str, Path]  # (suite, short name, task file or Popper folder)


def task_sources(suites: Sequence[str], popper: Path | None) -> list[Source]:
    """(suite, short name, task file or Popper folder) of every task of ``suites``, in the
    checkout that runs this script."""
    from neurosym.bench.ilp_bench import suite_tasks
    from neurosym.resources import find_task

    out = []
    for suite in suites:
        if suite == "popper":
            folders = sorted(popper.iterdir()) if popper else []
            out += [(suite, p.name, p) for p in folders if (p / "exs.pl").is_file()]
        else:
            out += [(suite, Path(n).name, find_task(n).resolve()) for n in suite_tasks(suite)]
    return out


def selected(sources: list[Source], patterns: str | None) -> list[Source]:
    """The sources whose short name matches one of the comma-separated shell ``patterns``."""
    if not patterns:
        return sources
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    return [s for s in sources if any(fnmatch.fnmatchcase(s[1], w) for w in wanted)]


def git(*argv: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *argv], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@contextmanager
def old_tree(commit: str, path: str | None) -> Iterator[Path]:
    """A checkout of ``commit``: ``path`` when it already is one (kept), else a new git worktree
    there (kept) or in a temporary folder (removed afterwards)."""
    sha = git("rev-parse", f"{commit}^{{commit}}")
    if path and (Path(path) / "neurosym").is_dir():
        if git("rev-parse", "HEAD", cwd=Path(path)) != sha:
            raise SystemExit(f"--old-tree {path} is not a checkout of {commit} ({sha})")
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="ttv-old-") as tmp:
        where = Path(path) if path else Path(tmp) / "tree"
        git("worktree", "add", "--detach", str(where), sha)
        try:
            yield where
        finally:
            if not path:
                git("worktree", "remove", "--force", str(where))


def options_of(pairs: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` flags as learner settings (VALUE read as JSON when it is, else a string)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--option/--new-option take KEY=VALUE, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


# ----- the table ------------------------------------------------------------------------------


def ttv_cell(run: dict[str, Any], limit: float) -> str:
    """A run's TTV in seconds, ``>limit`` past the time limit, or its status."""
    if run.get("ttv") is not None:
        return f"{run['ttv']:.1f}"
    return f">{limit:g}" if run["status"] == "time limit" else run["status"]


def ratio_cell(old: dict[str, Any], new: dict[str, Any], limit: float) -> str:
    """old TTV / new TTV; ``>x`` when only the old run passed the time limit; else ``-``."""
    if new.get("ttv") is None or new["ttv"] <= 0:
        return "-"
    if old.get("ttv") is not None:
        return f"{old['ttv'] / new['ttv']:.1f}"
    return f">{limit / new['ttv']:.1f}" if old["status"] == "time limit" else "-"


def median_cell(values: Sequence[float | None]) -> str:
    """Median of TTVs where None (no TTV) ranks above every number; ``none`` when the median
    falls on one."""
    if not values:
        return "-"
    med = statistics.median([math.inf if v is None else v for v in values])
    return "none" if math.isinf(med) else f"{med:.1f}"


def median_ratio(records: Sequence[dict[str, Any]], limit: float) -> str:
    """Median of old / new over the tasks the new commit verified (an old run without TTV counts
    as ``limit``: the median is then a lower bound, ``>``)."""
    pairs = [(r["old"].get("ttv"), r["new"]["ttv"]) for r in records
             if r["new"].get("ttv") and r["old"]["status"] in ("verified", "time limit")]
    if not pairs:
        return "-"
    med = statistics.median([(limit if o is None else o) / n for o, n in pairs])
    return (">" if any(o is None for o, _ in pairs) else "") + f"{med:.1f}"


def format_table(records: Sequence[dict[str, Any]], limit: float) -> str:
    """One row per task (suite, task, constants, old TTV, new TTV, old / new, steps), then the
    medians of each suite."""
    header = ["suite", "task", "constants", "old TTV s", "new TTV s", "old/new", "steps old/new"]
    rows = [[r["suite"], r["task"], str(r["constants"] or "?"), ttv_cell(r["old"], limit),
             ttv_cell(r["new"], limit), ratio_cell(r["old"], r["new"], limit),
             f"{r['old'].get('steps') or '-'}/{r['new'].get('steps') or '-'}"] for r in records]
    for suite in dict.fromkeys(r["suite"] for r in records):
        mine = [r for r in records if r["suite"] == suite]
        rows.append([suite, f"median of {len(mine)}", "",
                     median_cell([r["old"].get("ttv") for r in mine]),
                     median_cell([r["new"].get("ttv") for r in mine]),
                     median_ratio(mine, limit), ""])
    widths = [max(len(c) for c in col) for col in zip(header, *rows)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
             for row in [header, ["-" * w for w in widths], *rows]]
    errors = [f"  {r['task']} ({side}): {r[side]['error']}" for r in records
              for side in ("old", "new") if r[side].get("error")]
    return "\n".join(lines + (["", "exceptions:", *errors] if errors else []))


# ----- main -------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--suite", default=",".join(SUITES),
                   help="comma-separated: scaled, paper, popper (default: all three)")
    p.add_argument("--tasks", default=None, help="comma-separated shell patterns over task names")
    p.add_argument("--old", default="e70864a", help="the old commit (default: %(default)s)")
    p.add_argument("--old-tree", default=None, help="checkout of --old to use or create (kept)")
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds per run (600)")
    p.add_argument("--device", default="cpu", help="auto | cpu | cuda (default: cpu)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--python", default=sys.executable, help="interpreter of every run")
    p.add_argument("--popper", type=Path, default=None,
                   help="folder of Popper task folders (default: ../shared/popper, found as the "
                   "library finds data folders)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="learner setting for both commits (JSON value or string; repeatable)")
    p.add_argument("--new-option", action="append", default=[], metavar="KEY=VALUE",
                   help="learner setting for this checkout only (e.g. a time budget)")
    p.add_argument("--json", default=None, help="results (default: runs/ilp/ttv-<UTC time>.json)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="what TTV counts: wall seconds (default), or the run's CPU seconds, "
                   "for a machine that other work shares (one thread: OMP_NUM_THREADS=1)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--option-json", default="{}", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child:
        child(args.child, args.device, args.seed, args.time_limit, json.loads(args.option_json),
              args.clock)
        return 0
    sys.path.insert(0, str(ROOT))  # the parent reads this checkout's neurosym
    from neurosym.io import atomic_write_json
    from neurosym.resources import data_folder_candidates
    from neurosym.versions import command_line

    suites = [s.strip() for s in args.suite.split(",") if s.strip()]
    if not set(suites) <= set(SUITES):
        raise SystemExit(f"--suite: one or more of {', '.join(SUITES)}, got {args.suite!r}")
    popper = args.popper or next(
        (p for p in data_folder_candidates("NEUROSYM_POPPER", "popper") if p.is_dir()), None)
    sources = selected(task_sources(suites, popper), args.tasks)
    both, new_only = options_of(args.option), options_of(args.new_option)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = Path(args.json or ROOT / "runs" / "ilp" / f"ttv-{stamp}.json")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    meta: dict[str, Any] = {
        "command": command_line(), "device": args.device, "seed": args.seed,
        "time_limit": args.time_limit, "clock": args.clock, "suites": suites, "tasks": args.tasks,
        "options": {"both": both, "new": new_only}, "python": args.python,
        "commits": {"old": git("rev-parse", f"{args.old}^{{commit}}"),
                    "new": git("rev-parse", "HEAD") + ("+uncommitted" if dirty else "")},
        "versions": {}, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
    }
    records: list[dict[str, Any]] = []
    with old_tree(args.old, args.old_tree) as old:
        for suite, name, path in sources:
            record: dict[str, Any] = {"suite": suite, "task": name, "source": str(path)}
            for side, tree, options in (("old", old, both), ("new", ROOT, {**both, **new_only})):
                run = run_child(tree, path, args, options)
                meta["versions"].setdefault(side, run.pop("versions", None))
                record[side] = run
                ended = (f" after {run['ended_after']:.1f} s (reading included)"
                         if "ended_after" in run else "")
                print(f"{name} ({side}): {run['status']}{ended}, TTV "
                      f"{ttv_cell(run, args.time_limit)}", file=sys.stderr, flush=True)
            record["constants"] = record["new"].get("constants") or record["old"].get("constants")
            records.append(record)
            atomic_write_json(out, {**meta, "records": records})
    meta.update(finished=time.strftime("%Y-%m-%d %H:%M:%S"), load_average_at_end=os.getloadavg())
    atomic_write_json(out, {**meta, "records": records})
    print(format_table(records, args.time_limit))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
