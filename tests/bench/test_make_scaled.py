"""bench/ilp/make_scaled.py: the committed tasks/ilp/scaled files are exactly what it writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from neurosym.resources import tasks_dir

SCRIPT = Path(__file__).parents[2] / "bench/ilp/make_scaled.py"


@pytest.fixture(scope="module")
def make_scaled():
    spec = importlib.util.spec_from_file_location("make_scaled", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_scaled"] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules["make_scaled"]


def test_regenerating_gives_the_committed_files(make_scaled, tmp_path):
    assert make_scaled.main(["--out", str(tmp_path), "--seed", "0"]) == 0
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.task")}
    committed = {
        p.name: p.read_text(encoding="utf-8") for p in (tasks_dir() / "ilp/scaled").glob("*.task")
    }
    assert len(written) == 19
    assert written == committed, "rerun bench/ilp/make_scaled.py and commit tasks/ilp/scaled"


def test_the_seed_draws_new_trees_and_graphs_but_not_new_numbers(make_scaled):
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    zero, one = make_scaled.task_texts(0), make_scaled.task_texts(1)
    assert body(zero["even_20.task"]) == body(one["even_20.task"])
    assert body(zero["reach_40.task"]) != body(one["reach_40.task"])
    assert body(zero["uncle_40.task"]) != body(one["uncle_40.task"])
    assert "--seed 1" in one["uncle_40.task"]


def test_chaining_steps_counts_synchronous_steps(make_scaled):
    from neurosym.logic import atom

    edges = [atom("edge", a, b) for a, b in ("ab", "bc", "cd", "de", "ef")]
    goal = {atom("reach", "a", "f")}
    doubling = make_scaled.TARGETS["graph"][0].solution
    assert make_scaled.chaining_steps(edges, doubling, goal) == 4  # 1, 2, 4, then 5
    chain = "reach(X, Y) :- edge(X, Y), edge(X, Y).\nreach(X, Y) :- edge(X, Z), reach(Z, Y)."
    assert make_scaled.chaining_steps(edges, chain, goal) == 5
    with pytest.raises(ValueError, match="never derives"):
        make_scaled.chaining_steps(edges, chain, {atom("reach", "f", "a")})
