"""Markdown tables from `neurosym ilp bench` JSON files (for bench/ilp/RESULTS.md).

    python bench/ilp/tables.py RUN.json [RUN.json ...]            # one results table per file
    python bench/ilp/tables.py --compare NEW.json --plain OLD.json  # rates next to the paper's

Each table is preceded by the run's command, device, seed, versions and start/finish times, all
read from the JSON. ``--compare`` puts a run's rates next to those of a baseline run
(``--plain``, e.g. one without repair and training noise) and the paper's per-run rate as recalled
from Evans & Grefenstette 2018 (unverified).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from neurosym.bench.ilp_bench import table_cells


def load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f}"


def _paper(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def header(run: dict[str, Any]) -> str:
    v = run["versions"]
    versions = ", ".join(
        f"{k} {v[k]}" for k in ("neurosym", "python", "torch", "numpy", "lark", "cuda") if k in v
    )
    return (
        f"Command: `{run['command']}`  \n"
        f"Device: {run['device']}; seed {run['seed']}; versions: {versions}; started "
        f"{run.get('started', '?')}, finished {run.get('finished', '?')}.\n"
    )


def results_table(run: dict[str, Any]) -> str:
    recs = run["records"]
    cols, rows = table_cells(recs)
    verified = cols.index("verified")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        row[verified] = "**no**" if row[verified] == "no" else row[verified]
        lines.append("| " + " | ".join(row) + " |")
    ok = [r for r in recs if r["status"] == "ok"]
    total = sum(r.get("seconds", 0) for r in recs)
    lines.append("")
    lines.append(
        f"{sum(r['verified'] for r in ok)}/{len(recs)} verified, "
        f"{sum(bool(r['recovered']) for r in ok)}/{len(recs)} recovered; {total:.0f} s in total "
        f"({total / 60:.1f} min). paper %?: as recalled, unverified."
    )
    return "\n".join(lines)


def compare_table(new: dict[str, Any], plain: dict[str, Any]) -> str:
    old = {r["task"]: r for r in plain["records"] if r["status"] == "ok"}
    cols = [
        "task",
        "paper % (recalled)",
        "baseline %",
        "this run: gradient %",
        "this run: +repair %",
        "verified (baseline)",
        "verified (this run)",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in new["records"]:
        if r["status"] != "ok":
            continue
        o = old.get(r["task"])
        lines.append(
            "| "
            + " | ".join(
                [
                    r["task"],
                    _paper(r["paper_success_percent"]),
                    _pct(o["success_percent"]) if o else "–",
                    _pct(r["success_percent"]),
                    _pct(r.get("success_with_repair_percent")),
                    ("yes" if o["verified"] else "no") if o else "–",
                    "yes" if r["verified"] else "no",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="*", help="bench JSON files: one results table each")
    p.add_argument("--compare", help="bench JSON of the run to compare")
    p.add_argument(
        "--plain", help="bench JSON of the baseline run (e.g. without repair and training noise)"
    )
    args = p.parse_args(argv)
    for path in args.runs:
        run = load(path)
        print(header(run))
        print(results_table(run))
        print()
    if args.compare and args.plain:
        new, plain = load(args.compare), load(args.plain)
        print(f"This run: `{new['command']}`  \nBaseline: `{plain['command']}`\n")
        print(compare_table(new, plain))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
