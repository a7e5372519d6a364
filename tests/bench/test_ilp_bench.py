"""``neurosym ilp bench``: noise, judging, the table, the JSON, failures, and the CLI (small and
fast)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import neurosym.ilp
from neurosym.bench.ilp_bench import (
    BENCH_LEARNER,
    PAPER_SUCCESS_PERCENT,
    PAPER_TASKS,
    BenchSettings,
    flip_labels,
    format_table,
    recovers_intended,
    run_bench,
    true_label_errors,
)
from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.lang.datalog import parse_program
from neurosym.tasks.ilp_task import load_ilp_task


def test_every_paper_task_has_a_paper_figure_and_a_file():
    assert len(PAPER_TASKS) == 20 and set(PAPER_SUCCESS_PERCENT) == set(PAPER_TASKS)
    for name in PAPER_TASKS:
        assert load_ilp_task(f"ilp/{name}").solution is not None


def test_flip_labels_is_seeded_counts_right_and_leaves_validation_clean():
    task = load_ilp_task("ilp/adjacent_to_red")  # 10 training labels, 7 validation labels
    noisy, k = flip_labels(task, 0.2, seed=3)
    assert k == 2
    before = {(w.name, a): lab for w in task.train for a, lab in w.examples}
    after = {(w.name, a): lab for w in noisy.train for a, lab in w.examples}
    assert before.keys() == after.keys()
    assert sum(before[key] != after[key] for key in before) == 2
    assert noisy.validation == task.validation
    assert flip_labels(task, 0.2, seed=3)[0].train == noisy.train
    assert flip_labels(task, 0.0, seed=3) == (task, 0)
    with pytest.raises(NeurosymError):
        flip_labels(task, 1.5, seed=0)


def test_recovered_means_same_least_model_as_the_intended_program():
    task = load_ilp_task("ilp/connectedness")
    assert recovers_intended(task.solution, task) is True
    closure = parse_program(
        "connected(X, Y) :- edge(X, Y).\nconnected(X, Y) :- connected(X, Z), connected(Z, Y)."
    )
    assert recovers_intended(closure, task) is True and true_label_errors(closure, task) == 0
    wrong = parse_program("connected(X, Y) :- edge(X, Y).")
    assert recovers_intended(wrong, task) is False and true_label_errors(wrong, task) > 0


def _bench(tmp_path, tasks, **kw):
    learner = BENCH_LEARNER.replace(
        restarts=kw.pop("restarts", 4), steps=kw.pop("steps", 150), device="cpu", seed=0
    )
    s = BenchSettings(
        tasks=tasks, learner=learner, json=str(tmp_path / "bench.json"), progress=False, **kw
    )
    return run_bench(s)


def test_small_suite_runs_and_writes_json(tmp_path):
    records, path = _bench(tmp_path, ["predecessor", "undirected_edge", "husband"])
    data = json.loads(path.read_text())
    assert [r["task"] for r in data["records"]] == ["predecessor", "undirected_edge", "husband"]
    for key in ("command", "device", "seed", "versions", "settings"):
        assert key in data
    pred = records[0]
    assert pred["status"] == "ok" and pred["verified"] and pred["recovered"]
    assert pred["program"].startswith("predecessor(X, Y) :- succ(Y, X)")
    assert pred["clauses_generated"] == 15 and pred["restarts"] == 4
    for key in (
        "restarts_succeeded",
        "success_percent",
        "steps_to_first_success",
        "steps_run",
        "seconds",
        "peak_memory_bytes",
        "device",
        "seed",
        "versions",
        "command",
        "paper_success_percent",
    ):
        assert key in pred
    table = format_table(records)
    assert "predecessor" in table and "3/3 verified" in table
    # time to a verified program: in the record, the JSON and a column of the table
    assert pred["steps_to_first_success"] == pred["learner"]["ttv_step"] == 5
    assert 0 < pred["ttv_seconds"] == data["records"][0]["ttv_seconds"] <= pred["seconds"]
    assert pred["stopped_on_time"] is False
    header = table.splitlines()[0]
    assert header.index("steps to 1st") < header.index("TTV s") < header.index("steps run")
    assert f"{pred['ttv_seconds']:.1f}" in table.splitlines()[2]


def test_bench_progress_is_a_line_per_task_when_stderr_is_not_a_terminal(tmp_path, capsys):
    learner = BENCH_LEARNER.replace(restarts=2, steps=50, device="cpu", seed=0)
    run_bench(BenchSettings(tasks=["predecessor"], learner=learner, json=str(tmp_path / "b.json")))
    err = capsys.readouterr().err  # pytest's capture is not a terminal: no bar drawn
    assert err.startswith("predecessor: verified after ") and "\r" not in err


def test_noise_is_reported_and_judged_on_true_labels(tmp_path):
    records, _ = _bench(tmp_path, ["predecessor"], noise=0.1)
    (rec,) = records
    assert rec["labels_flipped"] == 10 and rec["labels"] == 100
    assert rec["recovered"] == (rec["true_labels_contradicted"] == 0)
    assert "flipped" in format_table(records)


def test_a_failing_task_is_reported_and_the_suite_goes_on(tmp_path, monkeypatch):
    real = neurosym.ilp.RuleLearner

    class Flaky(real):  # type: ignore[misc, valid-type]
        def fit(self, task, callback=None):
            if task.name == "father":
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
            if task.name == "husband":
                raise ValueError("something else broke")
            return super().fit(task, callback)

    monkeypatch.setattr(neurosym.ilp, "RuleLearner", Flaky)
    records, path = _bench(tmp_path, ["father", "husband", "predecessor"], restarts=2, steps=50)
    assert [r["status"] for r in records] == ["out of memory", "error", "ok"]
    assert "something else broke" in records[1]["error"]
    assert len(json.loads(path.read_text())["records"]) == 3
    table = format_table(records)
    assert "OUT OF MEMORY" in table and "1 verified" not in table.splitlines()[-1]
    # bench/ilp/tables.py renders the same cells as Markdown
    spec = importlib.util.spec_from_file_location(
        "tables", Path(__file__).parents[2] / "bench/ilp/tables.py"
    )
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    markdown = tables.results_table({"records": records}).splitlines()
    assert markdown[2].startswith("| father | - |") and "OUT OF MEMORY" in markdown[2]
    assert markdown[4].startswith("| predecessor | ") and markdown[-1].startswith("1/3 verified")


def test_cli_runs_the_bench_and_rejects_bad_names(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        [
            "ilp",
            "bench",
            "predecessor",
            "--restarts",
            "2",
            "--steps",
            "50",
            "--device",
            "cpu",
            "--json",
            str(out),
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0 and "predecessor" in printed and out.is_file()
    code = main(
        ["ilp", "bench", "no_such_task", "--device", "cpu", "--json", str(tmp_path / "x.json")]
    )
    assert code == 1 and "no task file" in capsys.readouterr().err
    code = main(["ilp", "bench", "predecessor", "--noise", "2", "--json", str(tmp_path / "y.json")])
    assert code == 1 and "--noise" in capsys.readouterr().err


SCALED = {f"{t}_{n}" for t in ("ancestor", "grandparent", "uncle", "reach", "leads_to_red")
          for n in (20, 40, 80)} | {f"{t}_{n}" for t in ("less_than", "even") for n in (20, 40)}


def test_suite_flag_selects_the_scaled_or_the_paper_tasks(tmp_path, monkeypatch, capsys):
    """--suite scaled runs tasks/ilp/scaled, no suite the paper's 20 (training replaced by a
    record of the task's name)."""
    from neurosym.bench import ilp_bench

    seen: list[str] = []

    def untrained(task, s, on_progress=None):
        seen.append(task.name)
        return {"task": task.name, "status": "error", "error": "not trained", "seconds": 0.0}

    monkeypatch.setattr(ilp_bench, "run_task", untrained)
    args = ["ilp", "bench", "--device", "cpu", "--no-progress", "--json"]
    assert main([*args, str(tmp_path / "s.json"), "--suite", "scaled"]) == 1
    assert set(seen) == SCALED and len(seen) == len(SCALED)
    assert json.loads((tmp_path / "s.json").read_text())["settings"]["suite"] == "scaled"
    seen.clear()
    assert main([*args, str(tmp_path / "p.json")]) == 1
    assert seen == list(PAPER_TASKS)
    seen.clear()
    assert main([*args, str(tmp_path / "x.json"), "--suite", "scaled", "even"]) == 1
    assert not seen and "not both" in capsys.readouterr().err


def test_scaled_tasks_are_found_by_name_path_and_folder():
    from neurosym.resources import tasks_dir

    path = tasks_dir() / "ilp/scaled/uncle_20.task"
    for name in ("ilp/scaled/uncle_20", "uncle_20", "ilp/uncle_20", str(path)):
        assert load_ilp_task(name).name == "uncle_20"
