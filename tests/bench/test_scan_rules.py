"""``scan run --model neurosym`` prints the learned rules and writes them to the run folder."""

from __future__ import annotations

import json

from neurosym.bench.scan_runner import rules_text, run_scan
from tests.bench.test_scan_runner import _one_thread, _settings, data_dir  # noqa: F401 (fixtures)


def test_neurosym_run_prints_and_writes_its_rules(data_dir, tmp_path, capsys):  # noqa: F811
    options = {"restarts": 4, "steps": 80}
    run_scan(_settings(data_dir, tmp_path / "runs", model="neurosym", steps=None, options=options))
    printed = capsys.readouterr().out
    folder = tmp_path / "runs" / "simple-neurosym-seed0"
    rules = json.loads((folder / "result.json").read_text())["fit_extra"]["rules"]
    written = (folder / "rules.txt").read_text().splitlines()
    assert [line.split("   # p=")[0].rstrip() for line in written] == list(rules.values())
    assert "twice(x) = x x" in rules.values()
    assert printed.index("learned rules, seed 0") > printed.index("wrote ")
    assert "\n".join(written) in printed


def test_rules_text_of_a_model_without_rules_is_empty():
    assert rules_text({"examples_seen": 10}) == ""
    assert rules_text({"rules": {"walk": "walk = WALK"}}) == "walk = WALK\n"
