"""A task file with a neural predicate, learned: rules and a CNN from labels on image pairs."""

from __future__ import annotations

import json

import pytest
import torch

from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.ilp.learner import RuleLearner
from neurosym.ilp.neural import HybridSettings, JointFit, fit_attempts, perceived
from neurosym.ilp.neural_task import examples, learn_neural_task
from neurosym.lang.datalog import parse_program
from neurosym.tasks.ilp_task import load_ilp_task, parse_ilp_task
from neurosym.tasks.mnist import (
    MNIST_DATA_ENV,
    default_mnist_dir,
    relation_task_text,
    synthetic_digits,
    write_idx,
)

DIGITS = [str(d) for d in range(10)]


@pytest.fixture()
def synthetic(tmp_path, monkeypatch):
    """Generated digit images as the MNIST folder; returns their labels."""
    images, labels = synthetic_digits()
    write_idx(tmp_path, images, labels)
    monkeypatch.setenv(MNIST_DATA_ENV, str(tmp_path))
    return labels


def test_perceived_unary_is_the_marginal() -> None:
    rel = torch.tensor([[0.0, 1.0, 0.5]])  # [R=1, C=3]
    p = torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    assert torch.allclose(perceived(rel, p), torch.tensor([[0.55], [0.0]]))
    with pytest.raises(NeurosymError, match="takes 1 percept"):
        perceived(rel, p, p)


def test_attempts_go_on_until_one_fits_and_uses_every_concept() -> None:
    """Attempt 0 fits but leaves a concept nearly unused (two classes merged): attempt 1 runs, and
    the lower training loss is kept; without the rule attempt 0 is good enough."""
    fits = [(0.05, 0.99, 0.28), (0.04, 0.98, 0.9), (0.01, 1.0, 1.0)]  # loss, accuracy, least used
    made: list[int] = []

    def attempt(gen: torch.Generator) -> JointFit:
        loss, accuracy, used = fits[len(made)]
        made.append(int(gen.initial_seed()))
        return JointFit(None, None, None, None, [], 0, loss, accuracy, used)

    kept, tried = fit_attempts(attempt, 0, HybridSettings(attempts=3))
    assert len(tried) == 2 and kept is tried[1] and len(set(made)) == 2
    made.clear()
    kept, tried = fit_attempts(attempt, 0, HybridSettings(attempts=3, every_concept=False))
    assert len(tried) == 1 and kept is tried[0]


def test_examples_are_image_indices_with_labels(synthetic) -> None:
    task = parse_ilp_task(relation_task_text(synthetic, "predecessor", 6, 4, 0))
    items, y = examples(task.neural, task.train)
    assert items.shape == (6, 2) and y.tolist() == [1, 1, 1, 0, 0, 0]
    for (a, b), label in zip(items.tolist(), y.tolist()):
        assert a < 8000 and b < 8000 and (int(synthetic[a]) + 1 == int(synthetic[b])) == label


def test_ilp_learn_trains_rules_and_encoder_from_pair_labels(synthetic, tmp_path, capsys) -> None:
    path = tmp_path / "pred.task"
    path.write_text(relation_task_text(synthetic, "predecessor", 400, 200, 0))
    out, run = tmp_path / "result.json", tmp_path / "run"
    code = main(["ilp", "learn", str(path), "--percept-epochs", "10", "--json", str(out),
                 "--out", str(run)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "training the rules and the digit encoder jointly" in printed
    result = json.loads(out.read_text())
    # the run folder: the program as Datalog, the result, one metrics line per attempt
    assert json.loads((run / "config.json").read_text())["settings"]["epochs"] == 10
    assert parse_program((run / "rules.txt").read_text()) == parse_program(result["program"])
    assert json.loads((run / "result.json").read_text())["program"] == result["program"]
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["attempt"] for m in lines] == list(range(len(result["attempts"])))
    assert sum(m["chosen"] for m in lines) == 1
    assert result["accuracy"]["train"] >= 0.95 and result["accuracy"]["validation"] >= 0.9
    # the labels cannot tell the digits from their mirror image (d -> 9 - d, succ reversed)
    seen = [result["perceived_as"][d] for d in DIGITS]
    if result["program"] == "predecessor(X, Y) :- succ(X, Y).":
        assert seen == DIGITS and result["encoder_accuracy"]["validation"] > 0.9
    else:
        assert result["program"] == "predecessor(X, Y) :- succ(Y, X)."
        assert seen == DIGITS[::-1] and result["encoder_accuracy"]["validation"] < 0.1


def test_save_is_refused_before_training_and_rule_learner_names_the_entry_point(
    synthetic, tmp_path, capsys
) -> None:
    path = tmp_path / "pred.task"
    path.write_text(relation_task_text(synthetic, "predecessor", 20, 10, 0))
    assert main(["ilp", "learn", str(path), "--save", str(tmp_path / "m.safetensors")]) == 1
    captured = capsys.readouterr()
    assert "--save" in captured.err and "learn_neural_task" in captured.err
    assert "training" not in captured.out and not (tmp_path / "m.safetensors").exists()
    with pytest.raises(NeurosymError, match=r"neural predicate \(digit.*learn_neural_task"):
        RuleLearner().fit(parse_ilp_task(path.read_text()))


def test_a_task_without_a_percept_line_is_refused() -> None:
    with pytest.raises(NeurosymError, match="no neural predicate"):
        learn_neural_task(load_ilp_task("ilp/predecessor"))


@pytest.mark.slow
@pytest.mark.skipif(default_mnist_dir() is None, reason="../shared/mnist absent (MNIST test set)")
def test_bundled_mnist_less_than() -> None:
    result = learn_neural_task(load_ilp_task("ilp/mnist_less_than"), HybridSettings(), seed=0)
    # seed 0 learns the mirror image: each digit its own concept, read in reverse
    assert result.accuracy["validation"] > 0.9 and len(set(result.perceived_as.values())) == 10
