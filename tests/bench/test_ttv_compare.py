"""bench/ilp/ttv_compare.py: the child's output, the cells, medians and table, task selection, and
one real child run at this checkout (no old commit needed)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from neurosym.resources import find_task

SCRIPT = Path(__file__).parents[2] / "bench/ilp/ttv_compare.py"


@pytest.fixture(scope="module")
def ttv():
    spec = importlib.util.spec_from_file_location("ttv_compare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _line(module, **record) -> str:
    return module.MARK + json.dumps(record)


def test_child_output_gives_the_done_record_or_the_last_check(ttv):
    checks = [_line(ttv, event="check", step=s, seconds=s / 10, succeeded=0) for s in (25, 50)]
    done = _line(ttv, event="done", ttv=4.5, status="verified", steps=50)
    text = "\n".join(["noise from the learner", *checks, done])
    assert ttv.parse_child_output(text) == {"ttv": 4.5, "status": "verified", "steps": 50}
    assert ttv.parse_child_output("\n".join(checks)) == {"status": None, "ttv": None, "steps": 50}
    assert ttv.parse_child_output("Traceback ...")["steps"] is None


def test_cells_ratio_and_medians(ttv):
    ok = {"status": "verified", "ttv": 2.0}
    slow = {"status": "verified", "ttv": 30.0}
    late = {"status": "time limit", "ttv": None}
    refused = {"status": "refused", "ttv": None, "error": "ResourceLimitError: 357 GiB"}
    assert [ttv.ttv_cell(r, 600) for r in (ok, late, refused)] == ["2.0", ">600", "refused"]
    assert ttv.ratio_cell(slow, ok, 600) == "15.0"
    assert ttv.ratio_cell(late, ok, 600) == ">300.0"  # a lower bound
    assert ttv.ratio_cell(refused, ok, 600) == "-" and ttv.ratio_cell(ok, late, 600) == "-"
    assert ttv.median_cell([1.0, 3.0, None]) == "3.0"
    assert ttv.median_cell([1.0, None, None]) == "none" and ttv.median_cell([]) == "-"
    records = [{"old": slow, "new": ok}, {"old": late, "new": ok}, {"old": refused, "new": ok}]
    assert ttv.median_ratio(records[:1], 600) == "15.0"
    assert ttv.median_ratio(records, 600) == ">157.5"  # (15 + 300) / 2; the refusal is left out


def test_table_has_a_row_per_task_medians_per_suite_and_the_exceptions(ttv):
    runs = [("scaled", "a_20", {"status": "verified", "ttv": 8.0},
             {"status": "verified", "ttv": 1.0}),
            ("scaled", "b_20", {"status": "time limit", "ttv": None},
             {"status": "verified", "ttv": 2.0}),
            ("popper", "trains1", {"status": "refused", "ttv": None, "error": "Res: 357 GiB"},
             {"status": "verified", "ttv": 9.0})]
    records = [{"suite": s, "task": t, "constants": 20, "old": o, "new": n} for s, t, o, n in runs]
    lines = ttv.format_table(records, 60).splitlines()
    assert lines[2].split() == ["scaled", "a_20", "20", "8.0", "1.0", "8.0", "-/-"]
    assert lines[3].split()[3:6] == [">60", "2.0", ">30.0"]
    assert lines[5].split() == ["scaled", "median", "of", "2", "none", "1.5", ">19.0"]
    assert lines[6].split()[:6] == ["popper", "median", "of", "1", "none", "9.0"]
    assert lines[-1] == "  trains1 (old): Res: 357 GiB"


def test_sources_selection_and_options(ttv, tmp_path):
    scaled = ttv.task_sources(["scaled"], None)
    assert len(scaled) == 19 and all(p.is_file() for _, _, p in scaled)
    (tmp_path / "kin").mkdir()
    (tmp_path / "kin" / "exs.pl").write_text("pos(f(a)).\n")
    (tmp_path / "notes").mkdir()
    sources = ttv.task_sources(["paper", "popper"], tmp_path)
    assert len(sources) == 21 and sources[-1] == ("popper", "kin", tmp_path / "kin")
    names = [n for _, n, _ in ttv.selected(scaled, "uncle_*, even_20")]
    assert names == ["even_20", "uncle_20", "uncle_40", "uncle_80"]
    assert ttv.options_of(["restarts=8", "optimizer=adam", "x=[1]"]) == {
        "restarts": 8, "optimizer": "adam", "x": [1]}
    with pytest.raises(SystemExit):
        ttv.options_of(["restarts"])


def test_a_child_run_at_this_checkout_measures_ttv(ttv):
    args = argparse.Namespace(python=sys.executable, device="cpu", seed=0, time_limit=120,
                              clock="wall")
    root = SCRIPT.parents[2]
    for clock in ("wall", "cpu"):
        args.clock = clock
        run = ttv.run_child(root, find_task("ilp/predecessor").resolve(), args, {"restarts": 2})
        assert run["status"] == "verified", run
        assert 0 < run["ttv"] <= run["seconds"] and run["constants"] == 10
        assert run["restarts"] == 2 and run["versions"]["neurosym"]
    bad = ttv.run_child(root, root / "no_such.task", args, {})
    assert bad["status"] == "error" and "no_such" in bad["error"]
    assert 0 <= bad["ended_after"] < 60  # the time from reading the task to the error
