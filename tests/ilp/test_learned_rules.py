"""What `ilp learn` shows: clauses that never fire dropped, the run folder, confidence explained."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from neurosym.cli import main
from neurosym.ilp import RuleLearner
from neurosym.ilp.budget import check_schedule
from neurosym.ilp.extract import drop_unfired
from neurosym.lang.datalog import parse_atoms, parse_program
from neurosym.logic.evaluator import least_model
from neurosym.tasks.ilp_task import load_ilp_task

FAMILY = parse_atoms("parent(a, b). parent(b, c). parent(c, d). male(a). male(b).")


def test_clauses_that_never_fire_are_dropped_and_the_least_model_is_unchanged():
    program = parse_program("""
        grandmother(X, Y) :- aux1(X, Z), parent(Z, Y).
        grandmother(X, Y) :- male(X), grandmother(Y, Y).
        aux1(X, Y) :- parent(X, Y).
        aux1(X, Y) :- male(X), parent(Y, Y).
        aux2(X, Y) :- parent(Y, X).
    """)
    world = SimpleNamespace(background=FAMILY)
    kept, dropped = drop_unfired(program, [world], "grandmother")
    # two bodies never hold (no one is their own parent); aux2 fires but the target never uses it
    assert dropped == 3
    assert kept == parse_program("grandmother(X, Y) :- aux1(X, Z), parent(Z, Y). "
                                 "aux1(X, Y) :- parent(X, Y).")
    full, pruned = least_model(FAMILY, program), least_model(FAMILY, kept)
    for pred in ("grandmother", "aux1"):
        assert full.tuples(pred) == pruned.tuples(pred)


def test_a_clause_that_fires_in_one_world_only_is_kept():
    program = parse_program("p(X) :- q(X). p(X) :- r(X).")
    worlds = [SimpleNamespace(background=parse_atoms("q(a).")),
              SimpleNamespace(background=parse_atoms("r(b)."))]
    assert drop_unfired(program, worlds, "p") == (program, 0)
    assert drop_unfired(program, worlds[:1], "p") == (parse_program("p(X) :- q(X)."), 1)


def test_the_learner_reports_the_dropped_clauses():
    result = RuleLearner(seed=0, device="cpu").fit(load_ilp_task("ilp/predecessor"))
    assert result.clauses_dropped == 0 and "never fire" not in result.summary()
    result.clauses_dropped = 2
    assert "(2 that never fire dropped)" in result.summary()


def test_ilp_learn_writes_a_run_folder(tmp_path: Path, capsys):
    out = tmp_path / "run"
    args = ["ilp", "learn", "ilp/even", "--device", "cpu", "--seed", "0", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"wrote the run folder {out}" in printed
    config = json.loads((out / "config.json").read_text())
    assert config["task"] == "ilp/even" and config["learner"]["seed"] == 0
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    result = json.loads((out / "result.json").read_text())
    run = result["settings"]
    schedule = check_schedule(run["first_check"], run["check_every"], run["steps"])
    # restarts="auto": the probe's restarts are checked first, once, before the larger batch
    probe = [m for m in metrics if m["restarts"] < result["restarts"]]
    assert [m["step"] for m in probe] in ([], [schedule[0]])
    assert [m["step"] for m in metrics[len(probe):]] == [
        s for s in schedule if s <= result["steps_run"]
    ]
    assert all("loss" in m and "restarts_succeeded" in m for m in metrics)
    assert result["verified"] is True and result["clauses_dropped"] == 0
    rules = (out / "rules.txt").read_text()
    assert rules.startswith("% even: verified")
    assert parse_program(rules) == parse_program(result["program"])
    assert result["program"] in printed
    # a second run into the same folder is refused, not mixed in
    assert main(args) == 1
    assert "already holds files" in capsys.readouterr().err


def test_ilp_learn_help_explains_confidence(capsys):
    with pytest.raises(SystemExit):
        main(["ilp", "learn", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "confidence: for each predicate, the probability" in text and "--out DIR" in text
