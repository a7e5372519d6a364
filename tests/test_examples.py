"""Every example script runs to the end on the CPU and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POPPER_KINSHIP = ROOT.parent / "shared" / "popper" / "kinship-pi"


def run_example(name: str, *args: str, timeout: float = 120) -> str:
    """Run ``examples/<name>`` with this checkout's package first on the path; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_learn_from_popper_writes_and_learns_a_popper_folder():
    out = run_example("learn_from_popper.py")
    assert "ILP task family: target grandparent/2" in out
    assert "grandparent(X, Y) :- parent(X, Z), parent(Z, Y)." in out
    assert "verified; TP 6 FN 0 TN 6 FP 0" in out


@pytest.mark.slow
@pytest.mark.skipif(not POPPER_KINSHIP.is_dir(), reason="no ../shared/popper beside the checkout")
def test_learn_from_popper_reads_popper_kinship_pi():
    out = run_example("learn_from_popper.py", str(POPPER_KINSHIP))
    assert "ILP task kinship-pi" in out and "verified;" in out


def test_own_compositional_task_learns_its_meanings():
    out = run_example("own_compositional_task.py")
    for meaning in ("after(x, y) = y x", "thrice(x) = x x x", "right = RIGHT"):
        assert meaning in out
    assert "test exact match on the commands that use 'right' in new ways: 100.00%" in out


@pytest.mark.slow
def test_scan_split_runs_and_reads_its_run_folder(tmp_path):
    out = run_example("scan_split.py", str(tmp_path))
    run = tmp_path / "addprim_jump-neurosym-seed0"
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "metrics.jsonl", "result.json", "rules.txt"} <= names
    assert "test exact match 100.00% on 7706 commands" in out
    assert "jump = I_JUMP" in out and "learned rules, seed 0" in out


def test_neural_predicate_learns_digits_from_sums():
    out = run_example("neural_predicate.py")
    assert "digit accuracy on 2000 unseen images (never labelled):" in out
