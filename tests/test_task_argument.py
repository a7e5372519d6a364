"""Every command that takes a TASK (task check, ilp learn, ilp bench) accepts the same kinds:
a task file path, a bundled name and a Popper folder, resolved by one loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.tasks.source import load_ilp_source, resolve_task

ROOT = Path(__file__).resolve().parents[1]
POPPER = ROOT / "tests" / "tasks" / "data" / "popper_grandparent"
KINDS = {
    "file": (str(ROOT / "tasks" / "ilp" / "predecessor.task"), "predecessor"),
    "bundled": ("ilp/predecessor", "predecessor"),
    "popper": (str(POPPER), "popper_grandparent"),
}
QUICK = ["--device", "cpu", "--steps", "3", "--restarts", "2"]


def test_resolve_task_kinds():
    assert resolve_task(POPPER) == POPPER
    assert resolve_task("ilp/even").name == "even.task"
    assert resolve_task("even", bundled_folder="ilp") == resolve_task("ilp/even")
    assert load_ilp_source("even").name == "even"
    assert load_ilp_source(POPPER).target == "grandparent"
    with pytest.raises(NeurosymError, match="bundled"):
        resolve_task("no_such_task", bundled_folder="ilp")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_task_check_accepts(kind, capsys):
    source, name = KINDS[kind]
    assert main(["task", "check", source]) == 0
    out = capsys.readouterr().out
    assert ": ok: " in out and name in out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_ilp_learn_accepts(kind, tmp_path: Path, capsys):
    source, name = KINDS[kind]
    out = tmp_path / "r.json"
    assert main(["ilp", "learn", source, *QUICK, "--quiet", "--json", str(out)]) in (0, 1)
    assert json.loads(out.read_text())["task"] == name
    assert f"ILP task {name}:" in capsys.readouterr().out


def test_ilp_bench_accepts_every_kind_in_one_run(tmp_path: Path, capsys):
    out = tmp_path / "b.json"
    sources = [source for source, _ in KINDS.values()]
    main(["ilp", "bench", *sources, *QUICK, "--no-progress", "--json", str(out)])
    records = json.loads(out.read_text())["records"]
    assert [r["task"] for r in records] == [name for _, name in KINDS.values()]
    assert all(r["status"] == "ok" for r in records), records


def test_ilp_bench_out_writes_a_run_folder(tmp_path: Path, capsys):
    from neurosym.bench.run_folder import RunFolder
    from neurosym.lang.datalog import parse_program

    folder = RunFolder(tmp_path / "run")
    main(["ilp", "bench", "predecessor", str(POPPER), *QUICK, "--no-progress",
          "--out", str(folder.path)])
    assert f"wrote the run folder {folder.path}" in capsys.readouterr().out
    assert folder.read_config()["settings"]["tasks"] == ["predecessor", str(POPPER)]
    result = folder.read_result()
    assert [r["task"] for r in result["records"]] == ["predecessor", "popper_grandparent"]
    lines = folder.read_metrics()
    assert [m["task"] for m in lines] == ["predecessor", "popper_grandparent"]
    assert all(m["event"] == "task" and "verified" in m and "program" not in m for m in lines)
    rules = folder.rules_path.read_text()
    for r in result["records"]:
        assert f"% {r['task']}: " in rules and r["program"] in rules
        parse_program(r["program"])
    # the folder is not overwritten by a second run
    assert main(["ilp", "bench", "predecessor", *QUICK, "--out", str(folder.path)]) == 1
