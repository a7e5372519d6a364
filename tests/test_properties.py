"""Property tests (issue #20): random bytes, near-valid task files, random argument vectors and
random API inputs at the public entry points end in success or a NeurosymError -- never another
exception -- in bounded time."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.resources import tasks_dir
from neurosym.tasks.check import check_task_file

EVEN = (tasks_dir() / "ilp" / "even.task").read_text(encoding="utf-8")
QUICK = settings(max_examples=40, deadline=10_000, suppress_health_check=list(HealthCheck))


def _check_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.task"
        path.write_bytes(content)
        try:
            check_task_file(path)
        except NeurosymError:
            pass


@QUICK
@given(st.binary(max_size=300))
def test_random_bytes_as_a_task_file(content):
    _check_file(content)


PIECES = ["..", " step 0", " step ", "for X in ", "0..100000", ", Y in 0..9", "closed_world",
          "(", ")", "{", "}", ".", ",", "+1", "-", "X", "Y", "\n", "%", "//", "0", "-1", "\xef",
          "negative", "positive", "rules even: (9, yes)", "steps 0", "target even/3", "é"]


@QUICK
@given(data=st.data())
def test_near_valid_task_files(data):
    text = EVEN
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 20)))
        text = text[:i] + data.draw(st.sampled_from(PIECES)) + text[j:]
    _check_file(text.encode("utf-8", "surrogatepass"))


WORDS = ["task", "check", "generate", "ilp", "learn", "bench", "scan", "run", "demo", "ilp/even",
         "even", "scan/scan", "ilp/../x", "--device", "cpu", "tpu", "cuda", "--seed", "-1", "0",
         "--steps", "--lr", "-3", "nan", "1e9", "--restarts", "auto", "--json", "--out", "--save",
         "/", ".", "--split", "simple", "length", "-o", "hidden=-3", "x=1", "--batch-size",
         "--max-contradicted", "0.5", "--noise", "2", "--model", "neurosym", "--first-seed", "",
         "--eval-only", "--resume", "--data", "--stop", "first", "--optimizer", "sgd"]


@settings(max_examples=40, deadline=30_000, suppress_health_check=list(HealthCheck))
@given(argv=st.lists(st.sampled_from(WORDS), max_size=8))
def test_random_argument_vectors(argv, capsys):
    with tempfile.TemporaryDirectory() as folder:
        # whatever else the vector says, the run stays tiny and writes under a scratch folder
        tail = {"learn": ["--steps", "2", "--restarts", "1"],
                "bench": ["--steps", "2", "--restarts", "1", "--json", f"{folder}/b.json"],
                "run": ["--steps", "1", "--out", folder, "-o", "hidden=4", "--train-eval", "2"],
                "generate": ["--out", folder]}
        extra = [w for key, words in tail.items() if key in argv for w in words]
        try:
            code = main([*argv, *extra])
        except SystemExit as exit_:  # argparse: usage errors (2) and help
            code = exit_.code
        err = capsys.readouterr().err
        assert "internal error" not in err and "Traceback" not in err, (argv, err)
        assert code in (0, 1, 2, None), code


ATOMS = st.builds(lambda p, args: __import__("neurosym").atom(p, *args),
                  st.sampled_from(["p", "q", "edge"]),
                  st.lists(st.sampled_from(["a", "b", "c", "1"]), min_size=1, max_size=2))
ANYTHING = st.one_of(st.none(), st.text(max_size=10), st.integers(), st.lists(ATOMS, max_size=4),
                     st.just("closed_world"), st.lists(st.text(max_size=5), max_size=2))


@settings(max_examples=30, deadline=30_000, suppress_health_check=list(HealthCheck))
@given(facts=ANYTHING, positives=ANYTHING, negatives=ANYTHING,
       steps=st.one_of(st.none(), st.integers(-2, 3)))
def test_random_api_inputs(facts, positives, negatives, steps):
    from neurosym import RuleLearner, make_task

    try:
        task = make_task(facts, positives, negatives, steps=steps)
        learner = RuleLearner(steps=2, restarts=1)
        learner.fit(task)
        learner.predict(facts if isinstance(facts, list) else [])
    except NeurosymError:
        pass


@pytest.mark.parametrize("call", ["fit(None)", "fit('ilp/even')", "predict([])",
                                  "predict(['edge(a,b)'])"])
def test_api_misuse(call):
    from neurosym import RuleLearner, load_ilp_task

    learner = RuleLearner(steps=2, restarts=1)
    if call.startswith("predict"):
        learner.fit(load_ilp_task("ilp/even"))
    with pytest.raises(NeurosymError):
        eval(f"learner.{call}")
