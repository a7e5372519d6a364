"""Neural predicates in ILP task files: ``percept digit from mnist {...}``, examples over items."""

from __future__ import annotations

import numpy as np
import pytest

from neurosym.errors import TaskFileError
from neurosym.tasks.check import check_task_file
from neurosym.tasks.ilp_task import parse_ilp_task
from neurosym.tasks.mnist import MNIST_DATA_ENV, synthetic_digits, write_idx

HEAD = """task tiny
percept digit from mnist {0: 0, 1: 1, 2: 2}
constants 0..2
extensional succ/2
target pred/2
rules pred: (0, no)
background { succ(0, 1). succ(1, 2). }
"""
EXAMPLES = """positive { pred(mnist[0], mnist[1]). }
negative { pred(mnist[2], mnist[I]) for I in 3..4. }
"""


@pytest.fixture()
def images(tmp_path, monkeypatch) -> np.ndarray:
    """A stand-in MNIST folder of 50 generated images; returns their labels."""
    images, labels = synthetic_digits(count=50)
    write_idx(tmp_path, images, labels)
    monkeypatch.setenv(MNIST_DATA_ENV, str(tmp_path))
    return labels


def test_items_and_the_neural_predicate_reach_the_task(images) -> None:
    task = parse_ilp_task(HEAD + EXAMPLES)
    assert task.neural.pred == "digit" and task.neural.dataset == "mnist"
    assert task.neural.concepts == {"0": 0, "1": 1, "2": 2}
    assert [a.ground_tuple() for a in task.train[0].negatives] == [
        ("mnist[2]", "mnist[3]"),
        ("mnist[2]", "mnist[4]"),
    ]
    assert task.neural.index("mnist[42]") == 42 and task.neural.item(7) == "mnist[7]"
    assert task.constants == ("0", "1", "2")  # items are not constants of the rules' language
    assert "neural predicate digit from mnist" in task.summary()


@pytest.mark.parametrize(
    ("change", "message", "line", "hint"),
    [
        (("from mnist", "from cifar"), "unknown data set 'cifar'", 2, "data sets are: mnist"),
        (("2: 2}", "7: 2}"), "concept 7 is not a declared constant", 2, "'constants' line"),
        (("2: 2}", "2: 10}"), "class 10 of 2 is not a class of 'mnist'", 2, "0 .. 9"),
        (("2: 2}", "2: 1}"), "class 1 stands for two concepts", 2, "its own class"),
        (("mnist[0]", "mnist[50]"), "item index 50 out of range: mnist has 50", 8, "0 .. 49"),
        (("mnist[0]", "fashion[0]"), "item of data set 'fashion'", 8, "mnist[0]"),
        (("mnist[0], mnist[1]", "0, mnist[1]"), "is not over items", 8, "every argument"),
        (("percept digit", "percept succ"), "neural predicate succ is also", 2, "own name"),
        (("negative { pred(mnist[2], mnist[I]) for I in 3..4. }", "negative closed_world"),
         "closed_world' with", 2, "over items"),
    ],
)
def test_located_errors(images, change, message, line, hint) -> None:
    with pytest.raises(TaskFileError) as err:
        parse_ilp_task((HEAD + EXAMPLES).replace(*change), path="t.task")
    assert message in str(err.value) and err.value.line == line and hint in str(err.value)


def test_items_without_a_percept_line_and_items_in_the_background(images) -> None:
    no_percept = "\n".join(line for line in HEAD.splitlines() if "percept" not in line)
    with pytest.raises(TaskFileError, match="no 'percept' line") as err:
        parse_ilp_task(no_percept + "\n" + EXAMPLES)
    assert "percept digit from mnist" in str(err.value)
    with pytest.raises(TaskFileError, match="not in the declared constants"):
        parse_ilp_task(HEAD.replace("succ(0, 1).", "succ(mnist[0], 1).") + EXAMPLES)


def test_missing_data_set_says_where_it_was_looked_for(tmp_path, monkeypatch) -> None:
    nowhere = [tmp_path / "nowhere", tmp_path / "shared" / "mnist"]
    monkeypatch.setattr("neurosym.tasks.mnist.mnist_candidates", lambda: nowhere)
    path = tmp_path / "t.task"
    path.write_text(HEAD + EXAMPLES)
    with pytest.raises(TaskFileError) as err:
        check_task_file(path)
    text = str(err.value)
    assert "data set 'mnist' is missing" in text and f"{nowhere[0]}, {nowhere[1]}" in text
    assert err.value.line == 2


def test_bundled_task_checks(images) -> None:
    """The bundled task names images up to 9999: with a 50-image stand-in folder the check
    points at the first item out of range (and passes on the real MNIST folder)."""
    with pytest.raises(TaskFileError, match="out of range: mnist has 50 items"):
        check_task_file("ilp/mnist_less_than")
